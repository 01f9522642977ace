using System.Collections.Concurrent;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// The entities running on this node right now (added when an entity starts, removed when it stops). Cluster
/// sharding places each entity on exactly one node, so "the Gateway's entity runs here" is how a node knows it owns a
/// Gateway for work that must happen once in the cluster besides status writes (provisioning its Kubernetes Service).
/// </summary>
public sealed class LocalEntities
{
    private readonly ConcurrentDictionary<EntityRef, byte> _running = new();

    /// <summary>Whether <paramref name="entity"/> runs on this node.</summary>
    public bool Contains(EntityRef entity) => _running.ContainsKey(entity);

    /// <summary>The entities running here, ordered.</summary>
    public IReadOnlyList<EntityRef> Snapshot() => _running.Keys.Order().ToList();

    internal void Started(EntityRef entity) => _running[entity] = 0;

    internal void Stopped(EntityRef entity) => _running.TryRemove(entity, out _);
}
