using System.Net;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Observability;
using Gateway.Host.Observability.AccessLog;
using Gateway.Tests.Host;
using Gateway.Tests.Observability;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// The ExternalAuth filter (GEP-1494) on real loopback sockets: a Kestrel HTTP auth service, a Grpc.AspNetCore ext_authz
/// Check service built from the gateway's own ext_authz.proto, a server that answers garbage, a refused port, and a
/// recording backend that tells whether a request got through (<see cref="ExternalAuthServers"/>). The data plane
/// writes an access log, whose flags are checked for the fail-closed cases.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ExternalAuthEndToEndTests(ExternalAuthServers auth) : IClassFixture<ExternalAuthServers>, IAsyncLifetime
{
    private const int Port = 8080;
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly TempDir _dir = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private AccessLogWriter _log = null!;
    private GatewayDataPlane? _dataPlane;

    private string LogPath => _dir.Combine("access.log");

    public Task InitializeAsync()
    {
        _log = AccessLogWriter.Open(LogPath, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_dataPlane is not null) await _dataPlane.DisposeAsync();
        await _log.DisposeAsync();
        _dir.Dispose();
    }

    private WeightedBackend Upstream => Ir.Backend(auth.Backend, id: "upstream");

    private static ExternalAuth Http(IPEndPoint? service, string path = "", string[]? allowed = null, string[]? allowedResponse = null, int maxBody = 0, bool valid = true) =>
        new(ExternalAuthProtocol.Http, Ir.Backend(service, valid: valid, id: "authz-http"), path, [.. allowed ?? []], [.. allowedResponse ?? []], maxBody);

    private static ExternalAuth Grpc(IPEndPoint? service, string[]? allowed = null, int maxBody = 0) =>
        new(ExternalAuthProtocol.Grpc, Ir.Backend(service, protocol: BackendProtocol.H2c, id: "authz-grpc"), "", [.. allowed ?? []], [], maxBody);

    /// <summary>
    /// Starts the data plane with <paramref name="authTimeout"/> (DataPlaneOptions.ExternalAuthTimeout) and applies one
    /// rule per (prefix, filter). The timeout only bounds the wait: generous where the service answers (a loaded
    /// machine must not turn an answer into a 504), short where the slow service is meant to outlast it.
    /// </summary>
    private async Task ApplyAsync(TimeSpan authTimeout, params (string Prefix, ExternalAuth Auth)[] rules)
    {
        _dataPlane = new GatewayDataPlane(new DataPlaneOptions
        {
            DrainTimeout = TimeSpan.FromSeconds(2),
            ExternalAuthTimeout = authTimeout,
            Telemetry = new DataPlaneTelemetry(false, _log),
        });
        var entries = rules.Select(r => Ir.Entry(Ir.Prefix(r.Prefix), filters: Ir.Filters() with { ExternalAuth = r.Auth }, backends: Ir.Group(Upstream))).ToArray();
        var result = await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, entries)))], CancellationToken.None);
        Assert.Empty(result.FailedSockets);
    }

    private async Task<(HttpResponseMessage Response, string Body)> SendAsync(string id, string pathAndQuery, string? authorization, string? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, $"http://{_address}:{Port}{pathAndQuery}");
        if (body is not null) request.Content = new StringContent(body);
        request.Headers.Add("X-Test-Id", id);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        var response = await _client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private Task ApplyAsync(params (string Prefix, ExternalAuth Auth)[] rules) => ApplyAsync(TimeSpan.FromSeconds(20), rules);

    private static string Id() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Http_Allowed_AuthSeesPrefixedPathAndOnlyAllowedHeaders_BackendGetsOnlyAllowedResponseHeaders()
    {
        await ApplyAsync(("/app", Http(auth.Http, path: "/check", allowed: ["x-user", "x-test-id"], allowedResponse: ["x-auth-user"])));
        var id = Id();

        var (response, body) = await SendAsync(id, "/app/page?q=1", "Bearer ok", null, ("X-User", "bob"), ("X-Secret", "s3cret"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backend", body);
        var check = auth.Seen[id];
        Assert.Equal("GET", check.Method);
        Assert.Equal("/check/app/page?q=1", check.Path);
        Assert.Equal("bob", check.Headers["x-user"]);
        Assert.Equal("Bearer ok", check.Headers["authorization"]);
        Assert.Equal($"{_address}:{Port}", check.Headers["host"]);
        Assert.Equal("0", check.Headers["content-length"]);
        Assert.False(check.Headers.ContainsKey("x-secret"));
        var upstream = auth.BackendSeen[id];
        Assert.Equal("alice", upstream.Headers["x-auth-user"]);
        Assert.False(upstream.Headers.ContainsKey("x-not-allowed"));
        Assert.Equal("s3cret", upstream.Headers["x-secret"]);
    }

    [Fact]
    public async Task Http_NoAllowedResponseHeaders_CopiesEveryHeaderButTheAnswersOwn()
    {
        await ApplyAsync(("/", Http(auth.Http)));
        var id = Id();

        var (response, _) = await SendAsync(id, "/x", "Bearer ok", "payload");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = auth.BackendSeen[id];
        Assert.Equal("alice", upstream.Headers["x-auth-user"]);
        Assert.Equal("leak", upstream.Headers["x-not-allowed"]);
        // The answer's own framing and identity stay behind: the client's body and its length reach the backend.
        Assert.Equal("payload", upstream.Body);
        Assert.Equal("7", upstream.Headers["content-length"]);
        Assert.False(upstream.Headers.ContainsKey("server"));
        // Without forwardBody the service gets no body and Content-Length 0, and no X-Test-Id (not an allowed header).
        Assert.False(auth.Seen.ContainsKey(id));
    }

    [Fact]
    public async Task Http_Denied_ClientGetsTheServicesStatusHeadersAndBody_BackendNotReached()
    {
        await ApplyAsync(("/", Http(auth.Http, allowed: ["x-test-id"])));
        var id = Id();

        var (response, body) = await SendAsync(id, "/private", "Bearer nope");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("denied by auth", body);
        Assert.Equal("Bearer realm=\"test\"", response.Headers.WwwAuthenticate.ToString());
        Assert.True(auth.Seen.ContainsKey(id));
        Assert.False(auth.BackendSeen.ContainsKey(id));
        var line = Assert.Single(await HttpTelemetryTests.WaitForLinesAsync(LogPath, 1, l => l.GetProperty("path").GetString() == "/private"));
        Assert.Equal(["ext_auth_denied"], Flags(line));
    }

    [Fact]
    public async Task Http_ForwardBody_ServiceGetsTheBodyUpToMaxSize_LargerBodyIs413WithoutAskingOrForwarding()
    {
        await ApplyAsync(("/", Http(auth.Http, allowed: ["x-test-id"], maxBody: 16)));
        var small = Id();
        var large = Id();

        var (okResponse, _) = await SendAsync(small, "/upload", "Bearer ok", "sixteen bytes!!!");
        var (tooLarge, _) = await SendAsync(large, "/upload", "Bearer ok", "seventeen bytes!!");

        Assert.Equal(HttpStatusCode.OK, okResponse.StatusCode);
        Assert.Equal("sixteen bytes!!!", auth.Seen[small].Body);
        Assert.Equal("16", auth.Seen[small].Headers["content-length"]);
        Assert.Equal("sixteen bytes!!!", auth.BackendSeen[small].Body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.False(auth.Seen.ContainsKey(large));
        Assert.False(auth.BackendSeen.ContainsKey(large));
    }

    [Fact]
    public async Task Grpc_Allowed_CheckCarriesRequestAndOnlyAllowedHeaders_OkHeadersAddedAndRemovedUpstream()
    {
        await ApplyAsync(("/", Grpc(auth.Grpc, allowed: ["authorization", "x-test-id", "x-user"])));
        var id = Id();

        var (response, body) = await SendAsync(id, "/api/items?limit=2", "Bearer ok", null, ("X-User", "bob"), ("X-Secret", "s3cret"), ("X-Remove-Me", "1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backend", body);
        var check = auth.Seen[id];
        Assert.Equal("GET", check.Method);
        Assert.Equal("/api/items?limit=2", check.Path);
        Assert.Equal(["authorization", "x-test-id", "x-user"], check.Headers.Keys.Order(StringComparer.Ordinal));
        var upstream = auth.BackendSeen[id];
        Assert.Equal("alice", upstream.Headers["x-auth-user"]);
        Assert.False(upstream.Headers.ContainsKey("x-remove-me"));
        Assert.Equal("s3cret", upstream.Headers["x-secret"]);
    }

    [Fact]
    public async Task Grpc_Denied_ClientGetsTheDeniedStatusHeadersAndBody_BackendNotReached()
    {
        await ApplyAsync(("/", Grpc(auth.Grpc)));
        var id = Id();

        var (response, body) = await SendAsync(id, "/private", "Bearer nope");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("denied by grpc auth", body);
        Assert.Equal("Bearer realm=\"grpc\"", response.Headers.WwwAuthenticate.ToString());
        Assert.True(auth.Seen.ContainsKey(id));
        Assert.False(auth.BackendSeen.ContainsKey(id));
    }

    [Fact]
    public async Task Grpc_ForwardBody_CheckRequestCarriesTheRawBody()
    {
        await ApplyAsync(("/", Grpc(auth.Grpc, maxBody: 1024)));
        var id = Id();

        var (response, _) = await SendAsync(id, "/upload", "Bearer ok", "the body");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("the body", auth.Seen[id].Body);
        Assert.Equal("the body", auth.BackendSeen[id].Body);
    }

    [Fact]
    public async Task FailClosed_RefusedSlowGarbageUnresolvedOrEmpty_AnswersWithoutReachingTheBackend_AndFlagsTheAccessLog()
    {
        // The slow service answers after 30 s; 3 s is long enough for every other case to get its answer first.
        await ApplyAsync(
            TimeSpan.FromSeconds(3),
            ("/http-refused", Http(auth.Refusing)),
            ("/grpc-refused", Grpc(auth.Refusing)),
            ("/http-slow", Http(auth.Http)),
            ("/grpc-slow", Grpc(auth.Grpc)),
            ("/http-garbage", Http(auth.Garbage)),
            ("/grpc-garbage", Grpc(auth.Garbage)),
            ("/unresolved", Http(auth.Http, valid: false)),
            ("/no-endpoints", Http(null)));
        var expected = new Dictionary<string, (HttpStatusCode Status, string[] Flags)>
        {
            ["/http-refused"] = (HttpStatusCode.ServiceUnavailable, ["ext_auth_failed"]),
            ["/grpc-refused"] = (HttpStatusCode.ServiceUnavailable, ["ext_auth_failed"]),
            ["/http-slow"] = (HttpStatusCode.GatewayTimeout, ["timeout", "ext_auth_failed"]),
            ["/grpc-slow"] = (HttpStatusCode.GatewayTimeout, ["timeout", "ext_auth_failed"]),
            ["/http-garbage"] = (HttpStatusCode.ServiceUnavailable, ["ext_auth_failed"]),
            ["/grpc-garbage"] = (HttpStatusCode.ServiceUnavailable, ["ext_auth_failed"]),
            ["/unresolved"] = (HttpStatusCode.InternalServerError, ["ext_auth_failed"]),
            ["/no-endpoints"] = (HttpStatusCode.ServiceUnavailable, ["ext_auth_failed"]),
        };

        var ids = new Dictionary<string, string>();
        foreach (var path in expected.Keys)
        {
            var id = Id();
            ids[path] = id;
            var authorization = path.EndsWith("-slow", StringComparison.Ordinal) ? "Bearer slow" : "Bearer ok";
            var (response, _) = await SendAsync(id, path, authorization);
            Assert.True(expected[path].Status == response.StatusCode, $"{path}: {response.StatusCode}");
        }

        var lines = await HttpTelemetryTests.WaitForLinesAsync(LogPath, expected.Count);
        foreach (var (path, (status, flags)) in expected)
        {
            Assert.False(auth.BackendSeen.ContainsKey(ids[path]), $"{path} reached the backend");
            var line = lines.Single(l => l.GetProperty("path").GetString() == path);
            Assert.Equal((int)status, line.GetProperty("status").GetInt32());
            Assert.Equal(flags, Flags(line));
            Assert.Equal(JsonValueKind.Null, line.GetProperty("backend").ValueKind);
        }
    }

    private static string[] Flags(JsonElement line) => [.. line.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!)];
}
