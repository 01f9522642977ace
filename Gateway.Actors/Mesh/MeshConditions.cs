using Gateway.Actors.Status;

namespace Gateway.Actors.Mesh;

/// <summary>XMesh conditions (apisx/v1alpha1/xmesh_types.go MeshConditionType / MeshConditionReason).</summary>
public static class MeshConditions
{
    public static ConditionSpec Accepted() => new(ConditionNames.Accepted, true, "Accepted", "The mesh is accepted by this controller.");

    public static ConditionSpec InvalidParameters(string detail) => new(ConditionNames.Accepted, false, "InvalidParameters", detail);
}
