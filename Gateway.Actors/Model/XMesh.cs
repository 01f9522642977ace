using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Model;

/// <summary>
/// XMesh (gateway.networking.x-k8s.io v1alpha1, experimental channel; cluster-scoped): mesh-wide settings of a GAMMA
/// mesh, claimed by spec.controllerName. Its status (conditions and supportedFeatures) has exactly the shape of a
/// GatewayClass status, so it reuses <see cref="V1GatewayClassStatus"/> and travels as a DesiredGatewayClassStatus.
/// </summary>
public sealed class V1Alpha1XMesh : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1MeshSpec>, IStatus<V1GatewayClassStatus?>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.x-k8s.io/v1alpha1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "XMesh";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public V1Alpha1MeshSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public V1GatewayClassStatus? Status { get; set; }
}

/// <summary>MeshSpec (apisx/v1alpha1/xmesh_types.go).</summary>
public sealed class V1Alpha1MeshSpec
{
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("parametersRef")] public V1ParametersReference? ParametersRef { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
}
