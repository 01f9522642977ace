using Gateway.Actors.Status;

namespace Gateway.Actors.Actors.Common;

/// <summary>What an entity uses on the node it runs on: where its content comes from, the status sink, and who the node is.</summary>
/// <param name="ContentSource">The actor path of this node's <see cref="Reporting.NodeReporter"/>, which the entity asks for its content (<see cref="WatchLocalContent"/>).</param>
/// <param name="Sink">This node's status sink.</param>
/// <param name="SelfNode">This node (address#uid).</param>
/// <param name="SelfNodeName">Its node name.</param>
/// <param name="WriteTimeout">The longest one status write or removal may take.</param>
/// <param name="Provisioner">Gateways: carries out their provisioning plans on this node (null: nothing is provisioned, as in file mode).</param>
/// <param name="RestAfter">Route entities: how long one stays idle (status written, nothing pending) before it passivates (null: never).</param>
/// <param name="Resting">Route entities: what a passivated one knew, for its next incarnation on this node (null: nothing is kept, and none passivates when idle).</param>
/// <param name="Time">The clock that stamps lastTransitionTime when an entity merges a status (null: the system clock).</param>
/// <param name="WriteAttempts">Attempts (merge, write) per reconciliation while the sink answers Conflict (each after a fresh read).</param>
public sealed record EntityServices(string ContentSource, IStatusSink Sink, string SelfNode, string SelfNodeName, TimeSpan WriteTimeout,
    Gateways.IGatewayProvisioner? Provisioner = null, TimeSpan? RestAfter = null, RestingEntities? Resting = null, TimeProvider? Time = null,
    int WriteAttempts = EntityServices.DefaultWriteAttempts)
{
    /// <summary>The default of <see cref="WriteAttempts"/>.</summary>
    public const int DefaultWriteAttempts = 5;

    /// <summary>The clock (<see cref="Time"/>, else the system clock).</summary>
    public TimeProvider Clock => Time ?? TimeProvider.System;
}

/// <summary>Node identities as entities and reports spell them.</summary>
public static class NodeIds
{
    /// <summary>"address#uid": a replica restarted on the same address is another node.</summary>
    public static string Of(Akka.Cluster.UniqueAddress address) => $"{address.Address}#{address.Uid}";
}
