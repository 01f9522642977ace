using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>Gateway (gateway.networking.k8s.io v1, v1beta1).</summary>
public sealed class V1Gateway : IKubernetesObject<V1ObjectMeta>, ISpec<V1GatewaySpec>, IStatus<V1GatewayStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Gateway";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1GatewaySpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1GatewayStatus? Status { get; set; }
}

/// <summary>GatewaySpec.</summary>
public sealed class V1GatewaySpec
{
    [JsonPropertyName("gatewayClassName")] public string GatewayClassName { get; set; } = "";
    [JsonPropertyName("listeners")] public IList<V1Listener>? Listeners { get; set; }
    [JsonPropertyName("addresses")] public IList<V1GatewaySpecAddress>? Addresses { get; set; }
    [JsonPropertyName("infrastructure")] public V1GatewayInfrastructure? Infrastructure { get; set; }
    [JsonPropertyName("allowedListeners")] public V1AllowedListeners? AllowedListeners { get; set; }
    [JsonPropertyName("tls")] public V1GatewayTLSConfig? Tls { get; set; }
    [JsonPropertyName("defaultScope")] public string? DefaultScope { get; set; }
}

/// <summary>Listener.</summary>
public sealed class V1Listener
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("protocol")] public string Protocol { get; set; } = "";
    [JsonPropertyName("tls")] public V1ListenerTLSConfig? Tls { get; set; }
    [JsonPropertyName("allowedRoutes")] public V1AllowedRoutes? AllowedRoutes { get; set; }
}

/// <summary>ListenerTLSConfig.</summary>
public sealed class V1ListenerTLSConfig
{
    [JsonPropertyName("mode")] public string? Mode { get; set; }
    [JsonPropertyName("certificateRefs")] public IList<V1SecretObjectReference>? CertificateRefs { get; set; }
    [JsonPropertyName("options")] public IDictionary<string, string>? Options { get; set; }
}

/// <summary>AllowedRoutes of a listener.</summary>
public sealed class V1AllowedRoutes
{
    [JsonPropertyName("namespaces")] public V1RouteNamespaces? Namespaces { get; set; }
    [JsonPropertyName("kinds")] public IList<V1RouteGroupKind>? Kinds { get; set; }
}

/// <summary>RouteNamespaces: where attaching Routes may live.</summary>
public sealed class V1RouteNamespaces
{
    [JsonPropertyName("from")] public string? From { get; set; }
    [JsonPropertyName("selector")] public V1LabelSelector? Selector { get; set; }
}

/// <summary>RouteGroupKind.</summary>
public sealed class V1RouteGroupKind
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
}

/// <summary>AllowedListeners: which ListenerSets may attach.</summary>
public sealed class V1AllowedListeners
{
    [JsonPropertyName("namespaces")] public V1ListenerNamespaces? Namespaces { get; set; }
}

/// <summary>ListenerNamespaces: where attaching ListenerSets may live.</summary>
public sealed class V1ListenerNamespaces
{
    [JsonPropertyName("from")] public string? From { get; set; }
    [JsonPropertyName("selector")] public V1LabelSelector? Selector { get; set; }
}

/// <summary>GatewaySpecAddress.</summary>
public sealed class V1GatewaySpecAddress
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("value")] public string? Value { get; set; }
}

/// <summary>GatewayInfrastructure.</summary>
public sealed class V1GatewayInfrastructure
{
    [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("annotations")] public IDictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("parametersRef")] public V1LocalParametersReference? ParametersRef { get; set; }
}

/// <summary>LocalParametersReference.</summary>
public sealed class V1LocalParametersReference
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}

/// <summary>GatewayTLSConfig: frontend (client certificate validation) and backend (client certificate) TLS.</summary>
public sealed class V1GatewayTLSConfig
{
    [JsonPropertyName("backend")] public V1GatewayBackendTLS? Backend { get; set; }
    [JsonPropertyName("frontend")] public V1FrontendTLSConfig? Frontend { get; set; }
}

/// <summary>GatewayBackendTLS.</summary>
public sealed class V1GatewayBackendTLS
{
    [JsonPropertyName("clientCertificateRef")] public V1SecretObjectReference? ClientCertificateRef { get; set; }
}

/// <summary>FrontendTLSConfig.</summary>
public sealed class V1FrontendTLSConfig
{
    [JsonPropertyName("default")] public V1TLSConfig Default { get; set; } = new();
    [JsonPropertyName("perPort")] public IList<V1TLSPortConfig>? PerPort { get; set; }
}

/// <summary>TLSConfig.</summary>
public sealed class V1TLSConfig
{
    [JsonPropertyName("validation")] public V1FrontendTLSValidation? Validation { get; set; }
}

/// <summary>TLSPortConfig.</summary>
public sealed class V1TLSPortConfig
{
    [JsonPropertyName("port")] public int Port { get; set; }
    [JsonPropertyName("tls")] public V1TLSConfig Tls { get; set; } = new();
}

/// <summary>FrontendTLSValidation.</summary>
public sealed class V1FrontendTLSValidation
{
    [JsonPropertyName("caCertificateRefs")] public IList<V1GatewayObjectReference>? CaCertificateRefs { get; set; }
    [JsonPropertyName("mode")] public string? Mode { get; set; }
}

/// <summary>GatewayStatus.</summary>
public sealed class V1GatewayStatus
{
    [JsonPropertyName("addresses")] public IList<V1GatewayStatusAddress>? Addresses { get; set; }
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
    [JsonPropertyName("listeners")] public IList<V1ListenerStatus>? Listeners { get; set; }
    [JsonPropertyName("attachedListenerSets")] public int? AttachedListenerSets { get; set; }
}

/// <summary>GatewayStatusAddress.</summary>
public sealed class V1GatewayStatusAddress
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>ListenerStatus.</summary>
public sealed class V1ListenerStatus
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("supportedKinds")] public IList<V1RouteGroupKind> SupportedKinds { get; set; } = new List<V1RouteGroupKind>();
    [JsonPropertyName("attachedRoutes")] public int AttachedRoutes { get; set; }
    [JsonPropertyName("conditions")] public IList<V1Condition> Conditions { get; set; } = new List<V1Condition>();
}
