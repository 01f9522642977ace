using Gateway.Actors.Status;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// Counts every status write the sharded entities make through <paramref name="inner"/> by object kind and result
/// (gateway_status_writes_total); everything else passes through unchanged. A decorator, so the sinks stay unaware of
/// metrics and every sink (file, memory, Kubernetes) is counted the same way.
/// </summary>
public sealed class MeteredStatusSink(IStatusSink inner, ControlPlaneMetrics metrics) : IStatusSink
{
    /// <inheritdoc />
    public string ControllerName => inner.ControllerName;

    /// <inheritdoc />
    public bool StoresObjects => inner.StoresObjects;

    /// <inheritdoc />
    public async Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct)
    {
        var kind = write.Key.Kind;
        StatusWriteReceipt result;
        try
        {
            result = await inner.WriteAsync(write, ct).ConfigureAwait(false);
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
        // A conflict is counted per 409 answer: the entity reads, merges and writes again, each a write of its own.
        metrics.StatusWrite(kind, result.Outcome switch
        {
            StatusWriteOutcome.Written => StatusWriteResult.Written,
            StatusWriteOutcome.Conflict => StatusWriteResult.Conflict,
            _ => StatusWriteResult.Skipped,
        });
        return result;
    }

    /// <inheritdoc />
    public Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct) => inner.RemoveAsync(removal, ct);

    /// <inheritdoc />
    public Task<StoredStatus?> ReadAsync(Actors.Resources.ResourceKey key, CancellationToken ct) => inner.ReadAsync(key, ct);
}
