using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// Applies that reuse the unchanged parts of the live tables, on real loopback sockets and Kestrel: only what changed
/// is compiled, and every hostname (changed or not) routes where the applied IR says.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class IncrementalApplyEndToEndTests(DataPlaneFixture echo) : IClassFixture<DataPlaneFixture>, IAsyncLifetime
{
    private const int Port = 8080;
    private const int OtherPort = 8081;
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly GatewayDataPlane _dataPlane = new(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(5) });
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(15) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _dataPlane.DisposeAsync();
    }

    private WeightedBackend V1() => Ir.Backend(echo.V1.HttpEndpoint, id: "v1");

    private WeightedBackend V2() => Ir.Backend(echo.V2.HttpEndpoint, id: "v2");

    /// <summary>The pod that answered, or the status code when no backend did.</summary>
    private async Task<string> PodAsync(string host, string path, int port = Port)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_address}:{port}{path}");
        request.Headers.Host = host;
        using var response = await _client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("pod").GetString()!.Split("-abc")[0];
    }

    private Task<DataPlaneApplyResult> ApplyAsync(long revision, params PortRouteTable[] ports) =>
        _dataPlane.ApplyAsync(revision, [Ir.Gateway("gw", _address, ports)], CancellationToken.None);

    /// <summary>
    /// Port 8080: listener "shop" (shop.example.com) and listener "apps" (*.example.com) whose entries fall into the
    /// route hostname groups one/two/three.example.com; port 8081: one listener.
    /// </summary>
    private sealed record Tables(ListenerRouteTable Shop, HttpRouteEntry[] Apps, PortRouteTable Other);

    private Tables NewTables() => new(
        Ir.Listener("shop", "shop.example.com", Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1()), id: "shop")),
        [
            Ir.Entry(Ir.Prefix("/a"), hostnames: ["one.example.com"], backends: Ir.Group(V1()), id: "one-a"),
            Ir.Entry(Ir.Prefix("/b"), hostnames: ["one.example.com"], backends: Ir.Group(V1()), id: "one-b"),
            Ir.Entry(Ir.Prefix("/a"), hostnames: ["two.example.com"], backends: Ir.Group(V1()), id: "two-a"),
            Ir.Entry(Ir.Prefix("/b"), hostnames: ["two.example.com"], backends: Ir.Group(V1()), id: "two-b"),
            Ir.Entry(Ir.Prefix("/"), hostnames: ["three.example.com"], backends: Ir.Group(V1()), id: "three"),
        ],
        Ir.Port(OtherPort, ListenerProtocol.Http, Ir.Listener("other", null, Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1()), id: "other"))));

    private static PortRouteTable MainPort(Tables t, HttpRouteEntry[] apps) =>
        Ir.Port(Port, ListenerProtocol.Http, t.Shop, Ir.Listener("apps", "*.example.com", apps));

    [Fact]
    public async Task Apply_OneEntryOfOneListenerChanged_CompilesOnlyItsGroup_EveryHostRoutesRight()
    {
        var t = NewTables();
        await ApplyAsync(1, MainPort(t, t.Apps), t.Other);
        Assert.Equal(2, _dataPlane.LastApplyStats.SocketsCompiled);
        Assert.Equal("infra-backend-v1", await PodAsync("two.example.com", "/b"));

        // two-b moves to v2: a new entry instance; everything else is the same instances (port 8081 included).
        var apps = t.Apps.ToArray();
        apps[3] = Ir.Entry(Ir.Prefix("/b"), hostnames: ["two.example.com"], backends: Ir.Group(V2()), id: "two-b2");
        await ApplyAsync(2, MainPort(t, apps), t.Other);

        var stats = _dataPlane.LastApplyStats;
        Assert.Equal((1, 1), (stats.SocketsUnchanged, stats.SocketsCompiled));
        Assert.Equal((1, 1), (stats.ListenersReused, stats.ListenersCompiled));
        Assert.Equal((2, 1), (stats.GroupsReused, stats.GroupsCompiled));
        Assert.Equal((1, 1), (stats.EntriesReused, stats.EntriesCompiled));

        Assert.Equal("infra-backend-v2", await PodAsync("two.example.com", "/b"));
        Assert.Equal("infra-backend-v1", await PodAsync("two.example.com", "/a"));
        Assert.Equal("infra-backend-v1", await PodAsync("one.example.com", "/b"));
        Assert.Equal("infra-backend-v1", await PodAsync("three.example.com", "/x"));
        Assert.Equal("infra-backend-v1", await PodAsync("shop.example.com", "/"));
        Assert.Equal("404", await PodAsync("four.example.com", "/"));
        Assert.Equal("infra-backend-v1", await PodAsync("anything", "/", OtherPort));
        // The untouched socket reports the revision that kept it.
        Assert.All(_dataPlane.GetLiveTables(), live => Assert.Equal(2, live.Revision));

        // Removing three's only entry removes its group: its host now has no route.
        await ApplyAsync(3, MainPort(t, apps[..4]), t.Other);
        Assert.Equal((0, 0, 0), (_dataPlane.LastApplyStats.GroupsCompiled, _dataPlane.LastApplyStats.EntriesCompiled, _dataPlane.LastApplyStats.EntriesReused));
        Assert.Equal("404", await PodAsync("three.example.com", "/x"));
        Assert.Equal("infra-backend-v2", await PodAsync("two.example.com", "/b"));
    }

    [Fact]
    public async Task Apply_SameTablesAgain_TouchesNoSocket()
    {
        var t = NewTables();
        var main = MainPort(t, t.Apps);
        await ApplyAsync(1, main, t.Other);
        await ApplyAsync(2, main, t.Other);

        var stats = _dataPlane.LastApplyStats;
        Assert.Equal((2, 0, 0, 0), (stats.SocketsUnchanged, stats.SocketsCompiled, stats.ListenersCompiled, stats.EntriesCompiled));
        Assert.Equal("infra-backend-v1", await PodAsync("one.example.com", "/a"));
    }

    [Fact]
    public async Task Apply_FreshButEqualInstances_CompilesAgainAndRoutesTheSame()
    {
        var t = NewTables();
        await ApplyAsync(1, MainPort(t, t.Apps), t.Other);
        // What the full translator hands over: equal content, all new instances.
        var fresh = NewTables();
        await ApplyAsync(2, MainPort(fresh, fresh.Apps), fresh.Other);

        var stats = _dataPlane.LastApplyStats;
        Assert.Equal((0, 2), (stats.SocketsUnchanged, stats.SocketsCompiled));
        Assert.Equal((0, 3), (stats.ListenersReused, stats.ListenersCompiled));
        Assert.Equal(7, stats.EntriesCompiled);
        Assert.Equal("infra-backend-v1", await PodAsync("one.example.com", "/a"));
        Assert.Equal("infra-backend-v1", await PodAsync("two.example.com", "/b"));
        Assert.Equal("infra-backend-v1", await PodAsync("three.example.com", "/"));
        Assert.Equal("infra-backend-v1", await PodAsync("shop.example.com", "/"));
        Assert.Equal("404", await PodAsync("one.example.com", "/c"));
        Assert.Equal("infra-backend-v1", await PodAsync("anything", "/", OtherPort));
    }

    [Fact]
    public async Task Apply_PatchWhileRequestInFlight_InFlightRequestCompletesNewRequestsUseThePatch()
    {
        // A backend that holds its one request until released, so the request is surely in flight during the apply.
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serve = Task.Run(async () =>
        {
            using var connection = await held.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer);
                if (n == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            received.SetResult();
            await release.Task;
            const string body = "{\"pod\":\"held-abc-1\"}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        });

        var t = NewTables();
        var apps = t.Apps.ToArray();
        apps[3] = Ir.Entry(Ir.Prefix("/b"), hostnames: ["two.example.com"], backends: Ir.Group(Ir.Backend((IPEndPoint)held.LocalEndpoint, id: "held")), id: "two-b-held");
        await ApplyAsync(1, MainPort(t, apps), t.Other);
        var inFlight = PodAsync("two.example.com", "/b");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(15));

        var patched = apps.ToArray();
        patched[3] = Ir.Entry(Ir.Prefix("/b"), hostnames: ["two.example.com"], backends: Ir.Group(V2()), id: "two-b2");
        await ApplyAsync(2, MainPort(t, patched), t.Other);
        Assert.Equal(1, _dataPlane.LastApplyStats.GroupsCompiled);
        Assert.Equal("infra-backend-v2", await PodAsync("two.example.com", "/b"));

        release.SetResult();
        Assert.Equal("held", await inFlight);
        await serve;
    }
}
