using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Host.Pipeline;

/// <summary>What handing a pass's statuses to their writers did.</summary>
/// <param name="Written">Status writes that changed something.</param>
/// <param name="Unchanged">Writes skipped because nothing but timestamps would change.</param>
/// <param name="Removed">Statuses removed.</param>
/// <param name="Unacknowledged">Objects whose writer did not confirm in time (they are written later; not an error).</param>
/// <param name="Errors">Failures (one line each).</param>
public sealed record StatusHandOffResult(int Written, int Unchanged, int Removed, int Unacknowledged, IReadOnlyList<string> Errors)
{
    /// <summary>Time spent preparing the hand-off (splitting the result per entity) before waiting for the owners; logged.</summary>
    public TimeSpan Prepare { get; init; }

    /// <summary>Entities whose content was built for this pass (the others kept the previous pass's); logged.</summary>
    public int ContentBuilt { get; init; }

    /// <summary>Entities with content after this pass; logged.</summary>
    public int ContentObjects { get; init; }

    /// <summary>Entities reported to their owners (changed or removed); logged.</summary>
    public int Reported { get; init; }
}

/// <summary>
/// Where the pipeline hands every status: to the sharded entities that own the objects (exactly one writer per object
/// in the cluster, a one-node cluster included). The pipeline writes no status itself.
/// </summary>
public interface IStatusHandOff
{
    /// <summary>
    /// Hands the statuses of <paramref name="result"/> to their owners and waits (bounded) until they have handled
    /// them. <paramref name="storedKeys"/> (first pass only) are statuses left by an earlier run.
    /// </summary>
    Task<StatusHandOffResult> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied, IReadOnlyCollection<ResourceKey> storedKeys, CancellationToken ct);

    /// <summary>
    /// True once the owners can no longer be reached because this node is shutting down (its actor system's coordinated
    /// shutdown has begun): a hand-off that fails then is the shutdown, not a fault of the pass. Default: false.
    /// </summary>
    bool Stopped => false;

    /// <summary>
    /// Runs the owners' own status paths once on throwaway state, so a node's first real change does not compile them
    /// (cluster mode: a route entity's write and removal, <see cref="Actors.Actors.Common.EntityWarmUp"/>). Returns what
    /// ran, for the log, or null when there is nothing to warm up. Never touches a real object's status. Default: nothing.
    /// </summary>
    Task<string?> WarmUpOwnersAsync(string controllerName, CancellationToken ct) => Task.FromResult<string?>(null);
}
