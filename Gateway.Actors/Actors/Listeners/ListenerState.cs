using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>
/// The reconciled state of one listener: its ListenerStatus, the routes attached to it and its slice of the route
/// table, and which replicas serve it. A listener's status is part of its Gateway's status, so the GatewayEntity
/// writes it (one writer per Kubernetes object); this entity never writes.
/// </summary>
public sealed record ListenerState(ReconciledObject Core) : IEntityState<ListenerState>
{
    /// <summary>A new incarnation for the entity id gatewayNamespace/gateway/listener.</summary>
    public static ListenerState Create(string id, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.Listener, id), selfNode, selfNodeName));

    /// <inheritdoc />
    public ListenerState Apply(IObjectEvent e) => this with { Core = Core.Apply(e) };

    /// <inheritdoc />
    public EntityDecision Decide() => Core.Decide(null, null);

    /// <inheritdoc />
    public string DesiredText => Core.Local?.StatusText ?? "";
}
