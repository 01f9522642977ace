using Akka.Actor;
using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// A route entity between its Passivate and its stop, held there by stand-ins for its shard (which records the
/// Passivate and does not stop it) and its region (which hands the test whatever the entity sends back through it),
/// so what reaches it in that window arrives deterministically. The entity is the real one, in a real one-node
/// cluster, with the real memory status sink; the test plays this node's reporter.
/// </summary>
[Trait("Category", "Actors")]
public sealed class PassivatingEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ResourceKey RouteA = new("HTTPRoute", "default", "a");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly string _node;

    public PassivatingEntityTests(ITestOutputHelper output)
        : base(EntityTestCluster.Hocon, "passivating-entity", output)
    {
        _node = EntityTestCluster.JoinSelf(Sys, Wait);
    }

    /// <summary>
    /// A route is deleted here and created again at once: the entity removes its status and passivates on this node's
    /// report that it is gone; the report of its re-creation then reaches the passivating incarnation directly (the
    /// reporter still knows it). The incarnation decides nothing (no write, no acknowledgement) and sends the report back
    /// through the region as the report command, with the reporter as sender, so the next incarnation decides it.
    /// </summary>
    [Fact]
    public void PassivatingIncarnation_ReportArrivingWithItsContent_GoesBackThroughTheRegion_NothingWrittenOrAcknowledged()
    {
        var sink = new MemoryStatusSink(TranslatorOptions.DefaultControllerName);
        var reporter = CreateTestProbe("reporter");
        var region = CreateTestProbe("region");
        var entity = EntityRef.ForStatus(RouteA);
        var services = new EntityServices(reporter.Ref.Path.ToStringWithoutAddress(), sink, _node, "self", TimeSpan.FromSeconds(5));
        Sys.ActorOf(Props.Create(() => new RegionStandIn(RouteEntity.PropsFor(entity.Id, services), entity.Id, region.Ref, TestActor)), "region-stand-in");
        var started = ExpectMsg<EntityStarted>(Wait).Entity;
        var (result, snapshot) = NodeContentTests.Translate(NodeContentTests.Manifests);
        var content = new NodeContentBuilder().Next(_node, result, snapshot, applied: true).Objects[entity];

        reporter.ExpectMsg<WatchLocalContent>(w => w.Entity == entity, Wait);
        reporter.Reply(new LocalContent(entity, content, true, EntityCommands.ReportOf(entity, content, _node, "self", 1)));
        Assert.Equal(ReportOutcome.Written, reporter.ExpectMsg<NodeReportApplied>(Wait).Outcome);
        Assert.Equal(1, sink.WriteCount(RouteA));

        started.Tell(new LocalContent(entity, null, true, EntityCommands.ReportOf(entity, null, _node, "self", 2)), reporter.Ref);
        Assert.Equal(ReportOutcome.Removed, reporter.ExpectMsg<NodeReportApplied>(Wait).Outcome);
        ExpectMsg<PassivateRequested>(Wait);
        Assert.Null(sink.Get(RouteA));

        var recreated = EntityCommands.ReportOf(entity, content, _node, "self", 3);
        started.Tell(new LocalContent(entity, content, true, recreated), reporter.Ref);

        var forwarded = region.ExpectMsg<ApplyRouteReport>(Wait);
        Assert.Equal((entity.Id, recreated), (forwarded.Id, forwarded.Report));
        Assert.Equal(reporter.Ref, region.LastSender);
        reporter.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Null(sink.Get(RouteA));
        Assert.Equal(1, sink.WriteCount(RouteA));
    }

    private sealed record EntityStarted(IActorRef Entity) : INoSerializationVerificationNeeded;

    private sealed class PassivateRequested : INoSerializationVerificationNeeded;

    /// <summary>Stands in for a shard region: starts the shard stand-in and hands the test whatever else reaches it.</summary>
    private sealed class RegionStandIn : ReceiveActor
    {
        public RegionStandIn(Props entity, string entityId, IActorRef region, IActorRef test)
        {
            Context.ActorOf(Props.Create(() => new ShardStandIn(entity, entityId, test)), "shard");
            ReceiveAny(m => region.Forward(m));
        }
    }

    /// <summary>Stands in for a shard: starts the entity, tells the test of a Passivate and never stops the entity.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(Props entity, string entityId, IActorRef test)
        {
            var child = Context.ActorOf(entity, Uri.EscapeDataString(entityId));
            test.Tell(new EntityStarted(child));
            Receive<Passivate>(_ => test.Tell(new PassivateRequested()));
        }
    }
}
