using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace Gateway.Actors.Resources;

/// <summary>One object read from a manifest, with where it came from.</summary>
public sealed record ParsedObject(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object, string Source, int DocumentIndex)
{
    private IKubernetesObject<V1ObjectMeta> _object = Object;

    /// <summary>
    /// The object. A watched source that stamps it (Gateway.Host's ManifestCatalog) replaces it with the stamped
    /// object, or with the equal one already stamped, so the process holds one copy of each object, not a parsed and
    /// a stamped one. Replacing it clears <see cref="Parsed"/>.
    /// </summary>
    public IKubernetesObject<V1ObjectMeta> Object
    {
        get => _object;
        set
        {
            _object = value;
            Parsed = false;
        }
    }

    /// <summary>
    /// True while <see cref="Object"/> is the instance the parser made, which nothing else holds (no snapshot, no
    /// store): a source may stamp it in place instead of stamping a copy. False once it was replaced.
    /// </summary>
    public bool Parsed { get; private set; } = true;
}

/// <summary>A problem with one document of a manifest: reported, skipped, never fatal.</summary>
public sealed record ManifestDiagnostic(string Source, int DocumentIndex, string Reason)
{
    public override string ToString() => $"{Source} (document {DocumentIndex}): {Reason}";
}

/// <summary>What a manifest held: the objects of kinds we read, and a diagnostic per document we could not use.</summary>
public sealed record ParseResult(IReadOnlyList<ParsedObject> Objects, IReadOnlyList<ManifestDiagnostic> Diagnostics)
{
    /// <summary>Document indexes that produced a diagnostic (their previous objects stay in force in a watched source).</summary>
    public IReadOnlySet<int> FailedDocuments => Diagnostics.Select(d => d.DocumentIndex).ToHashSet();
}

/// <summary>
/// Turns multi-document YAML or JSON into typed objects with KubernetesClient's YAML machinery. Pure: no I/O.
/// Documents are split on "---" lines the way kubectl's YAML reader does, so one broken document never hides the
/// others; each document is then deserialized, defaulted and validated on its own. Kinds we deliberately do not use
/// (Deployments, Pods ...) are skipped silently; unknown kinds and unserved versions are reported.
/// </summary>
public static class ManifestParser
{
    /// <summary>Parses <paramref name="text"/>, naming <paramref name="source"/> in every diagnostic.</summary>
    /// <param name="source">The file name diagnostics name.</param>
    /// <param name="text">The manifest.</param>
    /// <param name="crdRules">
    /// Apply the CRD rules (<see cref="CrdSchema"/>). Only translator tests turn them off, to feed the translator
    /// objects the v1.6.1 CRDs refuse but an older CRD version admits.
    /// </param>
    public static ParseResult Parse(string source, string text, bool crdRules = true)
    {
        var objects = new List<ParsedObject>();
        var diagnostics = new List<ManifestDiagnostic>();
        var index = 0;
        foreach (var (document, firstLine) in SplitDocuments(text))
        {
            var docIndex = index++;
            if (IsBlank(document)) continue;
            ParseDocument(source, docIndex, document, firstLine, objects, diagnostics, depth: 0, crdRules);
        }
        return new ParseResult(objects, diagnostics);
    }

    private static void ParseDocument(string source, int docIndex, string document, int firstLine,
        List<ParsedObject> objects, List<ManifestDiagnostic> diagnostics, int depth, bool crdRules)
    {
        // The document is read once into a plain tree first: that read stops at the nesting and alias limits, and the
        // tree is what the CRD rules are checked against (the document as the API server would receive it).
        object? tree;
        try
        {
            tree = DocumentTree.Read(document);
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(source, docIndex, $"invalid YAML at line {firstLine + (int)e.Start.Line - 1}: {Innermost(e)}"));
            return;
        }
        catch (ManifestLimitException e)
        {
            diagnostics.Add(new(source, docIndex, $"refused: {e.Message}"));
            return;
        }

        var map = tree as Dictionary<string, object?>;
        var kind = map?.GetValueOrDefault("kind") as string;
        var apiVersion = map?.GetValueOrDefault("apiVersion") as string;
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            diagnostics.Add(new(source, docIndex, "missing apiVersion or kind"));
            return;
        }

        if (kind.EndsWith("List", StringComparison.Ordinal) && apiVersion == "v1" && depth == 0)
        {
            ParseList(source, docIndex, map!, firstLine, objects, diagnostics, crdRules);
            return;
        }

        if (KindRegistry.IgnoredKinds.Contains(kind)) return;

        var info = KindRegistry.Resolve(apiVersion, kind);
        if (info is null)
        {
            var known = KindRegistry.ByName(kind);
            diagnostics.Add(new(source, docIndex, known is null
                ? $"unknown kind {apiVersion}/{kind}: skipped"
                : $"{kind} is not served as {apiVersion} (served: {string.Join(", ", known.ServedVersions.Select(v => known.Group.Length == 0 ? v : $"{known.Group}/{v}"))})"));
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(document);
        if (bytes > ManifestLimits.MaxObjectBytes)
        {
            diagnostics.Add(new(source, docIndex, $"refused: {kind} is {bytes:N0} bytes; the API server stores at most {ManifestLimits.MaxObjectBytes:N0} bytes per object"));
            return;
        }

        IKubernetesObject<V1ObjectMeta> obj;
        try
        {
            obj = FromTree(info.ClrType, map!) ?? Deserializers[info.Kind](document);
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(source, docIndex, $"{kind}: invalid field at line {firstLine + (int)e.Start.Line - 1}: {Innermost(e)}"));
            return;
        }

        obj.Metadata ??= new V1ObjectMeta();
        if (info.Namespaced && string.IsNullOrEmpty(obj.Metadata.NamespaceProperty)) obj.Metadata.NamespaceProperty = "default";
        if (!info.Namespaced) obj.Metadata.NamespaceProperty = null;

        var errors = ObjectValidator.Validate(info, obj, apiVersion, crdRules ? map : null);
        if (errors.Count > 0)
        {
            var name = obj.Metadata.Name is { Length: > 0 } n ? $" {n}" : "";
            diagnostics.Add(new(source, docIndex, $"{kind}{name} rejected: {string.Join("; ", errors)}"));
            return;
        }

        objects.Add(new ParsedObject(KindRegistry.KeyOf(info, obj), obj, source, docIndex));
    }

    private static void ParseList(string source, int docIndex, Dictionary<string, object?> list, int firstLine,
        List<ParsedObject> objects, List<ManifestDiagnostic> diagnostics, bool crdRules)
    {
        if (list.GetValueOrDefault("items") is not List<object?> items)
        {
            if (list.GetValueOrDefault("items") is not null) diagnostics.Add(new(source, docIndex, "invalid List: items is not a list"));
            return;
        }
        // Each item is read as a document of its own (JSON is YAML, and keeps every scalar's type), so the object
        // limits apply per item, as they do to the objects kubectl sends one by one.
        foreach (var item in items)
        {
            ParseDocument(source, docIndex, JsonSerializer.Serialize(item), firstLine, objects, diagnostics, depth: 1, crdRules);
        }
    }

    /// <summary>Splits on lines that start with "---" (YAML document markers), keeping each chunk's first line number.</summary>
    public static IEnumerable<(string Text, int FirstLine)> SplitDocuments(string text)
    {
        var current = new StringBuilder();
        var start = 1;
        var lineNo = 0;
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || char.IsWhiteSpace(line[3]) || line[3] == '#'))
            {
                yield return (current.ToString(), start);
                current.Clear();
                start = lineNo + 1;
                continue;
            }
            current.Append(line).Append('\n');
        }
        yield return (current.ToString(), start);
    }

    private static bool IsBlank(string document)
    {
        foreach (var raw in document.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith('#') && line != "...") return false;
        }
        return true;
    }

    // KubernetesYaml only offers a generic Deserialize<T>; bind it once per kind.
    private static readonly Dictionary<string, Func<string, IKubernetesObject<V1ObjectMeta>>> Deserializers =
        KindRegistry.All.ToDictionary(k => k.Kind, k =>
        {
            var method = typeof(ManifestParser).GetMethod(nameof(DeserializeAs), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(k.ClrType);
            return method.CreateDelegate<Func<string, IKubernetesObject<V1ObjectMeta>>>();
        });

    private static IKubernetesObject<V1ObjectMeta> DeserializeAs<T>(string document) where T : IKubernetesObject<V1ObjectMeta> =>
        KubernetesYaml.Deserialize<T>(document) ?? throw new InvalidOperationException("empty document");

    /// <summary>
    /// The typed object from the tree already read, through its JSON form (what kubectl sends the API server), or null
    /// when that form does not bind to the type; the caller then reads the YAML text with KubernetesYaml, which is
    /// more lenient (a number for a string field) and names the line of a field it cannot bind.
    /// </summary>
    /// <remarks>
    /// KubernetesYaml deserializes under one process-wide lock, so documents parsed in parallel queue behind each
    /// other; System.Text.Json binds without one and several times faster.
    /// </remarks>
    private static IKubernetesObject<V1ObjectMeta>? FromTree(Type type, Dictionary<string, object?> tree)
    {
        // The JSON is bound from the thread's own buffer as UTF-8 (no string of it, no transcoding back); one document
        // at a time per thread, and a very large document's buffer is not kept.
        var scratch = _jsonScratch ??= new JsonScratch();
        try
        {
            scratch.Buffer.ResetWrittenCount();
            scratch.Writer.Reset(scratch.Buffer);
            WriteJson(scratch.Writer, tree);
            scratch.Writer.Flush();
            return (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromJson(type, scratch.Buffer.WrittenSpan);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
        finally
        {
            if (scratch.Buffer.Capacity > MaxKeptJsonBuffer) _jsonScratch = null;
        }
    }

    private const int MaxKeptJsonBuffer = 64 * 1024;

    [ThreadStatic]
    private static JsonScratch? _jsonScratch;

    private sealed class JsonScratch
    {
        public readonly System.Buffers.ArrayBufferWriter<byte> Buffer = new(4096);
        public readonly Utf8JsonWriter Writer = new(Stream.Null);
    }

    private static void WriteJson(Utf8JsonWriter writer, object? node)
    {
        switch (node)
        {
            case null: writer.WriteNullValue(); break;
            case string text: writer.WriteStringValue(text); break;
            case bool flag: writer.WriteBooleanValue(flag); break;
            case long integer: writer.WriteNumberValue(integer); break;
            case double real: writer.WriteNumberValue(real); break;
            case Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, value) in map)
                {
                    writer.WritePropertyName(key);
                    WriteJson(writer, value);
                }
                writer.WriteEndObject();
                break;
            case List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list) WriteJson(writer, item);
                writer.WriteEndArray();
                break;
            default: throw new NotSupportedException($"unexpected node {node.GetType().Name}");
        }
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }
}
