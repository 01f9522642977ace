using Akka.Actor;
using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Gateways;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>The sharded entity of one Listener (see <see cref="ListenerState"/> for what it holds and decides).</summary>
public sealed class ListenerEntity : ObjectEntity<ListenerState>
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "listener";

    /// <summary>Creates the entity <paramref name="entityId"/> on this node.</summary>
    public ListenerEntity(string entityId, EntityServices services)
        : base(ListenerState.Create(entityId, services.SelfNode, services.SelfNodeName), services)
    {
    }

    /// <inheritdoc />
    protected override bool ReceiveOwn(object message) => message switch
    {
        ApplyListenerReport m => Report(m.Report),
        GetListenerState => Query(),
        _ => false,
    };

    /// <summary>Tells the Gateway entity which live replicas programmed this listener, when that is news.</summary>
    protected override void Reconciled()
    {
        if (State.ToTell is not { } nodes) return;
        var (gateway, listener) = State.Names;
        ClusterSharding.Get(Context.System).ShardRegion(GatewayEntity.TypeName).Tell(new ApplyListenerProgrammed(gateway, listener, nodes), Self);
        Record(new ListenerProgrammedTold(nodes));
    }

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props PropsFor(string entityId, EntityServices services) => EntityProps.Of(() => new ListenerEntity(entityId, services));
}
