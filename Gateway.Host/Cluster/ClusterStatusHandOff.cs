using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Pipeline;

namespace Gateway.Host.Cluster;

/// <summary>
/// Cluster mode's status hand-off: the pass's result is split per entity (<see cref="NodeContentBuilder"/>, which
/// builds content only for objects whose status, slice or facts changed since the previous pass and keeps every other
/// object's) and given to this node's <see cref="NodeReporter"/>, which keeps it as the node's content and reports
/// changes to the owning entities. Waits for their acknowledgements, bounded by <see cref="GatewayClusterOptions.HandOffTimeout"/>;
/// before this replica first becomes a member it waits (bounded) for that, since shard regions only buffer until then.
/// In Kubernetes mode each Gateway's content also carries what this node plans to provision for it
/// (<see cref="IGatewayProvisioningPlanner"/>), which the Gateway's entity carries out; Gateways that an earlier run
/// provisioned and that are gone are reported gone on the first pass, so their entities remove what is left.
/// </summary>
public sealed class ClusterStatusHandOff(ActorSystem system, GatewayClusterOptions options, IGatewayProvisioningPlanner? planner = null, Actors.Status.IStatusSink? nodeSink = null)
    : IStatusHandOff
{
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // One per node: it remembers the previous pass's content. The status stage calls one hand-off at a time.
    private readonly NodeContentBuilder _content = new();
    private int _registered;
    private int _orphansReported;
    private volatile bool _removed;

    /// <summary>The longest the owners' warm-up may take (it normally takes a few milliseconds).</summary>
    public static readonly TimeSpan OwnersWarmUpTimeout = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    /// <remarks>
    /// A route entity outside sharding writes and removes the status of a synthetic route on a throwaway sink of the
    /// node's kind: a memory sink (whole objects, the status directory's base code) unless the node's sink is the
    /// status subresource (the node sink given to the constructor stores no objects), then <see cref="SharedStatusWarmUpSink"/>.
    /// </remarks>
    public async Task<string?> WarmUpOwnersAsync(string controllerName, CancellationToken ct)
    {
        var node = NodeIds.Of(Akka.Cluster.Cluster.Get(system).SelfUniqueAddress);
        Actors.Status.IStatusSink sink = nodeSink is { StoresObjects: false } ? new SharedStatusWarmUpSink(controllerName) : new Status.MemoryStatusSink(controllerName);
        var outcome = await EntityWarmUp.RunAsync(system, sink, node, OwnersWarmUpTimeout, ct).ConfigureAwait(false);
        return $"a route entity's status write ({outcome.Write?.ToString() ?? "not reached"}) and removal ({outcome.Removal?.ToString() ?? "not reached"}) "
            + $"on a throwaway {(sink.StoresObjects ? "memory" : "shared-status")} sink{(outcome.Stopped ? "" : $", not through within {OwnersWarmUpTimeout.TotalSeconds:0} s")}";
    }

    /// <inheritdoc />
    public bool Stopped => CoordinatedShutdown.Get(system).ShutdownReason is not null || system.WhenTerminated.IsCompleted;

    /// <inheritdoc />
    public async Task<StatusHandOffResult> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied, IReadOnlyCollection<ResourceKey> storedKeys,
        CancellationToken ct)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            cluster.RegisterOnMemberUp(() => _up.TrySetResult());
            cluster.RegisterOnMemberRemoved(() => _removed = true);
        }
        if (!_up.Task.IsCompleted) await Task.WhenAny(_up.Task, Task.Delay(options.HandOffTimeout, ct)).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();

        var reporter = await ActorRegistry.For(system).GetAsync<NodeReporter>(ct).ConfigureAwait(false);
        var prepareStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var provisioning = planner?.Plan(snapshot);
        var content = _content.Next(NodeIds.Of(cluster.SelfUniqueAddress), result, snapshot, applied, provisioning?.Plans);
        if (provisioning is not null && Interlocked.Exchange(ref _orphansReported, 1) == 0) storedKeys = [.. storedKeys.Union(provisioning.Orphans)];
        var built = _content.LastBuilt;
        // Only a member in good standing waits for acknowledgements: a replica not yet joined, or downed by the other
        // side of a partition, publishes to its cache and reports (buffered or dropped) without holding the pipeline.
        // (The read view's SelfMember lags the MemberUp callback by a moment, showing its initial Removed; removal itself
        // is known from its own callback.)
        var member = _up.Task.IsCompleted && !_removed && cluster.SelfMember.Status is not (MemberStatus.Down or MemberStatus.Leaving or MemberStatus.Exiting);
        var prepare = System.Diagnostics.Stopwatch.GetElapsedTime(prepareStarted);
        var done = new TaskCompletionSource<HandOffResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        reporter.Tell(new PublishNodeContent(content, storedKeys, member ? options.HandOffTimeout : TimeSpan.Zero, done));
        var handed = await done.Task.WaitAsync(options.HandOffTimeout + TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);

        var errors = new List<string>();
        if (handed.Count(ReportOutcome.Failed) is > 0 and var failed)
            errors.Add($"status: {failed} owner(s) failed to write or remove a status (see their logs); retried with the next change");
        return new StatusHandOffResult(handed.Count(ReportOutcome.Written), handed.Count(ReportOutcome.Unchanged), handed.Count(ReportOutcome.Removed),
            handed.Unacknowledged.Length + handed.Count(ReportOutcome.Deferred), errors)
        {
            Prepare = prepare,
            ContentBuilt = built,
            ContentObjects = content.Objects.Count,
            Reported = handed.Reported,
        };
    }
}
