using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Xunit;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.Translation;

/// <summary>When two matches select exactly the same requests (the later one is shadowed): compared field by field.</summary>
public sealed class ShadowingSignatureTests
{
    private static HttpRouteEntry Entry(string? host = "a.example", string path = "/p", string? method = null,
        (string Name, string Value)[]? headers = null, (string Name, string Value)[]? query = null, string route = "r") =>
        new($"HTTPRoute/ns/{route}", HttpRouteKind.Http, new ResourceKey("HTTPRoute", "ns", route), 0, 0, null,
            host is null ? [] : [host], new PathMatch(MatchType.PathPrefix, path),
            [.. (headers ?? []).Select(h => new HeaderMatch(MatchType.Exact, h.Name, h.Value))],
            [.. (query ?? []).Select(q => new QueryParamMatch(MatchType.Exact, q.Name, q.Value))],
            method, HttpFilters.None, BackendGroup.Empty, null, null);

    private static void AssertSame(HttpRouteEntry a, HttpRouteEntry b)
    {
        Assert.True(Shadowing.SameRequests(a, b));
        Assert.True(Shadowing.SameRequests(b, a));
        Assert.Equal(Shadowing.SignatureHash(a), Shadowing.SignatureHash(b));
    }

    [Fact]
    public void SameRequests_HostnameCaseHeaderOrderAndNameCaseQueryOrder_StillTheSame()
    {
        AssertSame(Entry(host: "A.Example", route: "x"), Entry(host: "a.example", route: "y"));
        AssertSame(Entry(headers: [("X-A", "1"), ("x-b", "2")]), Entry(headers: [("x-b", "2"), ("x-a", "1")]));
        AssertSame(Entry(query: [("a", "1"), ("b", "2")]), Entry(query: [("b", "2"), ("a", "1")]));
    }

    [Fact]
    public void SameRequests_AnyDifferenceInWhatIsMatched_NotTheSame()
    {
        var baseline = Entry(headers: [("x-a", "1")], query: [("q", "1")]);
        Assert.False(Shadowing.SameRequests(baseline, Entry(host: null, headers: [("x-a", "1")], query: [("q", "1")])));
        Assert.False(Shadowing.SameRequests(baseline, Entry(path: "/P", headers: [("x-a", "1")], query: [("q", "1")])));
        Assert.False(Shadowing.SameRequests(baseline, Entry(method: "GET", headers: [("x-a", "1")], query: [("q", "1")])));
        Assert.False(Shadowing.SameRequests(baseline, Entry(headers: [("x-a", "2")], query: [("q", "1")])));
        Assert.False(Shadowing.SameRequests(baseline, Entry(headers: [("x-a", "1")], query: [("Q", "1")])));
        Assert.False(Shadowing.SameRequests(baseline, Entry(headers: [("x-a", "1"), ("x-b", "1")], query: [("q", "1")])));
    }
}

/// <summary>An entry's id, given or derived.</summary>
public sealed class HttpRouteEntryIdTests
{
    [Fact]
    public void Id_GivenEmpty_IsDerivedFromRouteRuleMatchAndHostname_GivenText_IsKept()
    {
        var route = new ResourceKey("GRPCRoute", "ns", "r");
        HttpRouteEntry Entry(string id, string[] hosts) => new(id, HttpRouteKind.Grpc, route, 2, 1, null, [.. hosts],
            new PathMatch(MatchType.PathPrefix, "/"), [], [], null, HttpFilters.None, BackendGroup.Empty, null, null);

        Assert.Equal("GRPCRoute/ns/r/rule/2/match/1/host/a.example", Entry("", ["a.example"]).Id);
        Assert.Equal("GRPCRoute/ns/r/rule/2/match/1", Entry("", []).Id);
        Assert.Equal("given", Entry("given", ["a.example"]).Id);
        Assert.Equal("other", (Entry("", []) with { Id = "other" }).Id);
    }

    private static HttpRouteEntry Plain(string? method = null) => new("", HttpRouteKind.Http, new ResourceKey("HTTPRoute", "ns", "r"), 0, 0, null,
        ["a.example"], new PathMatch(MatchType.PathPrefix, "/"), [], [], method, HttpFilters.None, BackendGroup.Empty, null, null);

    [Fact]
    public void RareFields_PlainMatchHoldsNone_AMethodMatchHoldsThem_EmptyListsReadAsEmpty()
    {
        var plain = Plain();
        Assert.True(plain.HasNoRareFields);
        Assert.Equal((null, 0, 0, null, null, null, null, 0), (plain.RuleName, plain.Headers.Length, plain.QueryParams.Length, plain.Method,
            plain.Timeouts, plain.Retry, plain.Session, plain.RateLimits.Length));

        var withMethod = Plain("GET");
        Assert.False(withMethod.HasNoRareFields);
        Assert.Equal("GET", withMethod.Method);
        Assert.NotEqual(plain, withMethod);
    }

    [Fact]
    public void RareFields_SetThroughWith_MakeANewEntry_TheOriginalAndItsSharedFieldsUnchanged_EqualByValue()
    {
        var original = Plain("GET");
        var limit = new RateLimitRule("ns/p", 0, 10, TimeSpan.FromSeconds(1), RateLimitKeyType.Global, null, RateLimitScope.Cluster);

        var limited = original with { RateLimits = [limit] };

        Assert.Same(limit, Assert.Single(limited.RateLimits));
        Assert.Equal("GET", limited.Method);
        Assert.Empty(original.RateLimits);
        // Setting every rare field back to nothing holds nothing again, and equals the original without its method
        // (records holding ImmutableArray compare those by instance: both share the original's hostnames).
        var cleared = limited with { RateLimits = [], Method = null };
        var plain = original with { Method = null };
        Assert.True(cleared.HasNoRareFields);
        Assert.True(plain.HasNoRareFields);
        Assert.Equal(plain, cleared);
        Assert.Equal(plain.GetHashCode(), cleared.GetHashCode());
        Assert.NotEqual(original, limited);
    }
}
