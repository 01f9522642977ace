using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>Routes Gateway messages to their entity: entity id = the message's Id, shard = hash(id) mod <see cref="Sharding.ShardCount"/>.</summary>
public sealed class GatewayExtractor() : HashCodeMessageExtractor(Sharding.ShardCount)
{
    /// <inheritdoc />
    public override string? EntityId(object message) => message switch
    {
        ApplyGatewayReport m => m.Id,
        GetGatewayState m => m.Id,
        ApplyListenerProgrammed m => m.Id,
        _ => null,
    };
}
