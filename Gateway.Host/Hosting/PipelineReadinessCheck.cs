using Gateway.Host.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Host.Hosting;

/// <summary>
/// Readiness as a health check (tag "ready"): healthy once the first full sync has been translated, applied and its
/// statuses written. A later management endpoint (Akka.Management) serves it as the readiness probe.
/// </summary>
public sealed class PipelineReadinessCheck(SnapshotPipeline pipeline) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(pipeline.Ready.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"serving revision {pipeline.LastPass?.Revision}")
            : HealthCheckResult.Unhealthy("first full sync not yet translated, applied and written"));
}
