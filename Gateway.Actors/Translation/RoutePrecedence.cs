using System.Runtime.CompilerServices;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Actors.Translation;

/// <summary>
/// The facts of one (route, rule, match, hostname) that decide its precedence on a listener. A value made when
/// compared (<see cref="Of"/>): all but the route's age are the entry's own, so a kept entry holds only that.
/// </summary>
public readonly record struct RoutePrecedenceKey(
    string? Hostname,
    MatchType PathType,
    string PathValue,
    bool HasMethod,
    int HeaderCount,
    int QueryCount,
    DateTime? Created,
    ResourceKey Route,
    int RuleIndex,
    int MatchIndex)
{
    /// <summary>The key of <paramref name="entry"/> (one effective hostname, or none) of a route created at <paramref name="created"/>.</summary>
    public static RoutePrecedenceKey Of(HttpRouteEntry entry, DateTime? created) =>
        new(entry.Hostnames.Length == 0 ? null : entry.Hostnames[0], entry.Path.Type, entry.Path.Value, entry.Method is not null,
            entry.Headers.Length, entry.QueryParams.Length, created, entry.Route, entry.RuleIndex, entry.MatchIndex);
}

/// <summary>
/// Orders matches on one listener, highest precedence first, exactly as the spec lists the criteria:
/// <list type="number">
/// <item>Hostname (HTTPRouteSpec.Hostnames: "precedence must be given to rules from the HTTPRoute with the largest
/// number of characters in a matching non-wildcard hostname, then characters in a matching hostname"): exact before
/// wildcard before none, longer first. Entries carry one effective hostname each, so for any request the entries
/// that can match it appear in this order.</item>
/// <item>Path (HTTPRouteRule docs): Exact before everything; then RegularExpression (its precedence is
/// implementation-specific: we put it above prefixes so the default "/" prefix never hides a regex), longer pattern
/// first; then PathPrefix with the most characters.</item>
/// <item>Method match present; then most header matches; then most query param matches.</item>
/// <item>Across routes: oldest creationTimestamp (unknown age counts as newest), then "namespace/name" alphabetical.</item>
/// <item>Within a route: first rule, then first match.</item>
/// </list>
/// </summary>
public sealed class RoutePrecedence : IComparer<RoutePrecedenceKey>
{
    public static readonly RoutePrecedence Instance = new();

    // Optimized from its first call, as Hostnames.CompareSpecificity (the first full translation's sort).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Compare(RoutePrecedenceKey a, RoutePrecedenceKey b)
    {
        var c = Hostnames.CompareSpecificity(a.Hostname, b.Hostname);
        if (c != 0) return c;
        c = PathRank(a.PathType).CompareTo(PathRank(b.PathType));
        if (c != 0) return c;
        if (a.PathType != MatchType.Exact)
        {
            c = b.PathValue.Length.CompareTo(a.PathValue.Length);
            if (c != 0) return c;
        }
        c = b.HasMethod.CompareTo(a.HasMethod);
        if (c != 0) return c;
        c = b.HeaderCount.CompareTo(a.HeaderCount);
        if (c != 0) return c;
        c = b.QueryCount.CompareTo(a.QueryCount);
        if (c != 0) return c;
        c = (a.Created is null).CompareTo(b.Created is null);
        if (c != 0) return c;
        if (a.Created is { } ca && b.Created is { } cb)
        {
            c = ca.CompareTo(cb);
            if (c != 0) return c;
        }
        c = ResourceKey.CompareNamespacedName(a.Route, b.Route);
        if (c != 0) return c;
        c = a.RuleIndex.CompareTo(b.RuleIndex);
        if (c != 0) return c;
        c = a.MatchIndex.CompareTo(b.MatchIndex);
        // Last resort so the order is total: distinct paths of equal rank compare ordinally.
        return c != 0 ? c : string.CompareOrdinal(a.PathValue, b.PathValue);
    }

    private static int PathRank(MatchType t) => t switch
    {
        MatchType.Exact => 0,
        MatchType.RegularExpression => 1,
        _ => 2,
    };
}
