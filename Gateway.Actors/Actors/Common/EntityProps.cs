using Akka.Actor;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// Props whose actor is made by a plain delegate. A sharded entity kind has one props per entity (its id is a
/// constructor argument), made when the shard starts the entity: <c>Props.Create(() =&gt; new T(...))</c> builds an
/// expression tree for every one and Akka then constructs the actor by reflection over the evaluated arguments, about
/// a twentieth of the status phase's CPU at start-up with 10,000 routes. Akka selects the mailbox from
/// <see cref="Props.Type"/>, which <see cref="Props.CreateBy(IIndirectActorProducer, object[])"/> takes from the
/// producer's <see cref="IIndirectActorProducer.ActorType"/>: an entity that stashes still gets the deque mailbox.
/// </summary>
public static class EntityProps
{
    /// <summary>Props of <typeparamref name="TActor"/>, each incarnation (a restart included) made by <paramref name="create"/>.</summary>
    public static Props Of<TActor>(Func<TActor> create) where TActor : ActorBase => Props.CreateBy(new Producer<TActor>(create));

    private sealed class Producer<TActor>(Func<TActor> create) : IIndirectActorProducer where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
            // Nothing to release: the entity owns nothing the producer handed it.
        }
    }
}
