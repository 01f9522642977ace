namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// Maps a request host to a value the way Gateway API hostnames match: an exact hostname first, then the most
/// specific (longest) wildcard "*.suffix" (which matches one or more labels, never the bare suffix), then the value
/// registered without hostname. Used for listeners (GatewaySpec.Listeners hostname precedence), for route hostname
/// groups (Envoy virtual-host semantics: no fallback from a more specific group) and for SNI certificate choice.
/// Immutable once built; lookups take a span and allocate nothing.
/// </summary>
internal sealed class HostnameTable<T> where T : class
{
    /// <summary>
    /// Exact hostnames are split into this many shards (by hash) once there are <see cref="ShardAbove"/> of them, so
    /// <see cref="With"/> copies the shards a change touches instead of one dictionary of every hostname: a listener
    /// with 10,000 route hostnames is patched on every route change. A lookup then hashes the host twice.
    /// </summary>
    internal const int Shards = 64;

    /// <summary>Below this many exact hostnames there is one shard.</summary>
    internal const int ShardAbove = 1024;

    private readonly Dictionary<string, T>[] _exact;
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>>[] _exactBySpan;
    private readonly int _exactCount;
    private readonly (string Suffix, T Value)[] _wildcards;
    private readonly T? _default;
    private Dictionary<string, T>? _wildcardsBySuffix;

    private HostnameTable(Dictionary<string, T>[] exact, (string Suffix, T Value)[] wildcards, T? fallback)
    {
        _exact = exact;
        _exactBySpan = [.. exact.Select(e => e.GetAlternateLookup<ReadOnlySpan<char>>())];
        _exactCount = exact.Sum(e => e.Count);
        _wildcards = wildcards;
        _default = fallback;
    }

    /// <summary>The value for hostname null (or "*").</summary>
    public T? Default => _default;

    /// <summary>Whether anything at all was registered.</summary>
    public bool IsEmpty => _exactCount == 0 && _wildcards.Length == 0 && _default is null;

    /// <summary>How many values are registered.</summary>
    public int Count => _exactCount + _wildcards.Length + (_default is null ? 0 : 1);

    /// <summary>How many shards hold the exact hostnames (1, or <see cref="Shards"/> for a large table).</summary>
    internal int ShardCount => _exact.Length;

    /// <summary>Every registered value, exact ones first.</summary>
    public IEnumerable<T> Values => _exact.SelectMany(e => e.Values).Concat(_wildcards.Select(w => w.Value)).Concat(_default is null ? [] : [_default]);

    /// <summary>
    /// The value registered under exactly <paramref name="hostname"/> (compared by <see cref="HostnameKey.Of"/>), or
    /// null. A registration lookup, not a request match: "*.example.com" finds the wildcard's own value.
    /// </summary>
    public T? Registered(string? hostname)
    {
        var key = HostnameKey.Of(hostname);
        if (key.Length == 0) return _default;
        if (!HostnameKey.IsWildcard(key)) return _exact[Shard(key, _exact.Length)].GetValueOrDefault(key);
        var suffix = key.AsSpan(1);
        if (_wildcards.Length <= 8)
        {
            foreach (var (s, v) in _wildcards)
            {
                if (suffix.Equals(s, StringComparison.OrdinalIgnoreCase)) return v;
            }
            return null;
        }
        // Built on first use (not on the request path; a race only builds it twice).
        _wildcardsBySuffix ??= _wildcards.ToDictionary(w => w.Suffix, w => w.Value, StringComparer.OrdinalIgnoreCase);
        return _wildcardsBySuffix.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(suffix, out var value) ? value : null;
    }

    /// <summary>
    /// A copy with <paramref name="changes"/> applied: each key (a <see cref="HostnameKey.Of"/> result) is set to its
    /// value, or removed when the value is null. Only the shards of changed exact hostnames are copied (each an array
    /// copy, not a rehash); the others are shared with this table, which stays as it was.
    /// </summary>
    public HostnameTable<T> With(IEnumerable<KeyValuePair<string, T?>> changes)
    {
        var exact = (Dictionary<string, T>[])_exact.Clone();
        var copied = new bool[exact.Length];
        var wildcards = new List<(string Suffix, T Value)>(_wildcards);
        var fallback = _default;
        var wildcardsChanged = false;
        foreach (var (key, value) in changes)
        {
            if (key.Length == 0)
            {
                fallback = value;
            }
            else if (HostnameKey.IsWildcard(key))
            {
                var suffix = key[1..];
                wildcards.RemoveAll(w => string.Equals(w.Suffix, suffix, StringComparison.OrdinalIgnoreCase));
                if (value is not null) wildcards.Add((suffix, value));
                wildcardsChanged = true;
            }
            else
            {
                var shard = Shard(key, exact.Length);
                if (!copied[shard])
                {
                    exact[shard] = new Dictionary<string, T>(exact[shard], StringComparer.OrdinalIgnoreCase);
                    copied[shard] = true;
                }
                if (value is null) exact[shard].Remove(key);
                else exact[shard][key] = value;
            }
        }
        var count = exact.Sum(e => e.Count);
        // Re-shard only when the size class changes (rare); the shard of a key depends on the shard count.
        if ((count >= ShardAbove) != (exact.Length > 1)) exact = Split(exact.SelectMany(e => e), count);
        // Ties in length need no order: two different suffixes of one length never both match a host.
        return new HostnameTable<T>(exact, wildcardsChanged ? [.. wildcards.OrderByDescending(w => w.Suffix.Length)] : _wildcards, fallback);
    }

    /// <summary>The shard of an exact hostname key among <paramref name="shards"/> (case-insensitive, like the dictionaries).</summary>
    private static int Shard(ReadOnlySpan<char> key, int shards) =>
        shards == 1 ? 0 : (int)((uint)string.GetHashCode(key, StringComparison.OrdinalIgnoreCase) % (uint)shards);

    /// <summary>The exact hostnames as one dictionary, or as <see cref="Shards"/> when there are at least <see cref="ShardAbove"/>.</summary>
    private static Dictionary<string, T>[] Split(IEnumerable<KeyValuePair<string, T>> entries, int count)
    {
        if (count < ShardAbove) return [new Dictionary<string, T>(entries, StringComparer.OrdinalIgnoreCase)];
        var shards = new Dictionary<string, T>[Shards];
        for (var i = 0; i < shards.Length; i++) shards[i] = new Dictionary<string, T>(count / Shards + 1, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entries) shards[Shard(key, Shards)][key] = value;
        return shards;
    }

    /// <summary>The value whose hostname matches <paramref name="host"/> best, or null.</summary>
    public T? Find(ReadOnlySpan<char> host)
    {
        if (host.Length > 0)
        {
            if (_exactCount > 0 && _exactBySpan[Shard(host, _exactBySpan.Length)].TryGetValue(host, out var exact)) return exact;
            foreach (var (suffix, value) in _wildcards)
            {
                if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return value;
            }
        }
        return _default;
    }

    /// <summary>Builds a table; the first registration of a hostname wins (callers add in IR precedence order).</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, T> _exact = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<(string Suffix, T Value)> _wildcards = [];
        private T? _default;

        public Builder Add(string? hostname, T value)
        {
            var key = HostnameKey.Of(hostname);
            if (key.Length == 0)
            {
                _default ??= value;
            }
            else if (HostnameKey.IsWildcard(key))
            {
                var suffix = key[1..];
                if (!_wildcards.Exists(w => string.Equals(w.Suffix, suffix, StringComparison.OrdinalIgnoreCase))) _wildcards.Add((suffix, value));
            }
            else
            {
                _exact.TryAdd(key, value);
            }
            return this;
        }

        public HostnameTable<T> Build()
        {
            // Longest suffix first: "*.a.example.com" is more specific than "*.example.com". OrderBy is stable.
            var wildcards = _wildcards.OrderByDescending(w => w.Suffix.Length).ToArray();
            return new HostnameTable<T>(Split(_exact, _exact.Count), wildcards, _default);
        }
    }
}

/// <summary>
/// The key under which a <see cref="HostnameTable{T}"/> registers a hostname: "" for none (null, "" or "*"), the
/// wildcard "*.suffix" as given, an exact hostname without its trailing dot. Keys compare case-insensitively.
/// </summary>
internal static class HostnameKey
{
    public static string Of(string? hostname) =>
        string.IsNullOrEmpty(hostname) || hostname == "*" ? ""
        : IsWildcard(hostname) || !hostname.EndsWith('.') ? hostname
        : hostname.TrimEnd('.');

    public static bool IsWildcard(string key) => key.StartsWith("*.", StringComparison.Ordinal);
}
