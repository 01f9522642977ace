using Gateway.Host.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Host.Hosting;

/// <summary>
/// Readiness as a health check (tag "ready"): healthy once the first full sync has been translated and applied to the
/// data plane (<see cref="SnapshotPipeline.Serving"/>); statuses follow through the entities and are not waited for.
/// </summary>
public sealed class PipelineReadinessCheck(SnapshotPipeline pipeline) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(pipeline.Serving.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy("serving the first full sync or a later revision")
            : HealthCheckResult.Unhealthy("first full sync not yet translated and applied to the data plane"));
}
