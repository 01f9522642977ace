using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// Canonical text forms of objects, for change detection. An object is serialized with KubernetesClient's JSON
/// settings, the fields a view ignores are dropped, and every JSON object's keys are sorted, so two objects that
/// differ only in map order (labels written in another order) compare equal. Arrays keep their order: in the
/// Gateway API order is meaningful (rules, matches, listeners).
/// Hand-written because no library offers a canonical JSON form; System.Text.Json preserves property order.
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
    public static string Significant(IKubernetesObject<V1ObjectMeta> obj) =>
        Render(obj, static root =>
        {
            if (KindRegistry.ByName(root["kind"]?.GetValue<string>() ?? "") is not { HasStatus: false }) root.Remove("status");
            if (root["metadata"] is JsonObject meta)
            {
                meta.Remove("resourceVersion");
                meta.Remove("managedFields");
            }
        });

    /// <summary>
    /// What a client supplies: everything but status and the metadata the API server sets itself (uid,
    /// resourceVersion, generation, managedFields, selfLink). creationTimestamp stays: a file may set it and route
    /// precedence (oldest first) depends on it.
    /// </summary>
    public static string ClientSupplied(IKubernetesObject<V1ObjectMeta> obj) =>
        Render(obj, static root =>
        {
            root.Remove("status");
            if (root["metadata"] is JsonObject meta)
            {
                foreach (var field in ServerSetMetadata) meta.Remove(field);
            }
        });

    /// <summary>
    /// The part whose changes bump metadata.generation: every top-level field but apiVersion, kind, metadata and
    /// status. For the Gateway API kinds (CRDs with a status subresource) that is what the API server does; for
    /// built-in kinds it is spec (plus data for Secrets and ConfigMaps, which have no generation in a cluster).
    /// </summary>
    public static string Spec(IKubernetesObject<V1ObjectMeta> obj) =>
        Render(obj, static root =>
        {
            root.Remove("apiVersion");
            root.Remove("kind");
            root.Remove("metadata");
            root.Remove("status");
        });

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

    /// <summary>The <see cref="Digest"/> of <see cref="Significant"/>: what the store keeps per object for change detection.</summary>
    public static UInt128 SignificantDigest(IKubernetesObject<V1ObjectMeta> obj) => Digest(Significant(obj));

    /// <summary>Canonical form of any serializable value (status objects, references).</summary>
    public static string Of(object? value)
    {
        if (value is null) return "null";
        var node = JsonNode.Parse(KubernetesJson.Serialize(value));
        return Sorted(node)?.ToJsonString() ?? "null";
    }

    private static readonly string[] ServerSetMetadata = ["uid", "resourceVersion", "generation", "managedFields", "selfLink"];

    private static string Render(IKubernetesObject<V1ObjectMeta> obj, Action<JsonObject> strip)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(obj)) as JsonObject
            ?? throw new ArgumentException($"{obj.Kind} did not serialize to a JSON object", nameof(obj));
        strip(node);
        return Sorted(node)!.ToJsonString();
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
