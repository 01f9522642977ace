using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Routes;

/// <summary>Routes Route messages to their entity: entity id = the message's Id, shard = hash(id) mod <see cref="Sharding.ShardCount"/>.</summary>
public sealed class RouteExtractor() : HashCodeMessageExtractor(Sharding.ShardCount)
{
    /// <inheritdoc />
    public override string? EntityId(object message) => message switch
    {
        ApplyRouteReport m => m.Id,
        GetRouteState m => m.Id,
        _ => null,
    };
}
