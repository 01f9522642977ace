using Gateway.Actors.Translation;

namespace Gateway.Host.Mesh;

/// <summary>The Service ports of a translation's mesh table as one workload's proxy serves them.</summary>
internal static class MeshTableView
{
    /// <summary>The ports a proxy in <paramref name="clientNamespace"/> serves.</summary>
    public static IReadOnlyList<MeshServicePort> PortsFor(TranslationResult result, string clientNamespace) =>
        // Filled in from the translator's MeshTable (branch mesh-control) once it is merged.
        [];
}
