using System.Net;
using Akka.Streams;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Observability;
using Gateway.Host.Observability.AccessLog;
using Gateway.Streams.L4;
using Gateway.Tests.DataPlane;
using Gateway.Tests.Streams.L4;
using Microsoft.Extensions.Logging.Abstractions;
using Gateway.Tests.Host;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.Observability;

/// <summary>Access log lines of real TCP sessions through the L4 data plane (Akka.Streams proxy, real echo backend).</summary>
[Trait("Category", "EndToEnd")]
public sealed class L4AccessLogTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly TempDir _dir = new();

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }

    [Fact]
    public async Task AccessLog_TcpSession_OneLineWithRouteBackendAndBytesBothWays_RefusedSessionFlaggedNoRoute()
    {
        await using var backend = TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("infra", "tcp-backend-v1-abc-1")) { TcpPort = 0 });
        var path = _dir.Combine("access.log");
        var log = AccessLogWriter.Open(path, NullLogger.Instance);
        await using (log)
        {
            await using var dataPlane = new GatewayDataPlane(
                new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2), L4 = new L4Options { DrainTimeout = TimeSpan.FromSeconds(2) }, Telemetry = new DataPlaneTelemetry(false, log) },
                materializer: Sys.Materializer());
            var route = new L4RouteEntry("tcp-1", new ResourceKey("TCPRoute", "infra", "echo"), 0, [], new BackendGroup([
                new WeightedBackend("v1", 1, true, [new BackendEndpoint(backend.TcpEndpoint.Address.ToString(), backend.TcpEndpoint.Port)], BackendProtocol.Http1, null, null, null)]));
            var routed = new ListenerRouteTable("tcp", null, null, [], [route]);
            var empty = new ListenerRouteTable("empty", null, null, [], []);
            var applied = await dataPlane.ApplyAsync(1, [new GatewayRouteTable(new ResourceKey("Gateway", "infra", "gw"), [_address],
                [new PortRouteTable(9410, ListenerProtocol.Tcp, [routed]), new PortRouteTable(9411, ListenerProtocol.Tcp, [empty])])], CancellationToken.None);
            Assert.Empty(applied.FailedSockets);

            await using (var client = await L4Client.ConnectAsync(new IPEndPoint(IPAddress.Parse(_address), 9410)))
            {
                var test = await client.HandshakeAndTestAsync();
                Assert.Equal("tcp-backend-v1-abc-1", test.GetProperty("pod").GetString());
            }
            // A port with no route: the connection is refused (closed) by the proxy.
            using (var refused = new System.Net.Sockets.TcpClient())
            {
                var buffer = new byte[16];
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await refused.ConnectAsync(IPAddress.Parse(_address), 9411, cts.Token);
                    while (await refused.GetStream().ReadAsync(buffer, cts.Token) > 0)
                    {
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset })
                {
                    // Aborted rather than closed (the reset can reach the client before its connect completes): also the
                    // end of the session.
                }
            }

            var lines = await HttpTelemetryTests.WaitForLinesAsync(path, 2);
            var session = lines.Single(l => l.GetProperty("listener").GetString() == $"{_address}:9410");
            Assert.Equal("tcp", session.GetProperty("kind").GetString());
            Assert.Equal("tcp-1", session.GetProperty("route").GetString());
            Assert.Equal(backend.TcpEndpoint.ToString(), session.GetProperty("backend").GetString());
            Assert.True(session.GetProperty("bytes_in").GetInt64() > 0);
            Assert.True(session.GetProperty("bytes_out").GetInt64() > 0);
            Assert.Empty(session.GetProperty("flags").EnumerateArray());
            Assert.StartsWith("127.0.0.1:", session.GetProperty("client_address").GetString(), StringComparison.Ordinal);
            Assert.False(session.TryGetProperty("status", out _));

            var refusedLine = lines.Single(l => l.GetProperty("listener").GetString() == $"{_address}:9411");
            Assert.Contains("no_route", refusedLine.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal(System.Text.Json.JsonValueKind.Null, refusedLine.GetProperty("backend").ValueKind);
        }
    }

    [Fact]
    public async Task AccessLog_UdpSession_OneLineWhenTheSessionExpires_WithRouteBackendAndBytesBothWays()
    {
        await using var backend = UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("infra", "udp-backend-v1-abc-1", Service: "udp-backend-v1"));
        var path = _dir.Combine("access.log");
        var log = AccessLogWriter.Open(path, NullLogger.Instance);
        await using (log)
        {
            await using var dataPlane = new GatewayDataPlane(
                new DataPlaneOptions
                {
                    DrainTimeout = TimeSpan.FromSeconds(2),
                    L4 = new L4Options { DrainTimeout = TimeSpan.FromSeconds(2), UdpSessionIdleTimeout = TimeSpan.FromMilliseconds(300) },
                    Telemetry = new DataPlaneTelemetry(false, log),
                },
                materializer: Sys.Materializer());
            var route = new L4RouteEntry("udp-1", new ResourceKey("UDPRoute", "infra", "echo"), 0, [], new BackendGroup([
                new WeightedBackend("u1", 1, true, [new BackendEndpoint(backend.Endpoint.Address.ToString(), backend.Endpoint.Port)], BackendProtocol.Http1, null, null, null)]));
            var applied = await dataPlane.ApplyAsync(1, [new GatewayRouteTable(new ResourceKey("Gateway", "infra", "gw"), [_address],
                [new PortRouteTable(9420, ListenerProtocol.Udp, [new ListenerRouteTable("udp", null, null, [], [route])])])], CancellationToken.None);
            Assert.Empty(applied.FailedSockets);

            using var client = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var reply = await UdpProxyTests.AskAsync(client, new IPEndPoint(IPAddress.Parse(_address), 9420), "gateway-api-conformance-udp-echo");
            Assert.NotNull(reply);

            var line = Assert.Single(await HttpTelemetryTests.WaitForLinesAsync(path, 1));
            Assert.Equal("udp", line.GetProperty("kind").GetString());
            Assert.Equal("udp-1", line.GetProperty("route").GetString());
            Assert.Equal(backend.Endpoint.ToString(), line.GetProperty("backend").GetString());
            Assert.Equal("gateway-api-conformance-udp-echo".Length, line.GetProperty("bytes_in").GetInt64());
            Assert.True(line.GetProperty("bytes_out").GetInt64() > 0);
            Assert.Equal(client.Client.LocalEndPoint!.ToString(), line.GetProperty("client_address").GetString());
        }
    }
}
