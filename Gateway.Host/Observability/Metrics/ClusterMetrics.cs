using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster;
using Gateway.Host.Cluster;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// The cluster's gauges (meter <see cref="ControlPlaneMetrics.MeterName"/>, on the control plane's meter), read at
/// collection time from what the replica already knows: the members and their status from Akka's cluster state, and
/// the entities hosted here and shard moves from the shard placement that <see cref="PlacementRefresher"/> refreshes
/// every few seconds (so these two trail the cluster by up to that interval).
/// </summary>
public sealed class ClusterMetrics
{
    private static readonly MemberStatus[] Statuses = Enum.GetValues<MemberStatus>();
    private readonly ActorSystem _system;
    private readonly ClusterInspection _inspection;
    private readonly Lock _gate = new();
    private PlacementView? _compared;
    private long _rebalances;

    /// <summary>Creates the gauges on <paramref name="metrics"/>' meter.</summary>
    public ClusterMetrics(ControlPlaneMetrics metrics, ActorSystem system, ClusterInspection inspection)
    {
        _system = system;
        _inspection = inspection;
        metrics.Meter.CreateObservableGauge("gateway.cluster.members", Members, unit: null,
            "Cluster members as this replica sees them, by status (Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed) and reachability");
        metrics.Meter.CreateObservableGauge("gateway.entities", Entities, unit: null,
            "Sharded entities (GatewayClass, Gateway, Listener, Route) hosted on this replica, by kind");
        metrics.Meter.CreateObservableCounter("gateway.shard.rebalances", Rebalances, unit: null,
            "Shards seen moving to another replica (rebalance or failover) between two placements this replica refreshed");
    }

    private IEnumerable<Measurement<int>> Members()
    {
        var state = Akka.Cluster.Cluster.Get(_system).State;
        foreach (var status in Statuses)
        {
            var reachable = 0;
            var unreachable = 0;
            foreach (var member in state.Members)
            {
                if (member.Status != status) continue;
                if (state.Unreachable.Contains(member)) unreachable++;
                else reachable++;
            }
            yield return new Measurement<int>(reachable, new("status", status.ToString()), new("reachable", "true"));
            if (unreachable > 0) yield return new Measurement<int>(unreachable, new("status", status.ToString()), new("reachable", "false"));
        }
    }

    private IEnumerable<Measurement<int>> Entities()
    {
        if (_inspection.LastPlacement is not { } placement) yield break;
        var self = Akka.Cluster.Cluster.Get(_system).SelfAddress;
        foreach (var (type, regions) in placement.Regions)
        {
            var here = 0;
            foreach (var (address, region) in regions)
            {
                if (IsSelf(address, self)) here += region.Entities;
            }
            yield return new Measurement<int>(here, new KeyValuePair<string, object?>("kind", type));
        }
    }

    private long Rebalances()
    {
        var placement = _inspection.LastPlacement;
        lock (_gate)
        {
            if (placement is null || ReferenceEquals(placement, _compared)) return _rebalances;
            if (_compared is not null) _rebalances += Moved(_compared, placement);
            _compared = placement;
            return _rebalances;
        }
    }

    /// <summary>Shards present in both placements whose replica differs.</summary>
    internal static int Moved(PlacementView before, PlacementView after)
    {
        var moved = 0;
        foreach (var (type, regions) in after.Regions)
        {
            if (!before.Regions.TryGetValue(type, out var old)) continue;
            var owner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (address, region) in old)
            {
                foreach (var shard in region.Shards.Keys) owner[shard] = address;
            }
            foreach (var (address, region) in regions)
            {
                foreach (var shard in region.Shards.Keys)
                {
                    if (owner.TryGetValue(shard, out var was) && was != address) moved++;
                }
            }
        }
        return moved;
    }

    /// <summary>A region address is this replica's when it is its cluster address, or a local one (a region reports itself without host).</summary>
    private static bool IsSelf(string address, Address self) =>
        address == self.ToString() || (Address.TryParse(address, out var parsed) && parsed.HasLocalScope);
}
