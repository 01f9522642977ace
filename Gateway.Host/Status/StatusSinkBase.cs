using System.Collections.Concurrent;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;

namespace Gateway.Host.Status;

/// <summary>
/// What sinks that own their storage share (file mode, memory): write the status they are given as the whole object
/// (<see cref="StatusWrite.Desired"/>'s object, from the snapshot the status was computed from, with
/// <see cref="StatusWrite.Status"/>; a sink never looks objects up anywhere else and never merges: the owning entity
/// merged it with the stored status it holds), read what is stored, and count writes per object. The sink keeps no
/// status of its own: the entity holds the one copy.
/// Writes of different objects run in parallel: each object has its own lock (striped), so one object's writes stay
/// ordered (an old incarnation's and the next one's) while the writes of thousands of entities at startup never queue
/// behind one lock held across serialization and I/O. Storage I/O is bounded by <see cref="IoConcurrency"/>.
/// </summary>
public abstract class StatusSinkBase : IStatusSink
{
    private readonly ConcurrentDictionary<ResourceKey, int> _writes = new();
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly SemaphoreSlim _io = new(IoConcurrency, IoConcurrency);

    // Enough stripes that unrelated objects rarely share one; a shared stripe only orders two writes, it never blocks.
    private const int LockStripes = 256;

    /// <summary>Storage operations (load, persist, delete) in flight at once: enough to keep the disk busy, not a thread per object.</summary>
    public static readonly int IoConcurrency = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Creates a sink writing the status entries of <paramref name="controllerName"/>.</summary>
    protected StatusSinkBase(string controllerName)
    {
        ControllerName = controllerName;
    }

    /// <inheritdoc />
    public string ControllerName { get; }

    /// <inheritdoc />
    /// <remarks>True: the document stored is the whole object, refreshed when its metadata moves.</remarks>
    public bool StoresObjects => true;

    /// <summary>Status writes that changed something, per object, since the sink was created.</summary>
    public IReadOnlyDictionary<ResourceKey, int> WriteCounts => _writes;

    /// <summary>Status writes that changed something for <paramref name="key"/>.</summary>
    public int WriteCount(ResourceKey key) => _writes.GetValueOrDefault(key);

    /// <inheritdoc />
    public async Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct)
    {
        if (write.Change == StatusChange.None) return new StatusWriteReceipt(StatusWriteOutcome.Unchanged, write.BasedOn);
        var obj = write.Desired.Object;
        var document = StatusDocument.Build(obj, write.Status);
        var gate = LockOf(write.Key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await WithIoAsync(async () =>
            {
                await PersistAsync(write.Key, document, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
        // A refresh of the object alone (labels, annotations moved) is not a status write.
        if (write.Change != StatusChange.Status) return new StatusWriteReceipt(StatusWriteOutcome.Unchanged, obj.Metadata?.ResourceVersion);
        _writes.AddOrUpdate(write.Key, 1, static (_, n) => n + 1);
        return new StatusWriteReceipt(StatusWriteOutcome.Written, obj.Metadata?.ResourceVersion);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The stored document is this controller's alone, so removal deletes it: a removal is always handed over with no
    /// remaining status (<see cref="Gateway.Actors.Actors.Common.ReconciledObject.Removal"/>), and one with a remaining status is refused.
    /// </remarks>
    public async Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct)
    {
        if (removal.Remaining is not null)
            throw new ArgumentException($"{removal.Key}: a sink that stores whole objects deletes the document; it keeps no remaining status", nameof(removal));
        var key = removal.Key;
        var gate = LockOf(key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await WithIoAsync(async () =>
            {
                await DeleteAsync(key, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
        return new StatusWriteReceipt(StatusWriteOutcome.Written, null);
    }

    /// <inheritdoc />
    public async Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        if (KindRegistry.ByName(key.Kind) is not { } kind) return null;
        var gate = LockOf(key);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var loaded = await WithIoAsync(() => LoadAsync(key, kind.ClrType, ct), ct).ConfigureAwait(false);
            return loaded is null ? null : new StoredStatus(loaded.Status, loaded.ResourceVersion);
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
    /// The status stored for <paramref name="key"/> (this run's or an earlier run's file, so lastTransitionTime survives
    /// a restart); null when there is none or it cannot be read.
    /// </summary>
    protected virtual Task<LoadedStatus?> LoadAsync(ResourceKey key, Type objectType, CancellationToken ct) => Task.FromResult<LoadedStatus?>(null);

    /// <summary>A status found in storage, with the resourceVersion of the object it was stored with.</summary>
    protected sealed record LoadedStatus(object Status, string? ResourceVersion);
}
