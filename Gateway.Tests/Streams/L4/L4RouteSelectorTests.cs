using System.Net;
using Gateway.Streams.L4;
using Gateway.Streams.L4.Routing;
using Xunit;
using static Gateway.Tests.Streams.L4.L4Fixtures;

namespace Gateway.Tests.Streams.L4;

/// <summary>Pure choices of the L4 data plane: listener and route by SNI, route for TCP/UDP, backend by weight.</summary>
public sealed class L4RouteSelectorTests
{
    private static readonly IPEndPoint A = new(IPAddress.Loopback, 1001);

    private static L4Route Named(string id, params string[] hostnames) => new(id, [.. hostnames], [Backend(id, 1, A)]);

    [Theory]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "aexample.com", false)]
    [InlineData("abc.example.com", "ABC.example.COM", true)]
    [InlineData("abc.example.com", "x.abc.example.com", false)]
    public void Matches_GatewayApiHostnameRules(string pattern, string host, bool expected) =>
        Assert.Equal(expected, SniHostnames.Matches(pattern, host));

    public static TheoryData<string?, string?> ListenerCases => new()
    {
        { "abc.example.com", "exact" },
        { "ABC.EXAMPLE.COM", "exact" },
        { "x.a.example.com", "longer-wildcard" },
        { "x.example.com", "wildcard" },
        { "a.b.example.com", "wildcard" },
        { "example.org", "any" },
        { null, "any" },
    };

    [Theory]
    [MemberData(nameof(ListenerCases))]
    public void ForTls_ListenerBySni_ExactThenLongestWildcardThenCatchAll(string? sni, string? expected)
    {
        var config = Socket(443,
            Passthrough("any", null, Named("any")),
            Passthrough("wildcard", "*.example.com", Named("wildcard", "*.example.com")),
            Passthrough("exact", "abc.example.com", Named("exact", "abc.example.com")),
            Passthrough("longer-wildcard", "*.a.example.com", Named("longer-wildcard", "*.a.example.com")));

        var choice = L4RouteSelector.ForTls(config, sni);

        Assert.Equal(expected, choice.Listener?.Name);
        Assert.Equal(expected, choice.Route?.Id);
    }

    [Fact]
    public void ForTls_NoMatchingListener_Rejected()
    {
        var config = Socket(443, Passthrough("exact", "abc.example.com", Named("exact", "abc.example.com")));

        var choice = L4RouteSelector.ForTls(config, "non.matching.com");

        Assert.Null(choice.Route);
        Assert.Contains("non.matching.com", choice.Rejection);
        Assert.NotNull(L4RouteSelector.ForTls(config, null).Rejection);
    }

    [Fact]
    public void ForTls_BestListenerHasNoRouteForName_RejectedWithoutFallback()
    {
        // Listener isolation: x.example.com belongs to the *.example.com listener, whose only route serves abc; the
        // catch-all listener is never consulted.
        var config = Socket(443,
            Passthrough("wildcard", "*.example.com", Named("abc", "abc.example.com")),
            Passthrough("any", null, Named("any")));

        var choice = L4RouteSelector.ForTls(config, "x.example.com");

        Assert.Null(choice.Route);
        Assert.Contains("wildcard", choice.Rejection);
    }

    [Fact]
    public void ForTls_RoutesOfOneListener_ExactThenLongestWildcardThenCatchAll_FirstOnTies()
    {
        var listener = Passthrough("l", null,
            Named("catch-all"),
            Named("wide", "*.com"),
            Named("narrow", "*.example.com"),
            Named("exact", "abc.example.com"),
            Named("exact-younger", "abc.example.com"));
        var config = Socket(443, listener);

        Assert.Equal("exact", L4RouteSelector.ForTls(config, "abc.example.com").Route?.Id);
        Assert.Equal("narrow", L4RouteSelector.ForTls(config, "x.example.com").Route?.Id);
        Assert.Equal("wide", L4RouteSelector.ForTls(config, "example.com").Route?.Id);
        Assert.Equal("catch-all", L4RouteSelector.ForTls(config, "example.org").Route?.Id);
        Assert.Equal("catch-all", L4RouteSelector.ForTls(config, null).Route?.Id);
    }

    [Fact]
    public void ForTls_RouteWithSeveralHostnames_BestOfThemCounts()
    {
        var config = Socket(443, Passthrough("l", null, Named("wild", "*.example.com"), Named("multi", "other.org", "abc.example.com")));

        Assert.Equal("multi", L4RouteSelector.ForTls(config, "abc.example.com").Route?.Id);
        Assert.Equal("multi", L4RouteSelector.ForTls(config, "other.org").Route?.Id);
        Assert.Equal("wild", L4RouteSelector.ForTls(config, "x.example.com").Route?.Id);
    }

    [Fact]
    public void ForTls_NoSniAndOnlyHostnameRoutes_Rejected()
    {
        var config = Socket(443, Passthrough("l", null, Named("exact", "abc.example.com")));

        Assert.NotNull(L4RouteSelector.ForTls(config, null).Rejection);
    }

    [Fact]
    public void ForTcp_FirstListenerWithRoutes_FirstRoute()
    {
        var config = Socket(9000, TcpListener(), TcpListener(Named("oldest"), Named("younger")));

        Assert.Equal("oldest", L4RouteSelector.ForTcp(config).Route?.Id);
        Assert.NotNull(L4RouteSelector.ForTcp(Socket(9000, TcpListener())).Rejection);
    }

    [Fact]
    public void ForUdp_FirstRoute_NoneRejected()
    {
        Assert.Equal("oldest", L4RouteSelector.ForUdp(new UdpListenerConfig("127.0.0.1", 53, [Named("oldest"), Named("younger")])).Route?.Id);
        Assert.NotNull(L4RouteSelector.ForUdp(new UdpListenerConfig("127.0.0.1", 53, [])).Rejection);
    }

    [Fact]
    public void PickEndpoint_RollsSpreadByWeight_ZeroWeightNeverPicked()
    {
        var v1 = Backend("v1", 70, new IPEndPoint(IPAddress.Loopback, 1));
        var v2 = Backend("v2", 30, new IPEndPoint(IPAddress.Loopback, 2));
        var v3 = Backend("v3", 0, new IPEndPoint(IPAddress.Loopback, 3));
        var counts = new Dictionary<string, int> { ["v1"] = 0, ["v2"] = 0, ["v3"] = 0 };

        for (var i = 0; i < 1000; i++) counts[L4RouteSelector.PickEndpoint([v1, v2, v3], i / 1000.0, 0).Backend!.Id]++;

        Assert.Equal(700, counts["v1"]);
        Assert.Equal(300, counts["v2"]);
        Assert.Equal(0, counts["v3"]);
        Assert.Equal("v2", L4RouteSelector.PickEndpoint([v1, v2, v3], 0.9999999, 0).Backend!.Id);
    }

    [Fact]
    public void PickEndpoint_EndpointRollChoosesAmongEndpoints()
    {
        var backend = Backend("b", 1, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2), new IPEndPoint(IPAddress.Loopback, 3));

        var ports = Enumerable.Range(0, 6).Select(i => L4RouteSelector.PickEndpoint([backend], 0.5, (uint)i).Endpoint!.Value.Port).ToArray();

        Assert.Equal([1, 2, 3, 1, 2, 3], ports);
    }

    [Fact]
    public void PickEndpoint_InvalidOrEmptyBackendsRefuseTheirShare()
    {
        var good = Backend("good", 1, A);
        var invalid = new L4Backend("invalid", 1, false, []);
        var empty = new L4Backend("empty", 1, true, []);

        Assert.Equal("good", L4RouteSelector.PickEndpoint([good, invalid], 0.25, 0).Backend!.Id);
        Assert.Contains("invalid", L4RouteSelector.PickEndpoint([good, invalid], 0.75, 0).Rejection);
        Assert.Contains("no ready endpoints", L4RouteSelector.PickEndpoint([empty], 0.5, 0).Rejection);
        Assert.NotNull(L4RouteSelector.PickEndpoint([], 0.5, 0).Rejection);
        Assert.NotNull(L4RouteSelector.PickEndpoint([Backend("zero", 0, A)], 0.5, 0).Rejection);
    }

    [Fact]
    public void PickEndpoint_RandomRolls_FollowWeights()
    {
        var v1 = Backend("v1", 7, A);
        var v2 = Backend("v2", 3, A);
        var picks = Enumerable.Range(0, 10_000).Select(_ => L4RouteSelector.PickEndpoint([v1, v2]).Backend!.Id).ToList();

        var share = picks.Count(p => p == "v1") / 10_000.0;

        Assert.InRange(share, 0.66, 0.74);
    }
}
