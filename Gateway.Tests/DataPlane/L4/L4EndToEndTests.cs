using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Akka.Streams;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Emulators;
using Gateway.Host.DataPlane;
using Gateway.Streams.L4;
using Gateway.Tests.Streams.L4;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane.L4;

/// <summary>
/// TLS/TCP/UDP through <see cref="GatewayDataPlane.ApplyAsync"/> with hand-made IR, on real loopback sockets, against
/// the TCP and UDP echo backends the conformance tier uses.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class L4EndToEndTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly List<IAsyncDisposable> _owned = [];
    private GatewayDataPlane _dataPlane = null!;
    private TcpEchoServer _v1 = null!;
    private TcpEchoServer _v2 = null!;
    private TcpEchoServer _v3 = null!;
    private UdpEchoServer _u1 = null!;
    private UdpEchoServer _u2 = null!;
    private UdpEchoServer _u3 = null!;

    public Task InitializeAsync()
    {
        _dataPlane = new GatewayDataPlane(
            new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2), L4 = new L4Options { DrainTimeout = TimeSpan.FromSeconds(2) } },
            materializer: Sys.Materializer());
        _v1 = Own(TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("infra", "tcp-backend-v1-abc-1")) { TcpPort = 0, TlsPort = 0, ServerCertificate = L4Fixtures.SelfSigned("abc.example.com") }));
        _v2 = Own(TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("infra", "tcp-backend-v2-abc-1")) { TcpPort = 0, TlsPort = 0, ServerCertificate = L4Fixtures.SelfSigned("*.example.com") }));
        _v3 = Own(TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("infra", "tcp-backend-v3-abc-1")) { TcpPort = 0 }));
        _u1 = Own(UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("infra", "udp-backend-v1-abc-1", Service: "udp-backend-v1")));
        _u2 = Own(UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("infra", "udp-backend-v2-abc-1", Service: "udp-backend-v2")));
        _u3 = Own(UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("infra", "udp-backend-v3-abc-1", Service: "udp-backend-v3")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _dataPlane.DisposeAsync();
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
    }

    private T Own<T>(T item) where T : IAsyncDisposable
    {
        _owned.Add(item);
        return item;
    }

    private static WeightedBackend Backend(string id, IPEndPoint endpoint, int weight = 1) =>
        new(id, weight, true, [new BackendEndpoint(endpoint.Address.ToString(), endpoint.Port)], BackendProtocol.Http1, null, null, null);

    private static L4RouteEntry Entry(string id, string[] hostnames, params WeightedBackend[] backends) =>
        new(id, new ResourceKey("TLSRoute", "infra", id), 0, [.. hostnames], new BackendGroup([.. backends]));

    private static ListenerRouteTable Tcp(string name, params L4RouteEntry[] routes) => new(name, null, null, [], [.. routes]);

    private static ListenerRouteTable Passthrough(string name, string? hostname, params L4RouteEntry[] routes) =>
        new(name, hostname, new ListenerTls([], true, null), [], [.. routes]);

    private static ListenerRouteTable Terminate(string name, string? hostname, TlsCertificate certificate, params L4RouteEntry[] routes) =>
        new(name, hostname, new ListenerTls([certificate], false, null), [], [.. routes]);

    private static PortRouteTable Port(int port, ListenerProtocol protocol, params ListenerRouteTable[] listeners) => new(port, protocol, [.. listeners]);

    private GatewayRouteTable Gateway(params PortRouteTable[] ports) => new(new ResourceKey("Gateway", "infra", "gw"), [_address], [.. ports]);

    private Task<DataPlaneApplyResult> ApplyAsync(long revision, params GatewayRouteTable[] gateways) =>
        _dataPlane.ApplyAsync(revision, gateways, CancellationToken.None).WaitAsync(Wait);

    private IPEndPoint At(int port) => new(IPAddress.Parse(_address), port);

    [Fact]
    public async Task Tcp_WeightedRouting_SpreadsConnectionsByWeight()
    {
        var result = await ApplyAsync(1, Gateway(Port(9310, ListenerProtocol.Tcp, Tcp("tcp",
            Entry("weighted", [], Backend("v1", _v1.TcpEndpoint, 70), Backend("v2", _v2.TcpEndpoint, 30), Backend("v3", _v3.TcpEndpoint, 0))))));
        Assert.Empty(result.FailedSockets);

        var pods = new Dictionary<string, int>();
        // Each connection's pick is random by weight: 1,000 picks put 70 % within ±10 points by 6.9 standard deviations
        // (200 missed it about once in 500 runs).
        const int samples = 1000;
        for (var i = 0; i < samples; i++)
        {
            await using var client = await L4Client.ConnectAsync(At(9310));
            var test = await client.HandshakeAndTestAsync();
            Assert.Equal("infra", test.GetProperty("namespace").GetString());
            Assert.False(test.GetProperty("isTLS").GetBoolean());
            var pod = test.GetProperty("pod").GetString()!;
            pods[pod] = pods.GetValueOrDefault(pod) + 1;
        }

        Assert.InRange(pods.GetValueOrDefault("tcp-backend-v1-abc-1") / (double)samples, 0.6, 0.8);
        Assert.InRange(pods.GetValueOrDefault("tcp-backend-v2-abc-1") / (double)samples, 0.2, 0.4);
        Assert.False(pods.ContainsKey("tcp-backend-v3-abc-1"));
        Assert.Equal(0, _v3.ConnectionCount);
    }

    [Fact]
    public async Task TlsPassthrough_BySni_BackendTerminatesAndSeesTheName()
    {
        await ApplyAsync(1, Gateway(Port(443, ListenerProtocol.Tls,
            Passthrough("exact", "abc.example.com", Entry("exact", ["abc.example.com"], Backend("v1", _v1.TlsEndpoint!))),
            Passthrough("wildcard", "*.example.com", Entry("wildcard", ["*.example.com"], Backend("v2", _v2.TlsEndpoint!))))));

        await using var exact = await L4Client.ConnectAsync(At(443), "abc.example.com");
        var test = await exact.HandshakeAndTestAsync();
        Assert.Equal("true", await exact.AskAsync("IS_TLS"));
        Assert.Equal("tcp-backend-v1-abc-1", test.GetProperty("pod").GetString());
        Assert.Equal("abc.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());

        await using var wildcard = await L4Client.ConnectAsync(At(443), "foo.example.com");
        var other = await wildcard.HandshakeAndTestAsync();
        Assert.Equal("tcp-backend-v2-abc-1", other.GetProperty("pod").GetString());
        Assert.Equal("foo.example.com", other.GetProperty("tls").GetProperty("serverName").GetString());
    }

    [Fact]
    public async Task TlsPassthrough_NonMatchingSni_ConnectionRejected()
    {
        await ApplyAsync(1, Gateway(Port(443, ListenerProtocol.Tls,
            Passthrough("exact", "abc.example.com", Entry("exact", ["abc.example.com"], Backend("v1", _v1.TlsEndpoint!))))));

        Assert.True(await L4Client.IsRejectedAsync(At(443), "non.matching.com"));
        Assert.Equal(0, _v1.ConnectionCount);
        // The same socket still serves a matching name.
        await using var ok = await L4Client.ConnectAsync(At(443), "abc.example.com");
        Assert.Equal("tcp-backend-v1-abc-1", (await ok.HandshakeAndTestAsync()).GetProperty("pod").GetString());
    }

    [Fact]
    public async Task TlsTerminate_GatewayTerminates_BackendSeesPlainTcp()
    {
        var certificate = DataPlaneFixture.Certificate("tls.example.com");
        await ApplyAsync(1, Gateway(Port(8443, ListenerProtocol.Tls,
            Terminate("terminate", "tls.example.com", certificate, Entry("terminate", ["tls.example.com"], Backend("v3", _v3.TcpEndpoint))))));

        await using var client = await L4Client.ConnectAsync(At(8443), "tls.example.com");
        var test = await client.HandshakeAndTestAsync();

        Assert.Equal("false", await client.AskAsync("IS_TLS"));
        Assert.False(test.GetProperty("isTLS").GetBoolean());
        Assert.Equal("tcp-backend-v3-abc-1", test.GetProperty("pod").GetString());
        Assert.Contains("tls.example.com", client.Tls!.RemoteCertificate!.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsMixed_TerminateAndPassthroughListenersOnOnePort_ChosenBySni()
    {
        var certificate = DataPlaneFixture.Certificate("tls.example.com");
        await ApplyAsync(1, Gateway(Port(8883, ListenerProtocol.Tls,
            Terminate("tls-terminate", "tls.example.com", certificate, Entry("terminate", ["tls.example.com"], Backend("v3", _v3.TcpEndpoint))),
            Passthrough("tls-passthrough", "abc.example.com", Entry("passthrough", ["abc.example.com"], Backend("v1", _v1.TlsEndpoint!))))));

        await using var terminated = await L4Client.ConnectAsync(At(8883), "tls.example.com");
        Assert.False((await terminated.HandshakeAndTestAsync()).GetProperty("isTLS").GetBoolean());
        await using var passed = await L4Client.ConnectAsync(At(8883), "abc.example.com");
        var test = await passed.HandshakeAndTestAsync();
        Assert.True(test.GetProperty("isTLS").GetBoolean());
        Assert.Equal("abc.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());
    }

    [Fact]
    public async Task Udp_EchoRoundTrip_AndWeightedRoutingPerClientSocket()
    {
        var result = await ApplyAsync(1, Gateway(Port(9400, ListenerProtocol.Udp, Tcp("udp",
            Entry("udp", [], Backend("u1", _u1.Endpoint, 70), Backend("u2", _u2.Endpoint, 30), Backend("u3", _u3.Endpoint, 0))))));
        Assert.Empty(result.FailedSockets);

        var services = new Dictionary<string, int>();
        // Each session's pick is random by weight: 1,000 picks put 70 % within ±10 points by 6.9 standard deviations
        // (200 missed it about once in 500 runs).
        const int samples = 1000;
        for (var i = 0; i < samples; i++)
        {
            // Each probe is a new UDP socket, hence a new session and a new pick.
            using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var reply = await UdpProxyTests.AskAsync(client, At(9400), "gateway-api-conformance-udp-echo");
            Assert.NotNull(reply);
            Assert.Equal("gateway-api-conformance-udp-echo", reply.Value.Json.GetProperty("request").GetString());
            Assert.Equal(At(9400), reply.Value.From);
            var service = reply.Value.Json.GetProperty("service").GetString()!;
            services[service] = services.GetValueOrDefault(service) + 1;
        }

        Assert.InRange(services.GetValueOrDefault("udp-backend-v1") / (double)samples, 0.6, 0.8);
        Assert.InRange(services.GetValueOrDefault("udp-backend-v2") / (double)samples, 0.2, 0.4);
        Assert.Equal(0, _u3.DatagramCount);
    }

    [Fact]
    public async Task TcpAndUdp_SamePortNumber_BothServed()
    {
        var result = await ApplyAsync(1, Gateway(
            Port(9500, ListenerProtocol.Tcp, Tcp("tcp", Entry("tcp", [], Backend("v1", _v1.TcpEndpoint)))),
            Port(9500, ListenerProtocol.Udp, Tcp("udp", Entry("udp", [], Backend("u1", _u1.Endpoint))))));
        Assert.Empty(result.FailedSockets);

        await using var tcp = await L4Client.ConnectAsync(At(9500));
        Assert.Equal("tcp-backend-v1-abc-1", (await tcp.HandshakeAndTestAsync()).GetProperty("pod").GetString());
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal("udp-backend-v1", (await UdpProxyTests.AskAsync(udp, At(9500), "x"))?.Json.GetProperty("service").GetString());

        var live = _dataPlane.GetLiveTables().Where(t => t.Socket == new ListenerSocket(_address, 9500)).Select(t => t.Source.Protocol).ToArray();
        Assert.Equal([ListenerProtocol.Tcp, ListenerProtocol.Udp], live);
    }

    [Fact]
    public async Task TableSwap_OpenConnectionKeepsItsBackend_NewOnesUseTheNewTable_NoRebind()
    {
        await ApplyAsync(1, Gateway(Port(9320, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("v1", _v1.TcpEndpoint))))));
        var proxy = Assert.Single(_dataPlane.L4Sockets!.TcpSockets);
        await using var open = await L4Client.ConnectAsync(At(9320));
        Assert.Equal("tcp-backend-v1-abc-1", (await open.HandshakeAndTestAsync()).GetProperty("pod").GetString());

        var result = await ApplyAsync(2, Gateway(Port(9320, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("v2", _v2.TcpEndpoint))))));

        Assert.Empty(result.FailedSockets);
        Assert.Same(proxy, Assert.Single(_dataPlane.L4Sockets!.TcpSockets));
        await using var fresh = await L4Client.ConnectAsync(At(9320));
        Assert.Equal("tcp-backend-v2-abc-1", (await fresh.HandshakeAndTestAsync()).GetProperty("pod").GetString());
        Assert.Equal("PONG", await open.AskAsync("PING"));
        Assert.Contains("tcp-backend-v1-abc-1", await open.AskAsync("TEST"), StringComparison.Ordinal);
        Assert.Equal(2, _dataPlane.GetLiveTable(new ListenerSocket(_address, 9320))!.Revision);
    }

    [Fact]
    public async Task SocketRemoved_ListenerClosed_LiveTableGone()
    {
        await ApplyAsync(1, Gateway(
            Port(9330, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("v1", _v1.TcpEndpoint)))),
            Port(9331, ListenerProtocol.Udp, Tcp("udp", Entry("u", [], Backend("u1", _u1.Endpoint))))));
        Assert.True(await TcpProxyTests.AcceptsAsync(At(9330)));
        Assert.Equal(2, _dataPlane.GetLiveTables().Count);

        var result = await ApplyAsync(2, Gateway());

        Assert.Empty(result.FailedSockets);
        Assert.False(await TcpProxyTests.AcceptsAsync(At(9330)));
        Assert.Empty(_dataPlane.GetLiveTables());
        Assert.Empty(_dataPlane.L4Sockets!.UdpSockets);
        // The UDP port is free again: something else can bind it.
        using var rebind = new UdpClient(At(9331));
    }

    [Fact]
    public async Task SocketRemovedAndReAdded_AfterTheGatewayClosedConnectionsFirst_BindsAgain()
    {
        // A backend that says goodbye and closes: the gateway then closes towards the client first, so its side of
        // that connection ends in TIME_WAIT on the listener's port.
        var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var serving = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(Wait);
            using var accepted = await backend.AcceptTcpClientAsync(cts.Token);
            await accepted.GetStream().WriteAsync("bye\n"u8.ToArray(), cts.Token);
        });
        try
        {
            var gateway = Gateway(Port(9370, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("bye", (IPEndPoint)backend.LocalEndpoint)))));
            await ApplyAsync(1, gateway);
            await using (var client = await L4Client.ConnectAsync(At(9370)))
            {
                Assert.Equal("bye", await client.ReadLineAsync());
                Assert.Null(await client.ReadLineAsync());
            }
            await serving.WaitAsync(Wait);

            await ApplyAsync(2, Gateway());
            var result = await ApplyAsync(3, gateway);

            Assert.Empty(result.FailedSockets);
            Assert.True(await TcpProxyTests.AcceptsAsync(At(9370)));
        }
        finally
        {
            backend.Stop();
        }
    }

    [Fact]
    public async Task BindFailure_Reported_OtherSocketsServe()
    {
        using var busyTcp = new TcpListener(At(9340));
        busyTcp.Start();
        using var busyUdp = new UdpClient(At(9342));

        var result = await ApplyAsync(1, Gateway(
            Port(9340, ListenerProtocol.Tcp, Tcp("busy", Entry("r", [], Backend("v1", _v1.TcpEndpoint)))),
            Port(9341, ListenerProtocol.Tcp, Tcp("free", Entry("r2", [], Backend("v1", _v1.TcpEndpoint)))),
            Port(9342, ListenerProtocol.Udp, Tcp("busy-udp", Entry("u", [], Backend("u1", _u1.Endpoint))))));

        Assert.Equal(new HashSet<ListenerSocket> { new(_address, 9340), new(_address, 9342) }, result.FailedSockets.ToHashSet());
        await using var client = await L4Client.ConnectAsync(At(9341));
        Assert.Equal("tcp-backend-v1-abc-1", (await client.HandshakeAndTestAsync()).GetProperty("pod").GetString());
        Assert.DoesNotContain(_dataPlane.GetLiveTables(), t => t.Socket.Port is 9340 or 9342);

        // Freed: the next apply binds it.
        busyTcp.Stop();
        result = await ApplyAsync(2, Gateway(Port(9340, ListenerProtocol.Tcp, Tcp("busy", Entry("r", [], Backend("v1", _v1.TcpEndpoint))))));
        Assert.Empty(result.FailedSockets);
        Assert.True(await TcpProxyTests.AcceptsAsync(At(9340)));
    }

    [Fact]
    public async Task TwoGatewaysAskingForOneSocket_NeitherGetsIt()
    {
        var other = new GatewayRouteTable(new ResourceKey("Gateway", "infra", "other"), [_address],
            [Port(9350, ListenerProtocol.Tcp, Tcp("tcp", Entry("o", [], Backend("v2", _v2.TcpEndpoint))))]);

        var result = await ApplyAsync(1, Gateway(Port(9350, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("v1", _v1.TcpEndpoint))))), other);

        Assert.Equal([new ListenerSocket(_address, 9350)], result.FailedSockets);
        Assert.False(await TcpProxyTests.AcceptsAsync(At(9350)));
    }

    [Fact]
    public async Task NoMaterializer_L4PortsReportedFailed_HttpStillServed()
    {
        await using var httpOnly = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(1) });
        var address = DataPlaneFixture.NextAddress();
        var gateway = new GatewayRouteTable(new ResourceKey("Gateway", "infra", "gw"), [address], [
            new PortRouteTable(8080, ListenerProtocol.Http, [new ListenerRouteTable("http", null, null, [], [])]),
            Port(9360, ListenerProtocol.Tcp, Tcp("tcp", Entry("r", [], Backend("v1", _v1.TcpEndpoint)))),
        ]);

        var result = await httpOnly.ApplyAsync(1, [gateway], CancellationToken.None).WaitAsync(Wait);

        Assert.Equal([new ListenerSocket(address, 9360)], result.FailedSockets);
        Assert.Null(httpOnly.L4Sockets);
        Assert.True(await TcpProxyTests.AcceptsAsync(new IPEndPoint(IPAddress.Parse(address), 8080)));
        Assert.False(await TcpProxyTests.AcceptsAsync(new IPEndPoint(IPAddress.Parse(address), 9360)));
    }

    [Fact]
    public async Task TlsTerminate_UnusableCertificate_ProblemListedAndConnectionsRefused()
    {
        var broken = new TlsCertificate("infra/broken", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "nope");
        var result = await ApplyAsync(1, Gateway(Port(8444, ListenerProtocol.Tls,
            Terminate("terminate", "tls.example.com", broken, Entry("terminate", ["tls.example.com"], Backend("v3", _v3.TcpEndpoint))))));

        Assert.Empty(result.FailedSockets);
        Assert.Contains(_dataPlane.GetLiveTable(new ListenerSocket(_address, 8444))!.Problems, p => p.Contains("infra/broken", StringComparison.Ordinal));
        Assert.True(await L4Client.IsRejectedAsync(At(8444), "tls.example.com"));
        Assert.Equal(0, _v3.ConnectionCount);
    }
}
