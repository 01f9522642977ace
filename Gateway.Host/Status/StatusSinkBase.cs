using System.Collections.Concurrent;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;

namespace Gateway.Host.Status;

/// <summary>
/// What sinks that own their storage share (file mode, memory): merge the desired status into
/// the stored one (<see cref="StatusMerge"/>), skip the write when nothing but timestamps would change, persist the
/// whole object with its new status, and count writes per object. The object written is the one the desired status
/// carries (<see cref="DesiredStatus.Object"/>, from the snapshot the status was computed from); a sink never looks
/// objects up anywhere else. The stored status is remembered after every
/// write, so a sink is the single writer of its storage.
/// Writes of different objects run in parallel: each object has its own lock (striped), so one object's writes stay
/// ordered while the writes of thousands of entities at startup never queue behind one lock held across serialization
/// and I/O, where they would wait longer than their timeout. Storage I/O is bounded by <see cref="IoConcurrency"/>.
/// </summary>
public abstract class StatusSinkBase : IStatusSink
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ResourceKey, Stored> _stored = new();
    private readonly ConcurrentDictionary<ResourceKey, int> _writes = new();
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly SemaphoreSlim _io = new(IoConcurrency, IoConcurrency);

    // Enough stripes that unrelated objects rarely share one; a shared stripe only orders two writes, it never blocks.
    private const int LockStripes = 256;

    /// <summary>Storage operations (load, persist, delete) in flight at once: enough to keep the disk busy, not a thread per object.</summary>
    public static readonly int IoConcurrency = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Creates a sink writing the status entries of <paramref name="controllerName"/>.</summary>
    protected StatusSinkBase(string controllerName, TimeProvider time)
    {
        ControllerName = controllerName;
        _time = time;
    }

    /// <summary>The controller whose status entries this sink writes (others' route parents are kept).</summary>
    public string ControllerName { get; }

    /// <summary>Status writes that changed something, per object, since the sink was created.</summary>
    public IReadOnlyDictionary<ResourceKey, int> WriteCounts => _writes;

    /// <summary>Status writes that changed something for <paramref name="key"/>.</summary>
    public int WriteCount(ResourceKey key) => _writes.GetValueOrDefault(key);

    /// <inheritdoc />
    public async Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct)
    {
        var gate = LockOf(status.Key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var obj = status.Object;
            if (!_stored.TryGetValue(status.Key, out var stored))
            {
                var loaded = await WithIoAsync(() => LoadAsync(status.Key, obj.GetType(), ct), ct).ConfigureAwait(false);
                stored = loaded is null ? null : new Stored(loaded.Status, CanonicalForm.Digest(CanonicalForm.Of(loaded.Status)), loaded.ResourceVersion);
            }

            var merged = StatusMerge.Merge(stored?.Status, status, ControllerName, _time.GetUtcNow().UtcDateTime);
            var form = CanonicalForm.Digest(CanonicalForm.Of(merged));
            var statusChanged = stored?.Form != form;
            // A file holds the whole object: when only metadata moved (labels, annotations) the status stays, but the
            // document is refreshed so it shows what the API server would return. That is not a status write.
            var objectChanged = stored?.ResourceVersion != obj.Metadata.ResourceVersion;
            if (!statusChanged && !objectChanged) return StatusWriteOutcome.Unchanged;

            var document = StatusDocument.Build(obj, merged);
            await WithIoAsync(async () =>
            {
                await PersistAsync(status.Key, document, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);
            _stored[status.Key] = new Stored(merged, form, obj.Metadata.ResourceVersion);
            if (!statusChanged) return StatusWriteOutcome.Unchanged;
            _writes.AddOrUpdate(status.Key, 1, static (_, n) => n + 1);
            return StatusWriteOutcome.Written;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(ResourceKey key, CancellationToken ct)
    {
        var gate = LockOf(key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await WithIoAsync(async () =>
            {
                await DeleteAsync(key, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);
            _stored.TryRemove(key, out _);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<object?> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        if (KindRegistry.ByName(key.Kind) is not { } kind) return null;
        var gate = LockOf(key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Fresh from storage: another replica may have written this object while this one did not own it.
            var loaded = await WithIoAsync(() => LoadAsync(key, kind.ClrType, ct), ct).ConfigureAwait(false);
            if (loaded is null) _stored.TryRemove(key, out _);
            else _stored[key] = new Stored(loaded.Status, CanonicalForm.Digest(CanonicalForm.Of(loaded.Status)), loaded.ResourceVersion);
            return loaded?.Status;
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim LockOf(ResourceKey key) => _locks[(key.GetHashCode() & int.MaxValue) % LockStripes];

    private async Task<T> WithIoAsync<T>(Func<Task<T>> operation, CancellationToken ct)
    {
        await _io.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            _io.Release();
        }
    }

    /// <summary>Stores the whole object (with status) for <paramref name="key"/>, replacing what was there.</summary>
    protected abstract Task PersistAsync(ResourceKey key, IKubernetesObject<V1ObjectMeta> document, CancellationToken ct);

    /// <summary>Deletes what is stored for <paramref name="key"/>; nothing stored is not an error.</summary>
    protected abstract Task DeleteAsync(ResourceKey key, CancellationToken ct);

    /// <summary>
    /// The status stored for <paramref name="key"/> before this sink wrote it (an earlier run's file), so
    /// lastTransitionTime survives a restart; null when there is none or it cannot be read.
    /// </summary>
    protected virtual Task<LoadedStatus?> LoadAsync(ResourceKey key, Type objectType, CancellationToken ct) => Task.FromResult<LoadedStatus?>(null);

    /// <summary>A status found in storage, with the resourceVersion of the object it was stored with.</summary>
    protected sealed record LoadedStatus(object Status, string? ResourceVersion);

    // Form is the digest of the status's canonical form, not the form: the form is as long as the status's JSON (about
    // 1 KiB per route) and is only ever compared.
    private sealed record Stored(object? Status, UInt128 Form, string? ResourceVersion);
}
