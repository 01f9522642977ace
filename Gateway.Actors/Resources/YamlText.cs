using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Actors.Resources;

/// <summary>
/// YAML text of Kubernetes objects, built from their JSON form: <see cref="KubernetesJson"/> decides the fields and
/// their names (as the API server would see them), and the text is the block YAML YamlDotNet's <see cref="Emitter"/>
/// writes (indentation, quoting, escaping): written directly by <see cref="BlockWriter"/> for documents whose strings
/// are printable ASCII, by the emitter for the others.
/// </summary>
/// <remarks>
/// Why not <see cref="KubernetesYaml.Serialize(object)"/>: it serializes under one process-wide lock and reflects over
/// every property's attributes on every call, so writers running in parallel (the status sink writes thousands of
/// objects at start) queue behind each other; it was most of the status stage's time at 2,000 routes. Written here:
/// the walk from JSON values to emitter events and the choice of a scalar's style, which no library offers for
/// <see cref="JsonElement"/>, and the block writer (its remarks say why).
/// </remarks>
public static partial class YamlText
{
    // A string that a YAML reader would take for null, a boolean or a number is double-quoted so it reads back as a
    // string (KubernetesYaml's emitter applies the YAML 1.2 part of this rule; YAML 1.1's yes/no/on/off are added for
    // readers such as PyYAML; timestamps are quoted as KubernetesYaml quotes them, so YAML 1.1 readers keep strings).
    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?)?$")]
    private static partial Regex LooksTyped();

    /// <summary>
    /// False for text <see cref="LooksTyped"/> cannot match, without running it (most keys and values: a status file
    /// has a few hundred strings). Every alternative that starts with a letter is at most 5 characters ("false"), 6 with
    /// the newline <c>$</c> allows before the end; every other alternative starts with a digit, a sign, '.' or '~'.
    /// </summary>
    internal static bool MayLookTyped(string text) => MayLookTyped(text.AsSpan());

    private static bool MayLookTyped(ReadOnlySpan<char> text) => text.Length <= 6 || !char.IsAsciiLetter(text[0]);

    /// <summary>The typed pattern itself, for tests that check <see cref="MayLookTyped(string)"/> against it.</summary>
    internal static bool LooksTypedForTests(string text) => LooksTyped().IsMatch(text);

    /// <summary>The YAML document of <paramref name="value"/> (a Kubernetes object or any value KubernetesJson serializes).</summary>
    public static string Serialize(object value)
    {
        // KubernetesJson.Serialize's own serializer and options (it serializes by the runtime type, as here), straight
        // into a document: no JSON string in between to transcode back to UTF-8 and parse.
        using var document = JsonSerializer.SerializeToDocument(value, KubernetesJsonOptions.GetTypeInfo(value.GetType()));
        return Serialize(document.RootElement);
    }

    private static readonly JsonSerializerOptions KubernetesJsonOptions = ObjectCopy.KubernetesJsonOptions;

    /// <summary>The YAML document of a JSON value; null properties are left out, as KubernetesYaml leaves them out.</summary>
    public static string Serialize(JsonElement value)
    {
        var text = new StringBuilder(1024);
        if (BlockWriter.TryWrite(value, text)) return text.ToString();
        text.Clear();
        return SerializeWithEmitter(value, text);
    }

    /// <summary>
    /// The emitter's text of <paramref name="value"/>: the reference <see cref="BlockWriter"/> must reproduce byte for
    /// byte, and the path for documents it does not take.
    /// </summary>
    internal static string SerializeWithEmitter(JsonElement value) => SerializeWithEmitter(value, new StringBuilder(1024));

    /// <summary>True when <see cref="BlockWriter"/> writes <paramref name="value"/> itself (tests check how often).</summary>
    internal static bool TakesBlockWriter(JsonElement value) => BlockWriter.TryWrite(value, new StringBuilder(1024));

    private static string SerializeWithEmitter(JsonElement value, StringBuilder text)
    {
        using (var writer = new StringWriter(text))
        {
            var emitter = new Emitter(writer);
            emitter.Emit(new StreamStart());
            emitter.Emit(new DocumentStart());
            Emit(emitter, value);
            emitter.Emit(new DocumentEnd(isImplicit: true));
            emitter.Emit(new StreamEnd());
        }
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Null) continue;
                    EmitString(emitter, property.Name);
                    Emit(emitter, property.Value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonValueKind.Array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block));
                foreach (var item in value.EnumerateArray()) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValueKind.String:
                EmitString(emitter, value.GetString()!);
                break;
            case JsonValueKind.Number:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.GetRawText(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.ValueKind == JsonValueKind.True ? "true" : "false", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text) =>
        emitter.Emit(IsTyped(text)
            ? new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true)
            : new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));

    /// <summary>
    /// True when <paramref name="text"/> would read back as another type than string (<see cref="LooksTyped"/>). Text of
    /// one line starting with a letter can only be one of the pattern's words (null, true, yes, on ...: every other
    /// alternative starts with a digit, a sign, '.' or '~'), so it is looked up instead of matched: most short values
    /// of a status file (names, "True") start with a letter, and the pattern was a few percent of a status write.
    /// </summary>
    internal static bool IsTyped(string text) => IsTyped(text.AsSpan());

    /// <summary><see cref="IsTyped(string)"/> of any characters (the UTF-8 writer's, widened).</summary>
    private static bool IsTyped(ReadOnlySpan<char> text) =>
        MayLookTyped(text) && (text.Length > 0 && char.IsAsciiLetter(text[0]) && !text.Contains('\n') ? TypedWordLookup.Contains(text) : LooksTyped().IsMatch(text));

    private static readonly System.Collections.Frozen.FrozenSet<string> TypedWords = System.Collections.Frozen.FrozenSet.Create(StringComparer.Ordinal,
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "on", "On", "ON", "off", "Off", "OFF");

    private static readonly System.Collections.Frozen.FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> TypedWordLookup =
        TypedWords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>How the emitter writes a single-line printable ASCII string (both block writers' one rule).</summary>
    private enum AsciiStyle
    {
        Plain,
        SingleQuoted,
        DoubleQuoted,
    }

    /// <summary>
    /// The emitter's style for a single-line printable ASCII string (<paramref name="value"/>, as UTF-16 or as UTF-8
    /// bytes): double-quoted when it would read as another type (<paramref name="typed"/>, requested so), plain when
    /// the block-plain rule allows it, else single-quoted unless it has a single quote (Emitter.SelectScalarStyle); an
    /// empty key is single-quoted too. Without line breaks single quotes need no escaping at all, double quotes only
    /// '"' and '\\'.
    /// </summary>
    private static AsciiStyle StyleOf<T>(ReadOnlySpan<T> value, bool typed) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        if (typed) return AsciiStyle.DoubleQuoted;
        if (value.Length > 0 && IsBlockPlainAllowed(value)) return AsciiStyle.Plain;
        return value.Contains(T.CreateTruncating('\'')) ? AsciiStyle.DoubleQuoted : AsciiStyle.SingleQuoted;
    }

    /// <summary>Emitter.AnalyzeScalar's block-plain rule for a non-empty single-line printable ASCII string.</summary>
    private static bool IsBlockPlainAllowed<T>(ReadOnlySpan<T> value) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        static char At(ReadOnlySpan<T> text, int i) => (char)ushort.CreateTruncating(text[i]);
        if (At(value, 0) == ' ' || At(value, value.Length - 1) == ' ') return false;
        if (value.Length >= 3 && At(value, 0) is '-' or '.' && At(value, 1) == At(value, 0) && At(value, 2) == At(value, 0)) return false;
        var first = At(value, 0);
        var followedBySpace = value.Length == 1 || At(value, 1) == ' ';
        if ("#,[]{}&*!|>'\"%@`".Contains(first)) return false;
        if (first is '?' or ':' or '-' && followedBySpace) return false;
        for (var i = 1; i < value.Length; i++)
        {
            var c = At(value, i);
            if (c == ':' && (i + 1 == value.Length || At(value, i + 1) == ' ')) return false;
            if (c == '#' && At(value, i - 1) == ' ') return false;
        }
        return true;
    }

    /// <summary>
    /// Writes the block YAML that <see cref="SerializeWithEmitter(JsonElement, StringBuilder)"/> writes, for documents
    /// whose strings are single-line printable ASCII (a status file's are: names, reasons, messages, timestamps), and
    /// declines any other document, which then goes through the emitter.
    /// </summary>
    /// <remarks>
    /// Hand-written because YamlDotNet's emitter was the largest single cost of a status write at start-up (it queues
    /// events and analyses every scalar character by character through a look-ahead buffer) and no library writes
    /// block YAML from JSON values. It decides a scalar's style by the emitter's own rules (Emitter.AnalyzeScalar and
    /// SelectScalarStyle, YamlDotNet 18, default settings: 2-space indent, sequences not indented under their key,
    /// no line folding, simple keys up to 1024 characters) restricted to that subset, so the text is byte for byte the
    /// emitter's: YamlTextTests compares the two on generated documents and on every golden status file.
    /// </remarks>
    private static class BlockWriter
    {
        // The emitter's default for simple keys; a longer key is written as a complex key ("? "): declined.
        private const int MaxSimpleKeyLength = 1024;

        private static readonly string NewLine = Environment.NewLine;

        public static bool TryWrite(JsonElement root, StringBuilder text) =>
            root.ValueKind == JsonValueKind.Object && HasEntries(root) && TryWriteMapping(root, 0, firstKeyInline: false, text);

        private static bool HasEntries(JsonElement value)
        {
            if (value.ValueKind == JsonValueKind.Array) return value.GetArrayLength() > 0;
            foreach (var property in value.EnumerateObject())
                if (property.Value.ValueKind != JsonValueKind.Null) return true;
            return false;
        }

        // Keys of a block mapping at column `indent`; the first one follows a sequence's "- " when firstKeyInline.
        private static bool TryWriteMapping(JsonElement mapping, int indent, bool firstKeyInline, StringBuilder text)
        {
            var first = true;
            foreach (var property in mapping.EnumerateObject())
            {
                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Null) continue;
                if (!(first && firstKeyInline)) text.Append(' ', indent);
                first = false;
                if (property.Name.Length > MaxSimpleKeyLength || !TryWriteString(property.Name, isKey: true, text)) return false;
                text.Append(':');
                if (!TryWriteValue(value, indent, inSequence: false, text)) return false;
            }
            return true;
        }

        // Items of a block sequence; under a mapping key the emitter writes them at the key's column.
        private static bool TryWriteSequence(JsonElement sequence, int indent, StringBuilder text)
        {
            foreach (var item in sequence.EnumerateArray())
            {
                text.Append(' ', indent).Append('-');
                if (!TryWriteValue(item, indent, inSequence: true, text)) return false;
            }
            return true;
        }

        // A value after "key:" or "-": a scalar or empty collection on the same line, a mapping or sequence below it.
        private static bool TryWriteValue(JsonElement value, int indent, bool inSequence, StringBuilder text)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object when HasEntries(value):
                    if (inSequence)
                    {
                        text.Append(' ');
                        return TryWriteMapping(value, indent + 2, firstKeyInline: true, text);
                    }
                    text.Append(NewLine);
                    return TryWriteMapping(value, indent + 2, firstKeyInline: false, text);
                case JsonValueKind.Object:
                    text.Append(" {}").Append(NewLine);
                    return true;
                case JsonValueKind.Array when HasEntries(value):
                    // A sequence directly in a sequence ("- - x") is rare in Kubernetes objects: left to the emitter.
                    if (inSequence) return false;
                    text.Append(NewLine);
                    return TryWriteSequence(value, indent, text);
                case JsonValueKind.Array:
                    text.Append(" []").Append(NewLine);
                    return true;
                case JsonValueKind.String:
                    text.Append(' ');
                    if (!TryWriteString(value.GetString()!, isKey: false, text)) return false;
                    text.Append(NewLine);
                    return true;
                case JsonValueKind.Number:
                    // JSON number text (digits, '-', '+', '.', 'e') is always plain-allowed for the emitter.
                    text.Append(' ').Append(value.GetRawText()).Append(NewLine);
                    return true;
                case JsonValueKind.True:
                    text.Append(" true").Append(NewLine);
                    return true;
                case JsonValueKind.False:
                    text.Append(" false").Append(NewLine);
                    return true;
                default:
                    text.Append(" null").Append(NewLine);
                    return true;
            }
        }

        /// <summary>
        /// Writes a string scalar as the emitter would, or declines (false) one with a character outside printable
        /// ASCII (line breaks, tabs, control characters, non-ASCII: their analysis and escaping are left to the emitter).
        /// </summary>
        private static bool TryWriteString(string value, bool isKey, StringBuilder text)
        {
            foreach (var c in value)
                if (c is < ' ' or > '~') return false;
            switch (StyleOf(value.AsSpan(), IsTyped(value)))
            {
                case AsciiStyle.Plain:
                    text.Append(value);
                    break;
                case AsciiStyle.SingleQuoted:
                    text.Append('\'').Append(value).Append('\'');
                    break;
                default:
                    AppendDoubleQuoted(value, text);
                    break;
            }
            return true;
        }

        /// <summary>Double-quoted printable ASCII: only '"' and '\\' are escaped.</summary>
        private static void AppendDoubleQuoted(string value, StringBuilder text)
        {
            text.Append('"');
            foreach (var c in value)
            {
                if (c is '"' or '\\') text.Append('\\');
                text.Append(c);
            }
            text.Append('"');
        }
    }
}
