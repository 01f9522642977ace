using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>BackendTLSPolicy (gateway.networking.k8s.io v1; v1alpha3 read with the same shape).</summary>
public sealed class V1BackendTLSPolicy : IKubernetesObject<V1ObjectMeta>, ISpec<V1BackendTLSPolicySpec>, IStatus<V1PolicyStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "BackendTLSPolicy";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1BackendTLSPolicySpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1PolicyStatus? Status { get; set; }
}

/// <summary>BackendTLSPolicySpec.</summary>
public sealed class V1BackendTLSPolicySpec
{
    [JsonPropertyName("targetRefs")] public IList<V1LocalPolicyTargetReferenceWithSectionName>? TargetRefs { get; set; }
    [JsonPropertyName("validation")] public V1BackendTLSPolicyValidation Validation { get; set; } = new();
    [JsonPropertyName("options")] public IDictionary<string, string>? Options { get; set; }
}

/// <summary>LocalPolicyTargetReferenceWithSectionName.</summary>
public sealed class V1LocalPolicyTargetReferenceWithSectionName
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("sectionName")] public string? SectionName { get; set; }
}

/// <summary>BackendTLSPolicyValidation.</summary>
public sealed class V1BackendTLSPolicyValidation
{
    [JsonPropertyName("caCertificateRefs")] public IList<V1GatewayLocalObjectReference>? CaCertificateRefs { get; set; }
    [JsonPropertyName("wellKnownCACertificates")] public string? WellKnownCACertificates { get; set; }
    [JsonPropertyName("hostname")] public string Hostname { get; set; } = "";
    [JsonPropertyName("subjectAltNames")] public IList<V1SubjectAltName>? SubjectAltNames { get; set; }
}

/// <summary>SubjectAltName.</summary>
public sealed class V1SubjectAltName
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("uri")] public string? Uri { get; set; }
}
