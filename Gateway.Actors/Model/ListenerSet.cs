using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>ListenerSet (gateway.networking.k8s.io v1): extra listeners attached to a Gateway that allows them.</summary>
public sealed class V1ListenerSet : IKubernetesObject<V1ObjectMeta>, ISpec<V1ListenerSetSpec>, IStatus<V1ListenerSetStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ListenerSet";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1ListenerSetSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1ListenerSetStatus? Status { get; set; }
}

/// <summary>ListenerSetSpec.</summary>
public sealed class V1ListenerSetSpec
{
    [JsonPropertyName("parentRef")] public V1ParentGatewayReference ParentRef { get; set; } = new();
    [JsonPropertyName("listeners")] public IList<V1Listener>? Listeners { get; set; }
}

/// <summary>ParentGatewayReference.</summary>
public sealed class V1ParentGatewayReference
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>ListenerSetStatus.</summary>
public sealed class V1ListenerSetStatus
{
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
    [JsonPropertyName("listeners")] public IList<V1ListenerStatus>? Listeners { get; set; }
}
