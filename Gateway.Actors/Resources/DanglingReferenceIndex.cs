using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// The dangling references among a set of objects, kept up to date as objects come and go, so a change costs what it
/// touches: the changed objects' own references, and the references to a key that appeared or disappeared (found
/// through a reverse index), instead of <see cref="ReferenceChecker.Find"/> over every object. After any sequence of
/// <see cref="Reset"/> and <see cref="Update"/> calls, <see cref="Dangling"/> holds exactly what
/// <see cref="ReferenceChecker.Find"/> finds over the current objects (a property test compares the two). Not
/// thread-safe.
/// </summary>
/// <remarks>
/// Each object's references are worked out from the object (<see cref="ReferenceChecker.References"/>) when they are
/// needed, not kept: objects are never modified once indexed, so the same object gives the same references, and a
/// table of every object's references (an array per object, about 70 bytes per route and EndpointSlice) cost more than
/// working them out again for the few objects a change touches. A whole <see cref="Reset"/> works each object's out once.
/// </remarks>
public sealed class DanglingReferenceIndex
{
    // Every indexed object (the key set is what exists).
    private readonly Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>> _objects = [];
    private readonly ResourceKeyMultiMap _referrers = new();
    private readonly Dictionary<ResourceKey, List<DanglingReference>> _dangling = [];

    /// <summary>The dangling references of each object that has any.</summary>
    public IReadOnlyDictionary<ResourceKey, List<DanglingReference>> Dangling => _dangling;

    /// <summary>Forgets everything and indexes <paramref name="objects"/> (every current object, each key once).</summary>
    public void Reset(IEnumerable<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> objects)
    {
        _objects.Clear();
        _referrers.Clear();
        _dangling.Clear();
        var all = objects.Select(o => (o.Key, o.Object, References: ReferenceChecker.References(o.Object, o.Key))).ToList();
        foreach (var (key, obj, references) in all) Add(key, obj, references);
        foreach (var (key, _, references) in all) Recheck(key, references);
    }

    /// <summary>
    /// Applies one change: <paramref name="removed"/> keys are gone, <paramref name="upserted"/> objects are new or
    /// changed. A key in both is treated as upserted.
    /// </summary>
    public void Update(IEnumerable<ResourceKey> removed, IEnumerable<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> upserted)
    {
        var upserts = upserted.ToList();
        var upsertKeys = upserts.Select(u => u.Key).ToHashSet();
        var appeared = upsertKeys.Where(k => !_objects.ContainsKey(k)).ToList();
        var disappeared = removed.Where(k => !upsertKeys.Contains(k) && _objects.ContainsKey(k)).ToList();
        foreach (var key in disappeared.Concat(upsertKeys)) Drop(key);
        foreach (var (key, obj) in upserts) Add(key, obj, ReferenceChecker.References(obj, key));
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

    private void Add(ResourceKey key, IKubernetesObject<V1ObjectMeta> obj, IReadOnlyList<(string Field, ResourceKey Target)> refs)
    {
        _objects[key] = obj;
        foreach (var (_, target) in refs)
        {
            _referrers.Add(target, key);
        }
    }

    private void Drop(ResourceKey key)
    {
        if (!_objects.Remove(key, out var obj)) return;
        foreach (var (_, target) in ReferenceChecker.References(obj, key))
        {
            _referrers.Remove(target, key);
        }
    }

    private void Recheck(ResourceKey key)
    {
        if (!_objects.TryGetValue(key, out var obj))
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
            if (!_objects.ContainsKey(target)) (found ??= []).Add(new DanglingReference(key, field, target));
        }
        if (found is null) _dangling.Remove(key);
        else _dangling[key] = found;
    }
}
