using System.Collections.Immutable;

namespace Gateway.Host.Cluster;

/// <summary>A cluster member as this replica's membership view shows it.</summary>
/// <param name="Status">Akka member status (Up, Leaving, Down, ...).</param>
/// <param name="Reachable">False when this replica's failure detector marked it unreachable.</param>
/// <param name="Suspected">True while its association dropped and its process is being checked (<see cref="DeadMemberProbe"/>).</param>
public sealed record MemberState(string Status, bool Reachable, bool Suspected = false)
{
    /// <summary>Up, reachable and not suspected: messages to its shards are delivered and answered.</summary>
    public bool Serving => Reachable && !Suspected && Status is "Up" or "WeaklyUp";
}

/// <summary>Where a shard's entities can be asked, as decided by <see cref="ShardLocator.Locate"/>.</summary>
public abstract record ShardLocation;

/// <summary>The shard's last known owner is serving: ask it (or the region finds the shard on its own).</summary>
/// <param name="Owner">The last known owner; null when this replica never saw the shard placed.</param>
public sealed record AskOwner(string? Owner) : ShardLocation;

/// <summary>The shard's last known owner is not serving any more: the shard is moving to one of the candidates.</summary>
/// <param name="From">The last known owner.</param>
/// <param name="FromState">What became of it: unreachable, a member status (Leaving, Exiting, Down), or removed.</param>
/// <param name="Candidates">The serving members the coordinator can allocate the shard to.</param>
public sealed record ShardMoving(string From, string FromState, ImmutableArray<string> Candidates) : ShardLocation;

/// <summary>
/// Decides, from local knowledge only (this replica's membership view and the last shard placement it saw), whether
/// asking a shard's entity can be answered now. Asking an entity whose owner is gone blocks until the coordinator has
/// re-allocated the shard (seconds during a failover); an inspection query must answer at once instead, saying that
/// the entity is moving and from where.
/// </summary>
public static class ShardLocator
{
    /// <summary>The location of a shard last seen at <paramref name="lastOwner"/>, given the members' states.</summary>
    public static ShardLocation Locate(string? lastOwner, IReadOnlyDictionary<string, MemberState> members)
    {
        if (lastOwner is null) return new AskOwner(null);
        if (members.TryGetValue(lastOwner, out var state) && state.Serving) return new AskOwner(lastOwner);
        var fromState = state is null ? "removed" : !state.Reachable ? "unreachable" : state.Suspected ? "disconnected (checking whether its process is gone)" : state.Status;
        return new ShardMoving(lastOwner, fromState, [.. members.Where(m => m.Value.Serving).Select(m => m.Key).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The shards of a placement whose owner is not serving, per entity type. A placement taken while every member
    /// served can only be trusted for the members that still do.
    /// </summary>
    public static ImmutableArray<MovingShard> MovingShards(PlacementView placement, IReadOnlyDictionary<string, MemberState> members) =>
    [
        .. from type in placement.Regions
           from region in type.Value
           let location = Locate(region.Key, members)
           where location is ShardMoving
           from shard in region.Value.Shards.Keys
           let moving = (ShardMoving)location
           select new MovingShard(type.Key, shard, moving.From, moving.FromState, moving.Candidates),
    ];

    /// <summary>The owner of <paramref name="shard"/> of entity type <paramref name="typeName"/> in a placement, if it shows one.</summary>
    public static string? OwnerOf(PlacementView? placement, string typeName, string shard) =>
        placement?.Regions.GetValueOrDefault(typeName)?.FirstOrDefault(r => r.Value.Shards.ContainsKey(shard)).Key;

    /// <summary>True when every member serves: a placement query then gets an answer from every region.</summary>
    public static bool AllServing(IReadOnlyDictionary<string, MemberState> members) => members.Values.All(m => m.Serving);
}
