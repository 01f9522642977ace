using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>GRPCRoute (gateway.networking.k8s.io v1).</summary>
public sealed class V1GRPCRoute : IKubernetesObject<V1ObjectMeta>, ISpec<V1GRPCRouteSpec>, IStatus<V1RouteStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "GRPCRoute";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1GRPCRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1RouteStatus? Status { get; set; }
}

/// <summary>GRPCRouteSpec.</summary>
public sealed class V1GRPCRouteSpec
{
    [JsonPropertyName("parentRefs")] public IList<V1GatewayParentReference>? ParentRefs { get; set; }
    [JsonPropertyName("useDefaultGateways")] public string? UseDefaultGateways { get; set; }
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }
    [JsonPropertyName("rules")] public IList<V1GRPCRouteRule>? Rules { get; set; }
}

/// <summary>GRPCRouteRule.</summary>
public sealed class V1GRPCRouteRule
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("matches")] public IList<V1GRPCRouteMatch>? Matches { get; set; }
    [JsonPropertyName("filters")] public IList<V1GRPCRouteFilter>? Filters { get; set; }
    [JsonPropertyName("backendRefs")] public IList<V1GRPCBackendRef>? BackendRefs { get; set; }
    [JsonPropertyName("sessionPersistence")] public V1SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>GRPCRouteMatch.</summary>
public sealed class V1GRPCRouteMatch
{
    [JsonPropertyName("method")] public V1GRPCMethodMatch? Method { get; set; }
    [JsonPropertyName("headers")] public IList<V1GRPCHeaderMatch>? Headers { get; set; }
}

/// <summary>GRPCMethodMatch.</summary>
public sealed class V1GRPCMethodMatch
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("service")] public string? Service { get; set; }
    [JsonPropertyName("method")] public string? Method { get; set; }
}

/// <summary>GRPCHeaderMatch.</summary>
public sealed class V1GRPCHeaderMatch
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>GRPCRouteFilter.</summary>
public sealed class V1GRPCRouteFilter
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("requestHeaderModifier")] public V1HTTPHeaderFilter? RequestHeaderModifier { get; set; }
    [JsonPropertyName("responseHeaderModifier")] public V1HTTPHeaderFilter? ResponseHeaderModifier { get; set; }
    [JsonPropertyName("requestMirror")] public V1HTTPRequestMirrorFilter? RequestMirror { get; set; }
    [JsonPropertyName("extensionRef")] public V1GatewayLocalObjectReference? ExtensionRef { get; set; }
}

/// <summary>GRPCBackendRef.</summary>
public sealed class V1GRPCBackendRef : V1BackendRef
{
    [JsonPropertyName("filters")] public IList<V1GRPCRouteFilter>? Filters { get; set; }
}
