using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using MatchType = Gateway.Actors.RouteTable.MatchType;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>The data plane on real loopback sockets, real Kestrel, real HTTP/2 and TLS, with echo backends.</summary>
[Trait("Category", "EndToEnd")]
public sealed class DataPlaneEndToEndTests(DataPlaneFixture echo) : IClassFixture<DataPlaneFixture>, IAsyncLifetime
{
    private const int Port = 8080;
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly GatewayDataPlane _dataPlane = new(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(5) });
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(15) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _dataPlane.DisposeAsync();
    }

    private WeightedBackend V1(int weight = 1, HeaderModifier? requestHeaders = null) => Ir.Backend(echo.V1.HttpEndpoint, weight, requestHeaders: requestHeaders, id: "v1");

    private WeightedBackend V2(int weight = 1) => Ir.Backend(echo.V2.HttpEndpoint, weight, id: "v2");

    private async Task<DataPlaneApplyResult> ApplyAsync(long revision, params HttpRouteEntry[] entries) =>
        await _dataPlane.ApplyAsync(revision, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, entries)))], CancellationToken.None);

    private async Task<(HttpResponseMessage Response, JsonElement? Echo)> SendAsync(string pathAndQuery, string? host = null, HttpMethod? method = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"http://{_address}:{Port}{pathAndQuery}");
        if (host is not null) request.Headers.Host = host;
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        JsonElement? json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(body).RootElement : null;
        return (response, json);
    }

    private static string Pod(JsonElement? echo) => echo!.Value.GetProperty("pod").GetString()!;

    private static string Header(JsonElement? echo, string name) =>
        string.Join(",", echo!.Value.GetProperty("headers").GetProperty(name).EnumerateArray().Select(v => v.GetString()));

    [Fact]
    public async Task Routing_ByHostPathHeaderQueryMethod_ReachesTheRightBackend()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Prefix("/h"), headers: [new HeaderMatch(MatchType.Exact, "version", "two")], backends: Ir.Group(V2())),
            Ir.Entry(Ir.Prefix("/q"), query: [new QueryParamMatch(MatchType.Exact, "animal", "whale")], backends: Ir.Group(V2())),
            Ir.Entry(Ir.Prefix("/m"), method: "POST", backends: Ir.Group(V2())),
            Ir.Entry(Ir.Prefix("/"), hostnames: ["two.example.com"], backends: Ir.Group(V2())),
            Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1())));

        Assert.StartsWith("infra-backend-v2", Pod((await SendAsync("/h", headers: ("Version", "two"))).Echo));
        Assert.StartsWith("infra-backend-v1", Pod((await SendAsync("/h", headers: ("Version", "one"))).Echo));
        Assert.StartsWith("infra-backend-v2", Pod((await SendAsync("/q?animal=whale")).Echo));
        Assert.StartsWith("infra-backend-v2", Pod((await SendAsync("/m", method: HttpMethod.Post)).Echo));
        Assert.StartsWith("infra-backend-v1", Pod((await SendAsync("/m")).Echo));
        var (_, byHost) = await SendAsync("/x?y=1", host: "two.example.com:8080", headers: ("X-Custom", "kept"));
        Assert.StartsWith("infra-backend-v2", Pod(byHost));
        // Host (with its port), path+query and client headers arrive unchanged.
        Assert.Equal("two.example.com:8080", byHost!.Value.GetProperty("host").GetString());
        Assert.Equal("/x?y=1", byHost.Value.GetProperty("path").GetString());
        Assert.Equal("kept", Header(byHost, "X-Custom"));
    }

    [Fact]
    public async Task GatewayAnswers_NoRoute404_InvalidBackend500_NoEndpoints503()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Exact("/invalid"), backends: Ir.Group(Ir.Backend(echo.V1.HttpEndpoint, valid: false))),
            Ir.Entry(Ir.Exact("/none"), backends: BackendGroup.Empty),
            Ir.Entry(Ir.Exact("/zero"), backends: Ir.Group(V1(weight: 0))),
            Ir.Entry(Ir.Exact("/noendpoints"), backends: Ir.Group(Ir.Backend(null))));

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("/other")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await SendAsync("/invalid")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await SendAsync("/none")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await SendAsync("/zero")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync("/noendpoints")).Response.StatusCode);
    }

    [Fact]
    public async Task WeightedSplit_OneToThree_SplitsWithinWideBounds()
    {
        await ApplyAsync(1, Ir.Entry(backends: Ir.Group(V1(1), V2(3))));
        var v2 = 0;
        const int n = 200;
        for (var i = 0; i < n; i++)
        {
            if (Pod((await SendAsync("/")).Echo).StartsWith("infra-backend-v2", StringComparison.Ordinal)) v2++;
        }
        Assert.InRange(v2 / (double)n, 0.6, 0.9);
    }

    [Fact]
    public async Task HeaderModifiers_RequestAndResponse_AppliedLikeConformance()
    {
        var backend = V1(requestHeaders: Ir.Headers(set: [("Backend", "v1")]));
        await ApplyAsync(1, Ir.Entry(
            filters: Ir.Filters(
                requestHeaders: Ir.Headers(set: [("X-Header-Set", "set-overwrites-values")], add: [("X-Header-Add", "add-appends-values")], remove: ["X-Header-Remove"]),
                responseHeaders: Ir.Headers(set: [("X-Resp-Set", "set")], add: [("X-Out", "added")], remove: ["X-Content-Type-Options"])),
            backends: Ir.Group(backend)));

        var (response, body) = await SendAsync("/", null, null,
            ("x-header-set", "original"), ("X-Header-Add", "some-other-value"), ("X-Header-Remove", "val"), ("X-Echo-Set-Header", "X-Out:from-backend"));

        Assert.Equal("set-overwrites-values", Header(body, "X-Header-Set"));
        Assert.Equal("some-other-value,add-appends-values", Header(body, "X-Header-Add"));
        Assert.Equal("v1", Header(body, "Backend"));
        Assert.False(body!.Value.GetProperty("headers").TryGetProperty("X-Header-Remove", out _));
        Assert.Equal("set", response.Headers.GetValues("X-Resp-Set").Single());
        Assert.Equal("from-backend,added", string.Join(",", response.Headers.GetValues("X-Out")));
        Assert.False(response.Headers.Contains("X-Content-Type-Options"));
    }

    [Fact]
    public async Task Redirect_AnswersLocationWithoutCallingBackend()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Prefix("/original-prefix"), filters: Ir.Filters(redirect: new RequestRedirect(null, "example.org", new PathModifier(PathModifierType.ReplacePrefixMatch, "/replacement-prefix"), null, 301))),
            Ir.Entry(Ir.Prefix("/scheme"), filters: Ir.Filters(redirect: new RequestRedirect("https", null, null, null, 302))));

        var (moved, _) = await SendAsync("/original-prefix/lemon");
        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.Equal("http://example.org:8080/replacement-prefix/lemon", moved.Headers.Location!.OriginalString);
        var (scheme, _) = await SendAsync("/scheme", host: "gw.example.com");
        Assert.Equal("https://gw.example.com/scheme", scheme.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Rewrite_HostAndPrefix_BackendSeesRewrittenRequest()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Prefix("/prefix/one"), filters: Ir.Filters(rewrite: new UrlRewrite("one.example.org", new PathModifier(PathModifierType.ReplacePrefixMatch, "/one"))), backends: Ir.Group(V1())),
            Ir.Entry(Ir.Prefix("/full"), filters: Ir.Filters(rewrite: new UrlRewrite(null, new PathModifier(PathModifierType.ReplaceFullPath, "/replaced"))), backends: Ir.Group(V1())));

        var (_, prefix) = await SendAsync("/prefix/one/two?x=1", host: "rewrite.example");
        Assert.Equal("/one/two?x=1", prefix!.Value.GetProperty("path").GetString());
        Assert.Equal("one.example.org", prefix.Value.GetProperty("host").GetString());
        var (_, full) = await SendAsync("/full/a/b", host: "rewrite.example");
        Assert.Equal("/replaced", full!.Value.GetProperty("path").GetString());
        Assert.Equal("rewrite.example", full.Value.GetProperty("host").GetString());
    }

    [Fact]
    public async Task EmptyHost_ForwardedWithTheBackendAuthorityAsHost()
    {
        await ApplyAsync(1, Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1())));

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(_address), Port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /empty-host HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var answer = await reader.ReadToEndAsync(timeout.Token);

        // An empty Host is not forwarded as such: the backend gets its own authority, as SocketsHttpHandler writes it.
        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Contains($"\"host\":\"{echo.V1.HttpEndpoint.Address}:{echo.V1.HttpEndpoint.Port}\"", answer);
    }

    [Fact]
    public async Task Cors_PreflightAnsweredByGateway_ActualRequestForwardedWithHeaders()
    {
        await ApplyAsync(1, Ir.Entry(Ir.Prefix("/cors"),
            filters: Ir.Filters(cors: new CorsPolicy(["https://*.bar.com"], true, ["GET", "OPTIONS"], ["x-header-1"], ["x-header-3"], 3600)),
            backends: Ir.Group(V1())));

        var before = echo.V1.RequestCount;
        var (preflight, preflightBody) = await SendAsync("/cors", null, HttpMethod.Options, ("Origin", "https://www.bar.com"), ("Access-Control-Request-Method", "GET"));
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode);
        Assert.Null(preflightBody);
        Assert.Equal("https://www.bar.com", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("GET, OPTIONS", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal(before, echo.V1.RequestCount);

        var (actual, actualBody) = await SendAsync("/cors", null, null, ("Origin", "https://www.bar.com"));
        Assert.StartsWith("infra-backend-v1", Pod(actualBody));
        Assert.Equal("https://www.bar.com", actual.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", actual.Headers.GetValues("Access-Control-Allow-Credentials").Single());
    }

    [Fact]
    public async Task Timeouts_RequestAndBackendRequest_Answer504_ZeroDisables()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Prefix("/request-timeout"), timeouts: new RouteTimeouts(TimeSpan.FromMilliseconds(500), null), backends: Ir.Group(V1())),
            Ir.Entry(Ir.Prefix("/backend-timeout"), timeouts: new RouteTimeouts(null, TimeSpan.FromMilliseconds(500)), backends: Ir.Group(V1())),
            Ir.Entry(Ir.Prefix("/disabled"), timeouts: new RouteTimeouts(TimeSpan.Zero, null), backends: Ir.Group(V1())));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("/request-timeout")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await SendAsync("/request-timeout?delay=1s")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await SendAsync("/backend-timeout?delay=1s")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("/disabled?delay=1s")).Response.StatusCode);
    }

    [Fact]
    public async Task Retry_OnConfiguredCode_SucceedsWithinAttempts_FailsBeyond()
    {
        var v3 = Ir.Backend(echo.V3.HttpEndpoint, id: "v3");
        await ApplyAsync(1, Ir.Entry(Ir.Prefix("/retry"), retry: new RouteRetry([500], 3, null), backends: Ir.Group(v3)));

        var ok = await SendAsync($"/retry/x?responseCode=500&succeedAfter=2&uuid={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        Assert.StartsWith("infra-backend-v3", Pod(ok.Echo));
        Assert.Equal(HttpStatusCode.InternalServerError, (await SendAsync($"/retry/x?responseCode=500&succeedAfter=4&uuid={Guid.NewGuid()}")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync($"/retry/x?responseCode=503&succeedAfter=1&uuid={Guid.NewGuid()}")).Response.StatusCode);
    }

    [Fact]
    public async Task H2c_PriorKnowledgeIn_AndH2cBackendOut()
    {
        await ApplyAsync(1,
            Ir.Entry(Ir.Prefix("/h2c"), backends: Ir.Group(Ir.Backend(echo.V1H2c, protocol: BackendProtocol.H2c, id: "v1-h2c"))),
            Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1())));

        using var h2 = new HttpRequestMessage(HttpMethod.Get, $"http://{_address}:{Port}/h2c") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await _client.SendAsync(h2);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpVersion.Version20, response.Version);
        // The echo reports the protocol the way Go does ("HTTP/2.0").
        Assert.Equal("HTTP/2.0", body.GetProperty("proto").GetString());

        // The same socket still speaks HTTP/1.1.
        var (h1, h1Body) = await SendAsync("/");
        Assert.Equal(HttpVersion.Version11, h1.Version);
        Assert.Equal("HTTP/1.1", h1Body!.Value.GetProperty("proto").GetString());
    }

    [Fact]
    public async Task Grpc_NoMatchingRoute_AnswersUnimplemented()
    {
        await ApplyAsync(1, Ir.Entry(Ir.Exact("/only"), backends: Ir.Group(V1())));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{_address}:{Port}/pkg.Service/Method")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await _client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = response.Headers.TryGetValues("grpc-status", out var v) ? v.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal("12", status);
    }

    [Fact]
    public async Task WebSocket_ThroughGateway_EchoesTextAndBinary()
    {
        await ApplyAsync(1, Ir.Entry(Ir.Prefix("/ws"), backends: Ir.Group(Ir.Backend(echo.V1.HttpEndpoint, protocol: BackendProtocol.WebSocket, id: "v1-ws"))));
        using var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://{_address}:{Port}/ws"), cts.Token);
        var buffer = new byte[1024];

        await socket.SendAsync("Websocket Support!"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var text = await socket.ReceiveAsync(buffer, cts.Token);
        Assert.Equal("Websocket Support!", Encoding.UTF8.GetString(buffer, 0, text.Count));

        await socket.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, WebSocketMessageType.Binary, true, cts.Token);
        var binary = await socket.ReceiveAsync(buffer, cts.Token);
        Assert.Equal(WebSocketMessageType.Binary, binary.MessageType);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, buffer[..binary.Count]);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
    }

    [Fact]
    public async Task CompileOnly_AnExtraRouteAndHost_ServesNothingOfIt_TheLiveTableStays()
    {
        await ApplyAsync(1, Ir.Entry(Ir.Prefix("/"), hostnames: ["one.example.com"], backends: Ir.Group(V1())));

        await _dataPlane.CompileOnlyAsync(2, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(Ir.Prefix("/"), hostnames: ["one.example.com"], backends: Ir.Group(V1())),
            Ir.Entry(Ir.Prefix("/"), hostnames: ["two.example.com"], backends: Ir.Group(V2())))))], CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("/x", host: "two.example.com")).Response.StatusCode);
        Assert.StartsWith("infra-backend-v1", Pod((await SendAsync("/x", host: "one.example.com")).Echo));
        Assert.Equal(1, _dataPlane.GetLiveTable(new ListenerSocket(_address, Port))!.Revision);
    }

    [Fact]
    public async Task TableSwap_WhileSlowRequestInFlight_OldRequestCompletesNewRequestsUseNewTable()
    {
        await ApplyAsync(1, Ir.Entry(backends: Ir.Group(V1())));
        var slow = SendAsync("/slow?delay=1s");
        await Task.Delay(200);
        await ApplyAsync(2, Ir.Entry(backends: Ir.Group(V2())));

        Assert.StartsWith("infra-backend-v2", Pod((await SendAsync("/fast")).Echo));
        var (slowResponse, slowBody) = await slow;
        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.StartsWith("infra-backend-v1", Pod(slowBody));
        Assert.Equal(2, _dataPlane.GetLiveTable(new ListenerSocket(_address, Port))!.Revision);
    }

    [Fact]
    public async Task Unbind_DrainsInFlightRequest_ThenRefusesConnections()
    {
        await ApplyAsync(1, Ir.Entry(backends: Ir.Group(V1())));
        var slow = SendAsync("/slow?delay=1s");
        await Task.Delay(200);
        var result = await _dataPlane.ApplyAsync(2, [], CancellationToken.None);

        Assert.Empty(result.FailedSockets);
        var (slowResponse, slowBody) = await slow;
        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.StartsWith("infra-backend-v1", Pod(slowBody));
        Assert.False(await DataPlaneFixture.AcceptsAsync(_address, Port));
        Assert.Empty(_dataPlane.BoundSockets);
    }

    [Fact]
    public async Task BindFailure_IsReported_OtherSocketsServe_AndRecoversLater()
    {
        var busyAddress = DataPlaneFixture.NextAddress();
        var busy = new TcpListener(IPAddress.Parse(busyAddress), Port);
        busy.Start();
        DataPlaneApplyResult result;
        try
        {
            result = await _dataPlane.ApplyAsync(1, [
                Ir.Gateway("busy", busyAddress, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(backends: Ir.Group(V1()))))),
                Ir.Gateway("ok", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(backends: Ir.Group(V1())))),
                    Ir.Port(9000, ListenerProtocol.Tcp, Ir.Listener("tcp", null)))], CancellationToken.None);
            // TCP belongs to the L4 data plane, which needs a materializer this data plane was not given: not served,
            // hence reported (L4EndToEndTests covers TCP with one).
            Assert.Equal(new HashSet<ListenerSocket> { new(busyAddress, Port), new(_address, 9000) }, result.FailedSockets.ToHashSet());
            Assert.Equal(HttpStatusCode.OK, (await SendAsync("/")).Response.StatusCode);
            Assert.False(await DataPlaneFixture.AcceptsAsync(_address, 9000));
        }
        finally
        {
            busy.Stop();
        }
        result = await _dataPlane.ApplyAsync(2, [Ir.Gateway("busy", busyAddress, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(backends: Ir.Group(V1())))))], CancellationToken.None);
        Assert.Empty(result.FailedSockets);
        Assert.True(await DataPlaneFixture.AcceptsAsync(busyAddress, Port));
    }

    [Fact]
    public async Task Https_SniSelectsCertificate_Misdirected421_AndH2OverAlpn()
    {
        var first = DataPlaneFixture.Certificate("example.org");
        var second = DataPlaneFixture.Certificate("second-example.org");
        var wildcard = DataPlaneFixture.Certificate("*.wildcard.org");
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("tls", _address, Ir.Port(8443, ListenerProtocol.Https,
            Ir.HttpsListener("second", "second-example.org", second, Ir.Entry(backends: Ir.Group(V2()))),
            Ir.HttpsListener("wild", "*.wildcard.org", wildcard, Ir.Entry(backends: Ir.Group(V2()))),
            Ir.HttpsListener("any", null, first, Ir.Entry(hostnames: ["example.org"], backends: Ir.Group(V1())))))], CancellationToken.None);

        Assert.Equal(("200", "CN=example.org"), await RawHttpsAsync("example.org", "example.org"));
        Assert.Equal(("200", "CN=second-example.org"), await RawHttpsAsync("second-example.org", "second-example.org"));
        Assert.Equal(("200", "CN=*.wildcard.org"), await RawHttpsAsync("a.wildcard.org", "b.wildcard.org"));
        Assert.Equal(("421", "CN=example.org"), await RawHttpsAsync("example.org", "second-example.org"));
        Assert.Equal(("421", "CN=second-example.org"), await RawHttpsAsync("second-example.org", "unknown-example.org"));
        Assert.Equal(("404", "CN=example.org"), await RawHttpsAsync("example.org", "unknown-example.org"));
        Assert.Equal(("200", "CN=example.org"), await RawHttpsAsync("unknown-example.org", "example.org"));

        // HTTP/2 over TLS (ALPN h2) through HttpClient; the backend sees the original Host.
        using var handler = new SocketsHttpHandler { UseProxy = false, SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{_address}:8443/h2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = "example.org";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("example.org", body.GetProperty("host").GetString());
    }

    /// <summary>HTTP/1.1 over TLS by hand, so SNI and Host can differ: returns the status code and the served certificate.</summary>
    private async Task<(string Status, string Subject)> RawHttpsAsync(string sni, string host)
    {
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(IPAddress.Parse(_address), 8443, cts.Token);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, cts.Token);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /detect HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), cts.Token);
        using var reader = new StreamReader(tls);
        var statusLine = await reader.ReadLineAsync(cts.Token);
        return (statusLine!.Split(' ')[1], new X509Certificate2(tls.RemoteCertificate!).Subject);
    }

    [Fact]
    public async Task Apply_AfterTheDataPlaneStopped_ThrowsObjectDisposed_StoppedIsTrue_NothingBound()
    {
        var dataPlane = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(1) });
        var stoppedBefore = dataPlane.Stopped;
        await dataPlane.DisposeAsync();
        var address = DataPlaneFixture.NextAddress();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => dataPlane.ApplyAsync(1,
            [Ir.Gateway("gw", address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(backends: Ir.Group(V1())))))], CancellationToken.None));

        Assert.False(stoppedBefore);
        Assert.True(dataPlane.Stopped);
        Assert.Null(dataPlane.GetLiveTable(new ListenerSocket(address, Port)));
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Parse(address), Port));
    }

    [Fact]
    public async Task Apply_OnlyATableWithAMirror_StartsTheMirroringStream()
    {
        using var system = Akka.Actor.ActorSystem.Create("mirror-start");
        await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions(), null, Akka.Streams.ActorMaterializer.Create(system));

        await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(backends: Ir.Group(V1())))))], CancellationToken.None);
        var withoutMirror = dataPlane.MirroringStarted;
        await dataPlane.ApplyAsync(2, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(filters: Ir.Filters(mirrors: [new RequestMirror(V2(), 1.0)]), backends: Ir.Group(V1())))))], CancellationToken.None);

        Assert.False(withoutMirror);
        // Started by the apply that compiled the mirror, before any request.
        Assert.True(dataPlane.MirroringStarted);
        Assert.Equal(0, dataPlane.MirrorStats!.Value.Offered);
    }

    [Fact]
    public async Task Mirror_CopyReachesMirrorBackend_PrimaryAnswers()
    {
        using var system = Akka.Actor.ActorSystem.Create("mirror-e2e");
        await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions(), null, Akka.Streams.ActorMaterializer.Create(system));
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(filters: Ir.Filters(
                    requestHeaders: Ir.Headers(set: [("X-Header-Set", "set-overwrites-values")]),
                    mirrors: [new RequestMirror(V2(), 1.0)]),
                backends: Ir.Group(V1())))))], CancellationToken.None);

        var id = Guid.NewGuid().ToString("N");
        var (_, primary) = await SendAsync($"/mirror?gateway-api-conformance-request-id={id}");
        Assert.StartsWith("infra-backend-v1", Pod(primary));
        Assert.Equal("set-overwrites-values", Header(primary, "X-Header-Set"));
        var expected = $"Echoing back request made to /mirror?gateway-api-conformance-request-id={id} to client";
        var deadline = Stopwatch.StartNew();
        // The mirror backend logs the copy before its answer reaches the sender, which counts it as sent only then.
        while (!(echo.V2.LogSince(start).Any(l => l.Line.StartsWith(expected, StringComparison.Ordinal)) && dataPlane.MirrorStats!.Value.Sent >= 1)
               && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }
        Assert.Contains(echo.V2.LogSince(start), l => l.Line.StartsWith(expected, StringComparison.Ordinal));
        Assert.True(dataPlane.MirrorStats!.Value.Sent >= 1);
    }

    [Fact]
    public async Task Mirror_ToBackendThatNeverAnswers_NeverSlowsMainPath()
    {
        // A mirror backend that accepts connections and never answers.
        var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start(1000);
        var accepted = new List<TcpClient>();
        using var acceptCts = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            while (!acceptCts.IsCancellationRequested)
            {
                try
                {
                    accepted.Add(await blackHole.AcceptTcpClientAsync(acceptCts.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        using var system = Akka.Actor.ActorSystem.Create("mirror-slow");
        var options = new DataPlaneOptions { Mirror = new() { BufferSize = 4, Parallelism = 2, SendTimeout = TimeSpan.FromSeconds(30) } };
        try
        {
            await using var dataPlane = new GatewayDataPlane(options, null, Akka.Streams.ActorMaterializer.Create(system));
            var slowMirror = Ir.Backend((IPEndPoint)blackHole.LocalEndpoint, id: "black-hole");
            await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null,
                Ir.Entry(filters: Ir.Filters(mirrors: [new RequestMirror(slowMirror, 1.0)]), backends: Ir.Group(V1())))))], CancellationToken.None);

            for (var i = 0; i < 40; i++) Assert.Equal(HttpStatusCode.OK, (await SendAsync($"/main?i={i}")).Response.StatusCode);

            // Every main request was answered while no mirror copy had finished (none sent, none failed by its 30 s
            // timeout): the main path never waited on mirrors.
            var stats = dataPlane.MirrorStats!.Value;
            Assert.Equal(40, stats.Offered);
            Assert.Equal(0, stats.Sent + stats.Failed);
            Assert.True(stats.Dropped >= 40 - 4 - 2, $"dropped {stats.Dropped}");
        }
        finally
        {
            await acceptCts.CancelAsync();
            blackHole.Stop();
            await acceptLoop;
            foreach (var c in accepted) c.Dispose();
        }
    }

    [Fact]
    public async Task LiveTable_IsInspectableAsIr()
    {
        var entry = Ir.Entry(Ir.Prefix("/x"), backends: Ir.Group(V1()));
        await ApplyAsync(7, entry);
        var live = Assert.Single(_dataPlane.GetLiveTables());
        Assert.Equal(new ListenerSocket(_address, Port), live.Socket);
        Assert.Equal(7, live.Revision);
        Assert.Same(entry, live.Source.Listeners.Single().HttpRoutes.Single());
    }
}
