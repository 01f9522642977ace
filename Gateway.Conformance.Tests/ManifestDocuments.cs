using System.Text;
using System.Text.Json.Serialization;
using k8s;

namespace Gateway.Conformance.Tests;

/// <summary>Splitting a manifest into documents and finding one object's document (for mid-test deletes).</summary>
public static class ManifestDocuments
{
    /// <summary>The non-blank documents of a multi-document YAML text, split on "---" lines.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var documents = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.TrimEnd('\r') == "---")
            {
                Flush();
                continue;
            }
            current.Append(line).Append('\n');
        }
        Flush();
        return documents;

        void Flush()
        {
            if (current.ToString().Trim().Length > 0) documents.Add(current.ToString());
            current.Clear();
        }
    }

    /// <summary>Whether <paramref name="document"/> is the object kind namespace/name.</summary>
    public static bool Identifies(string document, string kind, string ns, string name)
    {
        var header = KubernetesYaml.Deserialize<Header>(document);
        return header?.Kind == kind && header.Metadata?.Name == name && (header.Metadata.Namespace ?? "") == ns;
    }

    /// <summary>The objects of <paramref name="kind"/> in a manifest (namespace "default" when unset); unreadable documents are skipped.</summary>
    public static IReadOnlyList<Judges.AppliedObject> Objects(string text, string kind)
    {
        var result = new List<Judges.AppliedObject>();
        foreach (var document in Split(text))
        {
            Header? header;
            try
            {
                header = KubernetesYaml.Deserialize<Header>(document);
            }
            catch (YamlDotNet.Core.YamlException)
            {
                continue;
            }
            if (header?.Kind != kind || header.Metadata?.Name is not { } name) continue;
            result.Add(new(header.Metadata.Namespace ?? "default", name, header.Metadata.Annotations ?? new Dictionary<string, string>()));
        }
        return result;
    }

    /// <summary>The text without the document of kind namespace/name.</summary>
    public static string Remove(string text, string kind, string ns, string name) =>
        string.Join("---\n", Split(text).Where(d => !Identifies(d, kind, ns, name)));

    private sealed class Header
    {
        [JsonPropertyName("kind")] public string? Kind { get; set; }
        [JsonPropertyName("metadata")] public Meta? Metadata { get; set; }
    }

    private sealed class Meta
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("namespace")] public string? Namespace { get; set; }
        [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    }
}
