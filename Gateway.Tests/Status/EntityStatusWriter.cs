using System.Collections.Concurrent;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Tests.Status;

/// <summary>
/// Writes through a sink the way an entity does, without an actor system: per object it reads the stored status once
/// (<see cref="IStatusSink.ReadAsync"/>), then merges each desired status into the status it holds with the entity's own
/// pure core (<see cref="ReconciledObject.Merge"/>), hands the sink the result, reads again and merges again on a
/// conflict, and keeps what it wrote. Lets the sink tests run their scenarios (lastTransitionTime kept across writes
/// and restarts, metadata refreshes) against the real merge and the real sink.
/// </summary>
internal sealed class EntityStatusWriter(IStatusSink sink, TimeProvider time)
{
    private readonly ConcurrentDictionary<ResourceKey, ReconciledObject> _cores = new();

    /// <summary>Conflicts answered by the sink so far.</summary>
    public int Conflicts { get; private set; }

    /// <summary>Merges <paramref name="desired"/> into what this writer holds for its object and writes it (at most <paramref name="attempts"/> conflicts).</summary>
    public async Task<StatusWriteOutcome> WriteAsync(DesiredStatus desired, CancellationToken ct, int attempts = 5)
    {
        var core = await CoreAsync(desired.Key, ct);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var merged = core.Merge(desired, sink.ControllerName, sink.StoresObjects, time.GetUtcNow().UtcDateTime);
            var receipt = await sink.WriteAsync(merged.Write, ct);
            if (receipt.Outcome == StatusWriteOutcome.Conflict)
            {
                Conflicts++;
                core = core.Apply(new StoredStatusRead(await sink.ReadAsync(desired.Key, ct)));
                _cores[desired.Key] = core;
                continue;
            }
            if (receipt.Outcome == StatusWriteOutcome.ObjectGone) return receipt.Outcome;
            _cores[desired.Key] = core.Apply(new StatusWritten(Fingerprint.Of("f"), desired.Generation, new StoredStatus(merged.Write.Status, receipt.Version),
                merged.Digest, 1, receipt.Outcome == StatusWriteOutcome.Written, MergedFrom: desired));
            return receipt.Outcome;
        }
        return StatusWriteOutcome.Conflict;
    }

    /// <summary>
    /// Removes the object's status as an entity whose object is gone: decides the removal from the status it holds
    /// (<see cref="ReconciledObject.Removal"/>), hands it to the sink, reads again and decides again on a conflict (at
    /// most <paramref name="attempts"/> conflicts). Returns the sink's last outcome (Unchanged: nothing to remove).
    /// </summary>
    public async Task<StatusWriteOutcome> RemoveAsync(ResourceKey key, CancellationToken ct, int attempts = 5)
    {
        var core = await CoreAsync(key, ct);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (core.Removal(key, sink.ControllerName, sink.StoresObjects) is not { } removal)
            {
                _cores[key] = core.Apply(new StatusRemoved(null, null));
                return StatusWriteOutcome.Unchanged;
            }
            var receipt = await sink.RemoveAsync(removal, ct);
            if (receipt.Outcome == StatusWriteOutcome.Conflict)
            {
                Conflicts++;
                core = core.Apply(new StoredStatusRead(await sink.ReadAsync(key, ct)));
                _cores[key] = core;
                continue;
            }
            _cores[key] = core.Apply(new StatusRemoved(removal, receipt.Version));
            return receipt.Outcome;
        }
        return StatusWriteOutcome.Conflict;
    }

    private async Task<ReconciledObject> CoreAsync(ResourceKey key, CancellationToken ct)
    {
        if (_cores.TryGetValue(key, out var core)) return core;
        core = ReconciledObject.Create(EntityRef.ForStatus(key), "self", "self").Apply(new StoredStatusRead(await sink.ReadAsync(key, ct)));
        _cores[key] = core;
        return core;
    }
}
