using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// Sorts a listener's entries by precedence and finds shadowed matches: a match of one route that is identical (same
/// effective hostname, path type and value, method, header and query matches) to a higher-precedence match of
/// another route on the same listener can never be selected. Users cannot see this anywhere in the Gateway API
/// status, so the losing route's parent status gets our condition akka-gateway.dev/Shadowed=True (reason
/// ShadowedByRoute) naming the winner and the match. Matches of the same route are not compared: rule order inside a
/// route is the author's own choice.
/// </summary>
internal static class Shadowing
{
    private const int MaxListed = 3;

    /// <summary>Sorts a listener's entries (the full translation adds them unsorted) and detects shadowed matches.</summary>
    public static void SortAndDetect(ListenerModel listener)
    {
        listener.HttpEntries.Sort(EntryOrder.Http);
        listener.L4Entries.Sort(EntryOrder.L4);
        Detect(listener);
    }

    /// <summary>
    /// Sets <see cref="ListenerModel.ShadowedRoutes"/> from the listener's entries, which must be in precedence order:
    /// the first entry with a signature wins it, and every later entry of another route with that signature is shadowed.
    /// </summary>
    public static void Detect(ListenerModel listener)
    {
        var winners = new Dictionary<SortableHttpEntry, HttpRouteEntry>(listener.HttpEntries.Count, SameSignature.Instance);
        Dictionary<Resources.ResourceKey, List<string>>? shadowed = null;
        foreach (var sortable in listener.HttpEntries)
        {
            var e = sortable.Entry;
            if (!winners.TryGetValue(sortable, out var winner))
            {
                winners[sortable] = e;
                continue;
            }
            if (winner.Route == e.Route) continue;
            shadowed ??= [];
            if (!shadowed.TryGetValue(e.Route, out var list)) shadowed[e.Route] = list = [];
            list.Add($"rule {e.RuleIndex} match {e.MatchIndex} ({Describe(e)}) is shadowed by {winner.Route.Kind} {winner.Route.NamespacedName} rule {winner.RuleIndex} match {winner.MatchIndex}");
        }
        listener.ShadowedRoutes = shadowed is null
            ? Empty
            : shadowed.ToDictionary(p => p.Key, p => string.Join("; ", p.Value.Take(MaxListed)) + (p.Value.Count > MaxListed ? $"; and {p.Value.Count - MaxListed} more" : ""));
    }

    /// <summary>The Shadowed texts of one route parent: one per attached listener on which the route is shadowed, in listener order.</summary>
    public static IEnumerable<string> Messages(ParentResult parent, Resources.ResourceKey route) =>
        parent.Attached
            .Where(a => a.Listener.ShadowedRoutes.ContainsKey(route))
            .Select(a => $"On listener {a.Listener.Gateway.NamespacedName}/{a.Listener.Name}: {a.Listener.ShadowedRoutes[route]}.");

    private static readonly IReadOnlyDictionary<Resources.ResourceKey, string> Empty = new Dictionary<Resources.ResourceKey, string>();

    /// <summary>Entries with equal signatures, hashing by the stored hash (no string is hashed per lookup).</summary>
    private sealed class SameSignature : IEqualityComparer<SortableHttpEntry>
    {
        public static readonly SameSignature Instance = new();

        public bool Equals(SortableHttpEntry? x, SortableHttpEntry? y) => string.Equals(x?.Signature, y?.Signature, StringComparison.Ordinal);

        public int GetHashCode(SortableHttpEntry obj) => obj.SignatureHash;
    }

    /// <summary>What a request must look like to hit the entry; equal signatures match exactly the same requests.</summary>
    internal static string Signature(HttpRouteEntry e)
    {
        var host = e.Hostnames.Length == 0 ? "*any*" : e.Hostnames[0].ToLowerInvariant();
        var headers = string.Join(",", e.Headers.Select(h => $"{h.Type}:{h.Name.ToLowerInvariant()}={h.Value}").Order(StringComparer.Ordinal));
        var query = string.Join(",", e.QueryParams.Select(q => $"{q.Type}:{q.Name}={q.Value}").Order(StringComparer.Ordinal));
        return $"{host}|{e.Path.Type}:{e.Path.Value}|{e.Method}|{headers}|{query}";
    }

    private static string Describe(HttpRouteEntry e)
    {
        var parts = new List<string> { $"{e.Path.Type} {e.Path.Value}" };
        if (e.Hostnames.Length > 0) parts.Add($"host {e.Hostnames[0]}");
        if (e.Method is not null) parts.Add($"method {e.Method}");
        parts.AddRange(e.Headers.Select(h => $"header {h.Name} {h.Type} {h.Value}"));
        parts.AddRange(e.QueryParams.Select(q => $"query {q.Name} {q.Type} {q.Value}"));
        return string.Join(", ", parts);
    }

    /// <summary>
    /// L4 entries: most specific SNI hostname first (TLSRoute), then oldest route, then namespace/name, then rule
    /// order; for TCP/UDP, where every entry matches every connection, the oldest route wins (conformance
    /// TCPRouteMultipleRoutesAttachment: traffic goes to the older route).
    /// </summary>
    internal static int CompareL4(SortableL4Entry a, SortableL4Entry b)
    {
        var c = Hostnames.CompareSpecificity(a.Entry.Hostnames.FirstOrDefault(), b.Entry.Hostnames.FirstOrDefault());
        if (c != 0) return c;
        c = (a.Created is null).CompareTo(b.Created is null);
        if (c != 0) return c;
        if (a.Created is { } ca && b.Created is { } cb && (c = ca.CompareTo(cb)) != 0) return c;
        c = string.CompareOrdinal(a.Entry.Route.NamespacedName, b.Entry.Route.NamespacedName);
        return c != 0 ? c : a.Entry.RuleIndex.CompareTo(b.Entry.RuleIndex);
    }
}
