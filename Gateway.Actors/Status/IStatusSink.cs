using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Status;

/// <summary>What a status write did.</summary>
public enum StatusWriteOutcome
{
    /// <summary>The stored status changed.</summary>
    Written,

    /// <summary>The stored status already equalled the desired one (ignoring timestamps); nothing was written.</summary>
    Unchanged,

    /// <summary>The object no longer exists where the sink writes (the API server); nothing was written.</summary>
    ObjectGone,
}

/// <summary>
/// Where desired status goes: the Kubernetes status subresource, or a status directory in file mode.
/// Implementations merge conditions keeping lastTransitionTime when a condition's status did not change, stamp time,
/// skip writes that change nothing, and keep status entries of other controllers.
/// </summary>
public interface IStatusSink
{
    /// <summary>
    /// Writes one object's desired status. A sink that stores whole objects writes <see cref="DesiredStatus.Object"/>,
    /// the object the status was computed from, never one it looks up elsewhere.
    /// </summary>
    Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct);

    /// <summary>Removes what this controller wrote for an object that is gone or no longer ours.</summary>
    Task RemoveAsync(ResourceKey key, CancellationToken ct);

    /// <summary>
    /// Reads the status stored for <paramref name="key"/> now (null: none), and forgets anything remembered about it,
    /// so the next <see cref="WriteAsync"/> compares with what is really stored. A new entity incarnation calls it
    /// after failover or rebalance: another replica may have written the object since this one last did. Sinks that
    /// always read fresh before writing (the Kubernetes status subresource) need not override it.
    /// </summary>
    Task<object?> ReadAsync(ResourceKey key, CancellationToken ct) => Task.FromResult<object?>(null);
}
