namespace Gateway.Actors.Resources;

/// <summary>
/// A reverse index from one key to a set of keys (a Service to the routes reading it, an object to those referring to
/// it), compact for the common case: most keys have one or two values, and a <see cref="HashSet{T}"/> per key costs
/// about 220 bytes where an exact-size array of one or two keys costs 48 to 72. Up to <see cref="ArrayLimit"/> values
/// a key holds an exact-size array (add and remove copy it, which at that size is cheaper than hashing into a set);
/// above it a <see cref="HashSet{T}"/> (a Gateway referred to by 10,000 routes stays O(1) per change). Hand-written
/// because no collection in the BCL or the packages we use stores small sets inline. Not thread-safe.
/// </summary>
public sealed class ResourceKeyMultiMap
{
    /// <summary>Values a key keeps in an array before it switches to a set.</summary>
    public const int ArrayLimit = 8;

    // Each value is a ResourceKey[] (1..ArrayLimit distinct keys) or a HashSet<ResourceKey> (more than ArrayLimit once).
    private readonly Dictionary<ResourceKey, object> _map = [];

    /// <summary>Number of keys that have at least one value.</summary>
    public int Count => _map.Count;

    /// <summary>Adds <paramref name="value"/> to the set of <paramref name="key"/>; false when it was there already.</summary>
    public bool Add(ResourceKey key, ResourceKey value)
    {
        if (!_map.TryGetValue(key, out var held))
        {
            _map[key] = new[] { value };
            return true;
        }
        if (held is HashSet<ResourceKey> set) return set.Add(value);
        var array = (ResourceKey[])held;
        if (Array.IndexOf(array, value) >= 0) return false;
        if (array.Length == ArrayLimit)
        {
            _map[key] = new HashSet<ResourceKey>(array) { value };
            return true;
        }
        var grown = new ResourceKey[array.Length + 1];
        array.CopyTo(grown, 0);
        grown[^1] = value;
        _map[key] = grown;
        return true;
    }

    /// <summary>Removes <paramref name="value"/> from the set of <paramref name="key"/> (the key goes with its last value); false when it was not there.</summary>
    public bool Remove(ResourceKey key, ResourceKey value)
    {
        if (!_map.TryGetValue(key, out var held)) return false;
        if (held is HashSet<ResourceKey> set)
        {
            if (!set.Remove(value)) return false;
            if (set.Count == 0) _map.Remove(key);
            return true;
        }
        var array = (ResourceKey[])held;
        var at = Array.IndexOf(array, value);
        if (at < 0) return false;
        if (array.Length == 1)
        {
            _map.Remove(key);
            return true;
        }
        var shrunk = new ResourceKey[array.Length - 1];
        Array.Copy(array, 0, shrunk, 0, at);
        Array.Copy(array, at + 1, shrunk, at, array.Length - at - 1);
        _map[key] = shrunk;
        return true;
    }

    /// <summary>The values of <paramref name="key"/> (empty when it has none), in no particular order.</summary>
    public IReadOnlyCollection<ResourceKey> Get(ResourceKey key) => !_map.TryGetValue(key, out var held) ? [] :
        held is HashSet<ResourceKey> set ? set : (ResourceKey[])held;

    /// <summary>Forgets every key.</summary>
    public void Clear() => _map.Clear();

    /// <summary>Gives back the room the map grew into while it was filled (<see cref="KeptLists.TrimTable{TKey,TValue}"/>).</summary>
    public void TrimTable() => KeptLists.TrimTable(_map);
}
