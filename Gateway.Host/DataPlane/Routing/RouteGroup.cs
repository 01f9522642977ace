using System.Runtime.InteropServices;
using MatchType = Gateway.Actors.RouteTable.MatchType;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// The entries of one route hostname group, in IR (spec precedence) order, with a path index so that a lookup does
/// not test every entry: a group of 10,000 routes on one hostname answers as fast as a group of one.
/// The answer is by definition the first entry in precedence order whose match accepts the request (what a linear
/// scan returns); the index only narrows which entries can be that first one:
/// <list type="bullet">
/// <item>Exact paths: a dictionary from path to the entries with that Exact path.</item>
/// <item>PathPrefix: a dictionary from the prefix (without trailing slash) to its entries; a request path has one
/// candidate prefix per path element boundary ("", "/a", "/a/b", ...), which is exactly when PathPrefix matches
/// (PathMatchPathPrefix: "/abc" matches "/abc", "/abc/" and "/abc/def", not "/abcd").</item>
/// <item>Regular expressions cannot be indexed: they are always candidates.</item>
/// </list>
/// Every candidate list is in ascending precedence order, so per list only the first entry that matches counts, and
/// the winner is the lowest position among the lists' first matches. Span-keyed lookups: no allocation per request.
/// Hand-written because ASP.NET Core's DFA matcher has different precedence rules (route templates, not Gateway API).
/// </summary>
internal sealed class RouteGroup
{
    /// <summary>Below this many entries a linear scan is as fast as the index.</summary>
    private const int IndexThreshold = 8;

    private static readonly Dictionary<string, int> NoIndex = new(StringComparer.Ordinal);

    private readonly CompiledRoute[] _routes;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _prefix;
    private readonly int _exactCount;
    private readonly int _prefixCount;
    // The candidate lists: a dictionary value is the first position of its list, _next[position] the following one
    // (ascending), -1 ends a list. Every position is in at most one list, so one array serves both dictionaries, and
    // building the index costs one dictionary insert per distinct path rather than a list per path.
    private readonly int[] _next;
    private readonly int _unindexed;
    private readonly bool _indexed;

    public RouteGroup(CompiledRoute[] routes)
    {
        _routes = routes;
        _indexed = routes.Length >= IndexThreshold;
        // A small group is scanned and needs no index; it shares one empty dictionary that is never written.
        var exact = _indexed ? new Dictionary<string, int>(StringComparer.Ordinal) : NoIndex;
        var prefix = _indexed ? new Dictionary<string, int>(StringComparer.Ordinal) : NoIndex;
        _next = _indexed ? new int[routes.Length] : [];
        _unindexed = -1;
        if (_indexed)
        {
            Array.Fill(_next, -1);
            // last[first] is the last position of the list that starts at first.
            var last = new int[routes.Length];
            var lastUnindexed = -1;
            for (var i = 0; i < routes.Length; i++)
            {
                var match = routes[i].Match;
                switch (match.PathType)
                {
                    case MatchType.Exact:
                        Add(exact, match.PathValue, i, last);
                        break;
                    case MatchType.PathPrefix:
                        Add(prefix, match.PathValue, i, last);
                        break;
                    default:
                        if (lastUnindexed < 0) _unindexed = i;
                        else _next[lastUnindexed] = i;
                        lastUnindexed = i;
                        break;
                }
            }
        }
        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefix = prefix.GetAlternateLookup<ReadOnlySpan<char>>();
        _exactCount = exact.Count;
        _prefixCount = prefix.Count;
    }

    /// <summary>The entries in precedence order.</summary>
    public IReadOnlyList<CompiledRoute> Routes => _routes;

    /// <summary>The first entry, in precedence order, whose match accepts the request; null when none does.</summary>
    public CompiledRoute? Find(HttpRequest request, string path)
    {
        if (!_indexed)
        {
            foreach (var route in _routes)
            {
                if (route.Match.Matches(request, path)) return route;
            }
            return null;
        }

        var best = int.MaxValue;
        if (_exactCount > 0 && _exact.TryGetValue(path, out var exact)) best = FirstMatch(exact, request, path, best);
        if (_prefixCount > 0)
        {
            var span = path.AsSpan();
            if (_prefix.TryGetValue([], out var root)) best = FirstMatch(root, request, path, best);
            for (var i = 1; i < span.Length; i++)
            {
                if (span[i] == '/' && _prefix.TryGetValue(span[..i], out var element)) best = FirstMatch(element, request, path, best);
            }
            // The whole path is a candidate too ("/abc" matches "/abc"); a path ending in '/' was covered above, and
            // no indexed prefix ends in '/' (CompiledMatch trims it).
            if (span.Length > 0 && span[^1] != '/' && _prefix.TryGetValue(span, out var whole)) best = FirstMatch(whole, request, path, best);
        }
        if (_unindexed >= 0) best = FirstMatch(_unindexed, request, path, best);
        return best == int.MaxValue ? null : _routes[best];
    }

    /// <summary>The lower of <paramref name="best"/> and the first position of the list starting at <paramref name="first"/> that matches.</summary>
    private int FirstMatch(int first, HttpRequest request, string path, int best)
    {
        for (var i = first; i >= 0; i = _next[i])
        {
            if (i >= best) return best;
            if (_routes[i].Match.Matches(request, path)) return i;
        }
        return best;
    }

    /// <summary>Appends <paramref name="position"/> to the list of <paramref name="key"/> (positions arrive ascending).</summary>
    private void Add(Dictionary<string, int> index, string key, int position, int[] last)
    {
        ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(index, key, out var exists);
        if (exists)
        {
            _next[last[first]] = position;
            last[first] = position;
        }
        else
        {
            first = position;
            last[position] = position;
        }
    }
}
