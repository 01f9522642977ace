using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>HTTPRoute (gateway.networking.k8s.io v1, v1beta1).</summary>
public sealed class V1HTTPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<V1HTTPRouteSpec>, IStatus<V1RouteStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "HTTPRoute";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1HTTPRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1RouteStatus? Status { get; set; }
}

/// <summary>HTTPRouteSpec.</summary>
public sealed class V1HTTPRouteSpec
{
    [JsonPropertyName("parentRefs")] public IList<V1GatewayParentReference>? ParentRefs { get; set; }
    [JsonPropertyName("useDefaultGateways")] public string? UseDefaultGateways { get; set; }
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }
    [JsonPropertyName("rules")] public IList<V1HTTPRouteRule>? Rules { get; set; }
}

/// <summary>HTTPRouteRule.</summary>
public sealed class V1HTTPRouteRule
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("matches")] public IList<V1HTTPRouteMatch>? Matches { get; set; }
    [JsonPropertyName("filters")] public IList<V1HTTPRouteFilter>? Filters { get; set; }
    [JsonPropertyName("backendRefs")] public IList<V1HTTPBackendRef>? BackendRefs { get; set; }
    [JsonPropertyName("timeouts")] public V1HTTPRouteTimeouts? Timeouts { get; set; }
    [JsonPropertyName("retry")] public V1HTTPRouteRetry? Retry { get; set; }
    [JsonPropertyName("sessionPersistence")] public V1SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>HTTPRouteMatch.</summary>
public sealed class V1HTTPRouteMatch
{
    [JsonPropertyName("path")] public V1HTTPPathMatch? Path { get; set; }
    [JsonPropertyName("headers")] public IList<V1HTTPHeaderMatch>? Headers { get; set; }
    [JsonPropertyName("queryParams")] public IList<V1HTTPQueryParamMatch>? QueryParams { get; set; }
    [JsonPropertyName("method")] public string? Method { get; set; }
}

/// <summary>HTTPPathMatch.</summary>
public sealed class V1HTTPPathMatch
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("value")] public string? Value { get; set; }
}

/// <summary>HTTPHeaderMatch.</summary>
public sealed class V1HTTPHeaderMatch
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>HTTPQueryParamMatch.</summary>
public sealed class V1HTTPQueryParamMatch
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>HTTPRouteFilter.</summary>
public sealed class V1HTTPRouteFilter
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("requestHeaderModifier")] public V1HTTPHeaderFilter? RequestHeaderModifier { get; set; }
    [JsonPropertyName("responseHeaderModifier")] public V1HTTPHeaderFilter? ResponseHeaderModifier { get; set; }
    [JsonPropertyName("requestMirror")] public V1HTTPRequestMirrorFilter? RequestMirror { get; set; }
    [JsonPropertyName("requestRedirect")] public V1HTTPRequestRedirectFilter? RequestRedirect { get; set; }
    [JsonPropertyName("urlRewrite")] public V1HTTPURLRewriteFilter? UrlRewrite { get; set; }
    [JsonPropertyName("cors")] public V1HTTPCORSFilter? Cors { get; set; }
    [JsonPropertyName("externalAuth")] public V1HTTPExternalAuthFilter? ExternalAuth { get; set; }
    [JsonPropertyName("extensionRef")] public V1GatewayLocalObjectReference? ExtensionRef { get; set; }
}

/// <summary>HTTPRequestRedirectFilter.</summary>
public sealed class V1HTTPRequestRedirectFilter
{
    [JsonPropertyName("scheme")] public string? Scheme { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("path")] public V1HTTPPathModifier? Path { get; set; }
    [JsonPropertyName("port")] public int? Port { get; set; }
    [JsonPropertyName("statusCode")] public int? StatusCode { get; set; }
}

/// <summary>HTTPURLRewriteFilter.</summary>
public sealed class V1HTTPURLRewriteFilter
{
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("path")] public V1HTTPPathModifier? Path { get; set; }
}

/// <summary>HTTPPathModifier.</summary>
public sealed class V1HTTPPathModifier
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("replaceFullPath")] public string? ReplaceFullPath { get; set; }
    [JsonPropertyName("replacePrefixMatch")] public string? ReplacePrefixMatch { get; set; }
}

/// <summary>HTTPCORSFilter.</summary>
public sealed class V1HTTPCORSFilter
{
    [JsonPropertyName("allowOrigins")] public IList<string>? AllowOrigins { get; set; }
    [JsonPropertyName("allowCredentials")] public bool? AllowCredentials { get; set; }
    [JsonPropertyName("allowMethods")] public IList<string>? AllowMethods { get; set; }
    [JsonPropertyName("allowHeaders")] public IList<string>? AllowHeaders { get; set; }
    [JsonPropertyName("exposeHeaders")] public IList<string>? ExposeHeaders { get; set; }
    [JsonPropertyName("maxAge")] public int? MaxAge { get; set; }
}

/// <summary>HTTPExternalAuthFilter (experimental).</summary>
public sealed class V1HTTPExternalAuthFilter
{
    [JsonPropertyName("protocol")] public string Protocol { get; set; } = "";
    [JsonPropertyName("backendRef")] public V1BackendObjectReference BackendRef { get; set; } = new();
    [JsonPropertyName("grpc")] public V1GRPCAuthConfig? Grpc { get; set; }
    [JsonPropertyName("http")] public V1HTTPAuthConfig? Http { get; set; }
    [JsonPropertyName("forwardBody")] public V1ForwardBodyConfig? ForwardBody { get; set; }
}

/// <summary>GRPCAuthConfig (experimental).</summary>
public sealed class V1GRPCAuthConfig
{
    [JsonPropertyName("allowedHeaders")] public IList<string>? AllowedHeaders { get; set; }
}

/// <summary>HTTPAuthConfig (experimental).</summary>
public sealed class V1HTTPAuthConfig
{
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("allowedHeaders")] public IList<string>? AllowedHeaders { get; set; }
    [JsonPropertyName("allowedResponseHeaders")] public IList<string>? AllowedResponseHeaders { get; set; }
}

/// <summary>ForwardBodyConfig (experimental).</summary>
public sealed class V1ForwardBodyConfig
{
    [JsonPropertyName("maxSize")] public int? MaxSize { get; set; }
}

/// <summary>HTTPBackendRef: a BackendRef with per-backend filters.</summary>
public sealed class V1HTTPBackendRef : V1BackendRef
{
    [JsonPropertyName("filters")] public IList<V1HTTPRouteFilter>? Filters { get; set; }
}

/// <summary>HTTPRouteTimeouts (durations in Gateway API duration format, e.g. "500ms").</summary>
public sealed class V1HTTPRouteTimeouts
{
    [JsonPropertyName("request")] public string? Request { get; set; }
    [JsonPropertyName("backendRequest")] public string? BackendRequest { get; set; }
}

/// <summary>HTTPRouteRetry (experimental).</summary>
public sealed class V1HTTPRouteRetry
{
    [JsonPropertyName("codes")] public IList<int>? Codes { get; set; }
    [JsonPropertyName("attempts")] public int? Attempts { get; set; }
    [JsonPropertyName("backoff")] public string? Backoff { get; set; }
}
