using Akka.Actor;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// Node-local: what a route entity that passivated while idle knew (its last written status, its write count, the
/// other replicas' reports), so that its next incarnation on this node resumes from it instead of reading the stored
/// status again (one API read per restart in Kubernetes mode). An entry is a few hundred bytes where a running entity
/// is about 4 KB (ActorCell, mailbox, timers, receive handlers).
/// <para>
/// An entry is valid only under the same shard actor instance that held the entity when it rested: while that
/// instance lives, the shard has not left this node, so no other replica can have owned the object and written its
/// status meanwhile. A shard that moves away and back is a new instance (a new actor uid), and its entities read the
/// stored status as any new incarnation does.
/// </para>
/// </summary>
public sealed class RestingEntities
{
    // One table under one lock: the entries are written when an entity rests or wakes and read when a replica leaves,
    // each a few dictionary operations, so the lock is held for microseconds. A ConcurrentDictionary held a node
    // object and a record per entry (about 117 bytes per resting route at 10,000 routes, against about 77 here).
    private readonly Dictionary<EntityRef, (ReconciledObject Core, IActorRef Shard)> _resting = [];
    private readonly Lock _lock = new();

    /// <summary>Entries held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _resting.Count;
        }
    }

    /// <summary>Records what <paramref name="core"/>'s entity knew as it rests under <paramref name="shard"/> (its parent).</summary>
    public void Put(ReconciledObject core, IActorRef shard)
    {
        // This node's content is not kept: the next incarnation asks the reporter for the newest one, and an old
        // content would keep its status and slice objects alive. This node's own report is rebuilt from that content.
        var entry = (core with { Local = null, LocalSynced = false, Nodes = Others(core) }, shard);
        lock (_lock) _resting[core.Entity] = entry;
    }

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, NodeReport> Others(ReconciledObject core)
    {
        var others = core.Nodes.Remove(core.SelfNode);
        return others.IsEmpty ? ReconciledObject.NoNodes : others;
    }

    /// <summary>
    /// Takes the entry of <paramref name="entity"/> (it is removed either way); null when there is none or it was left
    /// under another shard instance than <paramref name="shard"/>.
    /// </summary>
    public ReconciledObject? Take(EntityRef entity, IActorRef shard)
    {
        lock (_lock)
        {
            return _resting.Remove(entity, out var rest) && rest.Shard.Equals(shard) ? rest.Core : null;
        }
    }

    /// <summary>True when <paramref name="entity"/> rests here.</summary>
    public bool Contains(EntityRef entity)
    {
        lock (_lock) return _resting.ContainsKey(entity);
    }

    /// <summary>
    /// A replica left: its reports no longer count for any resting entity (as a running entity learns from
    /// <see cref="NodeLeft"/>), and entries whose shard instance stopped (the shard moved away) are dropped, since
    /// <see cref="Take"/> would never return them.
    /// </summary>
    public void MemberRemoved(string node)
    {
        lock (_lock)
        {
            foreach (var (entity, rest) in _resting.ToList())
            {
                if (Stopped(rest.Shard)) _resting.Remove(entity);
                else _resting[entity] = (rest.Core.Apply(new NodeLeft(node)), rest.Shard);
            }
        }
    }

    /// <summary>Drops the entry of <paramref name="entity"/> when its shard instance stopped (the object is gone and its shard lives elsewhere).</summary>
    public void ForgetIfShardGone(EntityRef entity)
    {
        lock (_lock)
        {
            if (_resting.TryGetValue(entity, out var rest) && Stopped(rest.Shard)) _resting.Remove(entity);
        }
    }

    // IInternalActorRef.IsTerminated is marked obsolete in favour of Context.Watch, but this store is no actor: for a
    // local shard actor it is an exact, synchronous answer, and watching every shard would need one more actor.
#pragma warning disable CS0618
    private static bool Stopped(IActorRef shard) => shard is IInternalActorRef { IsTerminated: true };
#pragma warning restore CS0618
}

/// <summary>
/// Node-local, an idle entity to its node's reporter: stop sending me content directly, I am about to passivate.
/// Answered with <see cref="RestGranted"/>; every later change of the object reaches it through the shard region,
/// which buffers messages for a passivating entity and starts a new incarnation for them.
/// </summary>
/// <param name="Entity">The entity.</param>
public sealed record Resting(EntityRef Entity) : INoSerializationVerificationNeeded;

/// <summary>The reporter's answer to <see cref="Resting"/>: it no longer sends the entity anything directly.</summary>
public sealed class RestGranted : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly RestGranted Instance = new();

    private RestGranted()
    {
    }
}
