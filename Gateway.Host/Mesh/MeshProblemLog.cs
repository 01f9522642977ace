using Gateway.Actors.Mesh;

namespace Gateway.Host.Mesh;

/// <summary>
/// Which of a translation's <see cref="MeshTable.Problems"/> are new since the previous translation, so the pipeline
/// logs each problem once, when it appears (a Service whose spec.clusterIP lies outside the mesh range stays a problem
/// for every later translation; logging it each time would bury everything else). A problem that goes away and comes
/// back is new again. A table instance the incremental translator kept (no mesh input changed) costs one reference
/// comparison. Not thread-safe: one pipeline owns one instance.
/// </summary>
public sealed class MeshProblemLog
{
    private MeshTable? _last;
    private HashSet<string> _known = new(StringComparer.Ordinal);

    /// <summary>The problems of <paramref name="mesh"/> that the previous table did not have, in the table's order.</summary>
    public IReadOnlyList<string> Appeared(MeshTable mesh)
    {
        if (ReferenceEquals(mesh, _last)) return [];
        _last = mesh;
        var problems = mesh.Problems.IsDefault ? [] : mesh.Problems;
        var appeared = problems.Where(p => !_known.Contains(p)).ToList();
        _known = new HashSet<string>(problems, StringComparer.Ordinal);
        return appeared;
    }
}
