using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Gateway.Actors.Status;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// The shell every sharded entity shares (awaits stay on the actor's own scheduler: no ConfigureAwait(false), so the
/// actor context is there after each await): it turns messages into events for its pure state, carries out the state's
/// decision (write or remove the status through this node's sink, passivate) and answers queries. One message at a
/// time, including the write it causes, so an object has exactly one writer and its writes are ordered.
/// A write, removal or stored-status read that fails is retried by the entity itself with a bounded backoff
/// (<see cref="RetryDelay"/>): in a steady state no further report may ever come, and "retried with the next report"
/// alone left objects without status for good.
/// <para>
/// Inputs are messages only: this node's content for the object comes from the node's reporter (asked once when the
/// incarnation starts, then sent with every change as <see cref="LocalContent"/>, together with this node's report),
/// other replicas' reports through the shard region. Until the first answer arrives every other message waits in the
/// stash, so no report is decided without this node's content.
/// </para>
/// </summary>
public abstract class ObjectEntity<TState> : UntypedActor, IWithTimers, IWithUnboundedStash where TState : IEntityState<TState>
{
    private const string RetryTimer = "retry";
    private const string WatchTimer = "watch-content";

    /// <summary>How often a new incarnation asks its node's reporter again while it has no answer (the reporter may not have started yet).</summary>
    public static readonly TimeSpan WatchRetry = TimeSpan.FromSeconds(1);
    private readonly EntityServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private bool _passivating;
    private bool _restRequested;
    private bool _restArmed;
    private int _failures;
    private bool _contentKnown;

    /// <summary>Creates the shell with its first state.</summary>
    protected ObjectEntity(TState initial, EntityServices services)
    {
        State = initial;
        _services = services;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One switch, in this order, instead of <see cref="ReceiveActor"/>'s handler lists: those are built per instance
    /// (about 19 µs and a kilobyte of delegates per entity, and a 10,000-route start creates 10,000 route entities).
    /// </remarks>
    protected sealed override void OnReceive(object message)
    {
        if (_passivating)
        {
            switch (message)
            {
                // A passivating incarnation decides nothing more: a report or query that reaches it goes back through the
                // region, whose shard buffers it until this incarnation stopped and then starts the next one with it. (The
                // shard already had the Passivate, sent directly before this, when the message comes back.)
                case IGatewayClusterMessage m:
                    Region.Tell(m, Sender);
                    return;
                // This node's reporter sends its reports to a local entity directly, and it may not know yet that this one
                // is passivating: such a report goes the same way, as the report command it stands for (acknowledged to the
                // reporter by the next incarnation, which asks for the content itself); content without a report is
                // dropped for the same reason. Deciding here instead could fail with nobody left to retry: a passivating
                // incarnation sets no retry timer.
                case LocalContent m:
                    if (m.Report is { } report) Region.Tell(EntityCommands.Report(Entity, report), Sender);
                    return;
            }
        }
        // Until this node's content is known, what depends on it waits in the stash.
        if (!_contentKnown && message is not (LocalContent or WatchAgain or StopEntity or HandOffEntity or ClusterEvent.CurrentClusterState or ReceiveTimeout or RestGranted))
        {
            Stash.Stash();
            return;
        }
        switch (message)
        {
            case ClusterEvent.MemberRemoved removed:
                HandleAsyncEvent(new NodeLeft(NodeIds.Of(removed.Member.UniqueAddress)));
                return;
            case ClusterEvent.CurrentClusterState:
                return;
            case StopEntity:
                Context.Stop(Self);
                return;
            case HandOffEntity:
                HandOff();
                return;
            case WatchAgain:
                WatchContent();
                return;
            case LocalContent content when content.Entity == Entity:
                RunTask(() => ContentArrivedAsync(content));
                return;
            case RetryReconcile:
                RunTask(async () => await ReconcileAsync());
                return;
            case ReceiveTimeout:
                RequestRest();
                return;
            case RestGranted:
                Rest();
                return;
        }
        if (!ReceiveOwn(message)) Unhandled(message);
    }

    /// <summary>
    /// The entity kind's own messages (its report command, its query, events of its own), after the shell's: answer
    /// true when <paramref name="message"/> is one, handled with <see cref="Report"/>, <see cref="Query"/> or
    /// <see cref="Event"/>.
    /// </summary>
    protected abstract bool ReceiveOwn(object message);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>The pause before retry number <paramref name="failures"/> (1 s, doubling, at most 30 s).</summary>
    public static TimeSpan RetryDelay(int failures) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Clamp(failures - 1, 0, 5))));

    /// <summary>The shard region this entity runs under (its shard's parent): messages sent there reach the entity's current or next incarnation.</summary>
    private ActorSelection Region => Context.ActorSelection(Self.Path.Parent.Parent);

    /// <summary>The current state.</summary>
    protected TState State { get; private set; }

    /// <summary>The entity.</summary>
    protected EntityRef Entity => State.Core.Entity;

    /// <summary>What the entity uses on this node.</summary>
    protected EntityServices Services => _services;

    /// <summary>The entity's log.</summary>
    protected ILoggingAdapter Log => _log;

    /// <inheritdoc />
    /// <remarks>
    /// The entity learns that a replica left from its node's reporter (which forwards MemberRemoved to the entities it
    /// knows), not from a cluster subscription of its own: Akka's event bus checks every existing subscriber on each
    /// subscribe, so one subscription per entity made starting n entities cost O(n²) (4% of the status stage's samples at
    /// 2,000 routes, growing with the square).
    /// </remarks>
    protected override void PreStart()
    {
        if (RestsWhenIdle)
        {
            if (_services.Resting!.Take(Entity, Context.Parent) is { } rested) State = State.Apply(new Resumed(rested));
        }
        WatchContent();
    }

    /// <summary>True for the entity kinds that passivate when idle (routes), when this node keeps what they knew.</summary>
    private bool RestsWhenIdle => PassivatesWhenIdle && _services is { RestAfter: not null, Resting: not null };

    /// <summary>
    /// Whether this entity kind may passivate when idle and resume from <see cref="RestingEntities"/>: only kinds that
    /// own no cross-replica state a restart would lose (routes: their status comes from their own node's content).
    /// </summary>
    protected virtual bool PassivatesWhenIdle => false;

    /// <summary>
    /// Nothing left to do: this node's content known and synced, the stored status known, the last reconciliation
    /// succeeded and what is stored is what the content asks for.
    /// </summary>
    private bool Idle => !_passivating && _contentKnown && _failures == 0 && State.Core is { LocalSynced: true, StoredRead: true, Local: not null }
        && !Timers.IsTimerActive(RetryTimer) && State.Decide() is EntityDecision.Nothing;

    /// <summary>
    /// Starts the idle clock (Akka's receive timeout) the first time this incarnation is idle, after the message or
    /// reconciliation that made it so. Not armed before: a receive timeout is cancelled and scheduled again after every
    /// message, and a starting entity handles several before it is idle (at 10,000 routes a start's worth of timer
    /// registrations). Once armed it stays armed: every later message restarts the clock, and <see cref="RequestRest"/>
    /// asks again whether the entity is idle when it fires.
    /// </summary>
    private void ArmRestWhenIdle()
    {
        if (_restArmed || !RestsWhenIdle || !Idle) return;
        _restArmed = true;
        Context.SetReceiveTimeout(_services.RestAfter);
    }

    /// <summary>Idle for <see cref="EntityServices.RestAfter"/>: ask the node's reporter to stop sending content here (<see cref="Resting"/>).</summary>
    private void RequestRest()
    {
        if (_restRequested || !Idle) return;
        _restRequested = true;
        Context.ActorSelection(_services.ContentSource).Tell(new Resting(Entity), Self);
    }

    /// <summary>
    /// The reporter sends nothing here any more (what it sent before arrived first). Still idle: keep what this
    /// incarnation knows for the next one and passivate. Otherwise (a report arrived meanwhile and left work to do):
    /// ask for the content again, as a new incarnation does.
    /// </summary>
    private void Rest()
    {
        if (!_restRequested) return;
        _restRequested = false;
        if (!Idle)
        {
            _contentKnown = false;
            WatchContent();
            return;
        }
        _services.Resting!.Put(State.Core, Context.Parent);
        Passivate();
    }

    /// <summary>Asks this node's reporter for the content (again every <see cref="WatchRetry"/> until it answers).</summary>
    private void WatchContent()
    {
        if (_contentKnown) return;
        Context.ActorSelection(_services.ContentSource).Tell(new WatchLocalContent(Entity), Self);
        Timers.StartSingleTimer(WatchTimer, WatchAgain.Instance, WatchRetry);
    }

    /// <summary>
    /// This node's content (and, with a pass, its report). The first arrival releases what waited for it; with a
    /// report the entity reconciles and acknowledges as for any report; the first pass of this node that reaches an
    /// entity without a report (its object is not in the pass) reconciles too, so an object gone here is cleaned up.
    /// </summary>
    private async Task ContentArrivedAsync(LocalContent content)
    {
        var sender = Sender;
        var first = !_contentKnown;
        var wasSynced = State.Core.LocalSynced;
        State = State.Apply(new LocalContentObserved(content.Content, content.Synced));
        if (first)
        {
            _contentKnown = true;
            Timers.Cancel(WatchTimer);
            Stash.UnstashAll();
        }
        if (content.Report is { } report)
        {
            State = State.Apply(new NodeReported(report));
            var outcome = await ReconcileAsync();
            if (!sender.IsNobody()) sender.Tell(new NodeReportApplied(Entity.Kind, Entity.Id, report.Revision, outcome));
        }
        else if (!first && !wasSynced && content.Synced)
        {
            await ReconcileAsync();
        }
        ArmRestWhenIdle();
    }

    /// <summary>The entity's report command: apply the report, reconcile, acknowledge to the reporting node. Returns true.</summary>
    protected bool Report(NodeReport report)
    {
        RunTask(async () =>
        {
            var sender = Sender;
            State = State.Apply(new NodeReported(report));
            var outcome = await ReconcileAsync();
            if (!sender.IsNobody()) sender.Tell(new NodeReportApplied(Entity.Kind, Entity.Id, report.Revision, outcome));
        });
        return true;
    }

    /// <summary>A message that is one more event for the state: apply it and reconcile (no acknowledgement). Returns true.</summary>
    protected bool Event(IObjectEvent e)
    {
        HandleAsyncEvent(e);
        return true;
    }

    /// <summary>The entity's query: answer with the live state (once this node's content and the stored status are known). Returns true.</summary>
    protected bool Query()
    {
        RunTask(async () =>
        {
            var sender = Sender;
            await ObserveAsync();
            sender.Tell(View());
            switch (State.Decide())
            {
                // An entity started by a query for an object that is nowhere (and has no stored status) does not linger.
                case EntityDecision.Passivate:
                    Passivate();
                    break;
                // An incarnation started by a query has its content (without a report: the watch's answer) and the stored
                // status it just read, but no report follows while nothing changes. It reconciles now, as a report would
                // make it: usually the merge finds the stored status current and writes nothing, and the entity can then
                // rest; undecided, it could never be idle and would stay up.
                case EntityDecision.Write or EntityDecision.Remove:
                    await ReconcileAsync();
                    break;
            }
            ArmRestWhenIdle();
        });
        return true;
    }

    private void HandleAsyncEvent(IObjectEvent e) => RunTask(async () =>
    {
        State = State.Apply(e);
        await ReconcileAsync();
    });

    /// <summary>Reads, once per incarnation, the stored status.</summary>
    private async Task ObserveAsync()
    {
        if (State.Core.StoredRead || Entity.StatusKey is not { } key) return;
        using var timeout = new CancellationTokenSource(_services.WriteTimeout);
        try
        {
            State = State.Apply(new StoredStatusRead(await _services.Sink.ReadAsync(key, timeout.Token)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Without the stored status the entity cannot tell a real change from a repeat: it defers until it can.
            _log.Warning(e, "{0}: reading the stored status failed; retried in {1} s or with the next report", Entity, RetryDelay(_failures + 1).TotalSeconds);
        }
    }

    /// <summary>
    /// Called after every reconciliation, on the actor: an entity kind that tells other entities what it reconciled
    /// does it here.
    /// </summary>
    protected virtual void Reconciled()
    {
    }

    /// <summary>Replaces the state after an event the entity kind applies itself.</summary>
    protected void Record(IObjectEvent e) => State = State.Apply(e);

    private async Task<ReportOutcome> ReconcileAsync()
    {
        var outcome = await ReconcileOnceAsync();
        Reconciled();
        // Failed: the sink failed or timed out. Deferred with this node synced: the stored status could not be read.
        // Either way nothing else may ever wake this entity, so it tries again itself.
        if (outcome == ReportOutcome.Failed || (outcome == ReportOutcome.Deferred && State.Core.LocalSynced && !State.Core.StoredRead))
        {
            _failures++;
            if (!_passivating) Timers.StartSingleTimer(RetryTimer, RetryReconcile.Instance, RetryDelay(_failures));
        }
        else
        {
            _failures = 0;
            Timers.Cancel(RetryTimer);
        }
        ArmRestWhenIdle();
        return outcome;
    }

    /// <summary>
    /// Work an entity kind does for its object besides the status, before the status decision (a Gateway provisions
    /// its Service). False when it failed: the status is still decided, the reconciliation counts as failed and is
    /// retried with backoff.
    /// </summary>
    protected virtual Task<bool> ProvisionAsync() => Task.FromResult(true);

    /// <summary>Undoes <see cref="ProvisionAsync"/> for an object that is gone, before its status is removed. False when it failed.</summary>
    protected virtual Task<bool> DeprovisionAsync() => Task.FromResult(true);

    private async Task<ReportOutcome> ReconcileOnceAsync()
    {
        await ObserveAsync();
        // A failed provisioning does not hold the status back (it says what the object is now); the reconciliation
        // still counts as failed, so the entity retries it.
        var provisioned = await ProvisionAsync();
        var outcome = await DecideAndActAsync();
        return provisioned ? outcome : ReportOutcome.Failed;
    }

    private async Task<ReportOutcome> DecideAndActAsync()
    {
        switch (State.Decide())
        {
            case EntityDecision.Write write:
                using (var timeout = new CancellationTokenSource(_services.WriteTimeout))
                {
                    try
                    {
                        return await WriteAsync(write, timeout.Token);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        _log.Error(e, "{0}: writing the status failed; retried in {1} s or with the next report", Entity, RetryDelay(_failures + 1).TotalSeconds);
                        return ReportOutcome.Failed;
                    }
                }
            case EntityDecision.Remove remove:
                if (!await DeprovisionAsync()) return ReportOutcome.Failed;
                using (var timeout = new CancellationTokenSource(_services.WriteTimeout))
                {
                    try
                    {
                        return await RemoveAsync(remove, timeout.Token);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        _log.Error(e, "{0}: removing the status failed; retried in {1} s or with the next report", Entity, RetryDelay(_failures + 1).TotalSeconds);
                        return ReportOutcome.Failed;
                    }
                }
            case EntityDecision.Passivate:
                Passivate();
                return ReportOutcome.None;
            case EntityDecision.Defer:
                _log.Debug("{0}: deferred (node synced: {1}, stored status read: {2})", Entity, State.Core.LocalSynced, State.Core.StoredRead);
                return ReportOutcome.Deferred;
            default:
                return ReportOutcome.None;
        }
    }

    /// <summary>
    /// The entity decides what removing its status means from the stored status it holds
    /// (<see cref="ReconciledObject.Removal"/>: the document deleted, or this controller's entries taken out of a shared
    /// status) and hands the sink the result. When the stored object moved on where the sink writes (409 Conflict), it
    /// reads the stored status again and decides again, at most <see cref="EntityServices.WriteAttempts"/> times; then the
    /// removal counts as failed and is retried with the entity's backoff. An object that no longer exists has nothing left
    /// to remove.
    /// </summary>
    private async Task<ReportOutcome> RemoveAsync(EntityDecision.Remove remove, CancellationToken ct)
    {
        var sink = _services.Sink;
        for (var attempt = 1; attempt <= Math.Max(1, _services.WriteAttempts); attempt++)
        {
            var removal = State.Core.Removal(remove.Key, sink.ControllerName, sink.StoresObjects);
            var receipt = removal is null ? null : await sink.RemoveAsync(removal, ct);
            if (receipt?.Outcome == StatusWriteOutcome.Conflict)
            {
                _log.Debug("{0}: the stored status moved on before its removal (attempt {1}); reading it again", Entity, attempt);
                State = State.Apply(new StoredStatusRead(await sink.ReadAsync(remove.Key, ct)));
                continue;
            }
            State = State.Apply(new StatusRemoved(removal, receipt?.Version));
            Passivate();
            return ReportOutcome.Removed;
        }
        _log.Warning("{0}: the stored status kept moving on through {1} removal attempts; retried in {2} s", Entity, _services.WriteAttempts, RetryDelay(_failures + 1).TotalSeconds);
        return ReportOutcome.Failed;
    }

    /// <summary>
    /// The entity merges the desired status into the stored one it holds and hands the sink the result to write
    /// (<see cref="ReconciledObject.Merge"/>). When the stored object moved on where the sink writes (a 409 Conflict from
    /// the API server: another controller or writer changed it since the version the merge was based on), the entity
    /// reads the stored status again and merges again, at most <see cref="EntityServices.WriteAttempts"/> times; then the write
    /// counts as failed and is retried with the entity's backoff.
    /// </summary>
    private async Task<ReportOutcome> WriteAsync(EntityDecision.Write write, CancellationToken ct)
    {
        var sink = _services.Sink;
        for (var attempt = 1; attempt <= Math.Max(1, _services.WriteAttempts); attempt++)
        {
            var merged = State.Core.Merge(write.Status, sink.ControllerName, sink.StoresObjects, _services.Clock.GetUtcNow().UtcDateTime);
            var result = await sink.WriteAsync(merged.Write, ct);
            switch (result.Outcome)
            {
                case StatusWriteOutcome.ObjectGone:
                    // Read again, so the retry merges with what is there by then (the object may be created again).
                    State = State.Apply(new StoredStatusRead(await sink.ReadAsync(write.Status.Key, ct)));
                    return ReportOutcome.Failed;
                case StatusWriteOutcome.Conflict:
                    _log.Debug("{0}: the stored status moved on (attempt {1}); reading it again", Entity, attempt);
                    State = State.Apply(new StoredStatusRead(await sink.ReadAsync(write.Status.Key, ct)));
                    continue;
                default:
                    var written = result.Outcome == StatusWriteOutcome.Written;
                    State = State.Apply(new StatusWritten(write.Fingerprint, write.Status.Generation, new StoredStatus(merged.Write.Status, result.Version),
                        merged.Digest, State.Core.Local!.Revision, written, MergedFrom: write.Status));
                    return written ? ReportOutcome.Written : ReportOutcome.Unchanged;
            }
        }
        _log.Warning("{0}: the stored status kept moving on through {1} attempts; retried in {2} s", Entity, _services.WriteAttempts, RetryDelay(_failures + 1).TotalSeconds);
        return ReportOutcome.Failed;
    }

    private void Passivate()
    {
        if (_passivating) return;
        _passivating = true;
        Context.SetReceiveTimeout(null);
        // Through the shard, so messages that arrive meanwhile are buffered and start a new incarnation.
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
    }

    /// <summary>
    /// The shard moves to another replica (rebalance): hand the reports this entity knows to its next incarnation
    /// through the region, which buffers them until the shard's new home is known, so the entity restarts there at
    /// once (no remember-entities needed) and knows who programmed the object.
    /// </summary>
    private void HandOff()
    {
        // Only in a rebalance: when this replica itself is leaving, the survivors' re-sends on its removal restart
        // the entity elsewhere, and a message sent now would be buffered by the region that is shutting down.
        if (CoordinatedShutdown.Get(Context.System).ShutdownReason is null && Cluster.Get(Context.System).SelfMember.Status == MemberStatus.Up)
        {
            foreach (var report in State.Core.ProgrammedBy) Region.Tell(EntityCommands.Report(Entity, report), ActorRefs.NoSender);
        }
        Context.Stop(Self);
    }

    private ObjectStateView View()
    {
        var core = State.Core;
        return new ObjectStateView(core.Entity.Kind, core.Entity.Id, core.SelfNode, core.SelfNodeName, core.Local is not null,
            core.Local?.Revision ?? 0, State.DesiredText, core.LastWritten?.TextOf(core.Entity.StatusKey) ?? "", core.LastWritten?.Revision, core.Writes,
            core.Local?.Slice ?? "", [.. core.Local?.Attachments ?? []], core.ProgrammedBy, _started);
    }
}

/// <summary>The shard's hand-off stop message (the shard region's HandOffStopMessage): the entity moves elsewhere.</summary>
public sealed class HandOffEntity : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly HandOffEntity Instance = new();

    private HandOffEntity()
    {
    }
}

/// <summary>An entity's own timer: reconcile again after a failed write, removal or stored-status read.</summary>
public sealed class RetryReconcile : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly RetryReconcile Instance = new();

    private RetryReconcile()
    {
    }
}

/// <summary>An entity's own timer: ask the node's reporter for the content again (no answer yet).</summary>
public sealed class WatchAgain : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly WatchAgain Instance = new();

    private WatchAgain()
    {
    }
}

/// <summary>Sent by an entity to itself through its shard when it passivates.</summary>
public sealed class StopEntity : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly StopEntity Instance = new();

    private StopEntity()
    {
    }
}
