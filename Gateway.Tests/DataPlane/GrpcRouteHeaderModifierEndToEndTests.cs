using System.Net;
using Gateway.Actors.RouteTable;
using Gateway.Emulators.Grpc;
using Gateway.Host.DataPlane;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// GRPCRoute RequestHeaderModifier (GRPCRouteRequestHeaderModifier) on a rule and on a backendRef, through the data
/// plane to the gRPC echo, which answers with the metadata it received. Upstream's conformance test does not compare
/// headers, so this is where the edits themselves are proven.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class GrpcRouteHeaderModifierEndToEndTests : IAsyncLifetime
{
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly GatewayDataPlane _dataPlane = new(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2) });
    private GrpcEchoServer _echo = null!;

    public async Task InitializeAsync() =>
        _echo = await GrpcEchoServer.StartAsync(new GrpcEchoServerOptions(IPAddress.Loopback, new Gateway.Emulators.EchoIdentity("ns", "grpc-infra-backend-v1-abc-1")) { HttpPort = 0 });

    public async Task DisposeAsync()
    {
        await _dataPlane.DisposeAsync();
        await _echo.DisposeAsync();
    }

    [Fact]
    public async Task GrpcRouteRequestHeaderModifier_RuleAndBackendEdits_ReachTheBackend()
    {
        var rule = new HeaderModifier([new HeaderValue("X-Header-Set", "set-overwrites-values")], [new HeaderValue("X-Header-Add", "add-appends-values")], ["X-Header-Remove"]);
        var perBackend = new HeaderModifier([new HeaderValue("X-Backend", "v1")], [], []);
        var backend = Ir.Backend(_echo.HttpEndpoint, protocol: BackendProtocol.H2c, requestHeaders: perBackend, id: "grpc-v1");
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(8080, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(Ir.Prefix("/"), kind: HttpRouteKind.Grpc, filters: HttpFilters.None with { RequestHeaders = rule }, backends: Ir.Group(backend)))))], CancellationToken.None);
        using var channel = GrpcChannel.ForAddress($"http://{_address}:8080", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var metadata = new Metadata { { "x-header-set", "original" }, { "x-header-add", "existing" }, { "x-header-remove", "gone" }, { "some-other-header", "kept" } };

        var reply = await new GrpcEcho.GrpcEchoClient(channel).EchoAsync(new EchoRequest(), metadata, DateTime.UtcNow.AddSeconds(10));

        var seen = reply.Assertions.Headers.GroupBy(h => h.Key.ToLowerInvariant()).ToDictionary(g => g.Key, g => string.Join(",", g.Select(h => h.Value)));
        Assert.Equal("set-overwrites-values", seen["x-header-set"]);
        Assert.Equal("existing,add-appends-values", seen["x-header-add"]);
        Assert.False(seen.ContainsKey("x-header-remove"));
        Assert.Equal("kept", seen["some-other-header"]);
        Assert.Equal("v1", seen["x-backend"]);
    }
}
