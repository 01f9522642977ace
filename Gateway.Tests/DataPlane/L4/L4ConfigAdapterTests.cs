using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.L4;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.L4;
using Xunit;

namespace Gateway.Tests.DataPlane.L4;

/// <summary>The IR → Gateway.Streams L4 contract adaptation.</summary>
public sealed class L4ConfigAdapterTests
{
    private static readonly ListenerSocket Socket = new("127.0.0.5", 443);

    private static L4RouteEntry Entry(string id, string[] hostnames, params WeightedBackend[] backends) =>
        new(id, new ResourceKey("TLSRoute", "ns", id), 0, [.. hostnames], new BackendGroup([.. backends]));

    private static WeightedBackend Backend(string id, int weight, bool valid, params (string Address, int Port)[] endpoints) =>
        new(id, weight, valid, [.. endpoints.Select(e => new BackendEndpoint(e.Address, e.Port))], BackendProtocol.Http1, null, null, null);

    [Fact]
    public void Tcp_TlsPort_ModesCertificatesRoutesAndBackendsKept()
    {
        var certificate = DataPlaneFixture.Certificate("tls.example.com");
        var port = new PortRouteTable(443, ListenerProtocol.Tls, [
            new ListenerRouteTable("pass", "abc.example.com", new ListenerTls([], true, null), [],
                [Entry("p", ["abc.example.com"], Backend("b1", 7, true, ("10.0.0.1", 8443)), Backend("bad", 3, false))]),
            new ListenerRouteTable("term", "tls.example.com", new ListenerTls([certificate], false, null), [], [Entry("t", ["tls.example.com"], Backend("b2", 1, true, ("10.0.0.2", 3000)))]),
        ]);
        var problems = new List<string>();
        var keys = new HashSet<string>();

        var config = L4ConfigAdapter.Tcp(Socket, port, new CertificateCache(), problems, keys);

        Assert.Empty(problems);
        Assert.Equal(("127.0.0.5", 443), (config.Address, config.Port));
        Assert.True(config.InspectsSni);
        Assert.Equal([L4TlsMode.Passthrough, L4TlsMode.Terminate], config.Listeners.Select(l => l.Tls));
        Assert.Equal(["abc.example.com", "tls.example.com"], config.Listeners.Select(l => l.Hostname));
        var backends = config.Listeners[0].Routes.Single().Backends;
        Assert.Equal(new L4Backend("b1", 7, true, [new L4Endpoint("10.0.0.1", 8443)]), backends[0]);
        Assert.Equal(new L4Backend("bad", 3, false, []), backends[1]);
        var parsed = Assert.Single(config.Listeners[1].Certificates);
        Assert.Equal(CertificateCache.KeyOf(certificate), parsed.Key);
        Assert.Equal([parsed.Key], keys);
    }

    [Fact]
    public void Tcp_TerminateWithoutUsableCertificate_KeptAsTerminateWithProblem()
    {
        var port = new PortRouteTable(443, ListenerProtocol.Tls, [
            new ListenerRouteTable("broken", null, new ListenerTls([new TlsCertificate("ns/broken", "x", "y")], false, null), [], []),
            new ListenerRouteTable("unresolved", null, null, [], []),
        ]);
        var problems = new List<string>();

        var config = L4ConfigAdapter.Tcp(Socket, port, new CertificateCache(), problems, []);

        Assert.All(config.Listeners, l => Assert.Equal(L4TlsMode.Terminate, l.Tls));
        Assert.All(config.Listeners, l => Assert.Empty(l.Certificates));
        Assert.Contains(problems, p => p.Contains("ns/broken", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unresolved", StringComparison.Ordinal));
    }

    [Fact]
    public void Tcp_TcpPort_PlainListeners()
    {
        var port = new PortRouteTable(9000, ListenerProtocol.Tcp, [new ListenerRouteTable("tcp", null, null, [], [Entry("r", [], Backend("b", 1, true, ("10.0.0.1", 1)))])]);

        var config = L4ConfigAdapter.Tcp(Socket with { Port = 9000 }, port, new CertificateCache(), [], []);

        Assert.False(config.InspectsSni);
        Assert.Equal(L4TlsMode.None, Assert.Single(config.Listeners).Tls);
    }

    [Fact]
    public void Udp_RoutesOfAllListenersInOrder()
    {
        var port = new PortRouteTable(53, ListenerProtocol.Udp, [
            new ListenerRouteTable("a", null, null, [], [Entry("first", []), Entry("second", [])]),
            new ListenerRouteTable("b", null, null, [], [Entry("third", [])]),
        ]);

        var config = L4ConfigAdapter.Udp(Socket with { Port = 53 }, port);

        Assert.Equal(["first", "second", "third"], config.Routes.Select(r => r.Id));
        Assert.Equal(53, config.Port);
    }

    [Fact]
    public void Adapt_SameIrTwice_EqualConfigs()
    {
        var certificate = DataPlaneFixture.Certificate("tls.example.com");
        var port = new PortRouteTable(443, ListenerProtocol.Tls, [
            new ListenerRouteTable("term", null, new ListenerTls([certificate], false, null), [], [Entry("t", ["tls.example.com"], Backend("b", 1, true, ("10.0.0.2", 3000)))]),
        ]);
        var cache = new CertificateCache();

        Assert.Equal(L4ConfigAdapter.Tcp(Socket, port, cache, [], []), L4ConfigAdapter.Tcp(Socket, port, cache, [], []));
    }
}
