using Microsoft.AspNetCore.Builder;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// The process's OpenTelemetry MeterProvider with its Prometheus exporter, served as <see cref="Path"/> on the
/// management endpoint (<see cref="Cluster.ManagementServer"/>). Created only when the management endpoint is
/// (--management-port): without it nothing could scrape, so nothing listens and every instrument stays disabled
/// (the request path then skips measuring altogether).
/// Meters collected:
/// <list type="bullet">
/// <item>ours (<see cref="DataPlaneMetrics.MeterName"/>, <see cref="ControlPlaneMetrics.MeterName"/>, Gateway.Streams'
/// L4 routes, <see cref="Runtime.RuntimePauses.MeterName"/>): requests per route, upstream requests and errors per
/// backend, the control plane and the cluster, GC pauses;</item>
/// <item>Kestrel's: connections and TLS handshakes per listening socket;</item>
/// <item>System.Net.Http's, the requests to backends and their connections: http.client.request.duration,
/// http.client.active_requests and http.client.request.time_in_queue by method, outcome, port and scheme, without
/// server.address (<see cref="HttpClientRequestTags"/>); http.client.open_connections and
/// http.client.connection.duration with all their tags: their series are per connection pool, and a pool is per
/// destination (scheme, address and port of the backend endpoint; for https also per TLS server name), but their
/// server.address is the Host header of the request that created the pool, so network.peer.address and server.port
/// are what name the endpoint;</item>
/// <item>the runtime's: GC, CPU, thread pool.</item>
/// </list>
/// Not ASP.NET Core hosting's: the management endpoint's own requests would land in http.server.request.duration
/// beside the data plane's.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>Every meter the provider collects.</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        DataPlaneMetrics.MeterName,
        ControlPlaneMetrics.MeterName,
        Gateway.Streams.L4.L4RouteMetrics.MeterName,
        Runtime.RuntimePauses.MeterName,
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
    ];

    /// <summary>
    /// System.Net.Http's request-level instruments, each with the tags kept on it: every tag it records (.NET 10) but
    /// server.address. On http.client.request.duration and http.client.active_requests, server.address is the request's
    /// Host header, and YARP forwards the client's Host, so it names the virtual host, not the backend: one series per
    /// hostname, which at thousands of routes reaches the SDK's 2,000-series cap per metric (the rest lands in one
    /// otel_metric_overflow series) and costs memory in every series and every scrape. On
    /// http.client.request.time_in_queue it is the Host header of the request that created the connection pool,
    /// whichever virtual host reached that backend first. Per backend (its cluster id), upstream requests are our
    /// gateway.upstream.request.duration. The views select by instrument name; only System.Net.Http among
    /// <see cref="Meters"/> has these. Tags are listed rather than server.address excluded, so a tag a later runtime
    /// adds does not multiply the series unseen.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> HttpClientRequestTags = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["http.client.request.duration"] = ["error.type", "http.request.method", "http.response.status_code", "network.protocol.version", "server.port", "url.scheme"],
        ["http.client.active_requests"] = ["http.request.method", "server.port", "url.scheme"],
        ["http.client.request.time_in_queue"] = ["http.request.method", "network.protocol.version", "server.port", "url.scheme"],
    };

    /// <summary>Builds the provider (it starts listening at once). <paramref name="cluster"/> only needs to exist: its gauges are on the control plane's meter.</summary>
    public MetricsEndpoint(ControlPlaneMetrics controlPlane, ClusterMetrics? cluster = null)
    {
        _ = controlPlane;
        _ = cluster;
        var builder = Sdk.CreateMeterProviderBuilder().AddMeter([.. Meters]);
        foreach (var (instrument, tags) in HttpClientRequestTags)
            builder.AddView(instrument, new MetricStreamConfiguration { TagKeys = [.. tags] });
        Provider = builder.AddPrometheusExporter(o => o.ScrapeEndpointPath = Path).Build();
    }

    /// <summary>The provider the scrape endpoint reads.</summary>
    public MeterProvider Provider { get; }

    /// <summary>Serves <see cref="Path"/> (GET) on <paramref name="app"/> ahead of everything else it serves.</summary>
    public void Map(IApplicationBuilder app) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(Provider, predicate: null, path: Path, configureBranchedPipeline: null, optionsName: null);

    /// <inheritdoc />
    public void Dispose() => Provider.Dispose();
}
