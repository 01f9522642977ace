using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using MatchType = Gateway.Actors.RouteTable.MatchType;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>Route lookup on compiled tables: listener isolation, hostname groups, match semantics, precedence order.</summary>
public sealed class MatchingTests : IDisposable
{
    private readonly BackendClients _clients = new();

    public void Dispose() => _clients.Dispose();

    private CompiledSocketTable Compile(params ListenerRouteTable[] listeners) =>
        new SocketTableCompiler(_clients, new CertificateCache())
            .Compile(new ListenerSocket("127.0.0.1", 80), new ResourceKey("Gateway", "ns", "gw"), 1, Ir.Port(80, ListenerProtocol.Http, listeners));

    private static HttpRequest Request(string host, string pathAndQuery, string method = "GET", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        var q = pathAndQuery.IndexOf('?');
        request.Path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        request.QueryString = q < 0 ? QueryString.Empty : new QueryString(pathAndQuery[q..]);
        request.Headers.Host = host;
        foreach (var (name, value) in headers) request.Headers.Append(name, value);
        return request;
    }

    private static string? Matched(CompiledSocketTable table, HttpRequest request) => table.Find(request, null).Route?.Entry.Id;

    [Theory]
    [InlineData("/foo", true)]
    [InlineData("/foo/", true)]
    [InlineData("/foo/bar", true)]
    [InlineData("/foobar", false)]
    [InlineData("/fo", false)]
    [InlineData("/Foo", false)]
    public void PathPrefix_ElementSemantics_MatchesWholeSegmentsOnly(string path, bool expected)
    {
        foreach (var prefix in new[] { "/foo", "/foo/" })
        {
            var table = Compile(Ir.Listener("l", null, Ir.Entry(Ir.Prefix(prefix), id: "e")));
            Assert.Equal(expected, Matched(table, Request("h", path)) == "e");
        }
    }

    [Theory]
    [InlineData("/one", true)]
    [InlineData("/one/", false)]
    [InlineData("/One", false)]
    [InlineData("/one/two", false)]
    public void Exact_Path_IsCaseSensitiveEquality(string path, bool expected)
    {
        var table = Compile(Ir.Listener("l", null, Ir.Entry(Ir.Exact("/one"), id: "e")));
        Assert.Equal(expected, Matched(table, Request("h", path)) == "e");
    }

    [Fact]
    public void RegularExpression_Path_MustMatchWholePath()
    {
        var table = Compile(Ir.Listener("l", null, Ir.Entry(Ir.Regex("/v[0-9]+/items"), id: "e")));
        Assert.Equal("e", Matched(table, Request("h", "/v12/items")));
        Assert.Null(Matched(table, Request("h", "/v12/items/x")));
        Assert.Null(Matched(table, Request("h", "/x/v1/items")));
    }

    [Fact]
    public void RegularExpression_CostlyAtFirstUse_MatchesItsFirstRequest()
    {
        // The engine builds this pattern's automaton at its first match (about 100 ms on the 2-core machine): the
        // evaluation limit must leave room for that, or the first request counts as no match.
        var table = Compile(Ir.Listener("l", null, Ir.Entry(headers: [new HeaderMatch(MatchType.RegularExpression, "x-trace", "(.{0,200}a){8}.*z")], id: "costly")));
        var value = string.Concat(Enumerable.Repeat("abc0123456789", 308)) + "z";

        Assert.Equal("costly", Matched(table, Request("h", "/", "GET", ("x-trace", value))));
    }

    [Fact]
    public void RegularExpression_RunsOutOfTime_NoMatchAndCountedByThePartMatched()
    {
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Gateway.Host.Observability.Metrics.DataPlaneMetrics.MeterName && instrument.Name == "gateway.route.regex_timeouts")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "part", Value: string part }) counts.AddOrUpdate(part, value, (_, n) => n + value);
        });
        listener.Start();
        // The route's own limit is a second; a limit of one tick on a long value runs out at the engine's first check.
        var expression = new System.Text.RegularExpressions.Regex("^(?:(a|b)*c)\\z", System.Text.RegularExpressions.RegexOptions.NonBacktracking, TimeSpan.FromTicks(1));

        var matched = Gateway.Host.DataPlane.Routing.CompiledMatch.SafeIsMatch(expression, new string('a', 4_000_000), "query");

        Assert.False(matched);
        Assert.Equal(1, counts.GetValueOrDefault("query"));
        Assert.Equal(0, counts.GetValueOrDefault("path"));
    }

    [Fact]
    public void RegularExpression_TheEngineRefuses_LeavesOutThatEntryOnlyAndReportsIt()
    {
        // A table the translator did not make (its check refuses this pattern): the anchored form is past the engine's
        // automaton limit; the compiler reports that entry and the socket's other entries serve.
        var table = Compile(Ir.Listener("l", null,
            Ir.Entry(Ir.Regex("/(.{0,399}a){5}.*z"), id: "refused"),
            Ir.Entry(Ir.Prefix("/ok"), id: "ok")));

        Assert.Equal("ok", Matched(table, Request("h", "/ok/x")));
        Assert.Contains(table.Problems, p => p.Contains("entry refused left out", StringComparison.Ordinal) && p.Contains("limit", StringComparison.Ordinal));
    }

    [Fact]
    public void Headers_NamesCaseInsensitive_ExactAndRegexValues()
    {
        var table = Compile(Ir.Listener("l", null,
            Ir.Entry(headers: [new HeaderMatch(MatchType.Exact, "Version", "two"), new HeaderMatch(MatchType.RegularExpression, "color", "orange|blue")], id: "both"),
            Ir.Entry(headers: [new HeaderMatch(MatchType.Exact, "version", "two")], id: "version")));
        Assert.Equal("both", Matched(table, Request("h", "/", "GET", ("version", "two"), ("COLOR", "blue"))));
        Assert.Equal("version", Matched(table, Request("h", "/", "GET", ("VERSION", "two"), ("color", "purple"))));
        Assert.Null(Matched(table, Request("h", "/", "GET", ("version", "Two"))));
    }

    [Fact]
    public void QueryParams_ExactNamesFirstValueAndDecoding()
    {
        var table = Compile(Ir.Listener("l", null,
            Ir.Entry(query: [new QueryParamMatch(MatchType.Exact, "animal", "whale")], id: "whale"),
            Ir.Entry(query: [new QueryParamMatch(MatchType.Exact, "ANIMAL", "Whale")], id: "upper"),
            Ir.Entry(query: [new QueryParamMatch(MatchType.Exact, "q", "a b")], id: "space")));
        Assert.Equal("whale", Matched(table, Request("h", "/?animal=whale&otherparam=irrelevant")));
        Assert.Equal("upper", Matched(table, Request("h", "/?ANIMAL=Whale")));
        Assert.Null(Matched(table, Request("h", "/?animal=whaledolphin")));
        // The first value of a repeated parameter is the one matched.
        Assert.Null(Matched(table, Request("h", "/?animal=dog&animal=whale")));
        Assert.Equal("space", Matched(table, Request("h", "/?q=a%20b")));
        Assert.Equal("space", Matched(table, Request("h", "/?q=a+b")));
    }

    [Fact]
    public void QueryParams_RegularExpression_MatchesTheWholeDecodedValue_AFinalNewlineIsNotIgnored()
    {
        var table = Compile(Ir.Listener("l", null, Ir.Entry(query: [new QueryParamMatch(MatchType.RegularExpression, "animal", "wh[a-z]+")], id: "regex")));
        Assert.Equal("regex", Matched(table, Request("h", "/?animal=whale")));
        Assert.Null(Matched(table, Request("h", "/?animal=whale%0A")));
        Assert.Null(Matched(table, Request("h", "/?animal=awhale")));
    }

    [Fact]
    public void Method_MustMatchExactly()
    {
        var table = Compile(Ir.Listener("l", null, Ir.Entry(method: "POST", id: "post"), Ir.Entry(method: "GET", id: "get")));
        Assert.Equal("post", Matched(table, Request("h", "/", "POST")));
        Assert.Equal("get", Matched(table, Request("h", "/", "GET")));
        Assert.Null(Matched(table, Request("h", "/", "HEAD")));
    }

    [Fact]
    public void Entries_FirstMatchingInIrOrder_Wins()
    {
        var table = Compile(Ir.Listener("l", null,
            Ir.Entry(Ir.Exact("/match/exact"), id: "exact"),
            Ir.Entry(Ir.Prefix("/match/prefix/one"), id: "long"),
            Ir.Entry(Ir.Prefix("/match"), id: "short")));
        Assert.Equal("exact", Matched(table, Request("h", "/match/exact")));
        Assert.Equal("long", Matched(table, Request("h", "/match/prefix/one/any")));
        Assert.Equal("short", Matched(table, Request("h", "/match/prefix/any")));
    }

    [Fact]
    public void Listeners_MostSpecificHostnameWins_AndNeverFallsBack()
    {
        var table = Compile(
            Ir.Listener("exact", "foo.example.com", Ir.Entry(Ir.Prefix("/exact-only"), id: "exact")),
            Ir.Listener("wild", "*.example.com", Ir.Entry(id: "wild")),
            Ir.Listener("any", null, Ir.Entry(id: "any")));
        Assert.Equal("exact", Matched(table, Request("foo.example.com", "/exact-only")));
        // Listener isolation: foo.example.com belongs to the exact listener, which has no route for "/": 404.
        var isolated = table.Find(Request("FOO.example.com:8080", "/"), null);
        Assert.Equal(LookupOutcome.NoRoute, isolated.Outcome);
        Assert.Equal("exact", isolated.Listener!.Source.Name);
        Assert.Equal("wild", Matched(table, Request("a.b.example.com", "/")));
        Assert.Equal("any", Matched(table, Request("example.com", "/")));
        Assert.Equal("any", Matched(table, Request("10.0.0.1:80", "/")));
    }

    [Fact]
    public void Listeners_NoneMatches_IsNoListener()
    {
        var table = Compile(Ir.Listener("wild", "*.example.com", Ir.Entry(id: "wild")));
        Assert.Equal(LookupOutcome.NoListener, table.Find(Request("example.org", "/"), null).Outcome);
    }

    [Fact]
    public void RouteHostnames_ExactThenLongestWildcardThenNone_WithoutFallback()
    {
        var table = Compile(Ir.Listener("any", null,
            Ir.Entry(Ir.Prefix("/a"), hostnames: ["foo.com"], id: "exact"),
            Ir.Entry(Ir.Prefix("/b"), hostnames: ["*.foo.com"], id: "wild"),
            Ir.Entry(Ir.Prefix("/c"), hostnames: ["*.bar.foo.com"], id: "longer-wild"),
            Ir.Entry(Ir.Prefix("/"), id: "none")));
        Assert.Equal("exact", Matched(table, Request("foo.com", "/a")));
        Assert.Null(Matched(table, Request("foo.com", "/b")));
        Assert.Equal("wild", Matched(table, Request("x.foo.com", "/b")));
        Assert.Equal("longer-wild", Matched(table, Request("x.bar.foo.com", "/c")));
        Assert.Null(Matched(table, Request("x.bar.foo.com", "/b")));
        Assert.Equal("none", Matched(table, Request("other.com", "/a")));
    }

    [Fact]
    public void InvalidRegex_EntryLeftOut_OthersStillServe()
    {
        var table = Compile(Ir.Listener("l", null, Ir.Entry(Ir.Regex("(unclosed"), id: "bad"), Ir.Entry(id: "good")));
        Assert.Equal("good", Matched(table, Request("h", "/anything")));
        Assert.Single(table.Problems);
    }

    [Fact]
    public void Misdirected_HostOfAnotherListenerThanSni_Is421Outcome()
    {
        var table = Compile(
            Ir.Listener("second", "second-example.org", Ir.Entry(id: "second")),
            Ir.Listener("wild", "*.wildcard.org", Ir.Entry(id: "wild")),
            Ir.Listener("any", null, Ir.Entry(hostnames: ["example.org"], id: "any")));
        var https = new SocketTableCompiler(_clients, new CertificateCache())
            .Compile(new ListenerSocket("127.0.0.1", 443), new ResourceKey("Gateway", "ns", "gw"), 1, table.Source with { Protocol = ListenerProtocol.Https });
        Assert.Equal(LookupOutcome.Matched, https.Find(Request("example.org", "/"), "example.org").Outcome);
        Assert.Equal(LookupOutcome.Misdirected, https.Find(Request("second-example.org", "/"), "example.org").Outcome);
        Assert.Equal(LookupOutcome.NoRoute, https.Find(Request("unknown-example.org", "/"), "example.org").Outcome);
        Assert.Equal(LookupOutcome.Misdirected, https.Find(Request("unknown-example.org", "/"), "second-example.org").Outcome);
        Assert.Equal(LookupOutcome.Matched, https.Find(Request("fifth.wildcard.org", "/"), "third.wildcard.org").Outcome);
        Assert.Equal(LookupOutcome.Matched, https.Find(Request("example.org", "/"), "unknown-example.org").Outcome);
    }

    [Fact]
    public void WeightedGroup_PicksByCumulativeWeight_ZeroTotalPicksNothing()
    {
        var group = new CompiledBackendGroup([.. new[] { 1, 0, 3 }.Select(w => new CompiledBackend(Ir.Backend(null, w, id: $"w{w}"), _clients.For(BackendProtocol.Http1, null, false), null, new GatewayTransformer(null, null, null, null, null), null))]);
        Assert.Equal("w1", group.PickAt(0)!.Source.ClusterId);
        Assert.Equal("w3", group.PickAt(1)!.Source.ClusterId);
        Assert.Equal("w3", group.PickAt(3)!.Source.ClusterId);
        Assert.Null(group.PickAt(4));
        var empty = new CompiledBackendGroup([new CompiledBackend(Ir.Backend(null, 0), _clients.For(BackendProtocol.Http1, null, false), null, new GatewayTransformer(null, null, null, null, null), null)]);
        Assert.Null(empty.Pick());
        Assert.Null(empty.PickAt(0));
    }

    [Fact]
    public void WeightedGroup_OfOneBackend_PicksItBelowItsWeight_NothingAtOrAbove()
    {
        var one = new CompiledBackendGroup([new CompiledBackend(Ir.Backend(null, 2, id: "only"), _clients.For(BackendProtocol.Http1, null, false), null, new GatewayTransformer(null, null, null, null, null), null)]);
        Assert.Equal("only", one.Pick()!.Source.ClusterId);
        Assert.Equal(["only", "only"], new[] { one.PickAt(0), one.PickAt(1) }.Select(b => b!.Source.ClusterId));
        Assert.Null(one.PickAt(2));
    }
}
