namespace Gateway.Actors.Actors.Common;

/// <summary>Sharding constants shared by every replica.</summary>
public static class Sharding
{
    /// <summary>
    /// Shards per entity type. Never change it in a running cluster: an entity's shard is hash(id) mod this number, so
    /// replicas with different values would place one entity in two shards. 100 is ten times a large replica count
    /// (the Akka.NET guidance), fine-grained enough to spread and rebalance a few hundred objects over three replicas.
    /// </summary>
    public const int ShardCount = 100;
}
