using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;

namespace Gateway.Actors.Actors.Common;

/// <summary>The entity-specific commands and queries, by entity.</summary>
public static class EntityCommands
{
    /// <summary>The report command for <paramref name="entity"/>.</summary>
    public static IGatewayClusterMessage Report(EntityRef entity, NodeReport report) => entity.Kind switch
    {
        EntityKind.GatewayClass => new ApplyGatewayClassReport(entity.Id, report),
        EntityKind.Gateway => new ApplyGatewayReport(entity.Id, report),
        EntityKind.Listener => new ApplyListenerReport(entity.Id, report),
        _ => new ApplyRouteReport(entity.Id, report),
    };

    /// <summary>The state query for <paramref name="entity"/>.</summary>
    public static IGatewayClusterMessage Query(EntityRef entity) => entity.Kind switch
    {
        EntityKind.GatewayClass => new GetGatewayClassState(entity.Id),
        EntityKind.Gateway => new GetGatewayState(entity.Id),
        EntityKind.Listener => new GetListenerState(entity.Id),
        _ => new GetRouteState(entity.Id),
    };

    /// <summary>This node's report for <paramref name="content"/> (or, when null, that the object is gone here).</summary>
    public static NodeReport ReportOf(EntityRef entity, ObjectContent? content, string node, string nodeName, long revision) => content is null
        ? new NodeReport(node, nodeName, revision, false, "", false, [])
        : new NodeReport(node, nodeName, revision, true, content.Fingerprint.ToString(), content.Programmed, content.Addresses);
}
