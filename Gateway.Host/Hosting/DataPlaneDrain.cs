using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Hosting;

/// <summary>
/// The first step of a graceful shutdown: registered after every other hosted service, so the generic host stops it
/// first. It stops the data plane (no new connections, requests in flight finish) within
/// <see cref="ShutdownBudget.Drain"/>, while the ActorSystem (mirroring streams, entities) still runs; the cluster
/// hand-off comes after, when the host stops Akka.
/// </summary>
internal sealed class DataPlaneDrain(Func<ValueTask> stopDataPlane, ShutdownBudget budget, ILogger<DataPlaneDrain> logger) : IHostedService
{
    private int _stopped;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host is stopped once by the signal and once more by GatewayHost's disposal; the drain happens once.
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        logger.LogInformation("Shutting down: draining the data plane (at most {Drain:0.0} s of the {Total:0.0} s shutdown timeout)",
            budget.Drain.TotalSeconds, budget.Total.TotalSeconds);
        try
        {
            await stopDataPlane().AsTask().WaitAsync(budget.Drain, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Data plane drained in {Seconds:0.00} s", clock.Elapsed.TotalSeconds);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Data plane still had connections after {Seconds:0.00} s; going on with the shutdown", clock.Elapsed.TotalSeconds);
        }
    }
}
