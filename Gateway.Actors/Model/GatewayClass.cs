using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>GatewayClass (gateway.networking.k8s.io v1, v1beta1; cluster-scoped).</summary>
public sealed class V1GatewayClass : IKubernetesObject<V1ObjectMeta>, ISpec<V1GatewayClassSpec>, IStatus<V1GatewayClassStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "GatewayClass";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1GatewayClassSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1GatewayClassStatus? Status { get; set; }
}

/// <summary>GatewayClassSpec.</summary>
public sealed class V1GatewayClassSpec
{
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("parametersRef")] public V1ParametersReference? ParametersRef { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
}

/// <summary>ParametersReference of a GatewayClass.</summary>
public sealed class V1ParametersReference
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>GatewayClassStatus.</summary>
public sealed class V1GatewayClassStatus
{
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
    [JsonPropertyName("supportedFeatures")] public IList<V1SupportedFeature>? SupportedFeatures { get; set; }
}

/// <summary>One supported feature name in GatewayClass status.</summary>
public sealed class V1SupportedFeature
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}
