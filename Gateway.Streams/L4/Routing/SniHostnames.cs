using System.Collections.Immutable;

namespace Gateway.Streams.L4.Routing;

/// <summary>
/// Hostname matching for SNI: an exact name, or "*.suffix" matching any name with that suffix and at least one more
/// label ("*.example.com" matches "a.example.com" and "a.b.example.com", never "example.com"); names compare
/// case-insensitively. The best of several candidates is an exact match, else the longest matching wildcard, else a
/// candidate without hostnames (which accepts any name, and connections without SNI). These are the Gateway API
/// listener-hostname rules (Listener.Hostname; "Listeners that are distinct only by Hostname") applied to TLS
/// listeners and TLSRoute hostnames alike.
/// </summary>
public static class SniHostnames
{
    /// <summary>Score of a candidate that matches any name (no hostnames).</summary>
    public const int CatchAll = 0;

    /// <summary>Score of a candidate that does not match.</summary>
    public const int NoMatch = -1;

    private const int Exact = int.MaxValue;

    /// <summary>Does <paramref name="pattern"/> (exact or "*.suffix") match the concrete <paramref name="host"/>?</summary>
    public static bool Matches(string pattern, string host) => Score(pattern, host) > CatchAll;

    /// <summary>
    /// How well <paramref name="hostnames"/> (empty: any name) match <paramref name="sni"/> (null: no SNI sent):
    /// <see cref="NoMatch"/>, <see cref="CatchAll"/>, the suffix length of the best wildcard, or higher for an exact match.
    /// </summary>
    public static int Score(ImmutableArray<string> hostnames, string? sni)
    {
        if (hostnames.IsDefaultOrEmpty) return CatchAll;
        var best = NoMatch;
        foreach (var h in hostnames) best = Math.Max(best, sni is null ? (IsAny(h) ? CatchAll : NoMatch) : Score(h, sni));
        return best;
    }

    /// <summary>Score of one hostname (null or "*": any name) against <paramref name="sni"/>.</summary>
    public static int Score(string? pattern, string? sni)
    {
        if (pattern is null || IsAny(pattern)) return CatchAll;
        if (sni is null) return NoMatch;
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern.AsSpan(1); // ".example.com"
            return sni.Length > suffix.Length && sni.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? suffix.Length : NoMatch;
        }
        return string.Equals(pattern, sni, StringComparison.OrdinalIgnoreCase) ? Exact : NoMatch;
    }

    /// <summary>The index of the best-scoring candidate (the first one on ties), or -1 when none matches.</summary>
    public static int Best<T>(IReadOnlyList<T> candidates, Func<T, int> score)
    {
        var best = -1;
        var bestScore = NoMatch;
        for (var i = 0; i < candidates.Count; i++)
        {
            var s = score(candidates[i]);
            if (s > bestScore)
            {
                best = i;
                bestScore = s;
            }
        }
        return best;
    }

    private static bool IsAny(string hostname) => hostname.Length == 0 || hostname == "*";
}
