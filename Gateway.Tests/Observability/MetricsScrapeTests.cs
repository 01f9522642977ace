using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Emulators;
using Gateway.Host.Observability.Metrics;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;

namespace Gateway.Tests.Observability;

/// <summary>
/// The shipped process serving an HTTP route, a route to a closed port and a TCP listener, with its management
/// endpoint on loopback; shared by the scrape tests. The requests are sent once, here, so every test knows their count.
/// The HTTP requests carry the Host headers of <see cref="Hosts"/> in turn (the route has no hostnames, so all reach
/// its backends), as virtual hosts sharing one backend would.
/// </summary>
public sealed class ScrapedGatewayFixture : IAsyncLifetime
{
    public const int RouteRequests = 7;
    public const int BrokenRequests = 2;

    /// <summary>The Host headers the HTTP requests carry, in turn.</summary>
    public static readonly string[] Hosts = ["a.example", "b.example", "c.example"];

    private readonly TempDir _dir = new();
    private EchoServer? _echo;

    internal ReplicaProcess Gateway { get; private set; } = null!;

    public string Directory => _dir.Path;

    public int HttpPort { get; } = ReplicaProcess.FreePort();

    /// <summary>The port of the echo backend (Service echo).</summary>
    public int EchoPort { get; private set; }

    /// <summary>The closed port behind Service closed.</summary>
    public int ClosedPort { get; private set; }

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-pod")) { HttpPort = 0 });
        EchoPort = _echo.HttpEndpoint.Port;
        var closed = ClosedPort = ReplicaProcess.FreePort();
        var tcpPort = ReplicaProcess.FreePort();
        var tcpClosedPort = ReplicaProcess.FreePort();
        _dir.Write("m/all.yaml", Manifests.Join(
            Manifests.GatewayClass(),
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g, namespace: default}
            spec:
              gatewayClassName: gc
              addresses: [{type: IPAddress, value: "127.0.0.1"}]
              listeners:
              - {name: web, port: {{HttpPort}}, protocol: HTTP}
              - {name: raw, port: {{tcpPort}}, protocol: TCP}
              - {name: raw-closed, port: {{tcpClosedPort}}, protocol: TCP}
            """,
            Manifests.EchoService("echo", _echo.HttpEndpoint.Port),
            Manifests.EchoService("closed", closed),
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: default}
            spec:
              parentRefs: [{name: g, sectionName: web}]
              rules:
              - name: main
                matches: [{path: {type: PathPrefix, value: /web}}]
                backendRefs: [{name: echo, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /broken}}]
                backendRefs: [{name: closed, port: 8080}]
            """,
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: TCPRoute
            metadata: {name: raw, namespace: default}
            spec:
              parentRefs: [{name: g, sectionName: raw}]
              rules: [{backendRefs: [{name: echo, port: 8080}]}]
            """,
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: TCPRoute
            metadata: {name: raw-closed, namespace: default}
            spec:
              parentRefs: [{name: g, sectionName: raw-closed}]
              rules: [{backendRefs: [{name: closed, port: 8080}]}]
            """));
        var management = ReplicaProcess.FreePort();
        Gateway = new ReplicaProcess("gateway", management,
            ["--manifests", _dir.Combine("m"), "--management-port", management.ToString(CultureInfo.InvariantCulture), "--log-level", "Warning"]);
        Gateway.Start();
        await UntilAsync(async () => (await Gateway.GetAsync("health/ready", CancellationToken.None)).Status == HttpStatusCode.OK, "the gateway to be ready");

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < RouteRequests; i++)
        {
            using var request = Get($"/web/{i}", Hosts[i % Hosts.Length]);
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"/web/{i}: {(int)response.StatusCode}\n{Gateway.Tail}");
        }
        for (var i = 0; i < BrokenRequests; i++)
        {
            using var request = Get("/broken", Hosts[i % Hosts.Length]);
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.BadGateway) throw new InvalidOperationException($"/broken: {(int)response.StatusCode}");
        }
        // The TCP listeners' ports were free when chosen, but another test's socket can take one before the gateway binds
        // it (then a connection reaches that socket instead): say so plainly instead of failing on what that socket does.
        try
        {
            await UntilAsync(async () =>
            {
                var table = (await Gateway.GetAsync("routetable", CancellationToken.None)).Body;
                return table.Contains($"port: {tcpPort}\n", StringComparison.Ordinal) && table.Contains($"port: {tcpClosedPort}\n", StringComparison.Ordinal);
            }, $"the gateway to serve its TCP listeners on ports {tcpPort} and {tcpClosedPort} (a port taken by another process after it was chosen is not bound)");
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{e.Message}\n{Gateway.Tail}", e);
        }
        // One TCP connection through each TCPRoute: the echo answers an HTTP/1.0 request and closes; the closed backend refuses.
        TcpResponseBytes = await WithGatewayLogAsync(() => TcpExchangeAsync(tcpPort, TcpRequest), $"the TCPRoute raw on port {tcpPort}");
        if (TcpResponseBytes == 0) throw new InvalidOperationException($"no answer through the TCPRoute\n{Gateway.Tail}");
        await WithGatewayLogAsync(() => TcpExchangeAsync(tcpClosedPort, TcpRequest), $"the TCPRoute raw-closed on port {tcpClosedPort}");
        // The entities gauge needs the placement refresh (every few seconds) to have run once.
        await UntilAsync(async () => (await Gateway.GetAsync("metrics", CancellationToken.None)).Body.Contains("gateway_entities{", StringComparison.Ordinal),
            "gateway_entities in the scrape");
    }

    private HttpRequestMessage Get(string path, string host) =>
        new(HttpMethod.Get, $"http://127.0.0.1:{HttpPort}{path}") { Headers = { Host = host } };

    public static readonly byte[] TcpRequest = "GET /tcp HTTP/1.0\r\nHost: raw\r\n\r\n"u8.ToArray();

    /// <summary>Bytes the client received through the TCPRoute.</summary>
    public int TcpResponseBytes { get; private set; }

    /// <summary>
    /// Runs a TCP exchange; when it fails (a connect refused or reset), the failure carries the gateway's last log
    /// lines (warnings and errors: a socket it could not bind, a backend it could not reach), which the exception alone
    /// does not say.
    /// </summary>
    private async Task<int> WithGatewayLogAsync(Func<Task<int>> exchange, string what)
    {
        try
        {
            return await exchange();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
        {
            throw new InvalidOperationException($"TCP exchange through {what} failed: {e.GetType().Name}: {e.Message}\n{Gateway.Tail}", e);
        }
    }

    private static async Task<int> TcpExchangeAsync(int port, byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, timeout.Token);
        var total = 0;
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) total += read;
        }
        catch (IOException)
        {
            // The refused connection is aborted: what was read so far counts.
        }
        return total;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_echo is not null) await _echo.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Polls <paramref name="condition"/> every 250 ms for at most 60 s (connection failures count as not yet).</summary>
    internal static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or JsonException)
            {
                // Not up yet.
            }
            if (deadline.IsCancellationRequested) throw new TimeoutException($"timed out after 60 s waiting for {what}");
            await Task.Delay(250, CancellationToken.None);
        }
    }
}

/// <summary>GET /metrics of the shipped process, scraped by a real Prometheus server and read as text.</summary>
[Trait("Category", "EndToEnd")]
public sealed partial class MetricsScrapeTests(ScrapedGatewayFixture gateway) : IClassFixture<ScrapedGatewayFixture>
{
    /// <summary>Dashboard metrics that only a Kubernetes-mode replica exports (its watches); the file-mode gateway here has none.</summary>
    private static readonly string[] KubernetesModeOnly = ["gateway_watch_restarts_total", "gateway_watch_relists_total"];

    [Fact]
    public async Task Prometheus_ScrapesTheGateway_PromQlCountsTheRequestsSentThroughTheRoute_WithGatewayListenerRuleAndStatus()
    {
        using var dir = new TempDir();
        await using var prometheus = PrometheusServer.Start(dir.Path, $"127.0.0.1:{gateway.Gateway.ManagementPort}", MetricsEndpoint.Path);
        const string query = """sum by (gateway, listener, route_kind, route, rule, http_request_method, http_response_status_code) (http_server_request_duration_seconds_count{route="default/web"})""";
        IReadOnlyList<(Dictionary<string, string> Labels, double Value)> result = [];
        try
        {
            await ScrapedGatewayFixture.UntilAsync(async () =>
            {
                result = await prometheus.QueryAsync(query, CancellationToken.None);
                return result.Sum(r => r.Value) >= ScrapedGatewayFixture.RouteRequests + ScrapedGatewayFixture.BrokenRequests;
            }, "Prometheus to have scraped every request");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last result: {string.Join("; ", result.Select(r => $"{string.Join(",", r.Labels)} = {r.Value}"))}\n{prometheus.Output}");
        }

        var ok = Assert.Single(result, r => r.Labels["rule"] == "main");
        Assert.Equal(ScrapedGatewayFixture.RouteRequests, ok.Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["gateway"] = "default/g", ["listener"] = "web", ["route_kind"] = "HTTPRoute", ["route"] = "default/web", ["rule"] = "main",
            ["http_request_method"] = "GET", ["http_response_status_code"] = "200",
        }, ok.Labels);
        var broken = Assert.Single(result, r => r.Labels["rule"] == "1");
        Assert.Equal(ScrapedGatewayFixture.BrokenRequests, broken.Value);
        Assert.Equal("502", broken.Labels["http_response_status_code"]);

        var errors = await prometheus.QueryAsync("""sum by (backend, error) (gateway_upstream_errors_total)""", CancellationToken.None);
        var error = Assert.Single(errors);
        // The backend is named by its cluster id in the route table (/routetable): namespace/service:port/protocol.
        Assert.Equal("default/closed:8080/http", error.Labels["backend"]);
        Assert.Equal(ScrapedGatewayFixture.BrokenRequests, error.Value);
    }

    [Fact]
    public async Task Scrape_ControlPlane_ReconcilePhasesStatusWritesObjectsAndTheOneMemberUp()
    {
        var text = (await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body;
        var samples = Samples(text);

        foreach (var phase in new[] { "pass", "translate", "apply", "status" })
            Assert.True(Value(samples, "gateway_reconcile_duration_seconds_count", $"phase=\"{phase}\"") >= 1, $"no {phase} phase in\n{text}");
        Assert.True(Value(samples, "gateway_propagation_duration_seconds_count") >= 1);
        Assert.True(Value(samples, "gateway_status_writes_total", "kind=\"Gateway\"", "result=\"written\"") >= 1);
        Assert.True(Value(samples, "gateway_status_writes_total", "kind=\"HTTPRoute\"", "result=\"written\"") >= 1);
        Assert.Equal(1, Value(samples, "gateway_objects", "kind=\"HTTPRoute\""));
        Assert.Equal(2, Value(samples, "gateway_objects", "kind=\"TCPRoute\""));
        Assert.Equal(1, Value(samples, "gateway_cluster_members", "status=\"Up\"", "reachable=\"true\""));
        Assert.Equal(0, Value(samples, "gateway_cluster_members", "status=\"Down\"", "reachable=\"true\""));
        Assert.Equal(1, Value(samples, "gateway_entities", "kind=\"gateway\""));
        Assert.Equal(3, Value(samples, "gateway_entities", "kind=\"route\""));
        Assert.Equal(0, Value(samples, "gateway_shard_rebalances_total"));
        Assert.All(samples.Where(s => s.Name == "gateway_l4_active_sessions"), s => Assert.Equal(0, s.Value));
    }

    [Fact]
    public async Task Scrape_TcpRoutes_SessionsBytesAndErrorsPerRoute()
    {
        var samples = Samples((await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body);
        const string raw = "route=\"TCPRoute/default/raw/rule/0\"";
        const string closed = "route=\"TCPRoute/default/raw-closed/rule/0\"";

        Assert.Equal(1, Value(samples, "gateway_l4_route_sessions_total", raw, "protocol=\"tcp\""));
        Assert.Equal(ScrapedGatewayFixture.TcpRequest.Length, Value(samples, "gateway_l4_route_bytes_total", raw, "direction=\"received\""));
        Assert.Equal(gateway.TcpResponseBytes, Value(samples, "gateway_l4_route_bytes_total", raw, "direction=\"sent\""));
        Assert.DoesNotContain(samples, s => s.Name == "gateway_l4_route_errors_total" && s.Labels.Contains(raw, StringComparison.Ordinal));
        Assert.Equal(1, Value(samples, "gateway_l4_route_errors_total", closed, "protocol=\"tcp\""));
    }

    [Fact]
    public async Task GrafanaDashboard_EveryMetricItQueriesIsInTheLiveScrape()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "k8s", "grafana", "gateway-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var queried = Exprs(dashboard.RootElement).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        var scraped = Samples((await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(queried.Count >= 20, $"metrics found in the dashboard: {string.Join(", ", queried)}");
        Assert.Contains("http_server_request_duration_seconds_bucket", queried);
        Assert.Empty(queried.Except(scraped).Except(KubernetesModeOnly).Order(StringComparer.Ordinal));
        // The Kubernetes-mode names are the control plane's watch counters, exported as those names once counted.
        Assert.All(KubernetesModeOnly, name => Assert.StartsWith("gateway_watch_", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scrape_HttpClientRequestDuration_RequestsUnderThreeHostsToOneBackend_OneSeriesPerMethodStatusPortScheme_UpstreamDurationStillPerBackend()
    {
        var text = (await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body;
        var samples = Samples(text);
        var series = samples.Where(s => s.Name == "http_client_request_duration_seconds_count").Select(s => (Labels: Labels(s.Labels), s.Value)).ToList();
        var listed = string.Join('\n', series.Select(s => $"{string.Join(",", s.Labels)} = {s.Value}"));

        // The three hosts' requests to the echo backend are one series, the two hosts' refused requests another.
        Assert.True(series.Count == 2, $"http_client_request_duration_seconds_count series:\n{listed}");
        var ok = Assert.Single(series, s => s.Labels.GetValueOrDefault("server_port") == Port(gateway.EchoPort));
        Assert.Equal(new Dictionary<string, string>
        {
            ["otel_scope_name"] = "System.Net.Http", ["http_request_method"] = "GET", ["http_response_status_code"] = "200",
            ["network_protocol_version"] = "1.1", ["server_port"] = Port(gateway.EchoPort), ["url_scheme"] = "http",
        }, ok.Labels);
        Assert.Equal(ScrapedGatewayFixture.RouteRequests, ok.Value);
        // The view keeps the instrument's own bucket boundaries (System.Net.Http's advice).
        Assert.Equal([.. DataPlaneMetrics.DurationBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"],
            samples.Where(s => s.Name == "http_client_request_duration_seconds_bucket").Select(s => Labels(s.Labels))
                .Where(l => l["server_port"] == Port(gateway.EchoPort)).Select(l => l["le"]));
        var refused = Assert.Single(series, s => s.Labels.GetValueOrDefault("server_port") == Port(gateway.ClosedPort));
        Assert.Equal(new Dictionary<string, string>
        {
            ["otel_scope_name"] = "System.Net.Http", ["error_type"] = "connection_error", ["http_request_method"] = "GET",
            ["server_port"] = Port(gateway.ClosedPort), ["url_scheme"] = "http",
        }, refused.Labels);
        Assert.Equal(ScrapedGatewayFixture.BrokenRequests, refused.Value);

        // Per backend, the upstream requests are the gateway's own histogram.
        Assert.Equal(ScrapedGatewayFixture.RouteRequests,
            Value(samples, "gateway_upstream_request_duration_seconds_count", "backend=\"default/echo:8080/http\"", "http_response_status_code=\"200\""));
    }

    [Fact]
    public async Task Scrape_HttpClientRequestDurationActiveRequestsAndTimeInQueue_HaveNoServerAddress_ConnectionPoolMetricsKeepIt()
    {
        var samples = Samples((await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body);

        var requestLevel = samples.Where(s => s.Name.StartsWith("http_client_request_duration_seconds", StringComparison.Ordinal)
            || s.Name == "http_client_active_requests"
            || s.Name.StartsWith("http_client_request_time_in_queue_seconds", StringComparison.Ordinal)).ToList();
        Assert.Contains(requestLevel, s => s.Name == "http_client_request_duration_seconds_bucket");
        Assert.Contains(requestLevel, s => s.Name == "http_client_active_requests");
        // A pool's first request waits for the pool's first connection.
        Assert.Contains(requestLevel, s => s.Name == "http_client_request_time_in_queue_seconds_count");
        Assert.All(requestLevel, s => Assert.DoesNotContain("server_address=", s.Labels, StringComparison.Ordinal));

        // The pool's connection instruments keep their tags: the endpoint's address, and as server.address the Host
        // header of the request that created the pool.
        var open = samples.Where(s => s.Name == "http_client_open_connections").Select(s => Labels(s.Labels)).ToList();
        Assert.NotEmpty(open);
        Assert.All(open, labels =>
        {
            Assert.Contains(labels["server_address"], ScrapedGatewayFixture.Hosts);
            Assert.EndsWith("127.0.0.1", labels["network_peer_address"], StringComparison.Ordinal); // IPv4, or IPv4-mapped on a dual-mode socket
            Assert.Equal(Port(gateway.EchoPort), labels["server_port"]);
        });
    }

    [Fact]
    public void StreamsMeter_HasTheGatewayVersionWithoutBuildMetadata_AsOurOtherMeters()
    {
        string? version = null;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == Gateway.Streams.L4.L4RouteMetrics.MeterName) version = instrument.Meter.Version;
            },
        };
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Gateway.Streams.L4.L4RouteMetrics).TypeHandle);
        listener.Start();

        Assert.Equal(Gateway.Host.Hosting.GatewayVersion.WithoutBuildMetadata, version);
        Assert.Equal(Gateway.Host.Hosting.GatewayVersion.WithoutBuildMetadata, Gateway.Streams.L4.L4RouteMetrics.ScopeVersion);
    }

    [Fact]
    public async Task Scrape_OurMetersLines_CarryOtelScopeVersion_TheGatewayVersionWithoutBuildMetadata()
    {
        var expected = Gateway.Host.Hosting.GatewayVersion.WithoutBuildMetadata;
        Assert.DoesNotContain('+', expected);
        Assert.StartsWith(expected, Gateway.Host.Hosting.GatewayVersion.Current, StringComparison.Ordinal);
        var ours = new[] { DataPlaneMetrics.MeterName, ControlPlaneMetrics.MeterName, Gateway.Host.Observability.Runtime.RuntimePauses.MeterName };

        var samples = Samples((await gateway.Gateway.GetAsync("metrics", CancellationToken.None)).Body)
            .Select(s => (s.Name, Labels: Labels(s.Labels)))
            .Where(s => s.Labels.TryGetValue("otel_scope_name", out var scope) && ours.Contains(scope))
            .ToList();

        Assert.Contains(samples, s => s.Labels["otel_scope_name"] == DataPlaneMetrics.MeterName);
        Assert.Contains(samples, s => s.Labels["otel_scope_name"] == ControlPlaneMetrics.MeterName);
        Assert.All(samples, s => Assert.Equal(expected, s.Labels.GetValueOrDefault("otel_scope_version")));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The labels of a sample's label part (as <see cref="Samples"/> gives it), values as written (escapes kept).</summary>
    private static Dictionary<string, string> Labels(string labels) =>
        LabelPair().Matches(labels).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);

    private static IEnumerable<string> Exprs(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" or "query" && property.Value.ValueKind == JsonValueKind.String) yield return property.Value.GetString()!;
                    foreach (var inner in Exprs(property.Value)) yield return inner;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in Exprs(item)) yield return inner;
                }
                break;
        }
    }

    /// <summary>The samples of a Prometheus text exposition: name, the label part as written, value.</summary>
    private static List<(string Name, string Labels, double Value)> Samples(string text) =>
        [.. text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleLine().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    private static double Value(List<(string Name, string Labels, double Value)> samples, string name, params string[] labels) =>
        Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Value;

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{.*\})? (?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"\b(?:http_server|http_client|gateway|kestrel|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
