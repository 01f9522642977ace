using k8s;

namespace Gateway.Conformance.Tests;

/// <summary>Writes objects as one multi-document YAML manifest (KubernetesYaml for each document).</summary>
public static class YamlDocuments
{
    /// <summary>Serializes each object and joins them with "---" lines; every document ends with a newline.</summary>
    public static string Join(IEnumerable<object> objects) =>
        string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).TrimEnd('\n') + "\n"));
}
