using Gateway.Host.Hosting;
using Gateway.Host.Observability.AccessLog;
using Gateway.Host.Observability.Tracing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Gateway.Host.Observability;

/// <summary>Registers the TracerProvider (--otlp-endpoint) and the access log (--access-log) the data plane records into.</summary>
internal static class ObservabilityHosting
{
    public static void Register(IServiceCollection services, GatewayHostOptions options)
    {
        // Both read the options when first resolved (with the data plane), like the rest of the composition.
        services.AddSingleton(sp => options.OtlpEndpoint is { } endpoint
            ? new TracingHolder(GatewayTracing.CreateProvider(endpoint, options.Cluster.EffectiveNodeName, options.TraceExportDelay))
            : new TracingHolder(null));
        services.AddSingleton(sp => new AccessLogHolder(options.AccessLog is { } path ? AccessLogWriter.Open(path, sp.GetRequiredService<ILogger<AccessLogWriter>>()) : null));
        services.AddSingleton(sp => new DataPlaneTelemetry(sp.GetRequiredService<TracingHolder>().Provider is not null, sp.GetRequiredService<AccessLogHolder>().Writer));
    }

    /// <summary>Owns the provider: disposing it (with the host's services) exports what is still batched.</summary>
    internal sealed class TracingHolder(TracerProvider? provider) : IDisposable
    {
        public TracerProvider? Provider => provider;

        public void Dispose() => provider?.Dispose();
    }

    /// <summary>Owns the access log: disposing it writes what is queued and closes the file.</summary>
    internal sealed class AccessLogHolder(AccessLogWriter? writer) : IAsyncDisposable
    {
        public AccessLogWriter? Writer => writer;

        public ValueTask DisposeAsync() => writer?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
