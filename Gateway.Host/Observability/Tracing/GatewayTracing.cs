using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Host.Observability.Tracing;

/// <summary>
/// The data plane's spans: one <see cref="ActivitySource"/>, listened to only by the TracerProvider built here when
/// --otlp-endpoint is given (no listener, no spans otherwise), exporting over OTLP/HTTP with protobuf.
/// </summary>
public static class GatewayTracing
{
    /// <summary>The ActivitySource name of the data plane's server spans.</summary>
    public const string SourceName = "Gateway.DataPlane";

    /// <summary>The service.name resource attribute of every span.</summary>
    public const string ServiceName = "akka-gateway";

    internal static readonly ActivitySource Source = new(SourceName, Hosting.GatewayVersion.WithoutBuildMetadata);

    /// <summary>
    /// The OTLP traces URL for --otlp-endpoint: a bare collector address (http://collector:4318) gets the standard
    /// path /v1/traces, a URL with a path is used as given.
    /// </summary>
    public static Uri TracesUrl(Uri endpoint) => endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "v1/traces") : endpoint;

    /// <summary>Checks an --otlp-endpoint value: null for an absolute http or https URL, else what it is not.</summary>
    public static string? Problem(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null
            : "is not an absolute http:// or https:// URL";

    /// <summary>
    /// The provider that exports the data plane's spans to <paramref name="endpoint"/>; disposing it flushes what is
    /// batched. <paramref name="instance"/> is this replica's name (service.instance.id).
    /// </summary>
    public static TracerProvider CreateProvider(Uri endpoint, string instance, TimeSpan? exportDelay = null) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: Hosting.GatewayVersion.Current, serviceInstanceId: instance))
            .AddSource(SourceName)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = TracesUrl(endpoint);
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)(exportDelay ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
            })
            .Build()!;
}
