using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Actors.Yaml;

/// <summary>
/// Emits and re-reads YAML with YamlDotNet's representation model, so text produced here and text read back from a
/// file compare equal exactly when their trees are equal (the golden tests compare this way).
/// </summary>
public static class CanonicalYaml
{
    /// <summary>Emits one document without "---"/"..." markers.</summary>
    public static string Emit(YamlNode root)
    {
        var stream = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        if (text.EndsWith("...\n", StringComparison.Ordinal)) text = text[..^4];
        return text.TrimEnd('\n') + "\n";
    }

    /// <summary>
    /// SHA-256 (hex) of a YAML tree's content: scalar values and the structure around them (each node tagged by kind,
    /// each scalar length-prefixed), so two trees hash alike exactly when <see cref="Emit"/> writes them alike.
    /// </summary>
    public static string Hash(YamlNode root)
    {
        // The form is gathered in one buffer and hashed once: a call into the hash per node cost more than the hashing
        // (every route-table entry's tree is hashed when the node content is built).
        var buffer = t_hashBuffer ??= new System.Buffers.ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        void Tag(byte tag, int count)
        {
            var span = buffer.GetSpan(5);
            span[0] = tag;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[1..], count);
            buffer.Advance(5);
        }
        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlScalarNode scalar:
                    var value = scalar.Value ?? "";
                    Tag((byte)'s', value.Length);
                    System.Buffers.BuffersExtensions.Write(buffer, System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.AsSpan()));
                    break;
                case YamlSequenceNode sequence:
                    Tag((byte)'q', sequence.Children.Count);
                    foreach (var child in sequence.Children) Walk(child);
                    break;
                case YamlMappingNode mapping:
                    Tag((byte)'m', mapping.Children.Count);
                    foreach (var (key, child) in mapping.Children)
                    {
                        Walk(key);
                        Walk(child);
                    }
                    break;
                default:
                    Tag((byte)'?', 0);
                    break;
            }
        }
        Walk(root);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.WrittenSpan));
        // A buffer grown by one large tree is not kept for the thread's life.
        if (buffer.Capacity > MaxKeptHashBuffer) t_hashBuffer = null;
        return hash;
    }

    private const int MaxKeptHashBuffer = 64 * 1024;

    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? t_hashBuffer;

    /// <summary>Parses <paramref name="text"/> and emits it canonically (an empty text becomes an empty sequence).</summary>
    public static string Normalize(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? Emit(new YamlSequenceNode()) : Emit(Strip(stream.Documents[0].RootNode));
    }

    // Quoting style is presentation, not content: compare scalars by value only.
    private static YamlNode Strip(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value),
        YamlSequenceNode q => new YamlSequenceNode(q.Children.Select(Strip)),
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(p => new KeyValuePair<YamlNode, YamlNode>(Strip(p.Key), Strip(p.Value)))),
        _ => node,
    };
}

/// <summary>Small node builders: absent (null) values and empty collections are left out of mappings.</summary>
internal static class Y
{
    public static YamlNode? S(string? value) => value is null ? null : new YamlScalarNode(value);

    public static YamlNode S(int value) => new YamlScalarNode(value.ToString(CultureInfo.InvariantCulture));

    public static YamlNode S(long value) => new YamlScalarNode(value.ToString(CultureInfo.InvariantCulture));

    public static YamlNode? Seq(IEnumerable<YamlNode?> items)
    {
        var list = items.Where(i => i is not null).Select(i => i!).ToList();
        return list.Count == 0 ? null : new YamlSequenceNode(list);
    }

    /// <summary>A mapping that is always present (possibly empty).</summary>
    public static YamlNode Obj(params (string Key, YamlNode? Value)[] pairs) => Map(pairs) ?? new YamlMappingNode();

    public static YamlNode? Map(params (string Key, YamlNode? Value)[] pairs)
    {
        var present = pairs.Where(p => p.Value is not null).ToList();
        if (present.Count == 0) return null;
        var map = new YamlMappingNode();
        foreach (var (k, v) in present) map.Add(new YamlScalarNode(k), v!);
        return map;
    }
}
