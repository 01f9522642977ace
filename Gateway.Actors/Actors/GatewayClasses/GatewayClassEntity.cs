using Akka.Actor;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.GatewayClasses;

/// <summary>The sharded entity of one GatewayClass (see <see cref="GatewayClassState"/> for what it holds and decides).</summary>
public sealed class GatewayClassEntity : ObjectEntity<GatewayClassState>
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "gateway-class";

    /// <summary>Creates the entity <paramref name="entityId"/> on this node.</summary>
    public GatewayClassEntity(string entityId, EntityServices services)
        : base(GatewayClassState.Create(entityId, services.SelfNode, services.SelfNodeName), services)
    {
    }

    /// <inheritdoc />
    protected override bool ReceiveOwn(object message) => message switch
    {
        ApplyGatewayClassReport m => Report(m.Report),
        GetGatewayClassState => Query(),
        _ => false,
    };

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props PropsFor(string entityId, EntityServices services) => EntityProps.Of(() => new GatewayClassEntity(entityId, services));
}
