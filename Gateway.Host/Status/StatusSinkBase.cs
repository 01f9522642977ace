using System.Collections.Concurrent;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;

namespace Gateway.Host.Status;

/// <summary>
/// What sinks that own their storage share (file mode, memory): look the object up, merge the desired status into
/// the stored one (<see cref="StatusMerge"/>), skip the write when nothing but timestamps would change, persist the
/// whole object with its new status, and count writes per object. The stored status is remembered after every
/// write, so a sink is the single writer of its storage.
/// </summary>
public abstract class StatusSinkBase : IStatusSink
{
    private readonly Func<ResourceKey, IKubernetesObject<V1ObjectMeta>?> _lookup;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ResourceKey, Stored> _stored = new();
    private readonly ConcurrentDictionary<ResourceKey, int> _writes = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Creates a sink for <paramref name="controllerName"/> reading objects through <paramref name="lookup"/>.</summary>
    protected StatusSinkBase(string controllerName, Func<ResourceKey, IKubernetesObject<V1ObjectMeta>?> lookup, TimeProvider time)
    {
        ControllerName = controllerName;
        _lookup = lookup;
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
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var obj = _lookup(status.Key);
            if (obj is null) return StatusWriteOutcome.ObjectGone;

            if (!_stored.TryGetValue(status.Key, out var stored))
            {
                var loaded = await LoadAsync(status.Key, obj.GetType(), ct).ConfigureAwait(false);
                stored = loaded is null ? null : new Stored(loaded.Status, CanonicalForm.Of(loaded.Status), loaded.ResourceVersion);
            }

            var merged = StatusMerge.Merge(stored?.Status, status.Status, ControllerName, _time.GetUtcNow().UtcDateTime);
            var form = CanonicalForm.Of(merged);
            var statusChanged = stored?.Form != form;
            // A file holds the whole object: when only metadata moved (labels, annotations) the status stays, but the
            // document is refreshed so it shows what the API server would return. That is not a status write.
            var objectChanged = stored?.ResourceVersion != obj.Metadata.ResourceVersion;
            if (!statusChanged && !objectChanged) return StatusWriteOutcome.Unchanged;

            await PersistAsync(status.Key, StatusDocument.Build(obj, merged), ct).ConfigureAwait(false);
            _stored[status.Key] = new Stored(merged, form, obj.Metadata.ResourceVersion);
            if (!statusChanged) return StatusWriteOutcome.Unchanged;
            _writes.AddOrUpdate(status.Key, 1, static (_, n) => n + 1);
            return StatusWriteOutcome.Written;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async Task RemoveAsync(ResourceKey key, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await DeleteAsync(key, ct).ConfigureAwait(false);
            _stored.TryRemove(key, out _);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<object?> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        if (KindRegistry.ByName(key.Kind) is not { } kind) return null;
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Fresh from storage: another replica may have written this object while this one did not own it.
            var loaded = await LoadAsync(key, kind.ClrType, ct).ConfigureAwait(false);
            if (loaded is null) _stored.TryRemove(key, out _);
            else _stored[key] = new Stored(loaded.Status, CanonicalForm.Of(loaded.Status), loaded.ResourceVersion);
            return loaded?.Status;
        }
        finally
        {
            _lock.Release();
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

    private sealed record Stored(object? Status, string Form, string? ResourceVersion);
}
