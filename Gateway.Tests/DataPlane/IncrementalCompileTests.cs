using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// Compiling a socket table against its previous table (reusing what is the same instance) gives the table a fresh
/// compile gives, and compiles only what changed.
/// </summary>
public sealed class IncrementalCompileTests : IDisposable
{
    private static readonly ListenerSocket Socket = new("127.0.0.1", 80);
    private static readonly ResourceKey Gateway = new("Gateway", "ns", "gw");

    // Route hostnames, listener hostnames and request hosts drawn from one small pool so that groups collide.
    private static readonly string[] RouteHostnames = ["a.example.com", "b.example.com", "*.example.com", "*.b.example.com", "c.other.org"];
    private static readonly string[] RequestHosts = ["a.example.com", "b.example.com", "x.example.com", "y.b.example.com", "c.other.org", "d.other.org", "unknown.net"];
    private static readonly string[] Paths = ["/", "/a", "/a/b", "/b", "/zz", "/x/y"];

    private readonly BackendClients _clients = new();
    private readonly SocketTableCompiler _compiler;

    public IncrementalCompileTests() => _compiler = new SocketTableCompiler(_clients, new CertificateCache());

    public void Dispose() => _clients.Dispose();

    private (CompiledSocketTable Table, ApplyStats Stats) Compile(PortRouteTable port, CompiledSocketTable? previous)
    {
        var stats = new ApplyStats();
        return (_compiler.Compile(Socket, Gateway, 1, port, previous, stats), stats);
    }

    [Fact]
    public void CompileEntry_PlainRule_HoldsNoRareFields_RedirectAndTimeoutsReadBackWhereSet()
    {
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8080);
        var http = Ir.Port(80, ListenerProtocol.Http);
        var redirect = new RequestRedirect("https", null, null, null, 301);

        var plain = _compiler.CompileEntry(Ir.Entry(Ir.Prefix("/a"), backends: Ir.Group(Ir.Backend(endpoint))), http).Action;
        var redirecting = _compiler.CompileEntry(Ir.Entry(Ir.Prefix("/a"), filters: Ir.Filters(redirect: redirect)), http).Action;
        var timed = _compiler.CompileEntry(Ir.Entry(Ir.Prefix("/a"), backends: Ir.Group(Ir.Backend(endpoint)), timeouts: new RouteTimeouts(TimeSpan.FromSeconds(3), TimeSpan.Zero)), http).Action;

        Assert.True(plain.HasNoRareFields);
        Assert.Equal((null, null, null, 0, null, null, null, null), (plain.Redirect, plain.Rewrite, plain.Cors, plain.Mirrors.Length, plain.RequestTimeout, plain.Retry, plain.ExternalAuth, plain.RateLimits));
        Assert.False(redirecting.HasNoRareFields);
        Assert.Same(redirect, redirecting.Redirect);
        Assert.Null(redirecting.RequestTimeout);
        // A "0s" timeout is disabled: only the request timeout is held.
        Assert.Equal((TimeSpan.FromSeconds(3), (TimeSpan?)null, (RequestRedirect?)null), (timed.RequestTimeout!.Value, timed.BackendTimeout, timed.Redirect));
    }

    [Fact]
    public void CompileEntry_BackendsWithoutRewriteHeadersOrCors_ShareOneFinalTransformerPerScheme_OthersGetTheirOwn()
    {
        var endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8080);
        var http = Ir.Port(80, ListenerProtocol.Http);
        var https = Ir.Port(443, ListenerProtocol.Https);
        CompiledBackend Backend(HttpRouteEntry entry, PortRouteTable port) => _compiler.CompileEntry(entry, port).Action.Backends.Backends.Single();

        var plain = Backend(Ir.Entry(Ir.Prefix("/a"), backends: Ir.Group(Ir.Backend(endpoint))), http);
        var plainToo = Backend(Ir.Entry(Ir.Prefix("/b"), backends: Ir.Group(Ir.Backend(endpoint))), http);
        var plainTls = Backend(Ir.Entry(Ir.Prefix("/a"), backends: Ir.Group(Ir.Backend(endpoint))), https);
        var responseHeaders = Backend(Ir.Entry(Ir.Prefix("/a"), filters: Ir.Filters(responseHeaders: Ir.Headers(set: [("x", "1")])), backends: Ir.Group(Ir.Backend(endpoint))), http);
        var rewrite = Backend(Ir.Entry(Ir.Prefix("/a"), filters: Ir.Filters(rewrite: new UrlRewrite(null, new PathModifier(PathModifierType.ReplacePrefixMatch, "/"))), backends: Ir.Group(Ir.Backend(endpoint))), http);

        Assert.Same(plain.Final, plainToo.Final);
        Assert.NotSame(plain.Final, plainTls.Final);
        Assert.NotSame(plain.Final, responseHeaders.Final);
        Assert.NotSame(plain.Final, rewrite.Final);
    }

    [Fact]
    public void Compile_EntryReplacedByAnotherOfTheSameMatch_GoesOnRoundRobinFromWhereTheOldGotTo_AnotherMatchStartsAtTheFirst()
    {
        var backend = new WeightedBackend("cluster-rr", 1, true,
            [new BackendEndpoint("127.0.0.1", 8081), new BackendEndpoint("127.0.0.2", 8081), new BackendEndpoint("127.0.0.3", 8081)],
            BackendProtocol.Http1, null, null, null);
        var entry = Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(backend), id: "e");
        CompiledBackend BackendOf(CompiledSocketTable table) =>
            Assert.Single(Assert.Single(table.AllListeners[0].RouteGroups.Registered("")!.Routes).Action.Backends.Backends);
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, entry)), null);
        var before = BackendOf(first);
        Assert.Equal((0, 1), (before.NextIndex(), before.NextIndex()));

        // The same route, rule and match as a new instance (a change, or the start-up's warm-up replacing a route by an
        // equal copy): compiled again, and its round-robin goes on where the one it replaces stopped.
        var (second, stats) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, entry with { Id = "e-again" })), first);
        var after = BackendOf(second);
        Assert.Equal(1, stats.EntriesCompiled);
        Assert.NotSame(before, after);
        Assert.Equal((2, 0), (after.NextIndex(), after.NextIndex()));

        // Another route's entry in its place starts from the first endpoint.
        var (third, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(backend), id: "o"))), second);
        Assert.Equal(0, BackendOf(third).NextIndex());
    }

    [Fact]
    public void Compile_EntryReplacedByAnotherOfTheSameMatch_ItsExternalAuthAndMirrorGoOnRoundRobin_AnotherMatchStartsAtTheFirst()
    {
        static WeightedBackend Three(string id, int port) => new(id, 1, true,
            [new BackendEndpoint("127.0.0.1", port), new BackendEndpoint("127.0.0.2", port), new BackendEndpoint("127.0.0.3", port)],
            BackendProtocol.Http1, null, null, null);
        var filters = Ir.Filters(mirrors: [new RequestMirror(Three("cluster-mirror", 9001), 1.0)])
            with { ExternalAuth = new ExternalAuth(ExternalAuthProtocol.Http, Three("cluster-auth", 9002), "", [], [], 0) };
        var entry = Ir.Entry(Ir.Prefix("/"), filters: filters, backends: Ir.Group(Ir.Backend(null, id: "cluster-b")), id: "e");
        RouteAction ActionOf(CompiledSocketTable table) => Assert.Single(table.AllListeners[0].RouteGroups.Registered("")!.Routes).Action;
        static string Host(Uri? uri) => uri!.Host;
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, entry)), null);
        var before = ActionOf(first);
        Assert.Equal(["http://127.0.0.1:9002", "http://127.0.0.2:9002"], new[] { before.ExternalAuth!.NextDestination(), before.ExternalAuth.NextDestination() });
        Assert.Equal(["127.0.0.1", "127.0.0.2"], new[] { Host(before.Mirrors[0].Target.NextBaseUri()), Host(before.Mirrors[0].Target.NextBaseUri()) });

        var (second, stats) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, entry with { Id = "e-again" })), first);
        var after = ActionOf(second);
        Assert.Equal(1, stats.EntriesCompiled);
        Assert.NotSame(before.ExternalAuth, after.ExternalAuth);
        Assert.Equal("http://127.0.0.3:9002", after.ExternalAuth!.NextDestination());
        Assert.Equal("127.0.0.3", Host(after.Mirrors[0].Target.NextBaseUri()));

        var (third, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, Ir.Entry(Ir.Prefix("/"), filters: filters, backends: Ir.Group(Ir.Backend(null, id: "cluster-b")), id: "o"))), second);
        var other = ActionOf(third);
        Assert.Equal("http://127.0.0.1:9002", other.ExternalAuth!.NextDestination());
        Assert.Equal("127.0.0.1", Host(other.Mirrors[0].Target.NextBaseUri()));
    }

    [Fact]
    public void Compile_OneEntryOfOneListenerChanged_CompilesOnlyThatEntrysGroup()
    {
        var shop = Ir.Listener("shop", "shop.example.com", Ir.Entry(Ir.Prefix("/"), id: "shop"));
        var entries = Enumerable.Range(0, 20).Select(i => Ir.Entry(Ir.Prefix($"/p{i}"), hostnames: [$"h{i % 5}.example.com"], id: $"e{i}")).ToArray();
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, shop, Ir.Listener("any", null, entries)), null);

        // e7 (host h2) gets a new instance; e0..e19 otherwise the same instances, shop the same listener.
        var changed = entries.ToArray();
        changed[7] = Ir.Entry(Ir.Prefix("/p7"), hostnames: ["h2.example.com"], id: "e7-new");
        var (second, stats) = Compile(Ir.Port(80, ListenerProtocol.Http, shop, Ir.Listener("any", null, changed)), first);

        Assert.Equal((1, 1), (stats.ListenersReused, stats.ListenersCompiled));
        Assert.Equal((4, 1), (stats.GroupsReused, stats.GroupsCompiled));
        Assert.Equal((3, 1), (stats.EntriesReused, stats.EntriesCompiled));
        Assert.Same(first.AllListeners[0], second.AllListeners[0]);
        Assert.Same(first.AllListeners[1].RouteGroups.Registered("h1.example.com"), second.AllListeners[1].RouteGroups.Registered("h1.example.com"));
        Assert.Equal(["e2", "e7-new", "e12", "e17"], second.AllListeners[1].RouteGroups.Registered("h2.example.com")!.Routes.Select(r => r.Entry.Id));
        // The previous table is untouched: requests that still hold it answer as before.
        Assert.Equal(["e2", "e7", "e12", "e17"], first.AllListeners[1].RouteGroups.Registered("h2.example.com")!.Routes.Select(r => r.Entry.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compile_EntryInsertedAmongTheEntriesOfItsHostname_CompilesOnlyThatEntryInItsPlace(bool replacingOne)
    {
        var entries = Enumerable.Range(0, 20).Select(i => Ir.Entry(Ir.Prefix($"/p{i}"), hostnames: [$"h{i % 5}.example.com"], id: $"e{i}")).ToArray();
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, entries)), null);

        // Group h2 is e2, e7, e12, e17. The new entry goes between e7 and e12: with nothing of its group leaving (the
        // previous entries' side of the change is then found by a scan), or taking e7's place.
        var changed = entries.ToList();
        var added = Ir.Entry(Ir.Prefix("/new"), hostnames: ["h2.example.com"], id: "new");
        if (replacingOne) changed[7] = added;
        else changed.Insert(8, added);
        var (second, stats) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, [.. changed])), first);

        Assert.Equal((4, 1), (stats.GroupsReused, stats.GroupsCompiled));
        Assert.Equal((replacingOne ? 3 : 4, 1), (stats.EntriesReused, stats.EntriesCompiled));
        Assert.Equal(replacingOne ? ["e2", "new", "e12", "e17"] : ["e2", "e7", "new", "e12", "e17"],
            second.AllListeners[0].RouteGroups.Registered("h2.example.com")!.Routes.Select(r => r.Entry.Id));
        var (fresh, _) = Compile(Ir.Port(80, ListenerProtocol.Http, Ir.Listener("any", null, [.. changed])), null);
        AssertSameAnswers(fresh, second, "after the insert", hosts: ["h2.example.com", "h3.example.com"], paths: ["/new", "/p7", "/p12", "/p3"]);
    }

    [Fact]
    public void Compile_SameEntryArrayNewListenerInstance_TakesOverEveryGroup()
    {
        var listener = Ir.Listener("any", null, Ir.Entry(hostnames: ["a.example.com"]), Ir.Entry(hostnames: ["b.example.com"]));
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, listener), null);
        var (second, stats) = Compile(Ir.Port(80, ListenerProtocol.Http, listener with { Hostname = "*.example.com" }), first);

        Assert.Equal((0, 1, 2, 0, 0), (stats.ListenersReused, stats.ListenersCompiled, stats.GroupsReused, stats.GroupsCompiled, stats.EntriesCompiled));
        Assert.Same(first.AllListeners[0].RouteGroups, second.AllListeners[0].RouteGroups);
        Assert.Null(second.Listeners.Find("other.org"));
    }

    [Fact]
    public void Compile_OtherListenerPort_CompilesEverything()
    {
        var listener = Ir.Listener("any", null, Ir.Entry());
        var (first, _) = Compile(Ir.Port(80, ListenerProtocol.Http, listener), null);
        var (second, stats) = Compile(Ir.Port(81, ListenerProtocol.Http, listener), first);

        // RequestRedirect takes its default port from the listener port, so nothing compiled for port 80 fits.
        Assert.Equal((0, 1, 1), (stats.ListenersReused, stats.ListenersCompiled, stats.EntriesCompiled));
        Assert.Equal(81, second.AllListeners[0].RouteGroups.Default!.Routes[0].Action.ListenerPort);
    }

    [Fact]
    public void Compile_HttpsListenerEntriesChanged_KeepsItsTlsSettings_NewCertificateGetsNewOnes()
    {
        var certificate = DataPlaneFixture.Certificate("a.example.com");
        var listener = Ir.HttpsListener("a", "a.example.com", certificate, Ir.Entry(id: "one"));
        var (first, _) = Compile(Ir.Port(443, ListenerProtocol.Https, listener), null);
        var firstTls = first.SelectTls("a.example.com");
        Assert.NotNull(firstTls);

        var (second, stats) = Compile(Ir.Port(443, ListenerProtocol.Https, listener with { HttpRoutes = [Ir.Entry(id: "two")] }), first);
        Assert.Equal((1, 1), (stats.ListenersCompiled, stats.EntriesCompiled));
        Assert.Same(firstTls, second.SelectTls("a.example.com"));
        Assert.Equal(first.CertificateKeys, second.CertificateKeys);

        var renewed = DataPlaneFixture.Certificate("a.example.com");
        var (third, _) = Compile(Ir.Port(443, ListenerProtocol.Https, second.AllListeners[0].Source with { Tls = new ListenerTls([renewed], false, null) }), second);
        Assert.NotSame(firstTls, third.SelectTls("a.example.com"));
        Assert.NotEqual(first.CertificateKeys, third.CertificateKeys);
        Assert.Same(second.AllListeners[0].RouteGroups, third.AllListeners[0].RouteGroups);
    }

    [Fact]
    public void Compile_IncrementalTranslatorOutputAfterOneRouteChange_CompilesOnlyThatRoutesGroup()
    {
        const string gateway = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: ours}
            spec: {controllerName: akka-gateway.dev/controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns}
            spec:
              gatewayClassName: ours
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: svc, namespace: ns}
            spec: {ports: [{port: 8080}]}
            """;
        static string Route(int i, string path) => $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r{{{i}}}, namespace: ns}
            spec:
              parentRefs: [{name: gw}]
              hostnames: [r{{{i}}}.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: "{{{path}}}"}}]
                backendRefs: [{name: svc, port: 8080}]
            """;
        var options = new TranslatorOptions();
        var translator = new IncrementalTranslator();
        var snapshot = Snapshot.From(1, ManifestParser.Parse("in.yaml", string.Join("\n---\n", [gateway, .. Enumerable.Range(0, 50).Select(i => Route(i, "/"))]))
            .Objects.Select(o => o.Object));
        var (first, _) = Compile(translator.Translate(snapshot, options).Gateways.Single().Ports.Single(), null);

        var changed = ManifestParser.Parse("change.yaml", Route(7, "/changed")).Objects.Single().Object;
        var after = translator.Translate(snapshot.With(2, [(new ResourceKey("HTTPRoute", "ns", "r7"), changed)], []), options);
        var port = after.Gateways.Single().Ports.Single();
        var (second, stats) = Compile(port, first);

        Assert.Equal((1, 49, 1, 1), (stats.ListenersCompiled, stats.GroupsReused, stats.GroupsCompiled, stats.EntriesCompiled));
        AssertSameAnswers(Compile(port, null).Table, second, "after the change", ["r7.example", "r8.example", "r70.example"], ["/", "/changed", "/changed/x"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compile_RandomChangeSequences_AnswersWhatAFreshCompileAnswers(int seed)
    {
        var random = new Random(seed);
        var listeners = new List<ListenerRouteTable>
        {
            Ir.Listener("one", null),
            Ir.Listener("two", "*.example.com"),
            Ir.Listener("three", "c.other.org"),
        };
        CompiledSocketTable? previous = null;
        var totals = new ApplyStats();
        for (var step = 0; step < 300; step++)
        {
            var which = random.Next(listeners.Count);
            var entries = listeners[which].HttpRoutes.ToList();
            // Mostly small edits (what the incremental translator hands over), sometimes a large one.
            var edits = random.Next(10) == 0 ? random.Next(5, 30) : 1;
            for (var e = 0; e < edits; e++)
            {
                var op = entries.Count == 0 ? 0 : random.Next(3);
                var position = random.Next(entries.Count + (op == 0 ? 1 : 0));
                switch (op)
                {
                    case 0: entries.Insert(position, RandomEntry(random)); break;
                    case 1: entries[position] = RandomEntry(random); break;
                    default: entries.RemoveAt(position); break;
                }
            }
            listeners[which] = listeners[which] with { HttpRoutes = [.. entries] };
            if (random.Next(20) == 0) listeners.Reverse();
            var port = Ir.Port(80, ListenerProtocol.Http, [.. listeners]);

            var (incremental, stats) = Compile(port, previous);
            var (fresh, _) = Compile(port, null);
            AssertSameAnswers(fresh, incremental, $"seed {seed} step {step}");
            Assert.Equal(fresh.Problems, incremental.Problems);
            totals.EntriesReused += stats.EntriesReused;
            totals.EntriesCompiled += stats.EntriesCompiled;
            totals.GroupsReused += stats.GroupsReused;
            previous = incremental;
        }
        // The sequence really exercised reuse (not a vacuous pass through full compiles).
        Assert.True(totals.GroupsReused > 300 && totals.EntriesReused > 0, totals.ToString());
    }

    private static HttpRouteEntry RandomEntry(Random random)
    {
        var hostnames = random.Next(4) switch
        {
            0 => [],
            1 => new[] { RouteHostnames[random.Next(RouteHostnames.Length)], RouteHostnames[random.Next(RouteHostnames.Length)] },
            _ => [RouteHostnames[random.Next(RouteHostnames.Length)]],
        };
        var path = random.Next(60) switch
        {
            < 25 => Ir.Prefix(Paths[random.Next(Paths.Length)]),
            < 50 => Ir.Exact(Paths[random.Next(Paths.Length)]),
            < 59 => Ir.Regex("/(a|z)+.*"),
            // Not a valid .NET regular expression: the entry is left out and reported.
            _ => Ir.Regex("/(unclosed"),
        };
        return Ir.Entry(path, hostnames: hostnames, method: random.Next(6) == 0 ? "POST" : null);
    }

    /// <summary>Every (host, path, method) probe finds the same listener name and the same IR entry instance.</summary>
    private static void AssertSameAnswers(CompiledSocketTable expected, CompiledSocketTable actual, string because, string[]? hosts = null, string[]? paths = null)
    {
        foreach (var host in hosts ?? RequestHosts)
        {
            foreach (var path in paths ?? Paths)
            {
                foreach (var method in new[] { "GET", "POST" })
                {
                    var want = expected.Find(Request(host, path, method), null);
                    var got = actual.Find(Request(host, path, method), null);
                    Assert.True(want.Outcome == got.Outcome && want.Listener?.Source.Name == got.Listener?.Source.Name && ReferenceEquals(want.Route?.Entry, got.Route?.Entry),
                        $"{because}: {method} {host}{path}: expected {want.Outcome} {want.Listener?.Source.Name} {want.Route?.Entry.Id}, got {got.Outcome} {got.Listener?.Source.Name} {got.Route?.Entry.Id}");
                }
            }
        }
    }

    private static Microsoft.AspNetCore.Http.HttpRequest Request(string host, string path, string method)
    {
        var request = new Microsoft.AspNetCore.Http.DefaultHttpContext().Request;
        request.Method = method;
        request.Path = path;
        request.Headers.Host = host;
        return request;
    }
}
