using Akka.Actor;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Routes;
using Gateway.Host.Status;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>Props made by <see cref="EntityProps"/>: the actor's type for Akka's mailbox choice, one delegate call per incarnation.</summary>
[Trait("Category", "Actors")]
public sealed class EntityPropsTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Of_AStashingActor_GetsTheDequeMailboxItsStashNeeds_AndUnstashesInOrder()
    {
        var props = EntityProps.Of(() => new StashUntilOpen(TestActor));
        Assert.Equal(typeof(StashUntilOpen), props.Type);

        var actor = Sys.ActorOf(props);
        actor.Tell("a");
        actor.Tell("b");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        actor.Tell(StashUntilOpen.Open);

        Assert.Equal("a", ExpectMsg<string>(Wait));
        Assert.Equal("b", ExpectMsg<string>(Wait));
    }

    [Fact]
    public void Of_EveryIncarnation_ARestartIncluded_IsMadeByTheDelegate()
    {
        var made = 0;
        var actor = Sys.ActorOf(EntityProps.Of(() =>
        {
            Interlocked.Increment(ref made);
            return new FailOnBoom(TestActor);
        }));
        actor.Tell("ping");
        ExpectMsg("ping", Wait);
        actor.Tell("boom");
        actor.Tell("ping");
        ExpectMsg("ping", Wait);

        Assert.Equal(2, Volatile.Read(ref made));
    }

    [Fact]
    public void RouteEntityProps_NameTheRouteEntityType()
    {
        var services = new EntityServices("/user/reporter", new MemoryStatusSink("example.com/controller"), "node", "self", TimeSpan.FromSeconds(5));
        Assert.Equal(typeof(RouteEntity), RouteEntity.PropsFor("HTTPRoute/default/a", services).Type);
    }

    private sealed class StashUntilOpen(IActorRef echo) : UntypedActor, IWithUnboundedStash
    {
        public const string Open = "open";

        public IStash Stash { get; set; } = null!;

        protected override void OnReceive(object message)
        {
            if (message is Open)
            {
                Become(m => echo.Tell(m));
                Stash.UnstashAll();
                return;
            }
            Stash.Stash();
        }
    }

    private sealed class FailOnBoom(IActorRef echo) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is "boom") throw new InvalidOperationException("boom");
            echo.Tell(message);
        }
    }
}
