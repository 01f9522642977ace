using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>
/// RateLimitPolicy (gateway.akka-gateway.dev/v1alpha1): our own policy, attached by direct policy attachment (GEP-713)
/// to a Gateway (optionally one listener) or an HTTPRoute/GRPCRoute (optionally one named rule). CRD:
/// k8s/crds/gateway.akka-gateway.dev_ratelimitpolicies.yaml.
/// </summary>
public sealed class V1Alpha1RateLimitPolicy : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1RateLimitPolicySpec>, IStatus<V1PolicyStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.akka-gateway.dev/v1alpha1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "RateLimitPolicy";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1Alpha1RateLimitPolicySpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1PolicyStatus? Status { get; set; }
}

/// <summary>RateLimitPolicySpec: what the policy attaches to and its limits (each rule is checked on its own).</summary>
public sealed class V1Alpha1RateLimitPolicySpec
{
    [JsonPropertyName("targetRefs")] public IList<V1LocalPolicyTargetReferenceWithSectionName>? TargetRefs { get; set; }
    [JsonPropertyName("rules")] public IList<V1Alpha1RateLimitRule>? Rules { get; set; }
}

/// <summary>One limit: at most <c>limit.requests</c> per <c>limit.interval</c> per value of <c>key</c>.</summary>
public sealed class V1Alpha1RateLimitRule
{
    [JsonPropertyName("limit")] public V1Alpha1RateLimitValue? Limit { get; set; }
    [JsonPropertyName("key")] public V1Alpha1RateLimitKey? Key { get; set; }

    /// <summary>Cluster (default: one counter over every replica) or Replica (each replica counts alone).</summary>
    [JsonPropertyName("scope")] public string? Scope { get; set; }
}

/// <summary>The limit itself.</summary>
public sealed class V1Alpha1RateLimitValue
{
    [JsonPropertyName("requests")] public int Requests { get; set; }

    /// <summary>A Gateway API Duration ("1m", "30s", "1h").</summary>
    [JsonPropertyName("interval")] public string? Interval { get; set; }
}

/// <summary>What a counter is per: Global (one counter), ClientIP, or Header (the value of header <see cref="Name"/>).</summary>
public sealed class V1Alpha1RateLimitKey
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
}
