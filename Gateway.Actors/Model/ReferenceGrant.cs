using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>ReferenceGrant (gateway.networking.k8s.io v1, v1beta1): permits references into its namespace.</summary>
public sealed class V1ReferenceGrant : IKubernetesObject<V1ObjectMeta>, ISpec<V1ReferenceGrantSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1beta1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ReferenceGrant";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1ReferenceGrantSpec Spec { get; set; } = new();
}

/// <summary>ReferenceGrantSpec.</summary>
public sealed class V1ReferenceGrantSpec
{
    [JsonPropertyName("from")] public IList<V1ReferenceGrantFrom>? From { get; set; }
    [JsonPropertyName("to")] public IList<V1ReferenceGrantTo>? To { get; set; }
}

/// <summary>ReferenceGrantFrom.</summary>
public sealed class V1ReferenceGrantFrom
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("namespace")] public string Namespace { get; set; } = "";
}

/// <summary>ReferenceGrantTo.</summary>
public sealed class V1ReferenceGrantTo
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string? Name { get; set; }
}
