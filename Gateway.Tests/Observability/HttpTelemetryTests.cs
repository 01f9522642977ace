using System.Net;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Observability;
using Gateway.Host.Observability.AccessLog;
using Gateway.Host.Observability.Tracing;
using Gateway.Tests.DataPlane;
using Microsoft.Extensions.Logging.Abstractions;
using Gateway.Tests.Host;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.Observability;

/// <summary>
/// Spans and access log lines of real requests through the data plane (Kestrel, YARP, a real echo backend), checked
/// against the requests the test sent: the test OTLP receiver gets the server spans, the access log file gets one
/// JSON line per request, and the backend sees a traceparent continuing the client's trace.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HttpTelemetryTests(DataPlaneFixture echo) : IClassFixture<DataPlaneFixture>, IAsyncLifetime
{
    private const int Port = 8080;
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly TempDir _dir = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(15) };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _client.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private WeightedBackend V1() => Ir.Backend(echo.V1.HttpEndpoint, id: "v1");

    private async Task<HttpResponseMessage> GetAsync(string path, string? traceparent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_address}:{Port}{path}");
        request.Headers.Host = "app.example";
        if (traceparent is not null) request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        return await _client.SendAsync(request);
    }

    private static async Task<string> EchoedTraceParentAsync(HttpResponseMessage response)
    {
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return json.GetProperty("headers").GetProperty("Traceparent").EnumerateArray().Single().GetString()!;
    }

    [Fact]
    public async Task Tracing_ClientTraceparent_SpanExportedOverOtlpWithRouteAttributes_BackendSeesTheClientsTraceIdAndOurSpanId()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var provider = GatewayTracing.CreateProvider(receiver.Endpoint, "test-node", TimeSpan.FromMilliseconds(200));
        await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2), Telemetry = new DataPlaneTelemetry(true, null) });
        var route = Ir.Entry(Ir.Prefix("/traced"), backends: Ir.Group(V1()));
        Assert.Empty((await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, route)))], CancellationToken.None)).FailedSockets);

        using var response = await GetAsync("/traced/a", $"00-{ClientTraceId}-{ClientSpanId}-01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = await EchoedTraceParentAsync(response);

        var span = await receiver.WaitForSpanAsync(ClientTraceId, TimeSpan.FromSeconds(30));
        Assert.Equal(2, span.Kind);
        Assert.Equal(ClientSpanId, Convert.ToHexStringLower(span.ParentSpanId.Span));
        Assert.Equal("GET /traced", span.Name);
        Assert.Equal("/traced", OtlpReceiver.Attribute(span, "http.route"));
        Assert.Equal("HTTPRoute", OtlpReceiver.Attribute(span, "gateway.route.kind"));
        Assert.Equal(route.Route.Namespace, OtlpReceiver.Attribute(span, "gateway.route.namespace"));
        Assert.Equal(route.Route.Name, OtlpReceiver.Attribute(span, "gateway.route.name"));
        Assert.Equal($"http://{echo.V1.HttpEndpoint}", OtlpReceiver.Attribute(span, "gateway.backend.endpoint"));
        Assert.Equal("200", OtlpReceiver.Attribute(span, "http.response.status_code"));
        Assert.Equal("GET", OtlpReceiver.Attribute(span, "http.request.method"));
        Assert.Equal("/traced/a", OtlpReceiver.Attribute(span, "url.path"));
        // W3C: the backend's parent is our server span, in the client's trace.
        Assert.Equal($"00-{ClientTraceId}-{Convert.ToHexStringLower(span.SpanId.Span)}-01", upstream);
    }

    [Fact]
    public async Task TraceContext_TracingAndAccessLogOff_BackendSeesTheClientsTraceContinuedOrANewUnsampledTrace()
    {
        await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2) });
        Assert.Empty((await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1())))))], CancellationToken.None)).FailedSockets);

        using var continued = await GetAsync("/a", $"00-{ClientTraceId}-{ClientSpanId}-01");
        var fromClient = (await EchoedTraceParentAsync(continued)).Split('-');
        using var fresh = await GetAsync("/b");
        var started = (await EchoedTraceParentAsync(fresh)).Split('-');

        // The client's trace and sampled flag, a span id of this hop's own.
        Assert.Equal(["00", ClientTraceId, "01"], [fromClient[0], fromClient[1], fromClient[3]]);
        Assert.Matches("^[0-9a-f]{16}$", fromClient[2]);
        Assert.NotEqual(ClientSpanId, fromClient[2]);
        // No client trace: a new one, not sampled (nothing of it is recorded here).
        Assert.Equal("00", started[0]);
        Assert.Matches("^[0-9a-f]{32}$", started[1]);
        Assert.NotEqual(ClientTraceId, started[1]);
        Assert.Equal("00", started[3]);
    }

    [Fact]
    public async Task Tracing_NoClientTraceparent_NewTraceExported_BackendSeesItsTraceparent()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var provider = GatewayTracing.CreateProvider(receiver.Endpoint, "test-node", TimeSpan.FromMilliseconds(200));
        await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2), Telemetry = new DataPlaneTelemetry(true, null) });
        Assert.Empty((await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(V1())))))], CancellationToken.None)).FailedSockets);

        using var response = await GetAsync("/new");
        var upstream = (await EchoedTraceParentAsync(response)).Split('-');

        Assert.Equal(4, upstream.Length);
        Assert.NotEqual(ClientTraceId, upstream[1]);
        var span = await receiver.WaitForSpanAsync(upstream[1], TimeSpan.FromSeconds(30));
        Assert.Equal(upstream[2], Convert.ToHexStringLower(span.SpanId.Span));
        Assert.True(span.ParentSpanId.IsEmpty);
    }

    [Fact]
    public async Task AccessLog_OkNoRouteAndBackendTimeout_OneJsonLineEach_MatchingTheRequestsSent()
    {
        var path = _dir.Combine("access.log");
        var log = AccessLogWriter.Open(path, NullLogger.Instance);
        var served = Ir.Entry(Ir.Prefix("/ok"), backends: Ir.Group(V1()));
        var slow = Ir.Entry(Ir.Prefix("/slow"), timeouts: new RouteTimeouts(null, TimeSpan.FromMilliseconds(300)), backends: Ir.Group(V1()));
        string upstream;
        await using (log)
        {
            await using var dataPlane = new GatewayDataPlane(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2), Telemetry = new DataPlaneTelemetry(false, log) });
            Assert.Empty((await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, served, slow)))], CancellationToken.None)).FailedSockets);

            using var ok = await GetAsync("/ok/page?x=1", $"00-{ClientTraceId}-{ClientSpanId}-01");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            upstream = await EchoedTraceParentAsync(ok);
            var okLength = (await ok.Content.ReadAsByteArrayAsync()).Length;
            using var missing = await GetAsync("/missing");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            using var timeout = await GetAsync("/slow?delay=2s");
            Assert.Equal(HttpStatusCode.GatewayTimeout, timeout.StatusCode);

            var lines = await WaitForLinesAsync(path, 3);
            var byPath = lines.ToDictionary(l => l.GetProperty("path").GetString()!);

            var line = byPath["/ok/page"];
            Assert.Equal("http", line.GetProperty("kind").GetString());
            Assert.Equal("GET", line.GetProperty("method").GetString());
            Assert.Equal("app.example", line.GetProperty("host").GetString());
            Assert.Equal("HTTP/1.1", line.GetProperty("protocol").GetString());
            Assert.Equal(200, line.GetProperty("status").GetInt32());
            Assert.Equal($"HTTPRoute/ns/{served.Route.Name}", line.GetProperty("route").GetString());
            Assert.Equal("0", line.GetProperty("rule").GetString());
            Assert.Equal($"http://{echo.V1.HttpEndpoint}", line.GetProperty("backend").GetString());
            Assert.Empty(line.GetProperty("flags").EnumerateArray());
            Assert.Equal(ClientTraceId, line.GetProperty("trace_id").GetString());
            Assert.Equal(okLength, line.GetProperty("bytes_out").GetInt64());
            Assert.Equal(0, line.GetProperty("bytes_in").GetInt64());
            Assert.StartsWith("127.0.0.1:", line.GetProperty("client_address").GetString(), StringComparison.Ordinal);
            Assert.Equal($"{_address}:{Port}", line.GetProperty("listener").GetString());
            Assert.True(line.GetProperty("duration_ms").GetDouble() >= 0);
            Assert.True(DateTimeOffset.UtcNow - line.GetProperty("start_time").GetDateTimeOffset() < TimeSpan.FromMinutes(5));

            line = byPath["/missing"];
            Assert.Equal(404, line.GetProperty("status").GetInt32());
            Assert.Equal(["no_route"], line.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal(JsonValueKind.Null, line.GetProperty("route").ValueKind);
            Assert.Equal(JsonValueKind.Null, line.GetProperty("backend").ValueKind);
            Assert.Matches("^[0-9a-f]{32}$", line.GetProperty("trace_id").GetString());

            line = byPath["/slow"];
            Assert.Equal(504, line.GetProperty("status").GetInt32());
            Assert.Equal(["timeout"], line.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal($"HTTPRoute/ns/{slow.Route.Name}", line.GetProperty("route").GetString());
            Assert.Equal($"http://{echo.V1.HttpEndpoint}", line.GetProperty("backend").GetString());
        }
        // Tracing off, access log on: the backend still sees the client's trace with a span id of this hop.
        var parts = upstream.Split('-');
        Assert.Equal(ClientTraceId, parts[1]);
        Assert.NotEqual(ClientSpanId, parts[2]);
        Assert.Equal(0, log.Dropped);
    }

    /// <summary>Waits (bounded) until the file holds <paramref name="count"/> lines and returns them parsed.</summary>
    internal static async Task<List<JsonElement>> WaitForLinesAsync(string path, int count, Func<JsonElement, bool>? where = null)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var lines = File.Exists(path)
                ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(where ?? (_ => true)).ToList()
                : [];
            if (lines.Count >= count) return lines;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{lines.Count} of {count} access log lines in {path}");
            await Task.Delay(50);
        }
    }
}
