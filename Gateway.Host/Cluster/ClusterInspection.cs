using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Pipeline;

namespace Gateway.Host.Cluster;

/// <summary>One cluster member as the inspection routes show it.</summary>
public sealed record MemberView(string Node, string Address, string Status, bool Reachable, bool Self, bool Leader, ImmutableArray<string> Roles);

/// <summary>The cluster as this replica sees it, and this replica's version (<see cref="Hosting.GatewayVersion"/>).</summary>
public sealed record MembersView(string Self, string SelfName, string SelfStatus, string? Leader, ImmutableArray<MemberView> Members, string Version);

/// <summary>Which replica hosts which shards (and how many entities run in each), per entity type.</summary>
/// <param name="Regions">Per entity type, per replica address: its shards and entity counts.</param>
/// <param name="Live">True when every region answered just now; false when this is the last placement seen (at
/// <paramref name="AsOf"/>), because a member is not serving or the query did not complete in time.</param>
/// <param name="AsOf">When the regions reported this placement; null when no placement was ever seen.</param>
/// <param name="Moving">Shards whose owner in this placement is not serving any more (they are being re-allocated).</param>
public sealed record PlacementView(
    ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, RegionPlacement>> Regions,
    bool Live = true,
    DateTimeOffset? AsOf = null,
    ImmutableArray<MovingShard> Moving = default);

/// <summary>A shard whose last known owner is not serving: it moves from there to one of the candidates.</summary>
public sealed record MovingShard(string Type, string Shard, string From, string FromState, ImmutableArray<string> Candidates);

/// <summary>An object whose entity cannot answer now because its shard is moving between replicas.</summary>
public sealed record MovingObjectView(string Entity, string Shard, string? From, string FromState, ImmutableArray<string> Candidates, string Reason, DateTimeOffset? PlacementAsOf)
{
    /// <summary>Always true: tells a reader this is not the entity's state.</summary>
    public bool Moving => true;
}

/// <summary>The answer to a query for one object's live state.</summary>
public abstract record ObjectAnswer;

/// <summary>The entity answered.</summary>
public sealed record ObjectFound(ObjectStateView State) : ObjectAnswer;

/// <summary>This replica's last translation has no such object; nothing was asked or created.</summary>
public sealed record ObjectNotFound(EntityRef Entity) : ObjectAnswer;

/// <summary>The entity is moving (its owner is gone, or it did not answer in time).</summary>
public sealed record ObjectMoving(MovingObjectView View) : ObjectAnswer;

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
public sealed class ClusterInspection(ActorSystem system, SnapshotPipeline pipeline, GatewayClusterOptions options, Status.StatusSinkBase sink,
    Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime, SuspectedMembers suspected)
{
    /// <summary>
    /// How long a placement query may wait for the shard coordinators and regions. Healthy replicas answer in
    /// milliseconds; a query not answered within this is answered from the last placement seen.
    /// </summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long an entity may take to answer before it is reported as not answering (moving).</summary>
    public static readonly TimeSpan EntityTimeout = TimeSpan.FromSeconds(1);

    private PlacementView? _lastPlacement;

    private static readonly EntityKind[] Kinds = [EntityKind.GatewayClass, EntityKind.Gateway, EntityKind.Listener, EntityKind.Route];

    /// <summary>The last shard placement seen (refreshed by <see cref="PlacementRefresher"/>), or null before the first.</summary>
    public PlacementView? LastPlacement => Volatile.Read(ref _lastPlacement);

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
        return new MembersView(NodeIds.Of(cluster.SelfUniqueAddress), options.EffectiveNodeName, cluster.SelfMember.Status.ToString(), state.Leader?.ToString(), members,
            Hosting.GatewayVersion.Current);
    }

    /// <summary>
    /// Shard placement of every entity type. While every member serves, asks the shard coordinators (which ask every
    /// region) and remembers the answer; otherwise, or when they do not answer within <see cref="QueryTimeout"/>,
    /// answers at once with the last placement seen (<see cref="PlacementView.Live"/> false) and the shards that are
    /// moving because their owner stopped serving.
    /// </summary>
    public async Task<PlacementView> PlacementAsync(CancellationToken ct)
    {
        var members = MemberStates();
        if (ShardLocator.AllServing(members))
        {
            try
            {
                var live = await LivePlacementAsync(ct).ConfigureAwait(false);
                Volatile.Write(ref _lastPlacement, live);
                return live;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
            {
                // Answered below from the last placement seen.
                members = MemberStates();
            }
        }
        var last = Volatile.Read(ref _lastPlacement) ?? new PlacementView(ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, RegionPlacement>>.Empty, AsOf: null);
        return last with { Live = false, Moving = ShardLocator.MovingShards(last, members) };
    }

    private async Task<PlacementView> LivePlacementAsync(CancellationToken ct)
    {
        var asked = Kinds.Select(async kind => (Kind: kind, Stats: await Region(kind).Ask<ClusterShardingStats>(
            new GetClusterShardingStats(QueryTimeout - TimeSpan.FromMilliseconds(500)), QueryTimeout, ct).ConfigureAwait(false))).ToList();
        var regions = ImmutableSortedDictionary.CreateBuilder<string, ImmutableSortedDictionary<string, RegionPlacement>>(StringComparer.Ordinal);
        foreach (var (kind, stats) in await Task.WhenAll(asked).ConfigureAwait(false))
        {
            regions[EntityExtractors.TypeName(kind)] = stats.Regions.ToImmutableSortedDictionary(
                p => p.Key.ToString(),
                p => new RegionPlacement(p.Value.Stats.Values.Sum(), p.Value.Stats.ToImmutableSortedDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal)),
                StringComparer.Ordinal);
        }
        return new PlacementView(regions.ToImmutable(), Live: true, AsOf: DateTimeOffset.UtcNow, Moving: []);
    }

    /// <summary>Every object this replica's last pass produced, with its shard and that shard's owner.</summary>
    public async Task<ImmutableArray<ObjectOwnerView>> ObjectsAsync(CancellationToken ct)
    {
        var placement = await PlacementAsync(ct).ConfigureAwait(false);
        var content = await NodeContentAsync(ct).ConfigureAwait(false);
        return ObjectsOf(placement, content);
    }

    /// <summary>Every object of <paramref name="content"/>, with its shard and that shard's owner in <paramref name="placement"/>.</summary>
    public static ImmutableArray<ObjectOwnerView> ObjectsOf(PlacementView placement, NodeContent content) =>
    [
        .. content.Objects.Keys.Select(e =>
        {
            var shard = EntityExtractors.ShardOf(e);
            return new ObjectOwnerView(e.ToString(), e.Kind, e.Id, shard, ShardLocator.OwnerOf(placement, EntityExtractors.TypeName(e.Kind), shard));
        }),
    ];

    /// <summary>This node's latest content, as its reporter holds it (empty before the first pass).</summary>
    public async Task<NodeContent> NodeContentAsync(CancellationToken ct)
    {
        var reporter = await ActorRegistry.For(system).GetAsync<NodeReporter>(ct).ConfigureAwait(false);
        return await reporter.Ask<NodeContent>(GetNodeContent.Instance, QueryTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The live state of <paramref name="entity"/>, from its owner wherever it runs. An object this replica's last
    /// translation does not have is not found, and nothing is asked (asking would start an entity). An object whose
    /// shard's last known owner stopped serving is moving, answered at once; so is one whose owner does not answer
    /// within <see cref="EntityTimeout"/>.
    /// </summary>
    public async Task<ObjectAnswer> ObjectStateAsync(EntityRef entity, CancellationToken ct)
    {
        if (!(await NodeContentAsync(ct).ConfigureAwait(false)).Objects.ContainsKey(entity)) return new ObjectNotFound(entity);
        var shard = EntityExtractors.ShardOf(entity);
        var placement = Volatile.Read(ref _lastPlacement);
        var lastOwner = ShardLocator.OwnerOf(placement, EntityExtractors.TypeName(entity.Kind), shard);
        var members = MemberStates();
        if (ShardLocator.Locate(lastOwner, members) is ShardMoving moving)
            return new ObjectMoving(new MovingObjectView(entity.ToString(), shard, moving.From, moving.FromState, moving.Candidates,
                $"the shard's owner is {moving.FromState}; the shard coordinator re-allocates it to a serving member", placement?.AsOf));
        try
        {
            return new ObjectFound(await Region(entity.Kind).Ask<ObjectStateView>(EntityCommands.Query(entity), EntityTimeout, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new ObjectMoving(new MovingObjectView(entity.ToString(), shard, lastOwner, lastOwner is null ? "unknown" : "not answering",
                [.. members.Where(m => m.Value.Serving).Select(m => m.Key).Order(StringComparer.Ordinal)],
                $"the entity did not answer within {EntityTimeout.TotalSeconds:0.#} s (its shard is being allocated or handed over, or its owner is busy)", placement?.AsOf));
        }
    }

    /// <summary>This replica's view of every member: status and reachability, by address.</summary>
    private Dictionary<string, MemberState> MemberStates()
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        return state.Members.ToDictionary(m => m.Address.ToString(),
            m => new MemberState(m.Status.ToString(), !state.Unreachable.Contains(m), suspected.Contains(m.Address.ToString())), StringComparer.Ordinal);
    }

    /// <summary>
    /// This replica's live routing table: what its data plane serves right now, per Gateway, rendered by
    /// <see cref="RouteTableYaml"/> (the golden-file shape). Empty when no HTTP data plane runs.
    /// </summary>
    public string LiveRouteTable() => RouteTableYaml.Render(LiveTables(pipeline.DataPlane as DataPlane.DataPlane));

    /// <summary>Status writes that changed something, per object, made by this replica (its entities) since it started.</summary>
    public ImmutableSortedDictionary<string, int> StatusWrites() =>
        sink.WriteCounts.ToImmutableSortedDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal);

    /// <summary>Alive, and ready once the first full sync has been translated and the data plane bound, until shutdown starts.</summary>
    public HealthView Health()
    {
        var reasons = ImmutableArray.CreateBuilder<string>();
        var ready = pipeline.Serving.IsCompletedSuccessfully;
        if (!ready) reasons.Add("first full sync not yet translated and applied to the data plane");
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            ready = false;
            reasons.Add("shutting down: the data plane drains, then this replica hands its entities over and leaves");
        }
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

/// <summary>
/// Refreshes <see cref="ClusterInspection"/>'s last seen shard placement every <see cref="Interval"/> while every
/// member serves, so that when a replica dies, inspection knows which shards it owned without asking anyone.
/// One placement query asks each region of the four entity types once: a handful of messages per interval.
/// </summary>
public sealed class PlacementRefresher(ClusterInspection inspection, Microsoft.Extensions.Logging.ILogger<PlacementRefresher> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    /// <summary>Time between two refreshes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await inspection.PlacementAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Before the shard regions are registered, or while the system shuts down: the next tick tries again.
                Microsoft.Extensions.Logging.LoggerExtensions.LogDebug(logger, e, "Placement refresh failed");
            }
        }
    }
}
