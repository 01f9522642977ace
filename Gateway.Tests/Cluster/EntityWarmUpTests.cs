using Akka.Actor;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// <see cref="EntityWarmUp"/>: the real route entity, in a real one-node cluster, writes and removes the status of the
/// synthetic route on the throwaway sink it is given, and is gone afterwards; nothing is started in sharding.
/// </summary>
[Trait("Category", "Actors")]
public sealed class EntityWarmUpTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly ResourceKey WarmUpRoute = new("HTTPRoute", "warm-up", "a");

    private readonly string _node;

    public EntityWarmUpTests(ITestOutputHelper output)
        : base(EntityTestCluster.Hocon, "entity-warm-up", output)
    {
        _node = EntityTestCluster.JoinSelf(Sys, Wait);
    }

    [Fact]
    public async Task RunAsync_RouteEntity_WritesThenRemovesTheSyntheticRoutesStatusOnTheGivenSink_AndStops()
    {
        var sink = new MemoryStatusSink(TranslatorOptions.DefaultControllerName);

        var outcome = await EntityWarmUp.RunAsync(Sys, sink, _node, Wait);

        Assert.Equal(new EntityWarmUp.Outcome(ReportOutcome.Written, ReportOutcome.Removed, Stopped: true), outcome);
        // Written once, then removed: the sink holds nothing afterwards.
        Assert.Equal(1, sink.WriteCount(WarmUpRoute));
        Assert.Null(sink.Get(WarmUpRoute));
        Assert.DoesNotContain(sink.WriteCounts.Keys, k => k != WarmUpRoute);
    }

    [Fact]
    public async Task RunAsync_SharedStatusSink_WriteWritten_RemovalFindsTheObjectGone_EntityRemovesAndStops()
    {
        var outcome = await EntityWarmUp.RunAsync(Sys, new SharedStatusWarmUpSink(TranslatorOptions.DefaultControllerName), _node, Wait);

        // The removal takes this controller's entries out (a shared status) and finds the object gone, as a deleted
        // object's removal does in Kubernetes mode; the entity counts that as removed and passivates.
        Assert.Equal(new EntityWarmUp.Outcome(ReportOutcome.Written, ReportOutcome.Removed, Stopped: true), outcome);
    }

    [Fact]
    public async Task RunAsync_Twice_NoActorLeftBehind_AndNoShardRegionStarted()
    {
        await EntityWarmUp.RunAsync(Sys, new MemoryStatusSink(TranslatorOptions.DefaultControllerName), _node, Wait);
        await EntityWarmUp.RunAsync(Sys, new MemoryStatusSink(TranslatorOptions.DefaultControllerName), _node, Wait);

        var left = await Sys.ActorSelection("/user/entity-warm-up-*").Ask<ActorIdentity>(new Identify(1), Wait);
        Assert.Null(left.Subject);
        var sharding = await Sys.ActorSelection("/system/sharding/*").Ask<ActorIdentity>(new Identify(2), Wait);
        Assert.Null(sharding.Subject);
    }
}
