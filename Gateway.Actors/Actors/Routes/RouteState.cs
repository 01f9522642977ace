using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Routes;

/// <summary>
/// The reconciled state of one route (or ListenerSet / BackendTLSPolicy): its status holds only the parents or
/// ancestors of this controller, written as this node's content says; the slice is the entries it produced.
/// </summary>
public sealed record RouteState(ReconciledObject Core) : IEntityState<RouteState>
{
    /// <summary>A new incarnation for the entity id Kind/namespace/name.</summary>
    public static RouteState Create(string id, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.Route, id), selfNode, selfNodeName));

    /// <inheritdoc />
    public RouteState Apply(IObjectEvent e) => this with { Core = Core.Apply(e) };

    /// <inheritdoc />
    public EntityDecision Decide() => Core.Decide(Core.Local?.Status, Core.Local?.WriteFingerprint);

    /// <inheritdoc />
    public string DesiredText => Core.Local?.StatusText ?? "";
}
