using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Actors.Resources;

/// <summary>
/// A small string-to-string map held as one array of keys and values, for the labels of the objects kept by the
/// thousand (routes, Services, EndpointSlices: most have one to a few labels). A <see cref="Dictionary{TKey,TValue}"/>
/// of one label costs about 220 bytes (the object, its buckets and an entries array with room for three); this costs
/// about 70. Keys compare ordinally; lookups are linear, so only maps of at most <see cref="MaxEntries"/> entries are
/// made this way (<see cref="Of"/>). Insertion order is kept, as a Dictionary that is only added to keeps it.
/// </summary>
/// <remarks>
/// Hand-written because the base library has no small dictionary; mutable like the Dictionary it replaces, since the
/// Kubernetes models declare labels as <see cref="IDictionary{TKey,TValue}"/>.
/// </remarks>
public sealed class CompactStringDictionary : IDictionary<string, string>, IReadOnlyDictionary<string, string>
{
    /// <summary>The most entries a map is made compact with.</summary>
    public const int MaxEntries = 8;

    // [key0, value0, key1, value1, ...]
    private string[] _items;

    private CompactStringDictionary(string[] items) => _items = items;

    /// <summary>
    /// <paramref name="source"/> as a compact map with <paramref name="key"/> applied to each key (interning, for
    /// example), or as an ordinal Dictionary when it has more than <see cref="MaxEntries"/> entries.
    /// </summary>
    public static IDictionary<string, string> Of(IDictionary<string, string> source, Func<string, string>? key = null)
    {
        if (source.Count > MaxEntries) return source.ToDictionary(p => key?.Invoke(p.Key) ?? p.Key, p => p.Value, StringComparer.Ordinal);
        var items = new string[source.Count * 2];
        var i = 0;
        foreach (var (k, v) in source)
        {
            items[i++] = key?.Invoke(k) ?? k;
            items[i++] = v;
        }
        return new CompactStringDictionary(items);
    }

    /// <inheritdoc cref="ICollection{T}.Count" />
    public int Count => _items.Length / 2;

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <inheritdoc cref="IDictionary{TKey,TValue}.this" />
    public string this[string key]
    {
        get => IndexOf(key) is var i and >= 0 ? _items[i + 1] : throw new KeyNotFoundException($"no label {key}");
        set
        {
            var i = IndexOf(key);
            if (i >= 0) _items[i + 1] = value;
            else Append(key, value);
        }
    }

    /// <inheritdoc />
    public ICollection<string> Keys => [.. Enumerable.Range(0, Count).Select(i => _items[2 * i])];

    /// <inheritdoc />
    public ICollection<string> Values => [.. Enumerable.Range(0, Count).Select(i => _items[2 * i + 1])];

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => Values;

    /// <inheritdoc />
    public void Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (IndexOf(key) >= 0) throw new ArgumentException($"label {key} is already present", nameof(key));
        Append(key, value);
    }

    /// <inheritdoc />
    public void Add(KeyValuePair<string, string> item) => Add(item.Key, item.Value);

    /// <inheritdoc />
    public void Clear() => _items = [];

    /// <inheritdoc />
    public bool Contains(KeyValuePair<string, string> item) =>
        IndexOf(item.Key) is var i and >= 0 && EqualityComparer<string>.Default.Equals(_items[i + 1], item.Value);

    /// <inheritdoc cref="IDictionary{TKey,TValue}.ContainsKey" />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex)
    {
        foreach (var pair in this) array[arrayIndex++] = pair;
    }

    /// <inheritdoc />
    public bool Remove(string key)
    {
        var i = IndexOf(key);
        if (i < 0) return false;
        var items = new string[_items.Length - 2];
        Array.Copy(_items, 0, items, 0, i);
        Array.Copy(_items, i + 2, items, i, _items.Length - i - 2);
        _items = items;
        return true;
    }

    /// <inheritdoc />
    public bool Remove(KeyValuePair<string, string> item) => Contains(item) && Remove(item.Key);

    /// <inheritdoc cref="IDictionary{TKey,TValue}.TryGetValue" />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _items[i + 1] : null;
        return i >= 0;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        var items = _items;
        for (var i = 0; i < items.Length; i += 2) yield return new(items[i], items[i + 1]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var items = _items;
        for (var i = 0; i < items.Length; i += 2)
        {
            if (string.Equals(items[i], key, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    private void Append(string key, string value)
    {
        var items = new string[_items.Length + 2];
        _items.CopyTo(items, 0);
        items[^2] = key;
        items[^1] = value;
        _items = items;
    }
}
