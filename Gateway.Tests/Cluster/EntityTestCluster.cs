using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Gateway.Actors.Actors;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Actors.Serialization;
using Gateway.Host.Cluster;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The set-up the entity test classes share: a self-joined one-node cluster on a loopback port with every message
/// serialized through the gateway's serializer, and the four entity regions started with real sharding.
/// </summary>
internal static class EntityTestCluster
{
    /// <summary>The actor system's configuration: cluster provider, serialize-messages on, the cluster's tuning.</summary>
    public static readonly Config Hocon = ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.actor.serialize-messages = on
        akka.actor.serializers.gateway = "{{typeof(GatewayMessageSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(IGatewayClusterMessage).AssemblyQualifiedName}}" = gateway }
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = INFO
        """).WithFallback(ClusterTuning.Hocon());

    /// <summary>Joins <paramref name="system"/> to itself, waits (bounded) until it is Up and returns its node id.</summary>
    public static string JoinSelf(ActorSystem system, TimeSpan wait)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        var deadline = DateTime.UtcNow + wait;
        while (cluster.SelfMember.Status != MemberStatus.Up)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the one-node cluster was not Up within {wait}");
            Thread.Sleep(20);
        }
        return NodeIds.Of(cluster.SelfUniqueAddress);
    }

    /// <summary>The four entity regions, started with <paramref name="services"/> and no idle passivation by sharding.</summary>
    public static ShardRegions StartRegions(ActorSystem system, EntityServices services)
    {
        var sharding = ClusterSharding.Get(system);
        var settings = ClusterShardingSettings.Create(system).WithPassivateIdleAfter(TimeSpan.Zero);
        return new ShardRegions(
            sharding.Start(GatewayClassEntity.TypeName, id => GatewayClassEntity.PropsFor(id, services), settings, new GatewayClassExtractor()),
            sharding.Start(GatewayEntity.TypeName, id => GatewayEntity.PropsFor(id, services), settings, new GatewayExtractor()),
            sharding.Start(ListenerEntity.TypeName, id => ListenerEntity.PropsFor(id, services), settings, new ListenerExtractor()),
            sharding.Start(RouteEntity.TypeName, id => RouteEntity.PropsFor(id, services), settings, new RouteExtractor()));
    }
}
