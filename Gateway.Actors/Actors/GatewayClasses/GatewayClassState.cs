using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.GatewayClasses;

/// <summary>The reconciled state of one GatewayClass: its status is written as this node's content says.</summary>
public sealed record GatewayClassState(ReconciledObject Core) : IEntityState<GatewayClassState>
{
    /// <summary>A new incarnation.</summary>
    public static GatewayClassState Create(string name, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.GatewayClass, name), selfNode, selfNodeName));

    /// <inheritdoc />
    public GatewayClassState Apply(IObjectEvent e) => this with { Core = Core.Apply(e) };

    /// <inheritdoc />
    public EntityDecision Decide() => Core.Decide(Core.Local?.Status, Core.Local?.WriteFingerprint);

    /// <inheritdoc />
    public string DesiredText => Core.Local?.StatusText ?? "";
}
