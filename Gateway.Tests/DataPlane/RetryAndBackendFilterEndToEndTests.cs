using System.Net;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// HTTPRouteRetry on connection errors and backend timeouts (HTTPRouteRetryConnectionError,
/// HTTPRouteRetryBackendTimeout) and the backendRef-level URLRewrite and RequestRedirect filters, on real loopback
/// sockets against the echo server's retry simulation (/retry/: the first succeedAfter attempts of a uuid fail, after
/// delayRetry, with responseCode or, without one, by resetting the connection).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RetryAndBackendFilterEndToEndTests(DataPlaneFixture echo) : IClassFixture<DataPlaneFixture>, IAsyncLifetime
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

    private WeightedBackend V3 => Ir.Backend(echo.V3.HttpEndpoint, id: "v3");

    private WeightedBackend V1 => Ir.Backend(echo.V1.HttpEndpoint, id: "v1");

    private async Task ApplyAsync(params HttpRouteEntry[] entries) =>
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, entries)))], CancellationToken.None);

    private async Task<(HttpResponseMessage Response, JsonElement? Echo)> SendAsync(string pathAndQuery, HttpContent? body = null)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, $"http://{_address}:{Port}{pathAndQuery}") { Content = body };
        var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement? json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(text).RootElement : null;
        return (response, json);
    }

    private static string Uuid() => Guid.NewGuid().ToString();

    /// <summary>
    /// One request through a route without deadlines, so the first timed request does not also pay the process's first
    /// forwarding (its compilation and the backend's connection) inside a 400 ms budget.
    /// </summary>
    private async Task<HttpStatusCode> WarmUpAsync()
    {
        await ApplyAsync(Ir.Entry(Ir.Prefix("/retry"), backends: Ir.Group(V3)));
        return (await SendAsync($"/retry/x?succeedAfter=0&uuid={Uuid()}")).Response.StatusCode;
    }

    [Fact]
    public async Task Retry_ConnectionResets_SucceedsWithinAttemptsAnd503WhenAttemptsRunOut()
    {
        await ApplyAsync(Ir.Entry(Ir.Prefix("/retry"), retry: new RouteRetry([], 3, null), backends: Ir.Group(V3)));

        var ok = await SendAsync($"/retry/x?succeedAfter=2&uuid={Uuid()}");
        var exhausted = await SendAsync($"/retry/x?succeedAfter=4&uuid={Uuid()}");

        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        Assert.StartsWith("infra-backend-v3", ok.Echo!.Value.GetProperty("pod").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, exhausted.Response.StatusCode);
    }

    [Fact]
    public async Task Retry_RequestWithABody_NotRetriedSoTheResetReachesTheClientAs502()
    {
        await ApplyAsync(Ir.Entry(Ir.Prefix("/retry"), retry: new RouteRetry([], 3, null), backends: Ir.Group(V3)));

        // The body is streamed to the first attempt and cannot be sent again: no retry, the forwarder's 502 stands.
        var posted = await SendAsync($"/retry/x?succeedAfter=1&uuid={Uuid()}", new StringContent("payload"));

        Assert.Equal(HttpStatusCode.BadGateway, posted.Response.StatusCode);
    }

    [Fact]
    public async Task Retry_BackendTimeouts_RetriedWithoutCodesUntilAttemptsRunOutThen504()
    {
        // Upstream main's HTTPRouteRetryWithTimeouts, first rule: attempts 2, backendRequest 200ms, no codes.
        var warm = await WarmUpAsync();
        await ApplyAsync(Ir.Entry(Ir.Prefix("/retry"), retry: new RouteRetry([], 2, null), timeouts: new RouteTimeouts(null, TimeSpan.FromMilliseconds(200)), backends: Ir.Group(V3)));

        var ok = await SendAsync($"/retry/x?delayRetry=300ms&responseCode=500&succeedAfter=2&uuid={Uuid()}");
        var exhausted = await SendAsync($"/retry/x?delayRetry=300ms&responseCode=500&succeedAfter=3&uuid={Uuid()}");

        Assert.Equal(HttpStatusCode.OK, warm);
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, exhausted.Response.StatusCode);
    }

    [Fact]
    public async Task Retry_RequestTimeoutBoundsAllAttempts_504BeforeAttemptsRunOut()
    {
        // Upstream main's second rule (codes [500], attempts 5, backendRequest 200ms, request 400ms), with failing
        // attempts of 150 ms instead of 100 ms: the deadline falls inside the third attempt rather than at the end of
        // the fourth, where a timer a few milliseconds late on a loaded machine would let the fifth answer 200. The
        // timer landing between an answer and the decision is AttemptVerdictTests' case.
        var warm = await WarmUpAsync();
        await ApplyAsync(Ir.Entry(Ir.Prefix("/retry"), retry: new RouteRetry([500], 5, null),
            timeouts: new RouteTimeouts(TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(200)), backends: Ir.Group(V3)));

        var ok = await SendAsync($"/retry/x?responseCode=500&succeedAfter=1&uuid={Uuid()}");
        var bounded = await SendAsync($"/retry/x?delayRetry=150ms&responseCode=500&succeedAfter=4&uuid={Uuid()}");

        Assert.Equal(HttpStatusCode.OK, warm);

        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, bounded.Response.StatusCode);
    }

    [Fact]
    public async Task BackendUrlRewrite_ReplacesTheRulesRewriteForItsBackendOnly()
    {
        var ruleRewrite = HttpFilters.None with { Rewrite = new UrlRewrite("rule.example", null) };
        var backendRewrite = new UrlRewrite("backend.example", new PathModifier(PathModifierType.ReplacePrefixMatch, "/v2"));
        await ApplyAsync(
            Ir.Entry(Ir.Prefix("/own"), filters: ruleRewrite, backends: Ir.Group(V1 with { Rewrite = backendRewrite })),
            Ir.Entry(Ir.Prefix("/rule"), filters: ruleRewrite, backends: Ir.Group(V1)));

        var own = (await SendAsync("/own/x?q=1")).Echo!.Value;
        var rule = (await SendAsync("/rule/x")).Echo!.Value;

        Assert.Equal(("/v2/x?q=1", "backend.example"), (own.GetProperty("path").GetString(), own.GetProperty("host").GetString()));
        Assert.Equal(("/rule/x", "rule.example"), (rule.GetProperty("path").GetString(), rule.GetProperty("host").GetString()));
    }

    [Fact]
    public async Task BackendRequestRedirect_AnswersWithTheRedirectAndItsResponseHeaders()
    {
        var redirect = new RequestRedirect(null, null, new PathModifier(PathModifierType.ReplacePrefixMatch, "/moved"), null, 302);
        var responseHeaders = new HeaderModifier([new HeaderValue("X-Redirected-By", "backend")], [], []);
        await ApplyAsync(Ir.Entry(Ir.Prefix("/prefix"), backends: Ir.Group(V1 with { Redirect = redirect, ResponseHeaders = responseHeaders })));

        var (response, body) = await SendAsync("/prefix/original?x=1");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal($"http://{_address}:{Port}/moved/original?x=1", response.Headers.Location!.ToString());
        Assert.Equal("backend", Assert.Single(response.Headers.GetValues("X-Redirected-By")));
        Assert.Null(body);
    }
}
