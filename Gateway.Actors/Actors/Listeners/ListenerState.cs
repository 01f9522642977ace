using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>
/// The reconciled state of one listener: its ListenerStatus, the routes attached to it and its slice of the route
/// table, which replicas serve it, and the one fact it reconciles for its Gateway: how many live replicas programmed
/// it (<see cref="ProgrammedReplicas"/>). A listener's status is part of its Gateway's status, so this entity never
/// writes; it tells its GatewayEntity that count (<see cref="ToTell"/>), and the Gateway composes it into the
/// listener's conditions (one writer per Kubernetes object).
/// </summary>
/// <param name="Core">The shared part.</param>
/// <param name="Told">The count last told to the Gateway entity (null: nothing told by this incarnation).</param>
public sealed record ListenerState(ReconciledObject Core, int? Told = null) : IEntityState<ListenerState>
{
    /// <summary>A new incarnation for the entity id gatewayNamespace/gateway/listener.</summary>
    public static ListenerState Create(string id, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.Listener, id), selfNode, selfNodeName));

    /// <summary>The Gateway entity id (namespace/name) and the listener's name, from the entity id.</summary>
    public (string Gateway, string Listener) Names
    {
        get
        {
            var id = Core.Entity.Id;
            var last = id.LastIndexOf('/');
            return (id[..last], id[(last + 1)..]);
        }
    }

    /// <summary>Live replicas whose data plane serves this listener (this node's own content included).</summary>
    public int ProgrammedReplicas => Core.ProgrammedBy.Count(r => r.Present && r.Programmed);

    /// <summary>
    /// The count to tell the Gateway entity now, or null when there is nothing to tell: this node has no content for
    /// the listener, or the count was told already. Once this node has content the first count is always told, so a
    /// Gateway incarnation that started meanwhile learns it (listeners re-tell on their next report).
    /// </summary>
    public int? ToTell => Core.Local is null || Told == ProgrammedReplicas ? null : ProgrammedReplicas;

    /// <inheritdoc />
    public ListenerState Apply(IObjectEvent e) => e switch
    {
        ListenerProgrammedTold told => this with { Told = told.Replicas },
        // A report may come from a new Gateway incarnation's re-send wave: tell the count again with it.
        NodeReported => this with { Core = Core.Apply(e), Told = null },
        _ => this with { Core = Core.Apply(e) },
    };

    /// <inheritdoc />
    public EntityDecision Decide() => Core.Decide(null, null);

    /// <inheritdoc />
    public string DesiredText => Core.Local?.StatusText ?? "";
}

/// <summary>The Listener entity told its Gateway entity that <paramref name="Replicas"/> live replicas programmed it.</summary>
public sealed record ListenerProgrammedTold(int Replicas) : IObjectEvent;
