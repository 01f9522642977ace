using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.GatewayClasses;

/// <summary>Routes GatewayClass messages to their entity: entity id = the message's Name, shard = hash(id) mod <see cref="Sharding.ShardCount"/>.</summary>
public sealed class GatewayClassExtractor() : HashCodeMessageExtractor(Sharding.ShardCount)
{
    /// <inheritdoc />
    public override string? EntityId(object message) => message switch
    {
        ApplyGatewayClassReport m => m.Name,
        GetGatewayClassState m => m.Name,
        _ => null,
    };
}
