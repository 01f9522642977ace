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

    /// <summary>
    /// Sorts a listener's entries (the full translation adds them unsorted), indexes them by signature and route, and
    /// detects shadowed matches.
    /// </summary>
    public static void SortAndDetect(ListenerModel listener)
    {
        listener.HttpEntries.Sort(EntryOrder.Http);
        listener.HttpTableEntries = ChunkedList.From(listener.HttpEntries.Select(e => e.Entry));
        listener.L4Entries.Sort(EntryOrder.L4);
        listener.BySignature.Clear();
        listener.ByRoute.Clear();
        listener.ShadowedRoutes.Clear();
        listener.ShadowingTouched.Clear();
        foreach (var e in listener.HttpEntries)
        {
            Add(listener.BySignature, e, e);
            Add(listener.ByRoute, e.Entry.Route, e);
        }
        foreach (var group in listener.BySignature.Values)
        {
            if (group.Count == 1) continue;
            foreach (var e in group) listener.ShadowingTouched.Add(e.Entry.Route);
        }
        Refresh(listener);
    }

    /// <summary>Inserts an entry where precedence puts it, keeping the listener's indexes in step.</summary>
    public static void Insert(ListenerModel listener, SortableHttpEntry entry)
    {
        var at = listener.HttpEntries.BinarySearch(entry, EntryOrder.Http);
        if (at < 0) at = ~at;
        listener.HttpEntries.Insert(at, entry);
        listener.HttpTableEntries = listener.HttpTableEntries.Insert(at, entry.Entry);
        var group = Add(listener.BySignature, entry, entry);
        Add(listener.ByRoute, entry.Entry.Route, entry);
        Touch(listener, group, entry);
    }

    /// <summary>Takes every entry of <paramref name="route"/> off the listener, keeping its indexes in step.</summary>
    public static void RemoveRoute(ListenerModel listener, Resources.ResourceKey route)
    {
        if (!listener.ByRoute.Remove(route, out var entries)) return;
        foreach (var entry in entries)
        {
            var at = IndexOf(listener.HttpEntries, entry);
            listener.HttpEntries.RemoveAt(at);
            listener.HttpTableEntries = listener.HttpTableEntries.RemoveAt(at);
            var group = listener.BySignature[entry].Without(entry);
            Touch(listener, group, entry);
            if (group.Count == 0) listener.BySignature.Remove(entry);
            else listener.BySignature[entry] = group;
        }
    }

    /// <summary>
    /// Brings <see cref="ListenerModel.ShadowedRoutes"/> up to date for the routes whose signatures changed since the
    /// last call (<see cref="ListenerModel.ShadowingTouched"/>); returns the routes whose text changed. A route's
    /// entry is shadowed when the first entry of its signature belongs to another route.
    /// </summary>
    public static List<Resources.ResourceKey> Refresh(ListenerModel listener)
    {
        var changed = new List<Resources.ResourceKey>();
        foreach (var route in listener.ShadowingTouched)
        {
            List<string>? list = null;
            if (listener.ByRoute.TryGetValue(route, out var entries))
            {
                foreach (var e in entries)
                {
                    var winner = listener.BySignature[e].First;
                    if (winner.Entry.Route == route) continue;
                    list ??= [];
                    list.Add($"rule {e.Entry.RuleIndex} match {e.Entry.MatchIndex} ({Describe(e.Entry)}) is shadowed by {winner.Entry.Route.Kind} {winner.Entry.Route.NamespacedName} rule {winner.Entry.RuleIndex} match {winner.Entry.MatchIndex}");
                }
            }
            var text = list is null ? null : string.Join("; ", list.Take(MaxListed)) + (list.Count > MaxListed ? $"; and {list.Count - MaxListed} more" : "");
            var before = listener.ShadowedRoutes.GetValueOrDefault(route);
            if (before == text) continue;
            if (text is null) listener.ShadowedRoutes.Remove(route);
            else listener.ShadowedRoutes[route] = text;
            changed.Add(route);
        }
        listener.ShadowingTouched.Clear();
        return changed;
    }

    /// <summary>Every route with an entry in <paramref name="group"/>, and the changed entry's own, may see its shadowing change.</summary>
    private static void Touch(ListenerModel listener, EntryGroup group, SortableHttpEntry changed)
    {
        listener.ShadowingTouched.Add(changed.Entry.Route);
        foreach (var e in group) listener.ShadowingTouched.Add(e.Entry.Route);
    }

    /// <summary>Adds <paramref name="entry"/> to the group of <paramref name="key"/> (created when missing); returns the group.</summary>
    private static EntryGroup Add<TKey>(Dictionary<TKey, EntryGroup> groups, TKey key, SortableHttpEntry entry) where TKey : notnull
    {
        ref var group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(groups, key, out _);
        group = group.With(entry);
        return group;
    }

    /// <summary>Where <paramref name="entry"/> is in <paramref name="list"/>, found by binary search (the order is total, so it finds this very entry).</summary>
    private static int IndexOf(List<SortableHttpEntry> list, SortableHttpEntry entry)
    {
        var i = list.BinarySearch(entry, EntryOrder.Http);
        if (i < 0 || !ReferenceEquals(list[i], entry)) throw new InvalidOperationException($"entry {entry.Entry.Id} is not where its precedence puts it");
        return i;
    }

    /// <summary>The Shadowed texts of one route parent: one per attached listener on which the route is shadowed, in listener order.</summary>
    public static IEnumerable<string> Messages(ParentResult parent, Resources.ResourceKey route) =>
        parent.Attached
            .Where(a => a.Listener.ShadowedRoutes.ContainsKey(route))
            .Select(a => $"On listener {a.Listener.Gateway.NamespacedName}/{a.Listener.Name}: {a.Listener.ShadowedRoutes[route]}.");

    /// <summary>Entries with equal signatures (<see cref="SameRequests"/>), hashing by the stored hash.</summary>
    internal sealed class SameSignature : IEqualityComparer<SortableHttpEntry>
    {
        public static readonly SameSignature Instance = new();

        public bool Equals(SortableHttpEntry? x, SortableHttpEntry? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && SameRequests(x.Entry, y.Entry));

        public int GetHashCode(SortableHttpEntry obj) => obj.SignatureHash;
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> match exactly the same requests: the same hostname (case
    /// aside; none counts as any), path match, method, and the same header matches (names case aside) and query matches
    /// in any order.
    /// </summary>
    internal static bool SameRequests(HttpRouteEntry a, HttpRouteEntry b)
    {
        if (a.Hostnames.Length == 0 != (b.Hostnames.Length == 0)) return false;
        if (a.Hostnames.Length > 0 && !string.Equals(a.Hostnames[0], b.Hostnames[0], StringComparison.OrdinalIgnoreCase)) return false;
        if (a.Path.Type != b.Path.Type || !string.Equals(a.Path.Value, b.Path.Value, StringComparison.Ordinal)) return false;
        if (!string.Equals(a.Method ?? "", b.Method ?? "", StringComparison.Ordinal)) return false;
        if (a.Headers.Length != b.Headers.Length || a.QueryParams.Length != b.QueryParams.Length) return false;
        return (a.Headers.Length == 0 || HeaderForms(a).SequenceEqual(HeaderForms(b), StringComparer.Ordinal))
            && (a.QueryParams.Length == 0 || QueryForms(a).SequenceEqual(QueryForms(b), StringComparer.Ordinal));
    }

    /// <summary>A hash consistent with <see cref="SameRequests"/> (header and query matches count by number only).</summary>
    internal static int SignatureHash(HttpRouteEntry e) => HashCode.Combine(
        e.Hostnames.Length == 0 ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(e.Hostnames[0]),
        e.Path.Type,
        StringComparer.Ordinal.GetHashCode(e.Path.Value),
        StringComparer.Ordinal.GetHashCode(e.Method ?? ""),
        e.Headers.Length,
        e.QueryParams.Length);

    private static IEnumerable<string> HeaderForms(HttpRouteEntry e) =>
        e.Headers.Select(h => $"{h.Type}:{h.Name.ToLowerInvariant()}={h.Value}").Order(StringComparer.Ordinal);

    private static IEnumerable<string> QueryForms(HttpRouteEntry e) =>
        e.QueryParams.Select(q => $"{q.Type}:{q.Name}={q.Value}").Order(StringComparer.Ordinal);

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
        c = Resources.ResourceKey.CompareNamespacedName(a.Entry.Route, b.Entry.Route);
        return c != 0 ? c : a.Entry.RuleIndex.CompareTo(b.Entry.RuleIndex);
    }
}
