using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Actors.Resources;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// A 128-bit fingerprint of content (the first 128 bits of SHA-256 of its parts), held as a value: every object's node
/// content keeps two (<see cref="ObjectContent"/>) and every entity the one it last wrote, where a 32-digit text costs
/// 86 bytes more each. Its text (<see cref="ToString"/>) is <see cref="NodeContentBuilder.Hash"/> of the same parts,
/// which is what reports carry.
/// </summary>
/// <param name="Value">The 128 bits.</param>
public readonly record struct Fingerprint(UInt128 Value)
{
    /// <summary>The fingerprint of <paramref name="parts"/>, separated as <see cref="NodeContentBuilder.Hash"/> separates them.</summary>
    public static Fingerprint Of(params ReadOnlySpan<string> parts) => Digest(null, parts);

    /// <summary>
    /// The fingerprint of <paramref name="value"/>'s JSON as <see cref="k8s.KubernetesJson"/> writes it (by its runtime
    /// type) followed by <paramref name="parts"/>: equal to <see cref="Of"/> of that JSON text and the parts, without
    /// the text.
    /// </summary>
    public static Fingerprint OfJson(object value, params ReadOnlySpan<string> parts) => Digest(value, parts);

    // The first 128 bits of the SHA-256 (see NodeContentBuilder.Hash for why 128).
    private static Fingerprint Digest(object? json, ReadOnlySpan<string> parts)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        JoinedParts.Sha256(json, parts, digest);
        return new Fingerprint(BinaryPrimitives.ReadUInt128BigEndian(digest[..16]));
    }

    /// <summary>32 lowercase hex digits, most significant first.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>
/// SHA-256 of parts as UTF-8, separated by U+001F: the bytes of <c>string.Join('\u001f', parts)</c>, written into a
/// buffer kept per thread. Every object's content is fingerprinted from its status JSON and a few short parts at every
/// start (10,000 and more at once); a joined string and its UTF-8 encoding would be two more copies of each status per
/// object, about a fifth of the start-up hand-off's allocations.
/// </summary>
internal static class JoinedParts
{
    // A route's status JSON is about 1.5 KB; a buffer grown past this by a rare large status is not kept.
    private const int KeptCapacity = 64 * 1024;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    /// <summary>
    /// Writes the digest of <paramref name="json"/>'s KubernetesJson form (when given; the first part) and
    /// <paramref name="parts"/> into <paramref name="digest"/>.
    /// </summary>
    public static void Sha256(object? json, ReadOnlySpan<string> parts, Span<byte> digest)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        try
        {
            buffer.ResetWrittenCount();
            var first = true;
            if (json is not null)
            {
                var writer = t_json ??= new Utf8JsonWriter(buffer, WriterOptions);
                writer.Reset(buffer);
                JsonSerializer.Serialize(writer, json, ObjectCopy.KubernetesJsonOptions.GetTypeInfo(json.GetType()));
                writer.Flush();
                first = false;
            }
            foreach (var part in parts)
            {
                if (!first)
                {
                    buffer.GetSpan(1)[0] = 0x1f;
                    buffer.Advance(1);
                }
                first = false;
                var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(part.Length));
                buffer.Advance(Encoding.UTF8.GetBytes(part, span));
            }
            SHA256.HashData(buffer.WrittenSpan, digest);
        }
        finally
        {
            if (buffer.Capacity > KeptCapacity)
            {
                t_buffer = null;
                t_json = null;
            }
        }
    }

    // What JsonSerializer.Serialize(value, options) writes with: KubernetesJson's escaping and layout.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = ObjectCopy.KubernetesJsonOptions.Encoder,
        Indented = ObjectCopy.KubernetesJsonOptions.WriteIndented,
        IndentCharacter = ObjectCopy.KubernetesJsonOptions.IndentCharacter,
        IndentSize = ObjectCopy.KubernetesJsonOptions.IndentSize,
        NewLine = ObjectCopy.KubernetesJsonOptions.NewLine,
        MaxDepth = ObjectCopy.KubernetesJsonOptions.MaxDepth == 0 ? 64 : ObjectCopy.KubernetesJsonOptions.MaxDepth,
        SkipValidation = true,
    };
}
