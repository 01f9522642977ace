using Akka.Actor;
using Akka.Cluster.Sharding;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// Runs one route entity, the real one, through a status write and a status removal on a throwaway sink, outside
/// sharding, so an entity's removal path is compiled before a node's first real deletion. Start-up writes a status
/// from every route entity, but no entity removes one until the first route is deleted, and that first removal
/// compiled about 50 methods at the JIT's first tier (the entity's and the sink's removal, the state's) on the cores
/// the requests that should see the deletion's 404 were waiting for: at 5,000 routes its status work took 10 to 14 ms
/// against about 2 ms for later removals, and the first deletion was the slowest of 30 (bench/README.md, "Issue 10 in
/// the twenty-fifth session").
/// <para>
/// A stand-in for the entity's shard (<see cref="WarmUpShard"/>) starts it and plays this node's reporter: it answers
/// the entity's <see cref="WatchLocalContent"/> with the content and report of route "a" of the synthetic Gateway the
/// hand-off's warm-up uses (<see cref="NodeContentBuilder.WarmUpRouteContent"/>), then reports the route gone, and
/// stops the entity when it asks to passivate. Nothing reaches a shard region, this node's reporter or its status sink:
/// the entity's services name the stand-in as the content source and the throwaway sink as the sink, and keep nothing
/// for resting.
/// </para>
/// </summary>
public static class EntityWarmUp
{
    /// <summary>What the run saw: the entity's outcome for the write and for the removal (null: not reached in time).</summary>
    public sealed record Outcome(ReportOutcome? Write, ReportOutcome? Removal, bool Stopped);

    /// <summary>
    /// Runs the entity once through a write and a removal on <paramref name="sink"/> (a throwaway one), bounded by
    /// <paramref name="timeout"/>; the stand-in and the entity are stopped when it returns.
    /// </summary>
    public static async Task<Outcome> RunAsync(ActorSystem system, IStatusSink sink, string node, TimeSpan timeout, CancellationToken ct = default)
    {
        var (entity, content) = NodeContentBuilder.WarmUpRouteContent(node, sink.ControllerName);
        var done = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shard = system.ActorOf(Props.Create(() => new WarmUpShard(entity, content, sink, node, done)), $"entity-warm-up-{Guid.NewGuid():N}");
        try
        {
            return await done.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not through in time: stopping the stand-in below (and with it the entity) completes the run with what it saw.
        }
        finally
        {
            system.Stop(shard);
        }
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
    }

    /// <summary>Stands in for the entity's shard and this node's reporter (see <see cref="EntityWarmUp"/>).</summary>
    private sealed class WarmUpShard : UntypedActor
    {
        private readonly EntityRef _entity;
        private readonly ObjectContent _content;
        private readonly string _node;
        private readonly TaskCompletionSource<Outcome> _done;
        private readonly IActorRef _child;
        private ReportOutcome? _write;
        private ReportOutcome? _removal;

        public WarmUpShard(EntityRef entity, ObjectContent content, IStatusSink sink, string node, TaskCompletionSource<Outcome> done)
        {
            _entity = entity;
            _content = content;
            _node = node;
            _done = done;
            var services = new EntityServices(Self.Path.ToStringWithoutAddress(), sink, node, "warm-up", TimeSpan.FromSeconds(5));
            _child = Context.Watch(Context.ActorOf(RouteEntity.PropsFor(entity.Id, services), Uri.EscapeDataString(entity.Id)));
        }

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case WatchLocalContent:
                    Sender.Tell(new LocalContent(_entity, _content, true, EntityCommands.ReportOf(_entity, _content, _node, "warm-up", 1)));
                    return;
                case NodeReportApplied { Revision: 1 } written:
                    _write = written.Outcome;
                    _child.Tell(new LocalContent(_entity, null, true, EntityCommands.ReportOf(_entity, null, _node, "warm-up", 2)));
                    return;
                case NodeReportApplied { Revision: 2 } removed:
                    _removal = removed.Outcome;
                    return;
                case Passivate:
                    Context.Stop(_child);
                    return;
                case Terminated t when t.ActorRef.Equals(_child):
                    _done.TrySetResult(new Outcome(_write, _removal, Stopped: true));
                    Context.Stop(Self);
                    return;
            }
            Unhandled(message);
        }

        protected override void PostStop() => _done.TrySetResult(new Outcome(_write, _removal, Stopped: false));
    }
}

/// <summary>
/// A throwaway sink for <see cref="EntityWarmUp"/> on a node whose real sink is the status subresource (Kubernetes
/// mode): statuses are shared, not whole objects, so the entity takes the same paths as there (its removal takes this
/// controller's entries out instead of deleting a document); every call completes asynchronously, as an API call does,
/// so the entity's awaits suspend as they do there; a write answers version "1", and a removal finds the object gone,
/// as a deleted object's does. It holds and sends nothing.
/// </summary>
public sealed class SharedStatusWarmUpSink(string controllerName) : IStatusSink
{
    /// <inheritdoc />
    public string ControllerName => controllerName;

    /// <inheritdoc />
    public bool StoresObjects => false;

    /// <inheritdoc />
    public async Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct)
    {
        await Task.Yield();
        return new StatusWriteReceipt(StatusWriteOutcome.Written, "1");
    }

    /// <inheritdoc />
    public async Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct)
    {
        await Task.Yield();
        return new StatusWriteReceipt(StatusWriteOutcome.ObjectGone, null);
    }

    /// <inheritdoc />
    public async Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct)
    {
        await Task.Yield();
        return null;
    }
}
