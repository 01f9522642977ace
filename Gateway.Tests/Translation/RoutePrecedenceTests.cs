using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Xunit;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.Translation;

public class RoutePrecedenceTests
{
    private static RoutePrecedenceKey Key(
        MatchType type = MatchType.PathPrefix, string path = "/", string? host = null, bool method = false, int headers = 0, int query = 0,
        DateTime? created = null, string route = "ns/a", int rule = 0, int match = 0) =>
        new(host, type, path, method, headers, query, created, new ResourceKey("HTTPRoute", route.Split('/')[0], route.Split('/')[1]), rule, match);

    private static void AssertBefore(RoutePrecedenceKey first, RoutePrecedenceKey second)
    {
        Assert.True(RoutePrecedence.Instance.Compare(first, second) < 0, "expected the first key to win");
        Assert.True(RoutePrecedence.Instance.Compare(second, first) > 0, "comparison must be antisymmetric");
    }

    [Fact]
    public void Compare_ExactHostnameBeatsWildcardBeatsNone()
    {
        AssertBefore(Key(host: "a.example.com"), Key(host: "*.example.com", type: MatchType.Exact, path: "/x"));
        AssertBefore(Key(host: "*.example.com"), Key(host: null, type: MatchType.Exact, path: "/x"));
    }

    [Fact]
    public void Compare_ExactPathBeatsLongerPrefix() => AssertBefore(Key(MatchType.Exact, "/a"), Key(MatchType.PathPrefix, "/a/very/long/prefix"));

    [Fact]
    public void Compare_LongerPrefixBeatsShorter() => AssertBefore(Key(path: "/match/prefix/"), Key(path: "/match/"));

    [Fact]
    public void Compare_RegexSitsBetweenExactAndPrefix()
    {
        AssertBefore(Key(MatchType.Exact, "/x"), Key(MatchType.RegularExpression, "/.*"));
        AssertBefore(Key(MatchType.RegularExpression, "/.*"), Key(MatchType.PathPrefix, "/very/long/prefix"));
    }

    [Fact]
    public void Compare_MethodThenHeadersThenQuery()
    {
        AssertBefore(Key(method: true), Key(headers: 5, query: 5));
        AssertBefore(Key(headers: 2), Key(headers: 1, query: 5));
        AssertBefore(Key(query: 2), Key(query: 1));
    }

    [Fact]
    public void Compare_OlderRouteThenNameThenRuleThenMatch()
    {
        var old = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        AssertBefore(Key(created: old, route: "z/z"), Key(created: old.AddSeconds(1), route: "a/a"));
        AssertBefore(Key(created: old, route: "z/z"), Key(created: null, route: "a/a"));
        AssertBefore(Key(route: "ns/a"), Key(route: "ns/b"));
        AssertBefore(Key(rule: 0, match: 3), Key(rule: 1, match: 0));
        AssertBefore(Key(match: 0), Key(match: 1));
    }

    [Fact]
    public void Compare_ConformancePathMatchOrder_SortsAsTheTestExpects()
    {
        // HTTPRoutePathMatchOrder: /match/exact/one must go to the Exact rule, /match/prefix/one... to the longest prefix.
        var keys = new[]
        {
            Key(MatchType.Exact, "/match", rule: 0), Key(MatchType.Exact, "/match/exact", rule: 1), Key(MatchType.Exact, "/match/exact/one", rule: 2),
            Key(MatchType.PathPrefix, "/match/", rule: 3), Key(MatchType.PathPrefix, "/match/prefix/", rule: 4), Key(MatchType.PathPrefix, "/match/prefix/one", rule: 5),
        };
        var sorted = keys.Reverse().Order(RoutePrecedence.Instance).Select(k => k.RuleIndex).ToArray();
        Assert.Equal([0, 1, 2, 5, 4, 3], sorted);
    }

    [Fact]
    public void Compare_NamespaceWithDashBeforeItsPrefixNamespace_AsTheNamespacedNamesSortOrdinally()
    {
        // "a-b/x" < "a/x": '-' sorts before '/', though namespace "a" sorts before "a-b".
        AssertBefore(Key(route: "a-b/x"), Key(route: "a/x"));
        AssertBefore(Key(route: "a.b/x"), Key(route: "a/x"));
    }

    [Fact]
    public void CompareNamespacedName_RandomKeys_SameSignAsOrdinalComparisonOfTheirNamespacedNames()
    {
        var random = new Random(11);
        const string Alphabet = "ab-./z0";
        string Text(int min) => new([.. Enumerable.Range(0, random.Next(min, 6)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
        var keys = Enumerable.Range(0, 400).Select(_ => new ResourceKey("HTTPRoute", random.Next(5) == 0 ? "" : Text(1), Text(1))).ToList();
        foreach (var a in keys)
        {
            foreach (var b in keys.Take(60))
            {
                Assert.Equal(Math.Sign(string.CompareOrdinal(a.NamespacedName, b.NamespacedName)), Math.Sign(ResourceKey.CompareNamespacedName(a, b)));
            }
        }
    }
}
