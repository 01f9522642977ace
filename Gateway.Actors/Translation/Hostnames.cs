using System.Runtime.CompilerServices;

namespace Gateway.Actors.Translation;

/// <summary>
/// Hostname rules shared by listeners and routes. A hostname is either exact ("foo.example.com") or a wildcard
/// ("*.example.com") that matches any name with that suffix and at least one more label, so "*.example.com" matches
/// "a.example.com" and "a.b.example.com" but not "example.com" (GatewaySpec.Listeners "The wildcard character will match
/// any number of characters and dots to the left"; Listener.Hostname docs). Names compare case-insensitively (DNS).
/// </summary>
public static class Hostnames
{
    /// <summary>True for "*.suffix".</summary>
    public static bool IsWildcard(string hostname) => hostname.StartsWith("*.", StringComparison.Ordinal);

    /// <summary>Does <paramref name="pattern"/> (exact or wildcard) match the concrete <paramref name="host"/>?</summary>
    public static bool Matches(string pattern, string host)
    {
        if (!IsWildcard(pattern)) return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
        var suffix = pattern[1..]; // ".example.com"
        return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The hostname a request must carry to satisfy both <paramref name="a"/> and <paramref name="b"/> (the more
    /// specific of the two when one covers the other), or null when no request can satisfy both
    /// (HTTPRouteSpec.Hostnames: "foo.example.com" ∩ "*.example.com" = "foo.example.com"; "*.example.com" ∩ "*.com" =
    /// "*.example.com"; "test.example.net" ∩ "*.example.com" = none).
    /// </summary>
    public static string? Intersect(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase)) return a;
        var wa = IsWildcard(a);
        var wb = IsWildcard(b);
        if (!wa && !wb) return null;
        if (wa && !wb) return Matches(a, b) ? b : null;
        if (!wa && wb) return Matches(b, a) ? a : null;
        // Both wildcards: the longer suffix is the more specific; it must lie inside the shorter one.
        var (longer, shorter) = a.Length >= b.Length ? (a, b) : (b, a);
        return Matches(shorter, longer[2..]) ? longer : null;
    }

    /// <summary>
    /// The effective hostnames of a route on a listener: route hostnames narrowed by the listener hostname. Empty means
    /// "any hostname" (neither side restricts); null means "no intersection" (the route cannot attach there).
    /// </summary>
    public static IReadOnlyList<string>? Effective(string? listenerHostname, IReadOnlyList<string> routeHostnames)
    {
        if (routeHostnames.Count == 0) return listenerHostname is null ? [] : [listenerHostname];
        // The result is kept per route and listener (ParentResult.Attached): the route's own list when it has no
        // duplicates (objects are never mutated), else an exact-size array, not a List grown to 4.
        if (listenerHostname is null) return IsDistinct(routeHostnames) ? routeHostnames : routeHostnames.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var result = new List<string>();
        foreach (var h in routeHostnames)
        {
            var i = Intersect(h, listenerHostname);
            if (i is not null && !result.Contains(i, StringComparer.OrdinalIgnoreCase)) result.Add(i);
        }
        return result.Count == 0 ? null : result.ToArray();
    }

    // Quadratic, over at most 16 names (the CRD's maxItems for a route's hostnames).
    private static bool IsDistinct(IReadOnlyList<string> names)
    {
        for (var i = 1; i < names.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(names[i], names[j], StringComparison.OrdinalIgnoreCase)) return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Orders hostnames most specific first: exact names before wildcards before "any" (null), then more labels first,
    /// then longer, then ordinal (GatewaySpec.Listeners "Listeners that are distinct only by Hostname": "the higher the
    /// number of dots in the hostname to the right of the wildcard character, the higher the precedence").
    /// </summary>
    // Optimized from its first call: the first full translation's sort calls it n log n times in one go (140,000 times
    // at 10,000 routes), long before tiering would have replaced its quick first compilation.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CompareSpecificity(string? a, string? b)
    {
        if (a is null || b is null) return (a is null).CompareTo(b is null);
        var wa = IsWildcard(a);
        var wb = IsWildcard(b);
        if (wa != wb) return wa.CompareTo(wb);
        var c = Dots(b).CompareTo(Dots(a));
        if (c != 0) return c;
        c = b.Length.CompareTo(a.Length);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    private static int Dots(string h) => h.AsSpan().Count('.');
}
