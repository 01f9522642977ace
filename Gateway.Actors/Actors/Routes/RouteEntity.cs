using Akka.Actor;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Routes;

/// <summary>The sharded entity of one Route (see <see cref="RouteState"/> for what it holds and decides).</summary>
public sealed class RouteEntity : ObjectEntity<RouteState>
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "route";

    /// <summary>Creates the entity <paramref name="entityId"/> on this node.</summary>
    public RouteEntity(string entityId, EntityServices services)
        : base(RouteState.Create(entityId, services.SelfNode, services.SelfNodeName), services)
    {
    }

    /// <inheritdoc />
    protected override bool ReceiveOwn(object message) => message switch
    {
        ApplyRouteReport m => Report(m.Report),
        GetRouteState => Query(),
        _ => false,
    };

    /// <inheritdoc />
    /// <remarks>
    /// A route owns nothing across replicas: its status is written from its own node's content, which the node's
    /// reporter holds, so an idle one passivates (about 4 KB per route) and the next change or query restarts it.
    /// </remarks>
    protected override bool PassivatesWhenIdle => true;

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props PropsFor(string entityId, EntityServices services) => EntityProps.Of(() => new RouteEntity(entityId, services));
}
