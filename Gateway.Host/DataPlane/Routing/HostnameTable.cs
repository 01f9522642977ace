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
    private readonly Dictionary<string, T> _exact;
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;
    private readonly (string Suffix, T Value)[] _wildcards;
    private readonly Dictionary<string, T>? _wildcardsBySuffix;
    private readonly T? _default;

    private HostnameTable(Dictionary<string, T> exact, (string Suffix, T Value)[] wildcards, T? fallback)
    {
        _exact = exact;
        _exactBySpan = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = wildcards;
        // Only for Registered: a linear scan is what Find does anyway, but Registered is called once per group.
        _wildcardsBySuffix = wildcards.Length > 8 ? wildcards.ToDictionary(w => w.Suffix, w => w.Value, StringComparer.OrdinalIgnoreCase) : null;
        _default = fallback;
    }

    /// <summary>The value for hostname null (or "*").</summary>
    public T? Default => _default;

    /// <summary>Whether anything at all was registered.</summary>
    public bool IsEmpty => _exact.Count == 0 && _wildcards.Length == 0 && _default is null;

    /// <summary>How many values are registered.</summary>
    public int Count => _exact.Count + _wildcards.Length + (_default is null ? 0 : 1);

    /// <summary>Every registered value, exact ones first.</summary>
    public IEnumerable<T> Values => _exact.Values.Concat(_wildcards.Select(w => w.Value)).Concat(_default is null ? [] : [_default]);

    /// <summary>
    /// The value registered under exactly <paramref name="hostname"/> (the same normalization as
    /// <see cref="Builder.Add"/>: null and "*" are the default, a trailing dot does not count), or null. Unlike
    /// <see cref="Find"/> this is a registration lookup, not a request match: "*.example.com" finds the wildcard's value.
    /// </summary>
    public T? Registered(string? hostname)
    {
        if (string.IsNullOrEmpty(hostname) || hostname == "*") return _default;
        if (!hostname.StartsWith("*.", StringComparison.Ordinal)) return _exact.GetValueOrDefault(hostname.TrimEnd('.'));
        var suffix = hostname.AsSpan(1);
        if (_wildcardsBySuffix is not null) return _wildcardsBySuffix.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(suffix, out var value) ? value : null;
        foreach (var (s, v) in _wildcards)
        {
            if (suffix.Equals(s, StringComparison.OrdinalIgnoreCase)) return v;
        }
        return null;
    }

    /// <summary>The value whose hostname matches <paramref name="host"/> best, or null.</summary>
    public T? Find(ReadOnlySpan<char> host)
    {
        if (host.Length > 0)
        {
            if (_exact.Count > 0 && _exactBySpan.TryGetValue(host, out var exact)) return exact;
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
            if (string.IsNullOrEmpty(hostname) || hostname == "*")
            {
                _default ??= value;
            }
            else if (hostname.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = hostname[1..];
                if (!_wildcards.Exists(w => string.Equals(w.Suffix, suffix, StringComparison.OrdinalIgnoreCase))) _wildcards.Add((suffix, value));
            }
            else
            {
                _exact.TryAdd(hostname.TrimEnd('.'), value);
            }
            return this;
        }

        public HostnameTable<T> Build()
        {
            // Longest suffix first: "*.a.example.com" is more specific than "*.example.com". OrderBy is stable.
            var wildcards = _wildcards.OrderByDescending(w => w.Suffix.Length).ToArray();
            return new HostnameTable<T>(new Dictionary<string, T>(_exact, StringComparer.OrdinalIgnoreCase), wildcards, _default);
        }
    }
}
