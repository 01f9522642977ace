using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Actors.Mesh;

/// <summary>
/// XMesh (v1.6.1 apisx/v1alpha1/xmesh_types.go): every XMesh whose spec.controllerName is ours gets a status
/// ("Implementations MUST populate status on all Mesh resources which specify their controller name"):
/// Accepted=True/Accepted, or Accepted=False/InvalidParameters for any parametersRef (this mesh takes no
/// parameters: "If the referent cannot be found, refers to an unsupported kind ... the Mesh MUST be rejected"), and
/// status.supportedFeatures from <see cref="SupportedFeatures.MeshNames"/>, sorted by name as the field requires.
/// The status has the GatewayClass status's shape and travels as a <see cref="DesiredGatewayClassStatus"/>.
/// XMesh does not gate routing: Service parents are served whether or not an XMesh exists, as GEP-1294 defines mesh
/// routing without one.
/// </summary>
internal static class XMeshTranslation
{
    public static IEnumerable<DesiredStatus> Statuses(Snapshot snapshot, TranslatorOptions options)
    {
        foreach (var mesh in snapshot.All<V1Alpha1XMesh>(KindRegistry.XMesh).Where(m => m.Spec.ControllerName == options.ControllerName))
        {
            var key = KindRegistry.KeyOf(KindRegistry.XMesh, mesh);
            var generation = GatewayTranslation.Generation(mesh.Metadata);
            var accepted = mesh.Spec.ParametersRef is { } pr
                ? MeshConditions.InvalidParameters($"parametersRef {GatewayTranslation.Describe(pr.Group, pr.Kind)} {pr.Name} is not supported: this mesh takes no parameters.")
                : MeshConditions.Accepted();
            var status = new V1GatewayClassStatus
            {
                Conditions = [accepted.ToV1(generation)],
                SupportedFeatures = SupportedFeatures.MeshNames.Count == 0 ? null : SupportedFeatures.MeshNames.Select(n => new V1SupportedFeature { Name = n }).ToList(),
            };
            yield return new DesiredGatewayClassStatus(key, generation, mesh, status);
        }
    }
}
