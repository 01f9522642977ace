using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Pipeline;

namespace Gateway.Host.Cluster;

/// <summary>One cluster member as the inspection routes show it.</summary>
public sealed record MemberView(string Node, string Address, string Status, bool Reachable, bool Self, bool Leader, ImmutableArray<string> Roles);

/// <summary>The cluster as this replica sees it.</summary>
public sealed record MembersView(string Self, string SelfName, string SelfStatus, string? Leader, ImmutableArray<MemberView> Members);

/// <summary>Which replica hosts which shards (and how many entities run in each), per entity type.</summary>
public sealed record PlacementView(ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, RegionPlacement>> Regions);

/// <summary>One replica's shards of one entity type.</summary>
public sealed record RegionPlacement(int Entities, ImmutableSortedDictionary<string, int> Shards);

/// <summary>One object known to this replica, with the shard it lives in and the replica that owns that shard.</summary>
public sealed record ObjectOwnerView(string Entity, EntityKind Kind, string Id, string Shard, string? Owner);

/// <summary>Health: alive always; ready once the first full sync was translated and the data plane bound its sockets.</summary>
public sealed record HealthView(bool Alive, bool Ready, string Member, long Revision, ImmutableArray<string> Reasons);

/// <summary>
/// What the management routes answer, independent of HTTP: cluster members, shard placement, objects and their
/// owners, one object's live entity state (asked of its owner, wherever it runs), this replica's live routing table,
/// health. Read-only.
/// </summary>
public sealed class ClusterInspection(ActorSystem system, NodeContentCache cache, SnapshotPipeline pipeline, GatewayClusterOptions options, Status.StatusSinkBase sink)
{
    /// <summary>How long a query may wait for other replicas.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    private static readonly EntityKind[] Kinds = [EntityKind.GatewayClass, EntityKind.Gateway, EntityKind.Listener, EntityKind.Route];

    /// <summary>Cluster members and their status.</summary>
    public MembersView Members()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members
            .Select(m => new MemberView(NodeIds.Of(m.UniqueAddress), m.Address.ToString(), m.Status.ToString(), !state.Unreachable.Contains(m),
                m.UniqueAddress.Equals(cluster.SelfUniqueAddress), Equals(state.Leader, m.Address), [.. m.Roles.Order(StringComparer.Ordinal)]))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToImmutableArray();
        return new MembersView(NodeIds.Of(cluster.SelfUniqueAddress), options.EffectiveNodeName, cluster.SelfMember.Status.ToString(), state.Leader?.ToString(), members);
    }

    /// <summary>Shard placement of every entity type (asks the shard coordinator, which asks every region).</summary>
    public async Task<PlacementView> PlacementAsync(CancellationToken ct)
    {
        var regions = ImmutableSortedDictionary.CreateBuilder<string, ImmutableSortedDictionary<string, RegionPlacement>>(StringComparer.Ordinal);
        foreach (var kind in Kinds)
        {
            var stats = await Region(kind).Ask<ClusterShardingStats>(new GetClusterShardingStats(QueryTimeout), QueryTimeout + TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            regions[EntityExtractors.TypeName(kind)] = stats.Regions.ToImmutableSortedDictionary(
                p => p.Key.ToString(),
                p => new RegionPlacement(p.Value.Stats.Values.Sum(), p.Value.Stats.ToImmutableSortedDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal)),
                StringComparer.Ordinal);
        }
        return new PlacementView(regions.ToImmutable());
    }

    /// <summary>Every object this replica's last pass produced, with its shard and that shard's owner.</summary>
    public async Task<ImmutableArray<ObjectOwnerView>> ObjectsAsync(CancellationToken ct)
    {
        var placement = await PlacementAsync(ct).ConfigureAwait(false);
        var owners = placement.Regions.ToDictionary(
            r => r.Key,
            r => r.Value.SelectMany(region => region.Value.Shards.Keys.Select(shard => (shard, region.Key))).ToDictionary(p => p.shard, p => p.Key, StringComparer.Ordinal),
            StringComparer.Ordinal);
        return [.. cache.Current.Objects.Keys.Select(e =>
        {
            var shard = EntityExtractors.ShardOf(e);
            var owner = owners.GetValueOrDefault(EntityExtractors.TypeName(e.Kind))?.GetValueOrDefault(shard);
            return new ObjectOwnerView(e.ToString(), e.Kind, e.Id, shard, owner);
        })];
    }

    /// <summary>The live state of <paramref name="entity"/>, from its owner wherever it runs.</summary>
    public Task<ObjectStateView> ObjectStateAsync(EntityRef entity, CancellationToken ct) =>
        Region(entity.Kind).Ask<ObjectStateView>(EntityCommands.Query(entity), QueryTimeout, ct);

    /// <summary>
    /// This replica's live routing table: what its data plane serves right now, per Gateway, rendered by
    /// <see cref="RouteTableYaml"/> (the golden-file shape). Empty when no HTTP data plane runs.
    /// </summary>
    public string LiveRouteTable() => RouteTableYaml.Render(LiveTables(pipeline.DataPlane as DataPlane.DataPlane));

    /// <summary>Status writes that changed something, per object, made by this replica (its entities) since it started.</summary>
    public ImmutableSortedDictionary<string, int> StatusWrites() =>
        sink.WriteCounts.ToImmutableSortedDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal);

    /// <summary>Alive, and ready once the first full sync has been translated and the data plane bound.</summary>
    public HealthView Health()
    {
        var reasons = ImmutableArray.CreateBuilder<string>();
        var ready = pipeline.Ready.IsCompletedSuccessfully;
        if (!ready) reasons.Add("first full sync not yet translated and applied to the data plane");
        var member = Akka.Cluster.Cluster.Get(system).SelfMember.Status;
        return new HealthView(true, ready, member.ToString(), pipeline.LastPass?.Revision ?? 0, reasons.ToImmutable());
    }

    /// <summary>Regroups per-socket live tables into per-Gateway tables (addresses sorted, ports in port order).</summary>
    public static IReadOnlyList<GatewayRouteTable> LiveTables(DataPlane.DataPlane? dataPlane) => dataPlane is null
        ? []
        : dataPlane.GetLiveTables()
            .GroupBy(t => t.Gateway)
            .OrderBy(g => g.Key)
            .Select(g => new GatewayRouteTable(g.Key,
                [.. g.Select(t => t.Socket.Address).Distinct().Order(StringComparer.Ordinal)],
                [.. g.GroupBy(t => t.Source.Port).OrderBy(p => p.Key).Select(p => p.First().Source)]))
            .ToList();

    private IActorRef Region(EntityKind kind)
    {
        var registry = ActorRegistry.For(system);
        return kind switch
        {
            EntityKind.GatewayClass => registry.Get<GatewayClassEntity>(),
            EntityKind.Gateway => registry.Get<GatewayEntity>(),
            EntityKind.Listener => registry.Get<ListenerEntity>(),
            _ => registry.Get<RouteEntity>(),
        };
    }
}
