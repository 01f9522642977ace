using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>Routes Listener messages to their entity: entity id = the message's Id, shard = hash(id) mod <see cref="Sharding.ShardCount"/>.</summary>
public sealed class ListenerExtractor() : HashCodeMessageExtractor(Sharding.ShardCount)
{
    /// <inheritdoc />
    public override string? EntityId(object message) => message switch
    {
        ApplyListenerReport m => m.Id,
        GetListenerState m => m.Id,
        _ => null,
    };
}
