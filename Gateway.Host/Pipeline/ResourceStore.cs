using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Pipeline;

/// <summary>A published snapshot and the store change sequence number it includes.</summary>
public sealed record PublishedSnapshot(Snapshot Snapshot, long ChangeSequence)
{
    /// <summary>When the oldest change it includes reached the store (<see cref="ResourceStore.Now"/>'s clock); logged as the queueing delay.</summary>
    public TimeSpan FirstChangeAt { get; init; }
}

/// <summary>
/// The node-local store every source feeds: the latest version of every object, the changes not yet published,
/// and when they arrived. Updates that change only status or resourceVersion are ignored
/// (<see cref="CanonicalForm.Significant(IKubernetesObject{V1ObjectMeta})"/>), so a source echoing our own status writes back costs nothing; only the
/// form's 128-bit digest is kept per object (the form itself is as long as the object's JSON). The objects themselves
/// are held once: the latest version of an object is its pending change when it has one, else the published
/// snapshot's (the instances the sources handed in), so the store keeps no table of objects beside the snapshot.
/// A store whose source hands in only real changes (<see cref="TakesEveryUpsertAsAChange"/>) computes and keeps no
/// digest at all. Nothing is published before <see cref="MarkSynced"/> (the first full sync). Thread-safe.
/// </summary>
public sealed class ResourceStore
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    // The significant form's digest of every object held (the key set is the set of objects held); null when every
    // upsert is taken as a change, and then _held counts the objects held.
    private readonly Dictionary<ResourceKey, UInt128>? _forms;
    private int _held;
    // Changes not published yet: the new version, or null for a removal.
    private Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>?> _pending = [];
    private TaskCompletionSource _changed = NewSignal();
    private Snapshot _published = Snapshot.Empty;
    private bool _synced;
    private bool _unpublished;
    private long _changeSequence;
    private TimeSpan _firstPendingAt;
    private TimeSpan _lastChangeAt;
    private TimeSpan? _lastPublishedAt;

    /// <summary>Creates an empty store.</summary>
    /// <param name="time">The clock of <see cref="Now"/>.</param>
    /// <param name="everyUpsertIsAChange">
    /// True for a source that hands in only objects whose content changed (the file source: its catalog compares each
    /// object's client-supplied form with the one it holds, and stamps a new resourceVersion on every change): the
    /// store then takes every upsert as a change, without the significant form's digest, which would cost every object
    /// of the first sync a canonical form (about 0.3 s of CPU for 30,000 objects, on the way to the first pass) and
    /// 70 bytes kept per object, to drop nothing. False (the Kubernetes source: a watch echoes our own status writes):
    /// updates that change nothing significant are dropped.
    /// </param>
    public ResourceStore(TimeProvider? time = null, bool everyUpsertIsAChange = false)
    {
        _time = time ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
        _forms = everyUpsertIsAChange ? null : [];
    }

    /// <summary>True when every upsert is taken as a change (see the constructor).</summary>
    public bool TakesEveryUpsertAsAChange => _forms is null;

    /// <summary>Monotonic time since the store was created (the clock of <see cref="PendingTimes"/>).</summary>
    public TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Number of accepted changes so far (an <see cref="Apply"/> batch counts once; plus one for the first full sync).</summary>
    public long ChangeSequence { get { lock (_gate) return _changeSequence; } }

    /// <summary>True once the first full sync is complete.</summary>
    public bool IsSynced { get { lock (_gate) return _synced; } }

    /// <summary>The last published snapshot.</summary>
    public Snapshot Published { get { lock (_gate) return _published; } }

    /// <summary>Number of objects currently held.</summary>
    public int Count { get { lock (_gate) return _forms?.Count ?? _held; } }

    /// <summary>The latest version of one object, or null.</summary>
    public IKubernetesObject<V1ObjectMeta>? Get(ResourceKey key)
    {
        lock (_gate) return _pending.TryGetValue(key, out var pending) ? pending : _published.Get(key);
    }

    /// <summary>Adds or replaces an object; returns false when the update is not significant and was ignored.</summary>
    public bool Upsert(IKubernetesObject<V1ObjectMeta> obj)
    {
        var info = KindRegistry.ByName(obj.Kind) ?? throw new ArgumentException($"kind {obj.Kind} is not one we read", nameof(obj));
        var key = KindRegistry.KeyOf(info, obj);
        var form = _forms is null ? default : CanonicalForm.SignificantDigest(obj);
        lock (_gate)
        {
            if (!UpsertLocked(key, obj, form)) return false;
            ChangedLocked();
            return true;
        }
    }

    /// <summary>
    /// Applies a source's batch of upserts and removals as one change: the pipeline sees all of them or none, so a
    /// file that adds a route together with its Service is never translated with only one of them (a half-applied
    /// file would cost an extra pass and could write a transient wrong status). Returns the number of significant
    /// changes (insignificant updates are ignored as in <see cref="Upsert"/>).
    /// </summary>
    public int Apply(IEnumerable<IKubernetesObject<V1ObjectMeta>> upserts, IEnumerable<ResourceKey> removals)
    {
        // Keys and canonical forms outside the lock: they are pure and the costly part.
        var prepared = upserts.Select(obj =>
        {
            var info = KindRegistry.ByName(obj.Kind) ?? throw new ArgumentException($"kind {obj.Kind} is not one we read", nameof(upserts));
            return (Key: KindRegistry.KeyOf(info, obj), Object: obj, Form: _forms is null ? default : CanonicalForm.SignificantDigest(obj));
        }).ToList();
        lock (_gate)
        {
            var changes = 0;
            foreach (var (key, obj, form) in prepared)
            {
                if (UpsertLocked(key, obj, form)) changes++;
            }
            foreach (var key in removals)
            {
                if (RemoveLocked(key)) changes++;
            }
            if (changes > 0) ChangedLocked();
            return changes;
        }
    }

    /// <summary>Removes an object; returns false when it was not there.</summary>
    public bool Remove(ResourceKey key)
    {
        lock (_gate)
        {
            if (!RemoveLocked(key)) return false;
            ChangedLocked();
            return true;
        }
    }

    /// <summary>Records an upsert unless it changes nothing significant (only when digests are kept); true when recorded.</summary>
    private bool UpsertLocked(ResourceKey key, IKubernetesObject<V1ObjectMeta> obj, UInt128 form)
    {
        if (_forms is null)
        {
            if (!HeldLocked(key)) _held++;
        }
        else
        {
            if (_forms.TryGetValue(key, out var existing) && existing == form) return false;
            _forms[key] = form;
        }
        _pending[key] = obj;
        return true;
    }

    /// <summary>Records a removal of a held object; false when it is not held.</summary>
    private bool RemoveLocked(ResourceKey key)
    {
        if (_forms is null)
        {
            if (!HeldLocked(key)) return false;
            _held--;
        }
        else if (!_forms.Remove(key)) return false;
        _pending[key] = null;
        return true;
    }

    /// <summary>Whether the store holds <paramref name="key"/>: its pending change if it has one, else the published snapshot.</summary>
    private bool HeldLocked(ResourceKey key) => _pending.TryGetValue(key, out var pending) ? pending is not null : _published.Get(key) is not null;

    /// <summary>Marks the first full sync complete: from now on changes are published.</summary>
    public void MarkSynced()
    {
        lock (_gate)
        {
            if (_synced) return;
            _synced = true;
            // The first snapshot is published even when no object exists: readiness depends on it.
            ChangedLocked();
        }
    }

    /// <summary>The coalescing times of the pending changes, or null when nothing is ready to publish.</summary>
    public PendingTimes? Pending
    {
        get
        {
            lock (_gate) return HasPendingLocked ? new PendingTimes(_firstPendingAt, _lastChangeAt, _lastPublishedAt) : null;
        }
    }

    /// <summary>Completes when there is something to publish (after the first full sync).</summary>
    public async Task WaitForPendingAsync(CancellationToken ct)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (HasPendingLocked) return;
                signal = _changed.Task;
            }
            await signal.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes the pending changes as a new snapshot with the next revision; null when there is nothing to
    /// publish or the first full sync is not complete.
    /// </summary>
    public PublishedSnapshot? Publish()
    {
        lock (_gate)
        {
            if (!HasPendingLocked) return null;
            var upserts = _pending.Where(p => p.Value is not null).Select(p => (p.Key, p.Value!));
            var removals = _pending.Where(p => p.Value is null).Select(p => p.Key);
            _published = _published.With(_published.Revision + 1, upserts, removals);
            var firstChangeAt = _firstPendingAt;
            // A cleared dictionary keeps its capacity: after the first full sync (every object pending at once) that
            // would be a table as large as the store, kept empty for the process lifetime; one-change batches reuse theirs.
            if (_pending.Count > PendingKeptCapacity) _pending = [];
            else _pending.Clear();
            _unpublished = false;
            _lastPublishedAt = Now;
            return new PublishedSnapshot(_published, _changeSequence) { FirstChangeAt = firstChangeAt };
        }
    }

    private bool HasPendingLocked => _synced && _unpublished;

    // Above this many pending changes a publish starts a new pending table instead of clearing the old one.
    private const int PendingKeptCapacity = 256;

    private void ChangedLocked()
    {
        var now = Now;
        if (!_unpublished) _firstPendingAt = now;
        _unpublished = true;
        _lastChangeAt = now;
        _changeSequence++;
        var signal = _changed;
        _changed = NewSignal();
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
