using System.Text;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace Gateway.Actors.Resources;

/// <summary>One object read from a manifest, with where it came from.</summary>
public sealed record ParsedObject(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object, string Source, int DocumentIndex)
{
    /// <summary>
    /// The object. A watched source that stamps it (Gateway.Host's ManifestCatalog) replaces it with the stamped
    /// copy, or with the equal copy already stamped, so the process holds one copy of each object, not a parsed and
    /// a stamped one.
    /// </summary>
    public IKubernetesObject<V1ObjectMeta> Object { get; set; } = Object;
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
    public static ParseResult Parse(string source, string text)
    {
        var objects = new List<ParsedObject>();
        var diagnostics = new List<ManifestDiagnostic>();
        var index = 0;
        foreach (var (document, firstLine) in SplitDocuments(text))
        {
            var docIndex = index++;
            if (IsBlank(document)) continue;
            ParseDocument(source, docIndex, document, firstLine, objects, diagnostics, depth: 0);
        }
        return new ParseResult(objects, diagnostics);
    }

    private static void ParseDocument(string source, int docIndex, string document, int firstLine,
        List<ParsedObject> objects, List<ManifestDiagnostic> diagnostics, int depth)
    {
        // The common case: a plain block-style document of a kind we read, whose apiVersion and kind a line scan
        // finds; the typed object must then agree with them, or the document takes the general path below.
        if (depth == 0 && ScanHeader(document) is var (apiVersion, kind) && KindRegistry.Resolve(apiVersion, kind) is { } resolved)
        {
            try
            {
                var typed = Deserializers[resolved.Kind](document);
                if (typed.ApiVersion == apiVersion && typed.Kind == kind)
                {
                    Admit(source, docIndex, resolved, typed, objects, diagnostics);
                    return;
                }
            }
            catch (YamlException)
            {
                // Reported with its line by the general path.
            }
        }

        TypeHeader header;
        try
        {
            header = KubernetesYaml.Deserialize<TypeHeader>(document) ?? new TypeHeader();
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(source, docIndex, $"invalid YAML at line {firstLine + (int)e.Start.Line - 1}: {Innermost(e)}"));
            return;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            diagnostics.Add(new(source, docIndex, $"invalid document: {e.Message}"));
            return;
        }

        if (string.IsNullOrEmpty(header.Kind) || string.IsNullOrEmpty(header.ApiVersion))
        {
            diagnostics.Add(new(source, docIndex, "missing apiVersion or kind"));
            return;
        }

        if (header.Kind.EndsWith("List", StringComparison.Ordinal) && header.ApiVersion == "v1" && depth == 0)
        {
            ParseList(source, docIndex, document, firstLine, objects, diagnostics);
            return;
        }

        if (KindRegistry.IgnoredKinds.Contains(header.Kind)) return;

        var info = KindRegistry.Resolve(header.ApiVersion, header.Kind);
        if (info is null)
        {
            var known = KindRegistry.ByName(header.Kind);
            diagnostics.Add(new(source, docIndex, known is null
                ? $"unknown kind {header.ApiVersion}/{header.Kind}: skipped"
                : $"{header.Kind} is not served as {header.ApiVersion} (served: {string.Join(", ", known.ServedVersions.Select(v => known.Group.Length == 0 ? v : $"{known.Group}/{v}"))})"));
            return;
        }

        IKubernetesObject<V1ObjectMeta> obj;
        try
        {
            obj = Deserializers[info.Kind](document);
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(source, docIndex, $"{header.Kind}: invalid field at line {firstLine + (int)e.Start.Line - 1}: {Innermost(e)}"));
            return;
        }

        Admit(source, docIndex, info, obj, objects, diagnostics);
    }

    /// <summary>Defaults the namespace, validates, and adds the object or a diagnostic.</summary>
    private static void Admit(string source, int docIndex, KindInfo info, IKubernetesObject<V1ObjectMeta> obj,
        List<ParsedObject> objects, List<ManifestDiagnostic> diagnostics)
    {
        obj.Metadata ??= new V1ObjectMeta();
        if (info.Namespaced && string.IsNullOrEmpty(obj.Metadata.NamespaceProperty)) obj.Metadata.NamespaceProperty = "default";
        if (!info.Namespaced) obj.Metadata.NamespaceProperty = null;

        var errors = ObjectValidator.Validate(info, obj);
        if (errors.Count > 0)
        {
            var name = obj.Metadata.Name is { Length: > 0 } n ? $" {n}" : "";
            diagnostics.Add(new(source, docIndex, $"{obj.Kind}{name} rejected: {string.Join("; ", errors)}"));
            return;
        }

        objects.Add(new ParsedObject(KindRegistry.KeyOf(info, obj), obj, source, docIndex));
    }

    private static void ParseList(string source, int docIndex, string document, int firstLine,
        List<ParsedObject> objects, List<ManifestDiagnostic> diagnostics)
    {
        ListHeader list;
        try
        {
            list = KubernetesYaml.Deserialize<ListHeader>(document) ?? new ListHeader();
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(source, docIndex, $"invalid List at line {firstLine + (int)e.Start.Line - 1}: {Innermost(e)}"));
            return;
        }
        foreach (var item in list.Items ?? [])
        {
            ParseDocument(source, docIndex, KubernetesYaml.Serialize(item), firstLine, objects, diagnostics, depth: 1);
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

    /// <summary>
    /// apiVersion and kind of a block-style document from its top-level lines ("apiVersion: v1" at column 0, plain
    /// values), or null when the document is not that simple (JSON, flow style, quoted or tagged values, either key
    /// missing or repeated). A hint only: the caller checks it against the deserialized object.
    /// </summary>
    internal static (string ApiVersion, string Kind)? ScanHeader(string document)
    {
        string? apiVersion = null, kind = null;
        var span = document.AsSpan();
        while (span.Length > 0)
        {
            var end = span.IndexOf('\n');
            var line = end < 0 ? span : span[..end];
            span = end < 0 ? [] : span[(end + 1)..];
            if (line.StartsWith("apiVersion:")) { if (apiVersion is not null || Plain(line["apiVersion:".Length..]) is not { } v) return null; apiVersion = v; }
            else if (line.StartsWith("kind:")) { if (kind is not null || Plain(line["kind:".Length..]) is not { } v) return null; kind = v; }
            else if (line.Length > 0 && (line[0] is '{' or '[' or '"' or '\'' or '?' or '&' or '*' or '!' or '%')) return null;
        }
        return apiVersion is not null && kind is not null ? (apiVersion, kind) : null;

        static string? Plain(ReadOnlySpan<char> value)
        {
            var v = value.Trim();
            if (v.Length == 0) return null;
            foreach (var c in v)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '/' or '-')) return null;
            }
            return v.ToString();
        }
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

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    private sealed class TypeHeader
    {
        [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
        [JsonPropertyName("kind")] public string? Kind { get; set; }
    }

    private sealed class ListHeader
    {
        [JsonPropertyName("items")] public List<Dictionary<string, object?>>? Items { get; set; }
    }
}
