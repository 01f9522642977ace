using System.Text.Json.Serialization;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Emulators;

/// <summary>
/// The objects the backend emulator reads: Deployments (the pods to emulate), Services (which pods an EndpointSlice
/// lists), Secrets and ConfigMaps (certificates mounted into pods). ManifestParser skips Deployments on purpose, so
/// the emulator reads manifests itself.
/// </summary>
public sealed record BackendManifests(
    IReadOnlyList<V1Deployment> Deployments,
    IReadOnlyList<V1Service> Services,
    IReadOnlyList<V1Secret> Secrets,
    IReadOnlyList<V1ConfigMap> ConfigMaps)
{
    /// <summary>No objects.</summary>
    public static BackendManifests Empty { get; } = new([], [], [], []);

    /// <summary>
    /// Reads the Deployments, Services, Secrets and ConfigMaps of multi-document YAML files; other kinds are ignored.
    /// A document that cannot be read is reported in <paramref name="diagnostics"/> and skipped.
    /// </summary>
    public static BackendManifests Parse(IEnumerable<(string Source, string Text)> files, ICollection<string>? diagnostics = null)
    {
        var deployments = new List<V1Deployment>();
        var services = new List<V1Service>();
        var secrets = new List<V1Secret>();
        var configMaps = new List<V1ConfigMap>();
        foreach (var (source, text) in files)
        {
            var index = 0;
            foreach (var document in SplitDocuments(text))
            {
                var docIndex = index++;
                try
                {
                    var header = KubernetesYaml.Deserialize<TypeHeader>(document);
                    switch (header?.ApiVersion, header?.Kind)
                    {
                        case ("apps/v1", "Deployment"): deployments.Add(Defaulted(KubernetesYaml.Deserialize<V1Deployment>(document))); break;
                        case ("v1", "Service"): services.Add(Defaulted(KubernetesYaml.Deserialize<V1Service>(document))); break;
                        case ("v1", "Secret"): secrets.Add(Defaulted(KubernetesYaml.Deserialize<V1Secret>(document))); break;
                        case ("v1", "ConfigMap"): configMaps.Add(Defaulted(KubernetesYaml.Deserialize<V1ConfigMap>(document))); break;
                    }
                }
                catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or FormatException or ArgumentException)
                {
                    diagnostics?.Add($"{source} (document {docIndex}): {e.Message}");
                }
            }
        }
        return new BackendManifests(deployments, services, secrets, configMaps);
    }

    private static T Defaulted<T>(T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(obj.Metadata.NamespaceProperty)) obj.Metadata.NamespaceProperty = "default";
        return obj;
    }

    // ManifestParser's document splitting (lines starting with "---", as kubectl's YAML reader), so a broken document
    // never hides the next one; ManifestParser itself skips the kinds read here.
    private static IEnumerable<string> SplitDocuments(string text) =>
        ManifestParser.SplitDocuments(text).Select(d => d.Text).Where(d => d.Trim().Length > 0);

    private sealed class TypeHeader
    {
        [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
        [JsonPropertyName("kind")] public string? Kind { get; set; }
    }
}
