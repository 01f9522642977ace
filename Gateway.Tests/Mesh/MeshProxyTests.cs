using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gateway.Actors.Mesh;
using Gateway.Actors.RouteTable;
using Gateway.Emulators;
using Gateway.Emulators.Grpc;
using Gateway.Host.Mesh;
using Gateway.Host.Mesh.Inject;
using Gateway.Tests.DataPlane;
using Gateway.Tests.Mesh.Harness;
using Grpc.Net.Client;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary>
/// The mesh proxy's data plane on a hand-made <see cref="MeshTable"/> (the translator's mesh output is tested with the
/// translator): the proxy runs in-process with its outbound listener bound inside a client namespace (bound on the
/// namespace's thread), the client connects from inside that namespace to ClusterIPs, the product's redirect rules send
/// the connections to the proxy, which reads SO_ORIGINAL_DST. Backends are echo servers on 127.97.x.y in the test's own
/// namespace, where the in-process proxy's upstream sockets are (the process tests, MeshProcessEndToEndTests, put
/// everything in the pod's namespace).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MeshProxyTests : IAsyncLifetime
{
    private static int _subnet = Random.Shared.Next(1, 200);
    private readonly string _podAddress = $"127.97.{Interlocked.Increment(ref _subnet) % 250}.1";
    private readonly string _podAddress2;
    private readonly List<IAsyncDisposable> _disposables = [];
    private EchoServer _v1 = null!;
    private EchoServer _v2 = null!;

    public MeshProxyTests() => _podAddress2 = _podAddress[..^1] + "2";

    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async Task InitializeAsync()
    {
        _v1 = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(_podAddress), new EchoIdentity("producer", "echo-v1-0")) { HttpPort = 0 });
        _v2 = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(_podAddress2), new EchoIdentity("producer", "echo-v2-0")) { HttpPort = 0 });
        _disposables.Add(_v1);
        _disposables.Add(_v2);
    }

    public async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--) await _disposables[i].DisposeAsync();
    }

    [Fact]
    public async Task ServicePortWithoutRoutes_IsPassedThroughUnchangedToAnEndpoint()
    {
        var table = Table(Port(80, producer: null, endpoints: [_v1.HttpEndpoint]));
        using var pod = await PodWithProxyAsync("client", table);
        using var client = new HttpClient(pod.HttpHandler());

        using var json = await GetJsonAsync(client, "http://127.96.0.10/passthrough");

        Assert.Equal("echo-v1-0", json.RootElement.GetProperty("pod").GetString());
        // Spliced bytes: the HTTP path would have appended X-Forwarded-For.
        Assert.False(json.RootElement.GetProperty("headers").TryGetProperty("X-Forwarded-For", out _));
        Assert.Equal("127.96.0.10", json.RootElement.GetProperty("host").GetString());
    }

    [Fact]
    public async Task HttpRoutes_PathMatchHeaderModifierAndZeroWeight_ApplyToRequestsToTheClusterIp()
    {
        var v1 = Ir.Backend(_v1.HttpEndpoint, id: "v1");
        var v2 = Ir.Backend(_v2.HttpEndpoint, id: "v2");
        var routes = Ir.Listener("mesh/producer/echo:80", null,
            Ir.Entry(Ir.Prefix("/v2"), backends: Ir.Group(v2)),
            Ir.Entry(Ir.Prefix("/"), filters: Ir.Filters(requestHeaders: Ir.Headers(set: [("X-Mesh", "producer")])),
                backends: Ir.Group(v1 with { Weight = 1 }, v2 with { Weight = 0 })));
        using var pod = await PodWithProxyAsync("client", Table(Port(80, routes, [_v1.HttpEndpoint])));
        using var client = new HttpClient(pod.HttpHandler());

        using var toV2 = await GetJsonAsync(client, "http://127.96.0.10/v2/x");
        var weighted = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var json = await GetJsonAsync(client, "http://127.96.0.10/other");
            Assert.Equal("producer", json.RootElement.GetProperty("headers").GetProperty("X-Mesh")[0].GetString());
            weighted.Add(json.RootElement.GetProperty("pod").GetString()!);
        }

        Assert.Equal("echo-v2-0", toV2.RootElement.GetProperty("pod").GetString());
        Assert.All(weighted, pod => Assert.Equal("echo-v1-0", pod));
    }

    [Fact]
    public async Task ConsumerRoutes_ApplyOnlyToClientsInTheirNamespace()
    {
        var producer = Ir.Listener("mesh/producer/echo:80", null,
            Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(Ir.Backend(_v1.HttpEndpoint, id: "v1"))));
        var consumer = Ir.Listener("mesh/producer/echo:80/consumer/consumer", null,
            Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(Ir.Backend(_v2.HttpEndpoint, id: "v2"))));
        var table = Table(Port(80, producer, [_v1.HttpEndpoint], ImmutableSortedDictionary<string, ListenerRouteTable>.Empty.Add("consumer", consumer)));
        using var consumerPod = await PodWithProxyAsync("consumer", table);
        using var otherPod = await PodWithProxyAsync("other", table);
        using var consumerClient = new HttpClient(consumerPod.HttpHandler());
        using var otherClient = new HttpClient(otherPod.HttpHandler());

        using var fromConsumer = await GetJsonAsync(consumerClient, "http://127.96.0.10/");
        using var fromOther = await GetJsonAsync(otherClient, "http://127.96.0.10/");

        Assert.Equal("echo-v2-0", fromConsumer.RootElement.GetProperty("pod").GetString());
        Assert.Equal("echo-v1-0", fromOther.RootElement.GetProperty("pod").GetString());
    }

    [Fact]
    public async Task GrpcRoute_ServesH2cPriorKnowledgeToTheGrpcBackend()
    {
        var grpc = await GrpcEchoServer.StartAsync(new GrpcEchoServerOptions(IPAddress.Parse(_podAddress), new EchoIdentity("producer", "grpc-echo-0")) { HttpPort = 0 });
        _disposables.Add(grpc);
        var routes = Ir.Listener("mesh/producer/grpc:80", null,
            Ir.Entry(Ir.Exact("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"), kind: HttpRouteKind.Grpc,
                filters: Ir.Filters(requestHeaders: Ir.Headers(set: [("x-mesh", "grpc")])),
                backends: Ir.Group(Ir.Backend(grpc.HttpEndpoint, protocol: BackendProtocol.H2c, id: "grpc"))));
        using var pod = await PodWithProxyAsync("client", Table(Port(80, routes, [grpc.HttpEndpoint])));
        using var channel = GrpcChannel.ForAddress("http://127.96.0.10", new GrpcChannelOptions { HttpHandler = pod.HttpHandler() });

        var reply = await new GrpcEcho.GrpcEchoClient(channel).EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(15));

        Assert.Equal("grpc-echo-0", reply.Assertions.Context.Pod);
        Assert.Contains(reply.Assertions.Headers, h => h.Key == "x-mesh" && h.Value == "grpc");
    }

    [Fact]
    public async Task ConnectionToAnAddressWithoutService_IsReset()
    {
        using var pod = await PodWithProxyAsync("client", Table(Port(80, null, [_v1.HttpEndpoint])));
        Socket socket;
        try
        {
            socket = await pod.ConnectAsync(new IPEndPoint(IPAddress.Parse("127.96.0.99"), 80), Bounded);
        }
        catch (SocketException e)
        {
            // The proxy accepted and reset before the runtime read the connect's outcome (SO_ERROR is then ECONNRESET):
            // the connection was reset, which is what this test asserts; anything else (refused, timeout) is a failure.
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            return;
        }
        using (socket)
        {
            var buffer = new byte[16];
            var read = await SendThenReadAsync(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), buffer);
            Assert.Equal(0, read);
        }
    }

    /// <summary>The bytes answered to <paramref name="request"/>; 0 when the connection ended (FIN or RST) first.</summary>
    private static async Task<int> SendThenReadAsync(Socket socket, byte[] request, byte[] buffer)
    {
        try
        {
            await socket.SendAsync(request, SocketFlags.None, Bounded);
            return await socket.ReceiveAsync(buffer, SocketFlags.None, Bounded);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    private async Task<NetworkNamespace> PodWithProxyAsync(string clientNamespace, MeshTable table)
    {
        var ns = NetworkNamespace.Create();
        try
        {
            ns.Nft(RedirectRules.Script(InjectOptions.DefaultClusterIpRange, MeshOptions.DefaultPort, InjectOptions.DefaultProxyUid));
            var proxy = new MeshProxy(new MeshOptions { Namespace = clientNamespace });
            _disposables.Add(proxy);
            // The first apply binds the outbound listener: on the namespace's thread, so it is the namespace's socket.
            ns.Run(() => proxy.ApplyAsync(1, table, CancellationToken.None).GetAwaiter().GetResult());
            await Task.CompletedTask;
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    private static MeshTable Table(params MeshServicePort[] ports) =>
        new([new MeshService("producer", "echo", [IPAddress.Parse("127.96.0.10")], [.. ports])]);

    private static MeshServicePort Port(int port, ListenerRouteTable? producer, IPEndPoint[] endpoints,
        ImmutableSortedDictionary<string, ListenerRouteTable>? consumers = null) =>
        new(port, "http", null, producer, consumers ?? ImmutableSortedDictionary<string, ListenerRouteTable>.Empty,
            [.. endpoints.Select(e => new BackendEndpoint(e.Address.ToString(), e.Port))]);

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Bounded);
        var body = await response.Content.ReadAsStringAsync(Bounded);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }
}
