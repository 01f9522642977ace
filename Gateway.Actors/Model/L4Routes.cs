using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>TLSRoute (gateway.networking.k8s.io v1; v1alpha2 and v1alpha3 read with the same shape).</summary>
public sealed class V1TLSRoute : IKubernetesObject<V1ObjectMeta>, ISpec<V1TLSRouteSpec>, IStatus<V1RouteStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "TLSRoute";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1TLSRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1RouteStatus? Status { get; set; }
}

/// <summary>TLSRouteSpec.</summary>
public sealed class V1TLSRouteSpec
{
    [JsonPropertyName("parentRefs")] public IList<V1GatewayParentReference>? ParentRefs { get; set; }
    [JsonPropertyName("useDefaultGateways")] public string? UseDefaultGateways { get; set; }
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }
    [JsonPropertyName("rules")] public IList<V1L4RouteRule>? Rules { get; set; }
}

/// <summary>TCPRoute (gateway.networking.k8s.io v1; v1alpha2 read with the same shape).</summary>
public sealed class V1TCPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<V1L4RouteSpec>, IStatus<V1RouteStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "TCPRoute";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1L4RouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1RouteStatus? Status { get; set; }
}

/// <summary>UDPRoute (gateway.networking.k8s.io v1; v1alpha2 read with the same shape).</summary>
public sealed class V1UDPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<V1L4RouteSpec>, IStatus<V1RouteStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "UDPRoute";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1L4RouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1RouteStatus? Status { get; set; }
}

/// <summary>TCPRouteSpec / UDPRouteSpec (identical shapes).</summary>
public sealed class V1L4RouteSpec
{
    [JsonPropertyName("parentRefs")] public IList<V1GatewayParentReference>? ParentRefs { get; set; }
    [JsonPropertyName("useDefaultGateways")] public string? UseDefaultGateways { get; set; }
    [JsonPropertyName("rules")] public IList<V1L4RouteRule>? Rules { get; set; }
}

/// <summary>TLSRouteRule / TCPRouteRule / UDPRouteRule (identical shapes).</summary>
public sealed class V1L4RouteRule
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("backendRefs")] public IList<V1BackendRef>? BackendRefs { get; set; }
}
