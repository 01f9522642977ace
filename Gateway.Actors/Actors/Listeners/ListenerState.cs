using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>
/// The reconciled state of one listener: its ListenerStatus, the routes attached to it and its slice of the route
/// table, which replicas serve it, and the one fact it reconciles for its Gateway: which live replicas programmed
/// it (<see cref="ProgrammedNodes"/>). A listener's status is part of its Gateway's status, so this entity never
/// writes; it tells its GatewayEntity those replicas (<see cref="ToTell"/>), and the Gateway composes them into the
/// listener's conditions (one writer per Kubernetes object).
/// </summary>
/// <param name="Core">The shared part.</param>
/// <param name="Told">The replicas last told to the Gateway entity (null: nothing told since the last report).</param>
public sealed record ListenerState(ReconciledObject Core, ImmutableArray<string>? Told = null) : IEntityState<ListenerState>
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

    /// <summary>Live replicas (node ids, sorted) whose data plane serves this listener (this node's own content included).</summary>
    public ImmutableArray<string> ProgrammedNodes => [.. Core.ProgrammedBy.Where(r => r.Present && r.Programmed).Select(r => r.Node).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The replicas to tell the Gateway entity now, or null when there is nothing to tell: this node has no content for
    /// the listener, or they were told already. After every report they are told again, so a Gateway incarnation
    /// that started meanwhile learns them.
    /// </summary>
    public ImmutableArray<string>? ToTell
    {
        get
        {
            if (Core.Local is null) return null;
            var nodes = ProgrammedNodes;
            return Told is { } told && told.SequenceEqual(nodes, StringComparer.Ordinal) ? null : nodes;
        }
    }

    /// <inheritdoc />
    public ListenerState Apply(IObjectEvent e) => e switch
    {
        ListenerProgrammedTold told => this with { Told = told.Nodes },
        // A report may come from a new Gateway incarnation's re-send wave: tell the count again with it.
        NodeReported => this with { Core = Core.Apply(e), Told = null },
        _ => this with { Core = Core.Apply(e) },
    };

    /// <inheritdoc />
    public EntityDecision Decide() => Core.Decide(null, null);

    /// <inheritdoc />
    public string DesiredText => Core.Local?.StatusText ?? "";
}

/// <summary>The Listener entity told its Gateway entity that the live replicas <paramref name="Nodes"/> programmed it.</summary>
public sealed record ListenerProgrammedTold(ImmutableArray<string> Nodes) : IObjectEvent;
