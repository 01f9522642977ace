using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Actors.Resources;

/// <summary>A document that exceeds one of the <see cref="ManifestLimits"/>; the message names the limit.</summary>
public sealed class ManifestLimitException(string message) : Exception(message);

/// <summary>
/// One YAML or JSON document as the API server receives it: mappings as <see cref="Dictionary{TKey,TValue}"/> of
/// string keys, sequences as <see cref="List{T}"/>, scalars resolved as YAML 1.2's core schema does (null, bool,
/// long, double, else string; quoted scalars stay strings). Read from YamlDotNet's event stream, so a document is
/// refused at its first node deeper than <see cref="ManifestLimits.MaxDepth"/> or once it expands (aliases followed)
/// to more than <see cref="ManifestLimits.MaxNodes"/> nodes, before anything else reads it. An alias shares its
/// anchor's node: the tree is never copied out.
/// </summary>
public static partial class DocumentTree
{
    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Decimal();

    [GeneratedRegex("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>
    /// The first document of <paramref name="text"/> (null when it is empty). Throws <see cref="YamlException"/> for
    /// invalid YAML and <see cref="ManifestLimitException"/> for a document beyond the limits.
    /// </summary>
    public static object? Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        var reader = new Reader(parser);
        return reader.ReadDocument();
    }

    private sealed class Reader(IParser parser)
    {
        private readonly Dictionary<string, (object? Node, long Size)> _anchors = new(StringComparer.Ordinal);
        private long _nodes;

        public object? ReadDocument()
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            if (parser.TryConsume<DocumentEnd>(out _)) return null;
            return ReadNode(1);
        }

        private object? ReadNode(int depth)
        {
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (!_anchors.TryGetValue(alias.Value.Value, out var target)) throw new YamlException(alias.Start, alias.End, $"unknown alias *{alias.Value.Value}");
                Count(target.Size);
                return target.Node;
            }
            var start = _nodes;
            Count(1);
            object? node;
            AnchorName anchor;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                node = Resolve(scalar);
                anchor = scalar.Anchor;
            }
            else if (parser.TryConsume<MappingStart>(out var mapping))
            {
                CheckDepth(depth, mapping.Start);
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = ReadNode(depth + 1);
                    map[key is string s ? s : Convert.ToString(key, CultureInfo.InvariantCulture) ?? ""] = ReadNode(depth + 1);
                }
                node = map;
                anchor = mapping.Anchor;
            }
            else
            {
                var sequence = parser.Consume<SequenceStart>();
                CheckDepth(depth, sequence.Start);
                var list = new List<object?>();
                while (!parser.TryConsume<SequenceEnd>(out _)) list.Add(ReadNode(depth + 1));
                node = list;
                anchor = sequence.Anchor;
            }
            if (!anchor.IsEmpty) _anchors[anchor.Value] = (node, _nodes - start);
            return node;
        }

        private static void CheckDepth(int depth, Mark at)
        {
            if (depth > ManifestLimits.MaxDepth)
                throw new ManifestLimitException($"nested deeper than {ManifestLimits.MaxDepth} levels (line {at.Line}); not read further");
        }

        private void Count(long nodes)
        {
            _nodes += nodes;
            if (_nodes > ManifestLimits.MaxNodes)
                throw new ManifestLimitException($"expands to more than {ManifestLimits.MaxNodes:N0} nodes (YAML aliases followed); not read further");
        }
    }

    private static object? Resolve(Scalar scalar)
    {
        var value = scalar.Value;
        if (scalar.Style != ScalarStyle.Plain || !scalar.Tag.IsEmpty) return value;
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
        }
        if (Decimal().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return integer;
        if (Float().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)) return real;
        return value;
    }
}
