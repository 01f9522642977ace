using Gateway.Actors.Translation;

namespace Gateway.Host.Mesh;

/// <summary>
/// A data plane that needs the whole translation (its mesh table), not only the Gateways' route tables: the pipeline
/// hands it each result instead of calling <see cref="DataPlane.IDataPlane.ApplyAsync"/>.
/// </summary>
public interface IMeshDataPlane
{
    /// <summary>Serves the mesh part of <paramref name="result"/>; the result's Gateways are not served.</summary>
    Task<DataPlane.DataPlaneApplyResult> ApplyAsync(TranslationResult result, CancellationToken ct);
}
