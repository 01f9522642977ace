using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>Settings of the Service reconciler.</summary>
public sealed record GatewayServiceReconcilerOptions
{
    /// <summary>The GatewayClass controllerName whose Gateways get Services.</summary>
    public string ControllerName { get; init; } = Actors.Translation.TranslatorOptions.DefaultControllerName;

    /// <summary>Namespace, pod selector and port range of the Services.</summary>
    public GatewayServiceOptions Services { get; init; } = new();

    /// <summary>Plans again at least this often without a new snapshot, so a failed apply is retried.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The result of one reconcile pass.</summary>
public sealed record ServiceReconcileResult(long Revision, int Planned, int Applied, int Skipped, IReadOnlyList<string> Errors);

/// <summary>
/// Keeps each Gateway's Service in line with the snapshot: after every pipeline pass (and every
/// <see cref="GatewayServiceReconcilerOptions.ResyncInterval"/>) it plans (<see cref="GatewayServicePlanner"/>) and applies
/// the changes of the Gateways this node owns (<see cref="OwnsGateway"/>). The Services come back through the watch;
/// the translator reads them for addresses and container ports on the next pass.
/// </summary>
public sealed class GatewayServiceReconciler(
    SnapshotPipeline pipeline,
    CurrentSnapshot current,
    GatewayServiceApplier applier,
    OwnsGateway owns,
    GatewayServiceReconcilerOptions options,
    ILogger<GatewayServiceReconciler> logger,
    TimeProvider time) : BackgroundService
{
    private volatile ServiceReconcileResult? _last;

    /// <summary>The last pass, or null.</summary>
    public ServiceReconcileResult? LastResult => _last;

    /// <summary>Plans and applies once for <paramref name="snapshot"/>; errors are collected, never thrown (but cancellation).</summary>
    public async Task<ServiceReconcileResult> ReconcileAsync(Snapshot snapshot, CancellationToken ct)
    {
        var changes = GatewayServicePlanner.Plan(snapshot, options.ControllerName, options.Services);
        int applied = 0, skipped = 0;
        var errors = new List<string>();
        foreach (var change in changes)
        {
            if (!change.Orphaned && !owns(change.Gateway))
            {
                skipped++;
                continue;
            }
            try
            {
                if (await applier.ApplyAsync(change, ct).ConfigureAwait(false) != ServiceApplyOutcome.Unchanged) applied++;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogError("Service {Service} of {Gateway}: {Error}; retried on the next pass", change.ServiceKey, change.Gateway, KubernetesSource.Describe(e));
                errors.Add($"{change.ServiceKey}: {KubernetesSource.Describe(e)}");
            }
        }
        var result = new ServiceReconcileResult(snapshot.Revision, changes.Count, applied, skipped, errors);
        _last = result;
        return result;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        long revision = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(options.ResyncInterval);
                try
                {
                    await pipeline.WaitForRevisionAsync(revision + 1, wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Resync: plan again from the same snapshot, retrying what failed.
                }
                var snapshot = current.Value;
                if (snapshot.Revision == 0) continue;
                revision = snapshot.Revision;
                await ReconcileAsync(snapshot, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Service reconcile pass failed");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
