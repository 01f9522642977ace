using System.Buffers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// Canonical text forms of objects, for change detection. An object is serialized with KubernetesClient's JSON
/// settings, the fields a view ignores are dropped, and every JSON object's keys are sorted, so two objects that
/// differ only in map order (labels written in another order) compare equal. Arrays keep their order: in the
/// Gateway API order is meaningful (rules, matches, listeners).
/// Hand-written because no library offers a canonical JSON form; System.Text.Json preserves property order. Each
/// form is written in one pass over a parsed document (no intermediate node tree).
/// </summary>
public static class CanonicalForm
{
    /// <summary>
    /// Everything but status and the metadata the API server manages (resourceVersion, managedFields). Two
    /// objects with the same form are the same as far as the controller is concerned: updates that change only
    /// status or resourceVersion (our own status writes echoed back by a watch) are ignored. Status is kept for the
    /// kinds whose status we read but never write (<see cref="KindInfo.HasStatus"/> false): a Service's
    /// status.loadBalancer.ingress is the address of a Gateway in Kubernetes mode.
    /// </summary>
    public static string Significant(IKubernetesObject<V1ObjectMeta> obj) => Significant(Parse(obj).RootElement);

    /// <summary><see cref="Significant(IKubernetesObject{V1ObjectMeta})"/> of an object already serialized with KubernetesClient's JSON settings.</summary>
    public static string Significant(JsonElement root)
    {
        var kind = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() ?? "" : "";
        var dropStatus = KindRegistry.ByName(kind) is not { HasStatus: false };
        return Render(root, name => dropStatus && name == "status", static name => name is "resourceVersion" or "managedFields");
    }

    /// <summary>
    /// What a client supplies: everything but status and the metadata the API server sets itself (uid,
    /// resourceVersion, generation, managedFields, selfLink). creationTimestamp stays: a file may set it and route
    /// precedence (oldest first) depends on it.
    /// </summary>
    public static string ClientSupplied(IKubernetesObject<V1ObjectMeta> obj) => ClientSupplied(Parse(obj).RootElement);

    /// <summary><see cref="ClientSupplied(IKubernetesObject{V1ObjectMeta})"/> of an object already serialized with KubernetesClient's JSON settings.</summary>
    public static string ClientSupplied(JsonElement root) =>
        Render(root, static name => name == "status", static name => name is "uid" or "resourceVersion" or "generation" or "managedFields" or "selfLink");

    /// <summary>
    /// The part whose changes bump metadata.generation: every top-level field but apiVersion, kind, metadata and
    /// status. For the Gateway API kinds (CRDs with a status subresource) that is what the API server does; for
    /// built-in kinds it is spec (plus data for Secrets and ConfigMaps, which have no generation in a cluster).
    /// </summary>
    public static string Spec(IKubernetesObject<V1ObjectMeta> obj) => Spec(Parse(obj).RootElement);

    /// <summary><see cref="Spec(IKubernetesObject{V1ObjectMeta})"/> of an object already serialized with KubernetesClient's JSON settings.</summary>
    public static string Spec(JsonElement root) =>
        Render(root, static name => name is "apiVersion" or "kind" or "metadata" or "status", null);

    /// <summary>
    /// A 128-bit digest of a form (the first half of its SHA-256): what is kept for an object for the process lifetime
    /// instead of the form itself, which is as long as the object's JSON. Equal forms give equal digests; a collision
    /// of two different forms is as unlikely as a SHA-256 collision on 128 bits.
    /// </summary>
    public static UInt128 Digest(string form)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(form.AsSpan()), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>The <see cref="Digest"/> of <see cref="Significant(IKubernetesObject{V1ObjectMeta})"/>: what the store keeps per object for change detection.</summary>
    public static UInt128 SignificantDigest(IKubernetesObject<V1ObjectMeta> obj) => Digest(Significant(obj));

    /// <summary>Canonical form of any serializable value (status objects, references).</summary>
    public static string Of(object? value)
    {
        if (value is null) return "null";
        using var document = JsonDocument.Parse(KubernetesJson.Serialize(value));
        return Render(document.RootElement, null, null);
    }

    /// <summary>
    /// <paramref name="obj"/> serialized with KubernetesClient's JSON settings, as a document the forms above read
    /// (one serialization can serve several forms and a deep copy; the caller disposes it).
    /// </summary>
    public static JsonDocument Parse(IKubernetesObject<V1ObjectMeta> obj) => JsonDocument.Parse(KubernetesJson.Serialize(obj));

    /// <summary>
    /// Writes <paramref name="root"/> with every object's keys in ordinal order, leaving out the top-level keys
    /// <paramref name="dropTop"/> names and the keys of the top-level "metadata" object <paramref name="dropMetadata"/>
    /// names. Values are written as the document holds them (strings re-escaped by the writer's default encoder).
    /// </summary>
    private static string Render(JsonElement root, Func<string, bool>? dropTop, Func<string, bool>? dropMetadata)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, root, dropTop, dropMetadata);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, Func<string, bool>? drop, Func<string, bool>? dropMetadata)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // JsonProperty.Name makes a new string on every read: read each once.
                var properties = new List<(string Name, JsonElement Value)>();
                foreach (var p in element.EnumerateObject())
                {
                    var name = p.Name;
                    if (drop is null || !drop(name)) properties.Add((name, p.Value));
                }
                if (properties.Count > 1) properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.WriteStartObject();
                foreach (var (name, value) in properties)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value, dropMetadata is not null && name == "metadata" ? dropMetadata : null, null);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Write(writer, item, null, null);
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
