using Gateway.Host.Observability.AccessLog;

namespace Gateway.Host.Observability;

/// <summary>
/// What the data plane records per request and per L4 session: spans (when --otlp-endpoint is given) and access log
/// lines (when --access-log is given). The data plane takes none when both are off, and then pays nothing: the request
/// path tests one null reference.
/// </summary>
public sealed class DataPlaneTelemetry
{
    /// <param name="tracing">True when a TracerProvider listens to <see cref="Tracing.GatewayTracing.SourceName"/>.</param>
    /// <param name="accessLog">The access log, or null.</param>
    public DataPlaneTelemetry(bool tracing, AccessLogWriter? accessLog)
    {
        Tracing = tracing;
        AccessLog = accessLog;
    }

    /// <summary>A server span per request is started (and the upstream request carries its context).</summary>
    public bool Tracing { get; }

    /// <summary>Where access log lines go; null when the log is off.</summary>
    public AccessLogWriter? AccessLog { get; }

    /// <summary>Whether anything is recorded at all.</summary>
    public bool Enabled => Tracing || AccessLog is not null;
}
