using Microsoft.AspNetCore.Builder;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// The process's OpenTelemetry MeterProvider with its Prometheus exporter, served as <see cref="Path"/> on the
/// management endpoint (<see cref="Cluster.ManagementServer"/>). Created only when the management endpoint is
/// (--management-port): without it nothing could scrape, so nothing listens and every instrument stays disabled
/// (the request path then skips measuring altogether).
/// Meters collected: ours (<see cref="DataPlaneMetrics.MeterName"/>, <see cref="ControlPlaneMetrics.MeterName"/>),
/// Kestrel's (active connections per socket, TLS handshakes), System.Net.Http's (upstream request duration and
/// open connections per backend endpoint) and the runtime's (GC, CPU, threads). Not ASP.NET Core hosting's: the
/// management endpoint's own requests would land in http.server.request.duration beside the data plane's.
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

    /// <summary>Builds the provider (it starts listening at once). <paramref name="cluster"/> only needs to exist: its gauges are on the control plane's meter.</summary>
    public MetricsEndpoint(ControlPlaneMetrics controlPlane, ClusterMetrics? cluster = null)
    {
        _ = controlPlane;
        _ = cluster;
        Provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter([.. Meters])
            .AddPrometheusExporter(o => o.ScrapeEndpointPath = Path)
            .Build();
    }

    /// <summary>The provider the scrape endpoint reads.</summary>
    public MeterProvider Provider { get; }

    /// <summary>Serves <see cref="Path"/> (GET) on <paramref name="app"/> ahead of everything else it serves.</summary>
    public void Map(IApplicationBuilder app) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(Provider, predicate: null, path: Path, configureBranchedPipeline: null, optionsName: null);

    /// <inheritdoc />
    public void Dispose() => Provider.Dispose();
}
