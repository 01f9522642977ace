using Akka.Actor;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Reporting;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>The reporter gives back the room a start-up's wave of entities left in its tables once they rested.</summary>
public sealed class NodeReporterRoomTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(EntityTestCluster.Hocon, "reporter-room", output)
{
    private const int Wave = 3000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>An entity that asks for its content when it starts, and rests and stops when told to, as an idle route entity does.</summary>
    private sealed class RestingEntity : ReceiveActor
    {
        public const string Rest = "rest";

        public RestingEntity(IActorRef reporter, EntityRef entity)
        {
            Receive<LocalContent>(_ => { });
            Receive<string>(_ => reporter.Tell(new Resting(entity)));
            Receive<RestGranted>(_ => Context.Stop(Self));
            reporter.Tell(new WatchLocalContent(entity));
        }
    }

    private async Task<NodeReporter.Room> RoomWhenAsync(IActorRef reporter, Func<NodeReporter.Room, bool> done)
    {
        NodeReporter.Room room = new(-1, -1);
        await AwaitConditionAsync(async () => done(room = await reporter.Ask<NodeReporter.Room>(NodeReporter.GetRoom.Instance, Wait)), Wait, TimeSpan.FromMilliseconds(50));
        return room;
    }

    [Fact]
    public async Task AWaveOfEntities_OnceRested_LeavesTheReportersTablesAtLittleRoom()
    {
        var node = EntityTestCluster.JoinSelf(Sys, Wait);
        var regions = new ShardRegions(TestActor, TestActor, TestActor, TestActor);
        var reporter = Sys.ActorOf(NodeReporter.PropsFor(regions, node, "self"), NodeReporter.Name);

        var entities = Enumerable.Range(0, Wave).Select(i => Sys.ActorOf(Props.Create(() => new RestingEntity(reporter, new EntityRef(EntityKind.Route, $"HTTPRoute/ns/r{i}"))))).ToList();
        var full = await RoomWhenAsync(reporter, r => r.Local == Wave);
        Assert.True(full.Capacity >= 2 * Wave, $"the wave's room: {full.Capacity}");

        foreach (var entity in entities) entity.Tell(RestingEntity.Rest);
        var rested = await RoomWhenAsync(reporter, r => r.Local == 0);

        Assert.True(rested.Capacity <= 5 * 4 * NodeReporter.MinimumRoom, $"room left after the wave rested: {rested.Capacity} (the wave's: {full.Capacity})");
    }
}
