using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Status;

/// <summary>What a status write did.</summary>
public enum StatusWriteOutcome
{
    /// <summary>The stored status changed.</summary>
    Written,

    /// <summary>The status was not changed (nothing to write, or only the stored object's metadata was refreshed).</summary>
    Unchanged,

    /// <summary>The object no longer exists where the sink writes (the API server); nothing was written.</summary>
    ObjectGone,

    /// <summary>
    /// The object changed where the sink writes since the version the write was based on (409 Conflict): nothing was
    /// written; the entity reads the stored status again, merges again and writes again.
    /// </summary>
    Conflict,
}

/// <summary>What a sink holds for one object: its status and the version it was read or written at.</summary>
/// <param name="Status">The stored status (typed, as the object's Status property; null: the object has none yet).</param>
/// <param name="Version">
/// The stored object's resourceVersion: in Kubernetes mode the one the status was read or written at (a write based on
/// it is refused with <see cref="StatusWriteOutcome.Conflict"/> once the object moved on); for sinks that store whole
/// objects, the resourceVersion of the object stored with the status.
/// </param>
public sealed record StoredStatus(object? Status, string? Version);

/// <summary>What a write changes.</summary>
public enum StatusChange
{
    /// <summary>Nothing: the merged status equals the stored one and the stored object is current. The sink writes nothing.</summary>
    None,

    /// <summary>
    /// The status is the same, but the object stored with it moved on (labels, annotations): a sink that stores whole
    /// objects (<see cref="IStatusSink.StoresObjects"/>) refreshes the document; not a status write.
    /// </summary>
    ObjectOnly,

    /// <summary>The status changed: write it.</summary>
    Status,
}

/// <summary>
/// One write, as the entity hands it to its node's sink: the object the status was computed from
/// (<see cref="DesiredStatus.Object"/>, the translated snapshot's instance), the status already merged by the entity
/// (<see cref="StatusMerge"/>), and the version of the stored status it was merged with.
/// </summary>
/// <param name="Desired">The desired status, carrying the object and its key and apiVersion.</param>
/// <param name="Status">The merged status to write, of the desired status's type.</param>
/// <param name="BasedOn">The <see cref="StoredStatus.Version"/> the merge was based on (null: nothing was stored).</param>
/// <param name="Change">What the write changes (computed by the entity).</param>
public sealed record StatusWrite(DesiredStatus Desired, object Status, string? BasedOn, StatusChange Change)
{
    /// <summary>The object's key.</summary>
    public ResourceKey Key => Desired.Key;
}

/// <summary>
/// One removal, as the entity hands it to its node's sink for an object that is gone from this controller or no longer
/// its own; computed by the entity from the stored status it holds (<see cref="Actors.Common.ReconciledObject.Removal"/>).
/// </summary>
/// <param name="Key">The object.</param>
/// <param name="Remaining">
/// Null: delete the stored document (sinks that store whole objects: the document is this controller's alone). Else the
/// stored status without this controller's entries (<see cref="StatusMerge.WithoutEntriesOf"/>), written as the object's
/// status conditionally on <paramref name="BasedOn"/> (the status subresource, which other controllers share).
/// </param>
/// <param name="BasedOn">The <see cref="StoredStatus.Version"/> <paramref name="Remaining"/> was computed from.</param>
public sealed record StatusRemoval(ResourceKey Key, object? Remaining, string? BasedOn);

/// <summary>How a write ended and the version of what is stored now (null when unknown, or nothing was written).</summary>
public sealed record StatusWriteReceipt(StatusWriteOutcome Outcome, string? Version);

/// <summary>
/// Where status goes: the Kubernetes status subresource, or a status directory in file mode. A sink writes the status
/// it is given, never merges: the owning entity holds the stored status, merges (lastTransitionTime kept while a
/// condition's status is unchanged, other controllers' entries kept) and decides whether anything changed.
/// </summary>
public interface IStatusSink
{
    /// <summary>The controller whose status entries are written (other controllers' route parents are kept by the merge).</summary>
    string ControllerName { get; }

    /// <summary>
    /// True when the sink stores the whole object with its status (file, memory), so an object whose metadata moved
    /// is written again (<see cref="StatusChange.ObjectOnly"/>); false for the status subresource.
    /// </summary>
    bool StoresObjects { get; }

    /// <summary>
    /// Writes <see cref="StatusWrite.Status"/> as the object's status: a sink that stores whole objects writes
    /// <see cref="DesiredStatus.Object"/> with it, never an object it looks up elsewhere; the Kubernetes sink replaces
    /// the status subresource conditionally on <see cref="StatusWrite.BasedOn"/>. Nothing is written for
    /// <see cref="StatusChange.None"/>.
    /// </summary>
    Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct);

    /// <summary>
    /// Removes what this controller wrote for an object that is gone or no longer ours, as the entity computed it: deletes
    /// the stored document (<see cref="StatusRemoval.Remaining"/> null), or writes the remaining status conditionally
    /// (answering <see cref="StatusWriteOutcome.Conflict"/> when the object moved on since <see cref="StatusRemoval.BasedOn"/>,
    /// so the entity reads again and computes the removal again; <see cref="StatusWriteOutcome.ObjectGone"/> when the
    /// object no longer exists, which leaves nothing to remove). Deleting what is not there is not an error.
    /// </summary>
    Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct);

    /// <summary>
    /// Reads the status stored for <paramref name="key"/> now (null: none, or no such object). A new entity
    /// incarnation calls it once (after a restart, failover or rebalance another replica may have written the object),
    /// and again after a <see cref="StatusWriteOutcome.Conflict"/>.
    /// </summary>
    Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct);
}
