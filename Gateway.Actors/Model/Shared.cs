using System.Text.Json.Serialization;
using k8s.Models;

namespace Gateway.Actors.Model;

// Shared Gateway API types (apis/v1/shared_types.go, object_reference_types.go at v1.6.1).
// ParentReference, ObjectReference, LocalObjectReference and HTTPHeader are named V1Gateway* here because
// KubernetesClient already defines V1ParentReference, V1ObjectReference, V1LocalObjectReference and V1HTTPHeader.
// Wire names are kept exactly; optional scalars are nullable so "unset" and "zero" stay distinct,
// and enum-like fields stay strings so an unknown value becomes a status condition, not a parse error.

/// <summary>A reference from a Route (or ListenerSet) to its parent, usually a Gateway (ParentReference).</summary>
public sealed class V1GatewayParentReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("sectionName")] public string? SectionName { get; set; }
    [JsonPropertyName("port")] public int? Port { get; set; }
}

/// <summary>A reference to a backend object, usually a Service (BackendObjectReference).</summary>
public class V1BackendObjectReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
    [JsonPropertyName("port")] public int? Port { get; set; }
}

/// <summary>A weighted backend reference (BackendRef).</summary>
public class V1BackendRef : V1BackendObjectReference
{
    [JsonPropertyName("weight")] public int? Weight { get; set; }
}

/// <summary>A reference to a Secret-like object (SecretObjectReference).</summary>
public sealed class V1SecretObjectReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>A namespaced object reference with explicit group and kind (ObjectReference).</summary>
public sealed class V1GatewayObjectReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>A same-namespace reference with group and kind (LocalObjectReference).</summary>
public sealed class V1GatewayLocalObjectReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}

/// <summary>Status of a Route with respect to one parent (RouteParentStatus).</summary>
public sealed class V1RouteParentStatus
{
    [JsonPropertyName("parentRef")] public V1GatewayParentReference ParentRef { get; set; } = new();
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>Status common to every Route kind (RouteStatus).</summary>
public sealed class V1RouteStatus
{
    [JsonPropertyName("parents")] public IList<V1RouteParentStatus>? Parents { get; set; }
}

/// <summary>Status of a policy with respect to one ancestor (PolicyAncestorStatus).</summary>
public sealed class V1PolicyAncestorStatus
{
    [JsonPropertyName("ancestorRef")] public V1GatewayParentReference AncestorRef { get; set; } = new();
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>Status common to direct policy attachments (PolicyStatus).</summary>
public sealed class V1PolicyStatus
{
    [JsonPropertyName("ancestors")] public IList<V1PolicyAncestorStatus>? Ancestors { get; set; }
}

/// <summary>Session persistence configuration (experimental, SessionPersistence).</summary>
public sealed class V1SessionPersistence
{
    [JsonPropertyName("sessionName")] public string? SessionName { get; set; }
    [JsonPropertyName("absoluteTimeout")] public string? AbsoluteTimeout { get; set; }
    [JsonPropertyName("idleTimeout")] public string? IdleTimeout { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("cookieConfig")] public V1CookieConfig? CookieConfig { get; set; }
}

/// <summary>Cookie options for cookie-based session persistence (CookieConfig).</summary>
public sealed class V1CookieConfig
{
    [JsonPropertyName("lifetimeType")] public string? LifetimeType { get; set; }
}

/// <summary>A header name/value pair used by header modifier filters (HTTPHeader).</summary>
public sealed class V1GatewayHTTPHeader
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>Header modification instructions (HTTPHeaderFilter).</summary>
public sealed class V1HTTPHeaderFilter
{
    [JsonPropertyName("set")] public IList<V1GatewayHTTPHeader>? Set { get; set; }
    [JsonPropertyName("add")] public IList<V1GatewayHTTPHeader>? Add { get; set; }
    [JsonPropertyName("remove")] public IList<string>? Remove { get; set; }
}

/// <summary>Mirror traffic to another backend (HTTPRequestMirrorFilter).</summary>
public sealed class V1HTTPRequestMirrorFilter
{
    [JsonPropertyName("backendRef")] public V1BackendObjectReference BackendRef { get; set; } = new();
    [JsonPropertyName("percent")] public int? Percent { get; set; }
    [JsonPropertyName("fraction")] public V1Fraction? Fraction { get; set; }
}

/// <summary>A numerator/denominator fraction (Fraction).</summary>
public sealed class V1Fraction
{
    [JsonPropertyName("numerator")] public int Numerator { get; set; }
    [JsonPropertyName("denominator")] public int? Denominator { get; set; }
}
