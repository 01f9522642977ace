using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Kubernetes;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// Counts every status write the sharded entities make through <paramref name="inner"/> by object kind and result
/// (gateway_status_writes_total); everything else passes through unchanged. A decorator, so the sinks stay unaware of
/// metrics and every sink (file, memory, Kubernetes) is counted the same way.
/// </summary>
public sealed class MeteredStatusSink(IStatusSink inner, ControlPlaneMetrics metrics) : IStatusSink
{
    /// <inheritdoc />
    public async Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct)
    {
        var kind = status.Key.Kind;
        StatusWriteOutcome outcome;
        try
        {
            outcome = await inner.WriteAsync(status, ct).ConfigureAwait(false);
        }
        catch (StatusConflictException)
        {
            metrics.StatusWrite(kind, StatusWriteResult.Conflict);
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped, not failed.
            throw;
        }
        catch
        {
            metrics.StatusWrite(kind, StatusWriteResult.Failed);
            throw;
        }
        metrics.StatusWrite(kind, outcome == StatusWriteOutcome.Written ? StatusWriteResult.Written : StatusWriteResult.Skipped);
        return outcome;
    }

    /// <inheritdoc />
    public Task RemoveAsync(Actors.Resources.ResourceKey key, CancellationToken ct) => inner.RemoveAsync(key, ct);

    /// <inheritdoc />
    public Task<object?> ReadAsync(Actors.Resources.ResourceKey key, CancellationToken ct) => inner.ReadAsync(key, ct);
}
