using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// The dangling references among a set of objects, kept up to date as objects come and go, so a change costs what it
/// touches: the changed objects' own references, and the references to a key that appeared or disappeared (found
/// through a reverse index), instead of <see cref="ReferenceChecker.Find"/> over every object. The objects themselves
/// are the owner's: the index reads the current ones through the lookup it is given (the file catalog's one table of
/// objects), so it keeps no second table of every object. After any sequence of <see cref="Reset"/> and
/// <see cref="Update"/> calls, <see cref="Dangling"/> holds exactly what <see cref="ReferenceChecker.Find"/> finds over
/// the current objects (a property test compares the two). Not thread-safe.
/// </summary>
/// <remarks>
/// Each object's references are worked out from the object (<see cref="ReferenceChecker.References"/>) when they are
/// needed, not kept: objects are never modified once indexed, so the same object gives the same references, and a
/// table of every object's references (an array per object, about 70 bytes per route and EndpointSlice) cost more than
/// working them out again for the few objects a change touches. A whole <see cref="Reset"/> works each object's out once.
/// </remarks>
/// <param name="current">The current object of a key, or null when none exists: what the index was last told about.</param>
public sealed class DanglingReferenceIndex(Func<ResourceKey, IKubernetesObject<V1ObjectMeta>?> current)
{
    private readonly ResourceKeyMultiMap _referrers = new();
    private readonly Dictionary<ResourceKey, List<DanglingReference>> _dangling = [];

    /// <summary>The dangling references of each object that has any.</summary>
    public IReadOnlyDictionary<ResourceKey, List<DanglingReference>> Dangling => _dangling;

    /// <summary>Forgets everything and indexes the current objects of <paramref name="keys"/> (every current key, each once).</summary>
    public void Reset(IEnumerable<ResourceKey> keys)
    {
        _referrers.Clear();
        _dangling.Clear();
        var all = keys.Select(key => (Key: key, References: ReferenceChecker.References(Current(key), key))).ToList();
        foreach (var (key, references) in all) Add(key, references);
        foreach (var (key, references) in all) Recheck(key, references);
        _referrers.TrimTable();
        KeptLists.TrimTable(_dangling);
    }

    /// <summary>
    /// Applies one change, once the lookup gives the objects after it. <paramref name="before"/> holds every key whose
    /// object was replaced or is gone, each with the object indexed before (the index keeps no copy of it);
    /// <paramref name="upserted"/> holds the keys whose object is new or changed. A key of <paramref name="before"/>
    /// not upserted is gone; an upserted key not in <paramref name="before"/> is new.
    /// </summary>
    public void Update(IEnumerable<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> before, IEnumerable<ResourceKey> upserted)
    {
        var upsertKeys = upserted.ToHashSet();
        var dropped = before.ToList();
        var droppedKeys = dropped.Select(d => d.Key).ToHashSet();
        var appeared = upsertKeys.Where(k => !droppedKeys.Contains(k)).ToList();
        var disappeared = droppedKeys.Where(k => !upsertKeys.Contains(k)).ToList();
        foreach (var (key, obj) in dropped) Drop(key, obj);
        foreach (var key in upsertKeys) Add(key, ReferenceChecker.References(Current(key), key));
        // Whose dangling references can differ now: the changed objects themselves, and every object referring to a
        // key whose existence changed. A key that stayed (an object merely modified) changes nobody else's.
        var affected = new HashSet<ResourceKey>(upsertKeys);
        foreach (var key in appeared.Concat(disappeared))
        {
            affected.UnionWith(_referrers.Get(key));
        }
        foreach (var key in disappeared) _dangling.Remove(key);
        foreach (var key in affected) Recheck(key);
    }

    private IKubernetesObject<V1ObjectMeta> Current(ResourceKey key) =>
        current(key) ?? throw new InvalidOperationException($"{key} is indexed but the lookup has no object for it");

    private void Add(ResourceKey key, IReadOnlyList<(string Field, ResourceKey Target)> refs)
    {
        foreach (var (_, target) in refs)
        {
            _referrers.Add(target, key);
        }
    }

    private void Drop(ResourceKey key, IKubernetesObject<V1ObjectMeta> obj)
    {
        foreach (var (_, target) in ReferenceChecker.References(obj, key))
        {
            _referrers.Remove(target, key);
        }
    }

    private void Recheck(ResourceKey key)
    {
        if (current(key) is not { } obj)
        {
            _dangling.Remove(key);
            return;
        }
        Recheck(key, ReferenceChecker.References(obj, key));
    }

    private void Recheck(ResourceKey key, IReadOnlyList<(string Field, ResourceKey Target)> refs)
    {
        List<DanglingReference>? found = null;
        foreach (var (field, target) in refs)
        {
            if (current(target) is null) (found ??= []).Add(new DanglingReference(key, field, target));
        }
        if (found is null) _dangling.Remove(key);
        else _dangling[key] = found;
    }
}
