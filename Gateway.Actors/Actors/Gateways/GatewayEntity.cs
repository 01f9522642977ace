using Akka.Actor;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>The sharded entity of one Gateway (see <see cref="GatewayState"/> for what it holds and decides).</summary>
public sealed class GatewayEntity : ObjectEntity<GatewayState>
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "gateway";

    /// <summary>Creates the entity <paramref name="entityId"/> on this node.</summary>
    public GatewayEntity(string entityId, EntityServices services)
        : base(GatewayState.Create(entityId, services.SelfNode, services.SelfNodeName), services)
    {
        HandleReports<ApplyGatewayReport>(m => m.Report);
        HandleQueries<GetGatewayState>();
        HandleEvents<ApplyListenerProgrammed>(m => new ListenerProgrammedReported(m.Listener, m.Replicas));
    }

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props PropsFor(string entityId, EntityServices services) => Props.Create(() => new GatewayEntity(entityId, services));
}
