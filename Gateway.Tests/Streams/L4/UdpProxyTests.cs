using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Streams;
using Gateway.Emulators;
using Gateway.Streams.L4;
using Gateway.Streams.L4.Udp;
using Xunit;
using static Gateway.Tests.Streams.L4.L4Fixtures;

namespace Gateway.Tests.Streams.L4;

/// <summary>The UDP proxy on real loopback sockets: sessions, replies, expiry, bounds, swap.</summary>
[Trait("Category", "Streams")]
public sealed class UdpProxyTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private UdpEchoServer _one = null!;
    private UdpEchoServer _two = null!;

    public Task InitializeAsync()
    {
        _one = Own(UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("ns", "udp-one-abc-1", Service: "udp-one")));
        _two = Own(UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("ns", "udp-two-abc-1", Service: "udp-two")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
    }

    private T Own<T>(T item) where T : IAsyncDisposable
    {
        _owned.Add(item);
        return item;
    }

    private UdpProxy Start(params L4Route[] routes) => Start(new L4Options(), routes);

    private UdpProxy Start(L4Options options, params L4Route[] routes) =>
        Own(UdpProxy.Start(new UdpListenerConfig("127.0.0.1", 0, [.. routes]), options, (ActorMaterializer)Sys.Materializer()));

    /// <summary>Sends one datagram and returns the reply (and who sent it), or null when none comes within <paramref name="timeout"/>.</summary>
    internal static async Task<(JsonElement Json, IPEndPoint From)?> AskAsync(UdpClient client, IPEndPoint to, string payload, TimeSpan? timeout = null)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(payload), to);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var reply = await client.ReceiveAsync(cts.Token);
            return (JsonDocument.Parse(reply.Buffer).RootElement.Clone(), reply.RemoteEndPoint);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Datagram_EchoedByBackend_ReplyComesFromTheListener()
    {
        var proxy = Start(Route(Backend("one", 1, _one.Endpoint)));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var reply = await AskAsync(client, proxy.LocalEndPoint, "gateway-api-conformance-udp-echo");

        Assert.NotNull(reply);
        Assert.Equal("gateway-api-conformance-udp-echo", reply.Value.Json.GetProperty("request").GetString());
        Assert.Equal("udp-one", reply.Value.Json.GetProperty("service").GetString());
        Assert.Equal(proxy.LocalEndPoint, reply.Value.From);
    }

    [Fact]
    public async Task SameClient_ManyDatagrams_OneSession()
    {
        var proxy = Start(Route(Backend("one", 1, _one.Endpoint), Backend("two", 1, _two.Endpoint)));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var services = new HashSet<string?>();
        for (var i = 0; i < 10; i++) services.Add((await AskAsync(client, proxy.LocalEndPoint, $"n{i}"))?.Json.GetProperty("service").GetString());

        Assert.Single(services);
        Assert.NotNull(services.Single());
        Assert.Equal(1, proxy.Stats.Sessions);
        // The proxy counts a reply once its send completed, which may be just after the client received it.
        await AwaitConditionAsync(() => Task.FromResult(proxy.Stats.Replies == 10), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task IdleSession_ExpiresAndIsReplacedOnNextDatagram()
    {
        var proxy = Start(new L4Options { UdpSessionIdleTimeout = TimeSpan.FromMilliseconds(200) }, Route(Backend("one", 1, _one.Endpoint)));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.NotNull(await AskAsync(client, proxy.LocalEndPoint, "first"));
        Assert.Equal(1, proxy.Stats.Sessions);

        await AwaitConditionAsync(() => Task.FromResult(proxy.Stats.Sessions == 0), TimeSpan.FromSeconds(5));

        Assert.NotNull(await AskAsync(client, proxy.LocalEndPoint, "again"));
        Assert.Equal(1, proxy.Stats.Sessions);
    }

    [Fact]
    public async Task SessionLimit_NewClientDropped_ExistingServed()
    {
        var proxy = Start(new L4Options { MaxUdpSessionsPerSocket = 1 }, Route(Backend("one", 1, _one.Endpoint)));
        using var first = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var second = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.NotNull(await AskAsync(first, proxy.LocalEndPoint, "a"));

        Assert.Null(await AskAsync(second, proxy.LocalEndPoint, "b", TimeSpan.FromMilliseconds(500)));
        Assert.NotNull(await AskAsync(first, proxy.LocalEndPoint, "c"));
        Assert.True(proxy.Stats.Dropped >= 1);
    }

    [Fact]
    public async Task Swap_RunningSessionKeepsBackend_NewClientUsesNewTable()
    {
        var proxy = Start(Route(Backend("one", 1, _one.Endpoint)));
        using var early = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal("udp-one", (await AskAsync(early, proxy.LocalEndPoint, "a"))?.Json.GetProperty("service").GetString());

        proxy.Swap(proxy.Config with { Routes = [Route(Backend("two", 1, _two.Endpoint))] });

        using var late = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal("udp-two", (await AskAsync(late, proxy.LocalEndPoint, "b"))?.Json.GetProperty("service").GetString());
        Assert.Equal("udp-one", (await AskAsync(early, proxy.LocalEndPoint, "c"))?.Json.GetProperty("service").GetString());
    }

    [Fact]
    public async Task NoRouteOrInvalidBackend_DatagramDropped()
    {
        var noRoute = Start();
        var invalid = Start(Route(new L4Backend("invalid", 1, false, [])));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.Null(await AskAsync(client, noRoute.LocalEndPoint, "x", TimeSpan.FromMilliseconds(300)));
        Assert.Null(await AskAsync(client, invalid.LocalEndPoint, "x", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, noRoute.Stats.Dropped);
        Assert.Equal(1, invalid.Stats.Dropped);
        Assert.Equal(0, _one.DatagramCount);
    }

    [Fact]
    public async Task Dispose_SocketReleasedAndSessionsClosed()
    {
        var proxy = Start(Route(Backend("one", 1, _one.Endpoint)));
        var endpoint = proxy.LocalEndPoint;
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.NotNull(await AskAsync(client, endpoint, "a"));

        await proxy.DisposeAsync();

        Assert.Equal(0, proxy.Stats.Sessions);
        using var rebind = new UdpClient(endpoint);
        Assert.Equal(endpoint, rebind.Client.LocalEndPoint);
    }
}
