using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;

namespace Gateway.Actors.Actors.Common;

/// <summary>The message extractor and region type name of each entity type.</summary>
public static class EntityExtractors
{
    /// <summary>A new extractor for <paramref name="kind"/>.</summary>
    public static HashCodeMessageExtractor For(EntityKind kind) => kind switch
    {
        EntityKind.GatewayClass => new GatewayClassExtractor(),
        EntityKind.Gateway => new GatewayExtractor(),
        EntityKind.Listener => new ListenerExtractor(),
        _ => new RouteExtractor(),
    };

    /// <summary>The shard region type name of <paramref name="kind"/>.</summary>
    public static string TypeName(EntityKind kind) => kind switch
    {
        EntityKind.GatewayClass => GatewayClassEntity.TypeName,
        EntityKind.Gateway => GatewayEntity.TypeName,
        EntityKind.Listener => ListenerEntity.TypeName,
        _ => RouteEntity.TypeName,
    };

    /// <summary>The shard of <paramref name="entity"/>.</summary>
    public static string ShardOf(EntityRef entity) => For(entity.Kind).ShardId(entity.Id, null);
}
