using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Reporting;

/// <summary>Tunables of the <see cref="NodeReporter"/>.</summary>
/// <param name="ResendBatchSize">Reports sent per tick when re-sending everything after a membership change.</param>
/// <param name="ResendTick">Pause between two re-send batches.</param>
/// <param name="Window">Reports of a pass in flight at once (sent, not yet acknowledged).</param>
/// <param name="AckTimeout">How long a report may stay unacknowledged before it is sent again.</param>
public sealed record NodeReporterOptions(int ResendBatchSize = 250, TimeSpan? ResendTick = null, int Window = 256, TimeSpan? AckTimeout = null)
{
    /// <summary>The pause between batches (default 50 ms: 5,000 reports a second).</summary>
    public TimeSpan Tick => ResendTick ?? TimeSpan.FromMilliseconds(50);

    /// <summary>The acknowledgement timeout (default 5 s; an owner acknowledges after its status write).</summary>
    public TimeSpan Ack => AckTimeout ?? TimeSpan.FromSeconds(5);
}

/// <summary>
/// Node-local (one per replica, not sharded): it holds this node's content (the latest pass's) and, after each pass,
/// reports every entity whose content changed or disappeared to its owner, then waits (bounded) for their
/// acknowledgements. The entities running on this node ask it for their content when they start
/// (<see cref="WatchLocalContent"/>); a report to one of them goes to it directly together with its content
/// (<see cref="LocalContent"/>), every other report through the shard region (to the owner on another node, or to
/// start the entity here). When a replica joins or leaves it re-sends a report for every entity
/// once, in batches: entities of a dead replica restart on the survivors without remember-entities, and the entities'
/// equality checks keep the re-sends from causing writes.
/// Reports flow through a window (<see cref="NodeReporterOptions.Window"/> in flight, the next sent as each is
/// acknowledged), so that the status writes they start do not all queue at once and time out while queued. Reports
/// not sent yet when a pass times out or a newer pass arrives stay queued and are sent with the newest content.
/// Delivery is at least once: a report not acknowledged within <see cref="NodeReporterOptions.AckTimeout"/> is sent
/// again (a shard region forwards to a shard's last known home, so a report sent while that home's replica dies is
/// lost); entities treat a repeated report as a no-op.
/// </summary>
public sealed class NodeReporter : ReceiveActor, IWithTimers
{
    /// <summary>The reporter's actor name under /user (entities find their node's reporter by it).</summary>
    public const string Name = "node-reporter";

    /// <summary>The reporter's actor path (<see cref="EntityServices.ContentSource"/>).</summary>
    public const string Path = "/user/" + Name;

    private readonly ShardRegions _regions;
    private readonly string _node;
    private readonly string _nodeName;
    private readonly NodeReporterOptions _options;
    private readonly RestingEntities? _resting;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private NodeContent _content;
    private bool _published;
    private Pending? _pending;
    private ImmutableQueue<EntityRef> _resend = [];
    private readonly Queue<EntityRef> _outbox = new();
    private readonly HashSet<EntityRef> _queued = [];
    private readonly Dictionary<EntityRef, long> _inFlight = [];
    private readonly Dictionary<EntityRef, IActorRef> _local = [];
    private readonly Dictionary<IActorRef, EntityRef> _localByActor = [];

    /// <summary>Creates the reporter of node <paramref name="node"/>.</summary>
    /// <param name="regions">The shard regions on this node.</param>
    /// <param name="node">This node (address#uid).</param>
    /// <param name="nodeName">Its node name.</param>
    /// <param name="options">Tunables.</param>
    /// <param name="resting">What this node's passivated route entities knew (the same instance as their <see cref="EntityServices.Resting"/>), or null.</param>
    public NodeReporter(ShardRegions regions, string node, string nodeName, NodeReporterOptions options, RestingEntities? resting = null)
    {
        _regions = regions;
        _node = node;
        _nodeName = nodeName;
        _options = options;
        _resting = resting;
        _content = NodeContent.Empty(node);

        Receive<PublishNodeContent>(Publish);
        Receive<WatchLocalContent>(Watch);
        Receive<Resting>(Rest);
        Receive<Terminated>(t =>
        {
            if (_localByActor.Remove(t.ActorRef, out var entity) && _local.TryGetValue(entity, out var actor) && actor.Equals(t.ActorRef)) _local.Remove(entity);
            GiveBackRoom();
        });
        Receive<GetNodeContent>(_ => Sender.Tell(_content));
        Receive<NodeReportApplied>(Acknowledged);
        Receive<PassTimedOut>(t =>
        {
            if (_pending?.Id == t.Id) Finish();
        });
        Receive<ClusterEvent.MemberUp>(_ => ResendAll("a replica joined"));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            // The entities on this node learn it from here (one cluster subscription per node, not per entity).
            foreach (var actor in _local.Values) actor.Tell(removed);
            _resting?.MemberRemoved(NodeIds.Of(removed.Member.UniqueAddress));
            ResendAll("a replica left");
            // The shard regions learn that the removed replica's regions are gone at about the same moment as this
            // actor; a report they forward before that goes to the dead region and is lost. Once more a moment later
            // reaches the entities' new homes without waiting for the acknowledgement timeout.
            Timers.StartSingleTimer("resend-after-removal", new ResendAgain("a replica left (again, once the regions know)"), _options.Tick * 20);
        });
        Receive<ResendAgain>(again => ResendAll(again.Why));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ResendTick>(_ => ResendBatch());
        Receive<ExpireTick>(_ => Expire());
        Receive<GetRoom>(_ => Sender.Tell(new Room(_local.Count, _local.Capacity + _localByActor.Capacity + _queued.Capacity + _outbox.Capacity + _inFlight.Capacity)));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the reporter.</summary>
    public static Props PropsFor(ShardRegions regions, string node, string nodeName, NodeReporterOptions? options = null, RestingEntities? resting = null) =>
        Props.Create(() => new NodeReporter(regions, node, nodeName, options ?? new NodeReporterOptions(), resting));

    /// <inheritdoc />
    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        _pending?.Done.TrySetCanceled();
    }

    private void Publish(PublishNodeContent publish)
    {
        if (_pending is not null) Finish();
        var diff = ContentDiff.Between(_content, publish.Content, _published ? null : publish.StoredKeys);
        var first = !_published;
        _content = publish.Content;
        _published = true;
        if (first)
        {
            // This node is synced from now on: entities that started before its first pass learn it (those the pass
            // reports learn it with their report).
            var reported = diff.Changed.Concat(diff.Removed).ToHashSet();
            foreach (var (entity, actor) in _local)
            {
                if (!reported.Contains(entity)) actor.Tell(new LocalContent(entity, _content.Objects.GetValueOrDefault(entity), true, null));
            }
        }

        var revision = publish.Content.Revision;
        var waiting = new HashSet<EntityRef>();
        // A removed object whose shard left this node will never resume here: what it knew when it rested goes.
        foreach (var entity in diff.Removed) _resting?.ForgetIfShardGone(entity);
        foreach (var entity in diff.Changed.Concat(diff.Removed))
        {
            if (_queued.Add(entity)) _outbox.Enqueue(entity);
            waiting.Add(entity);
        }
        _pending = new Pending(Guid.NewGuid(), revision, waiting, waiting.Count, ImmutableDictionary<ReportOutcome, int>.Empty, publish.Done);
        Pump();
        if (waiting.Count == 0) Finish();
        else Timers.StartSingleTimer("pass-timeout", new PassTimedOut(_pending.Id), publish.Timeout);
        if (!Timers.IsTimerActive("expire")) Timers.StartPeriodicTimer("expire", ExpireTick.Instance, _options.Ack / 4);
    }

    /// <summary>An entity started on this node: answer with its content, and send it every later change directly.</summary>
    private void Watch(WatchLocalContent watch)
    {
        if (_local.TryGetValue(watch.Entity, out var known) && !known.Equals(Sender))
        {
            Context.Unwatch(known);
            _localByActor.Remove(known);
        }
        _local[watch.Entity] = Sender;
        _localByActor[Sender] = watch.Entity;
        Context.Watch(Sender);
        Sender.Tell(new LocalContent(watch.Entity, _content.Objects.GetValueOrDefault(watch.Entity), _published, null));
    }

    /// <summary>
    /// An idle entity of this node passivates: forget it, so every later report goes through the shard region (which
    /// buffers it while the entity stops and starts the next incarnation with it); then let it go. Everything sent to
    /// it directly before this reached it first (one sender, one receiver: in order).
    /// </summary>
    private void Rest(Resting resting)
    {
        if (_local.TryGetValue(resting.Entity, out var actor) && actor.Equals(Sender))
        {
            _local.Remove(resting.Entity);
            _localByActor.Remove(Sender);
            Context.Unwatch(Sender);
            GiveBackRoom();
        }
        Sender.Tell(RestGranted.Instance);
    }

    /// <summary>
    /// Gives back the room the start-up's wave left in the reporter's tables (every object's entity at once: at 10,000
    /// routes about 1.8 MB that Dictionary, HashSet and Queue keep after they empty, as they never shrink by themselves)
    /// once a table holds less than a quarter of what it has room for. O(1) unless it trims; a trimmed table grows
    /// again as usual, and the quarter keeps trimming and growing from alternating.
    /// </summary>
    private void GiveBackRoom()
    {
        if (Roomy(_local.Count, _local.Capacity)) _local.TrimExcess();
        if (Roomy(_localByActor.Count, _localByActor.Capacity)) _localByActor.TrimExcess();
        if (Roomy(_queued.Count, _queued.Capacity)) _queued.TrimExcess();
        if (Roomy(_outbox.Count, _outbox.Capacity)) _outbox.TrimExcess();
        if (Roomy(_inFlight.Count, _inFlight.Capacity)) _inFlight.TrimExcess();

        static bool Roomy(int count, int capacity) => capacity > MinimumRoom && count < capacity / 4;
    }

    /// <summary>A table with room for this many or fewer is never trimmed (<see cref="GiveBackRoom"/>).</summary>
    internal const int MinimumRoom = 64;

    /// <summary>Sends queued reports, with the newest content, while the window has room.</summary>
    private void Pump()
    {
        var now = Environment.TickCount64;
        while (_inFlight.Count < _options.Window && _outbox.TryDequeue(out var entity))
        {
            _queued.Remove(entity);
            var content = _content.Objects.GetValueOrDefault(entity);
            var report = EntityCommands.ReportOf(entity, content, _node, _nodeName, _content.Revision);
            // A local entity gets its content with the report, in one message: it never decides on a report without it.
            if (_local.TryGetValue(entity, out var actor)) actor.Tell(new LocalContent(entity, content, true, report));
            else _regions.For(entity.Kind).Tell(EntityCommands.Report(entity, report), Self);
            _inFlight[entity] = now;
        }
    }

    /// <summary>Sends again, with the newest content, every report not acknowledged in time (lost, or a very slow owner).</summary>
    private void Expire()
    {
        var cutoff = Environment.TickCount64 - (long)_options.Ack.TotalMilliseconds;
        var expired = _inFlight.Where(p => p.Value <= cutoff).Select(p => p.Key).ToList();
        foreach (var entity in expired)
        {
            _inFlight.Remove(entity);
            if (_queued.Add(entity)) _outbox.Enqueue(entity);
        }
        if (expired.Count > 0) _log.Info("Re-sending {0} reports not acknowledged within {1} (first: {2})", expired.Count, _options.Ack, expired.Order().First());
        Pump();
        if (_inFlight.Count == 0 && _outbox.Count == 0) Timers.Cancel("expire");
    }

    private void Acknowledged(NodeReportApplied applied)
    {
        if (_inFlight.Remove(new EntityRef(applied.Kind, applied.Id))) Pump();
        if (_pending is not { } pending || applied.Revision != pending.Revision) return;
        if (!pending.Waiting.Remove(new EntityRef(applied.Kind, applied.Id))) return;
        _pending = pending with { Outcomes = pending.Outcomes.SetItem(applied.Outcome, pending.Outcomes.GetValueOrDefault(applied.Outcome) + 1) };
        if (pending.Waiting.Count == 0) Finish();
    }

    private void Finish()
    {
        if (_pending is not { } pending) return;
        _pending = null;
        Timers.Cancel("pass-timeout");
        if (pending.Waiting.Count > 0)
            _log.Warning("Revision {0}: {1} of {2} entities did not acknowledge in time (first: {3})", pending.Revision, pending.Waiting.Count, pending.Reported, pending.Waiting.Order().First());
        pending.Done.TrySetResult(new HandOffResult(pending.Revision, pending.Reported, pending.Outcomes, [.. pending.Waiting.Order()]));
        GiveBackRoom();
    }

    private void ResendAll(string why)
    {
        if (!_published) return;
        _log.Info("{0}: re-sending reports for {1} entities", why, _content.Objects.Count);
        _resend = ImmutableQueue.CreateRange(_content.Objects.Keys);
        Timers.StartPeriodicTimer("resend", ResendTick.Instance, TimeSpan.Zero, _options.Tick);
    }

    private void ResendBatch()
    {
        for (var i = 0; i < _options.ResendBatchSize && !_resend.IsEmpty; i++)
        {
            _resend = _resend.Dequeue(out var entity);
            // Only what this node still has: an entity removed meanwhile was reported gone by the pass that removed it.
            if (_content.Objects.GetValueOrDefault(entity) is not { } content) continue;
            _regions.For(entity.Kind).Tell(EntityCommands.Report(entity, EntityCommands.ReportOf(entity, content, _node, _nodeName, _content.Revision)), Self);
        }
        if (_resend.IsEmpty) Timers.Cancel("resend");
    }

    private sealed record Pending(Guid Id, long Revision, HashSet<EntityRef> Waiting, int Reported, ImmutableDictionary<ReportOutcome, int> Outcomes, TaskCompletionSource<HandOffResult> Done);

    private sealed record PassTimedOut(Guid Id) : INoSerializationVerificationNeeded;

    /// <summary>Asks how many local entities the reporter knows and the room its tables hold (answered with <see cref="Room"/>; tests).</summary>
    internal sealed class GetRoom : INoSerializationVerificationNeeded
    {
        public static readonly GetRoom Instance = new();
    }

    /// <summary>The answer to <see cref="GetRoom"/>: local entities known, and the summed capacity of the reporter's tables.</summary>
    internal sealed record Room(int Local, int Capacity) : INoSerializationVerificationNeeded;

    private sealed record ResendAgain(string Why) : INoSerializationVerificationNeeded;

    private sealed class ResendTick : INoSerializationVerificationNeeded
    {
        public static readonly ResendTick Instance = new();
    }

    private sealed class ExpireTick : INoSerializationVerificationNeeded
    {
        public static readonly ExpireTick Instance = new();
    }
}
