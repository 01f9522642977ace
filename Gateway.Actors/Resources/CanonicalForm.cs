using System.Buffers;
using System.Runtime.InteropServices;
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
    public static string Significant(JsonElement root) => Render(root, SignificantTop(root), SignificantMetadata);

    private static Func<string, bool> SignificantTop(JsonElement root)
    {
        var kind = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() ?? "" : "";
        return KindRegistry.ByName(kind) is { HasStatus: false } ? KeepAll : DropStatus;
    }

    private static readonly Func<string, bool> KeepAll = static _ => false;
    private static readonly Func<string, bool> DropStatus = static name => name == "status";
    private static readonly Func<string, bool> SignificantMetadata = static name => name is "resourceVersion" or "managedFields";
    private static readonly Func<string, bool> ClientSuppliedMetadata =
        static name => name is "uid" or "resourceVersion" or "generation" or "managedFields" or "selfLink";
    private static readonly Func<string, bool> SpecTop = static name => name is "apiVersion" or "kind" or "metadata" or "status";

    /// <summary>
    /// What a client supplies: everything but status and the metadata the API server sets itself (uid,
    /// resourceVersion, generation, managedFields, selfLink). creationTimestamp stays: a file may set it and route
    /// precedence (oldest first) depends on it.
    /// </summary>
    public static string ClientSupplied(IKubernetesObject<V1ObjectMeta> obj) => ClientSupplied(Parse(obj).RootElement);

    /// <summary><see cref="ClientSupplied(IKubernetesObject{V1ObjectMeta})"/> of an object already serialized with KubernetesClient's JSON settings.</summary>
    public static string ClientSupplied(JsonElement root) => Render(root, DropStatus, ClientSuppliedMetadata);

    /// <summary>
    /// The <see cref="FormDigest(string)"/> of <see cref="ClientSupplied(JsonElement)"/>, hashed as it is written (no
    /// string of the form is made).
    /// </summary>
    public static UInt128 ClientSuppliedDigest(JsonElement root) => RenderDigest(root, DropStatus, ClientSuppliedMetadata);

    /// <summary>
    /// The part whose changes bump metadata.generation: every top-level field but apiVersion, kind, metadata and
    /// status. For the Gateway API kinds (CRDs with a status subresource) that is what the API server does; for
    /// built-in kinds it is spec (plus data for Secrets and ConfigMaps, which have no generation in a cluster).
    /// </summary>
    public static string Spec(IKubernetesObject<V1ObjectMeta> obj) => Spec(Parse(obj).RootElement);

    /// <summary><see cref="Spec(IKubernetesObject{V1ObjectMeta})"/> of an object already serialized with KubernetesClient's JSON settings.</summary>
    public static string Spec(JsonElement root) => Render(root, SpecTop, null);

    /// <summary>The <see cref="FormDigest(string)"/> of <see cref="Spec(JsonElement)"/>, hashed as it is written (no string of the form is made).</summary>
    public static UInt128 SpecDigest(JsonElement root) => RenderDigest(root, SpecTop, null);

    /// <summary>
    /// A 128-bit digest of a text (the first half of the SHA-256 of its UTF-16 code units): what is kept instead of
    /// the text (a manifest file's, a status's form). Equal texts give equal digests; a collision of two different
    /// texts is as unlikely as a SHA-256 collision on 128 bits. An object's forms kept in an identity or the store use
    /// <see cref="FormDigest(string)"/> instead, which hashes them as they are written.
    /// </summary>
    public static UInt128 Digest(string form)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(form.AsSpan()), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>
    /// The digest of a canonical form: the first half of the SHA-256 of its UTF-8 text (the bytes the form is written
    /// as, so <see cref="SpecDigest"/>, <see cref="ClientSuppliedDigest"/> and <see cref="SignificantDigest"/> hash them
    /// as they are written, without making the form's string). What an <see cref="ObjectIdentity"/> and the store
    /// keep per object; equal forms give equal digests.
    /// </summary>
    public static UInt128 FormDigest(string form)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(form.Length));
        try
        {
            return HashUtf8(bytes.AsSpan(0, Encoding.UTF8.GetBytes(form, bytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// The <see cref="FormDigest(string)"/> of <see cref="Significant(IKubernetesObject{V1ObjectMeta})"/>: what the store keeps per
    /// object for change detection. The object is serialized to UTF-8 and its form hashed as it is written.
    /// </summary>
    public static UInt128 SignificantDigest(IKubernetesObject<V1ObjectMeta> obj)
    {
        using var document = JsonDocument.Parse(ObjectCopy.ToJsonBytes(obj));
        return RenderDigest(document.RootElement, SignificantTop(document.RootElement), SignificantMetadata);
    }

    /// <summary>
    /// The digest of <see cref="Of"/>'s form of <paramref name="value"/>, hashed as it is written (no string made):
    /// equal forms give equal digests. Not the value of <see cref="Digest(string)"/> of that form.
    /// </summary>
    public static UInt128 ValueDigest(object value)
    {
        using var document = JsonDocument.Parse(ObjectCopy.ToJsonBytes(value));
        return RenderDigest(document.RootElement, null, null);
    }

    /// <summary>Canonical form of any serializable value (status objects, references).</summary>
    public static string Of(object? value)
    {
        if (value is null) return "null";
        using var document = JsonDocument.Parse(ObjectCopy.ToJsonBytes(value));
        return Render(document.RootElement, null, null);
    }

    /// <summary>
    /// <paramref name="obj"/> serialized with KubernetesClient's JSON settings, as a document the forms above read
    /// (one serialization can serve several forms and a deep copy; the caller disposes it).
    /// </summary>
    public static JsonDocument Parse(IKubernetesObject<V1ObjectMeta> obj) => JsonDocument.Parse(ObjectCopy.ToJsonBytes(obj));

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

    /// <summary>
    /// The <see cref="FormDigest(string)"/> of what <see cref="Render"/> writes, hashed from the written bytes. The
    /// buffer and writer are the thread's own and reused (one form at a time per thread; <see cref="Write"/> does not
    /// call back into this class), so a digest allocates neither the form's string nor a buffer.
    /// </summary>
    private static UInt128 RenderDigest(JsonElement root, Func<string, bool>? dropTop, Func<string, bool>? dropMetadata)
    {
        var scratch = _digestScratch ??= new DigestScratch();
        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        Write(scratch.Writer, root, dropTop, dropMetadata);
        scratch.Writer.Flush();
        var digest = HashUtf8(scratch.Buffer.WrittenSpan);
        // A very large object's buffer is not kept for the thread's lifetime.
        if (scratch.Buffer.Capacity > MaxKeptDigestBuffer) _digestScratch = null;
        return digest;
    }

    private const int MaxKeptDigestBuffer = 64 * 1024;

    [ThreadStatic]
    private static DigestScratch? _digestScratch;

    private sealed class DigestScratch
    {
        public readonly ArrayBufferWriter<byte> Buffer = new(4096);
        public readonly Utf8JsonWriter Writer = new(Stream.Null);
    }

    private static UInt128 HashUtf8(ReadOnlySpan<byte> utf8)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(utf8, hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>
    /// The properties of the objects being written, innermost last: each object adds its own after those of the objects
    /// enclosing it, sorts and writes that range, and takes it off again. One list per thread instead of one per object
    /// (the forms of a 10,000-route scan made about 50 MB of those lists).
    /// </summary>
    [ThreadStatic]
    private static List<(string Name, JsonElement Value)>? _properties;

    private static readonly Comparison<(string Name, JsonElement Value)> ByName = static (a, b) => string.CompareOrdinal(a.Name, b.Name);

    private static void Write(Utf8JsonWriter writer, JsonElement element, Func<string, bool>? drop, Func<string, bool>? dropMetadata)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = _properties ??= new List<(string Name, JsonElement Value)>(64);
                var start = properties.Count;
                // JsonProperty.Name makes a new string on every read: read each once.
                foreach (var p in element.EnumerateObject())
                {
                    var name = p.Name;
                    if (drop is null || !drop(name)) properties.Add((name, p.Value));
                }
                var count = properties.Count - start;
                try
                {
                    if (count > 1) CollectionsMarshal.AsSpan(properties).Slice(start, count).Sort(ByName);
                    writer.WriteStartObject();
                    // By index: the nested objects written below add to (and take back from) the list's end, which may
                    // move its storage.
                    for (var i = start; i < start + count; i++)
                    {
                        var (name, value) = properties[i];
                        writer.WritePropertyName(name);
                        Write(writer, value, dropMetadata is not null && name == "metadata" ? dropMetadata : null, null);
                    }
                    writer.WriteEndObject();
                }
                finally
                {
                    // Everything from this object on, so a write that throws leaves nothing behind.
                    properties.RemoveRange(start, properties.Count - start);
                }
                // A very large object's list is not kept for the thread's lifetime.
                if (start == 0 && properties.Capacity > MaxKeptProperties) _properties = null;
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

    private const int MaxKeptProperties = 4096;
}
