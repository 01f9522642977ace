using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Gateway.Host.Status;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Pipeline;

/// <summary>
/// Store → coalescer → Snapshot(revision) → Translator → data plane apply → status stage, one pass per published
/// snapshot; the status stage runs beside the next passes' translate and apply. The pipeline writes no status itself:
/// the status stage hands every pass's statuses to <see cref="IStatusHandOff"/>, whose entities (one writer per object
/// in the cluster, a one-node cluster included) write them. Nothing runs before the store's first full sync. A failing
/// step (translator exception, data plane error, hand-off error) is logged and recorded in the <see cref="PassResult"/>;
/// the next change retries it, and the loop itself never stops until the host does.
/// </summary>
public sealed class SnapshotPipeline : BackgroundService
{
    private readonly ResourceStore _store;
    private readonly PipelineOptions _options;
    private readonly CurrentSnapshot _current;
    private readonly IStatusInventory? _inventory;
    private readonly IDataPlane? _dataPlane;
    private readonly IStatusHandOff _handOff;
    private readonly ILogger<SnapshotPipeline> _logger;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // 1 once a pass has succeeded: Ready is then declared, at once or when the host has started.
    private int _readyClaimed;
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The snapshot of the newest pass while the warm-up has not run, when that pass served cleanly; null otherwise.
    private Snapshot? _warmUpOn;
    private readonly object _gate = new();
    private readonly List<(Func<PassResult, bool> Done, TaskCompletionSource<PassResult> Waiter)> _waiters = [];
    private ImmutableHashSet<ListenerSocket> _unavailable = [];
    // The usable static addresses the last pass translated with.
    private IReadOnlySet<string> _lastUsable = ImmutableHashSet<string>.Empty;
    // False until the first hand-off, which also reports the statuses an earlier run left in the sink's storage.
    private bool _inventoryReported;
    private volatile PassResult? _lastPass;
    private StatusHandOffResult? _lastHandOff;
    // Applied passes on their way to the status stage (its only reader), which keeps the ones it has not started in
    // its own list and supersedes there (EnqueueStatus).
    private readonly Channel<AppliedPass> _statusPasses = Channel.CreateUnbounded<AppliedPass>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    // Not disposed: no wait handle or timer is ever created on it, and the status stage may still be ending when the
    // host disposes the service.
    private readonly CancellationTokenSource _statusStop = new();
    private Task? _statusStage;
    // The newest revision written to _statusPasses and not yet started by the status stage (0: none).
    private long _queuedStatusRevision;
    private volatile TranslationResult? _lastResult;
    private readonly Func<Snapshot, TranslatorOptions, TranslationResult> _translate;
    private readonly IncrementalTranslator? _incremental;
    private readonly Mesh.MeshProblemLog _meshProblems = new();
    private string _lastTranslation = "";

    /// <summary>
    /// Creates the pipeline; <paramref name="dataPlane"/> null runs the control plane only. Statuses go to their
    /// owning entities through <paramref name="handOff"/>; <paramref name="inventory"/> (the entities' sink, when it
    /// can list what it stores) names the statuses an earlier run left, reported with the first pass so their owners
    /// remove those of objects that are gone.
    /// </summary>
    public SnapshotPipeline(ResourceStore store, PipelineOptions options, CurrentSnapshot current, IStatusHandOff handOff, IStatusInventory? inventory,
        IDataPlane? dataPlane, ILogger<SnapshotPipeline> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(handOff);
        _handOff = handOff;
        if (options.Translate is { } translate) _translate = translate;
        else
        {
            _incremental = new IncrementalTranslator();
            _translate = _incremental.Translate;
        }
        _store = store;
        _options = options;
        _current = current;
        _inventory = inventory;
        _dataPlane = dataPlane;
        _logger = logger;
        _time = time;
    }

    /// <summary>Where pass and propagation durations are recorded (null: nowhere).</summary>
    public Observability.Metrics.ControlPlaneMetrics? Metrics { get; init; }

    /// <summary>
    /// Completes once the first full sync has been translated, applied and its statuses handed off, and the host has
    /// started every service (<see cref="HostStarted"/>).
    /// </summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Completes when the host has started all its services (null: no host to wait for); <see cref="Ready"/> waits
    /// for it, so nothing the process serves is still binding once it is declared.
    /// </summary>
    public Task? HostStarted { get; init; }

    /// <summary>
    /// Completes once a pass of the first full sync (or a later one) has been translated and applied to the data plane
    /// without errors: the replica serves what it was given. This is the readiness probe's signal; it does not wait
    /// for statuses, which the entities write afterwards (10,000 of them take seconds, and traffic need not wait).
    /// </summary>
    public Task Serving => _serving.Task;

    /// <summary>
    /// Completes once the warm-up has ended, with the number of warm-up passes it ran (see
    /// <see cref="PipelineOptions.WarmUpPasses"/>; 0 when there was no route to run them with). It runs once <see cref="Ready"/>
    /// has completed and no change is waiting, on the newest pass if that pass served some Gateway cleanly.
    /// </summary>
    public Task<int> WarmedUp => _warmedUp.Task;

    /// <summary>The node's data plane (null: control plane only).</summary>
    public IDataPlane? DataPlane => _dataPlane;

    /// <summary>The last completed pass, or null before the first.</summary>
    public PassResult? LastPass => _lastPass;

    /// <summary>The result of the last successful translation, or null before the first.</summary>
    public TranslationResult? LastResult => _lastResult;

    /// <summary>The newest revision waiting for the status stage (not yet started there), or null.</summary>
    internal long? QueuedStatusRevision
    {
        get
        {
            var revision = Interlocked.Read(ref _queuedStatusRevision);
            return revision == 0 ? null : revision;
        }
    }

    /// <summary>Sockets the data plane could not bind, as last passed to the translator.</summary>
    public IReadOnlySet<ListenerSocket> UnavailableSockets => _unavailable;

    /// <summary>Completes with the first pass whose revision is at least <paramref name="revision"/>.</summary>
    public Task<PassResult> WaitForRevisionAsync(long revision, CancellationToken ct) => WaitAsync(p => p.Revision >= revision, ct);

    /// <summary>Completes with the first pass that includes store change <paramref name="changeSequence"/>.</summary>
    public Task<PassResult> WaitForChangeSequenceAsync(long changeSequence, CancellationToken ct) => WaitAsync(p => p.ChangeSequence >= changeSequence, ct);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (_dataPlane is null) _logger.LogWarning("No data plane configured: translating and writing status only, serving no traffic");
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await WaitForChangeOrWarmUpAsync(stoppingToken).ConfigureAwait(false);
                if (WarmUpDue && _warmUpOn is { } basis)
                {
                    var passes = 0;
                    try
                    {
                        passes = await WarmUpAsync(basis, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                    {
                        // The warm-up only saves time: a fault in it must not stop the loop that serves real changes.
                        _logger.LogWarning(e, "Warm-up ended by a fault; changes are translated as usual");
                    }
                    _warmedUp.TrySetResult(passes);
                    // Not kept: an old snapshot would hold every object it had after they change.
                    _warmUpOn = null;
                    continue;
                }
                while (_store.Pending is { } times)
                {
                    var wait = CoalescingPolicy.PublishAt(times, _options.Coalescing) - _store.Now;
                    if (wait <= TimeSpan.Zero) break;
                    await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                }
                if (_store.Publish() is not { } published) continue;
                var applied = await TranslateAndApplyAsync(published, stoppingToken).ConfigureAwait(false);
                EnqueueStatus(applied);
                // The warm-up runs on the newest pass, and only on one that served cleanly (WarmsUpAfter).
                if (!_warmedUp.Task.IsCompleted)
                {
                    _warmUpOn = applied is { Result: { } served, DataPlaneApplied: true, Errors.Count: 0 } && WarmsUpAfter(served, published.Snapshot)
                        ? published.Snapshot
                        : null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopStatusStageAsync().ConfigureAwait(false);
            _ready.TrySetCanceled(CancellationToken.None);
            _serving.TrySetCanceled(CancellationToken.None);
            _warmedUp.TrySetCanceled(CancellationToken.None);
            lock (_gate)
            {
                foreach (var (_, waiter) in _waiters) waiter.TrySetCanceled(CancellationToken.None);
                _waiters.Clear();
            }
        }
    }

    /// <summary>
    /// Runs one pass over <paramref name="published"/> from start to end (translate, apply, statuses) without the
    /// status stage's overlap. Never throws but for cancellation.
    /// </summary>
    internal async Task<PassResult> ProcessAsync(PublishedSnapshot published, CancellationToken ct) =>
        await ReportStatusAsync(await TranslateAndApplyAsync(published, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>
    /// The first half of a pass: translate and apply to the data plane. The data plane serves the new table as soon as
    /// this returns; statuses follow in the status stage, so a pass's status hand-off never delays the next change's
    /// route table. Never throws but for cancellation.
    /// </summary>
    private async Task<AppliedPass> TranslateAndApplyAsync(PublishedSnapshot published, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var queued = published.FirstChangeAt == TimeSpan.Zero ? TimeSpan.Zero : _store.Now - published.FirstChangeAt;
        var snapshot = published.Snapshot;
        var errors = new List<string>();
        var translations = 0;
        var applied = true;

        var usable = _lastUsable = SocketProbe.UsableStaticAddresses(snapshot);
        var unavailable = UnavailableSocketSet.StillUnavailable(_unavailable, SocketProbe.CanBind);
        var result = Translate(snapshot, usable, unavailable, errors, ref translations);
        var translated = Stopwatch.GetTimestamp();
        var appliedAt = translated;
        if (result is not null)
        {
            var failed = await ApplyAsync(result, errors, ct).ConfigureAwait(false);
            appliedAt = Stopwatch.GetTimestamp();
            applied = failed is not null;
            if (failed is not null)
            {
                var next = UnavailableSocketSet.Next(unavailable, UnavailableSocketSet.Requested(result.Gateways), failed);
                if (!next.SetEquals(unavailable))
                {
                    // Bounded feedback: one re-translation per pass, and only when the set of unbindable sockets changed.
                    _logger.LogInformation("Revision {Revision}: sockets unavailable now: {Sockets}; translating again",
                        snapshot.Revision, string.Join(", ", next.Select(s => $"{s.Address}:{s.Port}")));
                    unavailable = next;
                    var again = Translate(snapshot, usable, unavailable, errors, ref translations);
                    if (again is not null)
                    {
                        result = again;
                        failed = await ApplyAsync(result, errors, ct).ConfigureAwait(false);
                        applied = failed is not null;
                        if (failed is not null) next = UnavailableSocketSet.Next(unavailable, UnavailableSocketSet.Requested(result.Gateways), failed);
                    }
                }
                unavailable = next;
            }
            _unavailable = unavailable;
            _lastResult = result;
        }
        if (result is not null && applied) Metrics?.Propagated(queued + Stopwatch.GetElapsedTime(started, appliedAt));
        if (result is not null && applied && errors.Count == 0 && _serving.TrySetResult())
            _logger.LogInformation("Serving: revision {Revision} translated and applied to the data plane; its statuses follow through their entities", snapshot.Revision);
        return new AppliedPass(published, result, applied, errors, translations, started, queued,
            Stopwatch.GetElapsedTime(started, translated), Stopwatch.GetElapsedTime(translated, appliedAt), Stopwatch.GetTimestamp()) { Translation = _lastTranslation };
    }

    /// <summary>
    /// The second half of a pass: hand its statuses to their writers, then complete the pass. Runs in
    /// revision order, one pass at a time. Never throws but for cancellation.
    /// </summary>
    private async Task<PassResult> ReportStatusAsync(AppliedPass applied, CancellationToken ct)
    {
        var statusStarted = Stopwatch.GetTimestamp();
        var (published, result, errors) = (applied.Published, applied.Result, applied.Errors);
        var snapshot = published.Snapshot;
        // The snapshot whose statuses are on their way, for inspection (status sinks never read it: each status carries
        // its object).
        _current.Value = snapshot;
        var (written, unchanged, removed, unacknowledged) = result is null ? (0, 0, 0, 0)
            : await HandOffAsync(result, snapshot, applied.DataPlaneApplied, errors, ct).ConfigureAwait(false);
        var pass = new PassResult(snapshot.Revision, published.ChangeSequence, errors, applied.Translations, written, unchanged, removed) { StatusesUnacknowledged = unacknowledged };
        Metrics?.PassCompleted(Stopwatch.GetElapsedTime(applied.Started), applied.TranslateTime, applied.ApplyTime, Stopwatch.GetElapsedTime(statusStarted));
        // The phase times, also recorded as gateway_reconcile_duration_seconds (what bench/run-controlplane.sh reads); the
        // pass time runs from the pass's start to its statuses, including any wait for the previous pass's status hand-off.
        _logger.LogInformation("Revision {Revision}: {Gateways} gateways, {Statuses} statuses ({Written} written, {Removed} removed, {Pending} pending), {Errors} errors, " +
            "{Elapsed:F1} ms (translate {Translate:F1} ms, apply {Apply:F1} ms, status {Status:F1} ms); queued {Queued:F1} ms before the pass, " +
            "status started {StatusWait:F1} ms after the apply (the status delay, or the previous pass's hand-off), hand-off prepared in {Prepare:F1} ms (content built for {Built} of {Objects} entities, {Reported} reported){Translation}",
            snapshot.Revision, result?.Gateways.Length ?? 0, result?.Statuses.Count ?? 0, written, removed, unacknowledged, errors.Count,
            Stopwatch.GetElapsedTime(applied.Started).TotalMilliseconds, applied.TranslateTime.TotalMilliseconds, applied.ApplyTime.TotalMilliseconds,
            Stopwatch.GetElapsedTime(statusStarted).TotalMilliseconds, applied.Queued.TotalMilliseconds,
            Stopwatch.GetElapsedTime(applied.AppliedAt, statusStarted).TotalMilliseconds, _lastHandOff?.Prepare.TotalMilliseconds ?? 0,
            _lastHandOff?.ContentBuilt ?? 0, _lastHandOff?.ContentObjects ?? 0, _lastHandOff?.Reported ?? 0, applied.Translation);
        Complete(pass);
        return pass;
    }

    /// <summary>The longest a pass's hand-off is held back, in status delays after the oldest waiting pass's apply.</summary>
    private const int MaxStatusHold = 10;

    /// <summary>Hands a translated and applied pass to the status stage (started with the first).</summary>
    private void EnqueueStatus(AppliedPass applied)
    {
        _statusStage ??= Task.Run(RunStatusStageAsync);
        Interlocked.Exchange(ref _queuedStatusRevision, applied.Published.Snapshot.Revision);
        _statusPasses.Writer.TryWrite(applied);
    }

    /// <summary>
    /// The status stage: one pass at a time, in revision order. Before starting the next pass it takes every pass
    /// that arrived meanwhile; a pass waiting here whose statuses were not handed off yet is superseded by a newer pass
    /// with a translation result: an object's status is only ever its latest desired one, and the newer pass carries
    /// every object's latest. A pass without a result (translation failed) supersedes nothing. The waiters of a
    /// superseded pass are completed by the newer one (revision and change sequence only grow).
    /// </summary>
    private async Task RunStatusStageAsync()
    {
        var ct = _statusStop.Token;
        var reader = _statusPasses.Reader;
        var waiting = new List<AppliedPass>();
        // When the oldest pass waiting for the status delay was applied (0: none waits); bounds the wait.
        var holdingSince = 0L;
        try
        {
            while (true)
            {
                if (waiting.Count == 0) await reader.WaitToReadAsync(ct).ConfigureAwait(false);
                while (reader.TryRead(out var applied))
                {
                    if (applied.Result is not null)
                    {
                        foreach (var superseded in waiting.Where(p => p.Result is not null))
                        {
                            _logger.LogInformation("Revision {Revision}: translated in {Translate:F1} ms, applied in {Apply:F1} ms; its statuses are superseded by revision {Newer}",
                                superseded.Published.Snapshot.Revision, superseded.TranslateTime.TotalMilliseconds, superseded.ApplyTime.TotalMilliseconds,
                                applied.Published.Snapshot.Revision);
                        }
                        waiting.RemoveAll(p => p.Result is not null);
                    }
                    waiting.Add(applied);
                }
                if (waiting.Count == 0) continue;
                // The data plane first (PipelineOptions.StatusDelay): the hand-off waits until the delay has passed since
                // the newest waiting pass was applied (a pass applied meanwhile supersedes the older one, and its first
                // requests deserve the same), then takes what arrived meanwhile; never longer than MaxStatusHold after the
                // oldest, so a steady stream of changes cannot hold statuses back.
                var delay = (long)(_options.StatusDelay.TotalSeconds * Stopwatch.Frequency);
                if (holdingSince == 0) holdingSince = waiting[0].AppliedAt;
                var dueAt = Math.Min(waiting[^1].AppliedAt + delay, holdingSince + MaxStatusHold * delay);
                if (Stopwatch.GetTimestamp() < dueAt)
                {
                    // Timers fire up to a few milliseconds early: what is left is waited again (at least 1 ms at a time).
                    // Inline rather than a method of its own: this loop's code is compiled with the stage's, at start-up,
                    // not on the first change that waits (about 1 ms of JIT on the applying thread).
                    for (var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueAt); left > TimeSpan.Zero; left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueAt))
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), ct).ConfigureAwait(false);
                    continue;
                }
                holdingSince = 0;
                var next = waiting[0];
                waiting.RemoveAt(0);
                // Nothing newer is waiting once the newest written pass has been taken (a newer write changes the value).
                if (waiting.Count == 0) Interlocked.CompareExchange(ref _queuedStatusRevision, 0, next.Published.Snapshot.Revision);
                try
                {
                    await ReportStatusAsync(next, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // ReportStatusAsync catches every step's failure itself; this keeps the stage alive should that break.
                    _logger.LogError(e, "Revision {Revision}: reporting statuses failed; retried with the next change", next.Published.Snapshot.Revision);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Whether the warm-up runs after a pass that served <paramref name="result"/>: once the pass serves some Gateway
    /// (the warm-up's passes patch and swap that Gateway's socket tables), or at once when there is no route to warm up
    /// with. After a fresh start in Kubernetes mode the first pass serves no Gateway (its address comes from the Service
    /// its entity provisions, a pass later): warmed up on it, the data plane had no socket to patch, and the first
    /// real change compiled the table patch at tier 0.
    /// </summary>
    private static bool WarmsUpAfter(TranslationResult result, Snapshot snapshot) =>
        result.Gateways.Length > 0 || (!snapshot.HttpRoutes.Any() && !snapshot.GrpcRoutes.Any());

    /// <summary>
    /// True when the warm-up runs now: not run yet, the newest pass served cleanly (<see cref="_warmUpOn"/>), the
    /// start-up's statuses are written (<see cref="Ready"/>: its passes would otherwise take CPU from the first status
    /// writes) and no change is waiting.
    /// </summary>
    private bool WarmUpDue => !_warmedUp.Task.IsCompleted && _warmUpOn is not null && _ready.Task.IsCompletedSuccessfully && _store.Pending is null;

    /// <summary>Waits for a change in the store, or, while the warm-up waits for <see cref="Ready"/>, for that too.</summary>
    private async Task WaitForChangeOrWarmUpAsync(CancellationToken ct)
    {
        if (WarmUpDue) return;
        if (_warmedUp.Task.IsCompleted || _warmUpOn is null || _ready.Task.IsCompleted)
        {
            await _store.WaitForPendingAsync(ct).ConfigureAwait(false);
            return;
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var change = _store.WaitForPendingAsync(either.Token);
        await Task.WhenAny(change, _ready.Task).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        try
        {
            await change.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Ready came first: the loop runs the warm-up unless a change is waiting by now.
        }
    }

    /// <summary>
    /// Runs the change path (translate, data plane apply) <see cref="PipelineOptions.WarmUpPasses"/> times on
    /// <paramref name="live"/>, each pass a one-route change: one route (and its first backend's Service and
    /// EndpointSlices) replaced by equal copies and back, applied (the result equals what is served); a phantom copy of
    /// the route under a new name and host added and removed, whose tables are compiled against what the sockets serve
    /// and thrown away, never served. So the incremental translator, the table patch and what they call are compiled
    /// (and reach the JIT's optimizing tier) before the first real change, which otherwise pays tens of milliseconds
    /// for it. Statuses are not handed off (the phantom's included) and no pass metrics are recorded. A change waiting in the store ends the warm-up at once: real changes never wait behind it. The last
    /// pass translates <paramref name="live"/> itself, so the translator continues from the store's own lineage.
    /// </summary>
    private async Task<int> WarmUpAsync(Snapshot live, CancellationToken ct)
    {
        var count = _options.WarmUpPasses;
        var route = live.HttpRoutes.FirstOrDefault() as IKubernetesObject<V1ObjectMeta> ?? live.GrpcRoutes.FirstOrDefault();
        if (count <= 0 || route is null) return 0;
        var started = Stopwatch.GetTimestamp();
        var key = KindRegistry.KeyOf(KindRegistry.ByName(route.Kind)!, route);
        // The route, and the Service its first rule sends to with that Service's EndpointSlices (an added route usually
        // comes with them), each as the object itself and as an equal copy.
        var objects = WarmUpObjects.RouteAndBackends(route, live.Get, live.EndpointSlices)
            .Select(o => (o.Key, o.Object, Copy: ObjectCopy.Clone(o.Object))).ToList();
        var phantom = Phantom(route);
        var phantomKey = KindRegistry.KeyOf(KindRegistry.ByName(phantom.Kind)!, phantom);
        // The node facts of the pass just applied, not probed again: a probe failing now (out of descriptors, say) would
        // make a warm-up pass differ from what is served.
        var usable = _lastUsable;
        var current = live;
        var passes = 0;
        string? ended = null;
        while (passes < count && _store.Pending is null && !ct.IsCancellationRequested)
        {
            var last = passes == count - 1;
            // Four kinds of one-route change in turn: the route (with its Service and slices) as equal copies, back to
            // the objects themselves, a phantom route added, and removed again. The phantom's tables are compiled
            // against what the sockets serve and thrown away, never served (IDataPlane.CompileOnlyAsync).
            var step = passes % 4;
            current = last ? live : step switch
            {
                0 => current.With(live.Revision, objects.Select(o => (o.Key, o.Copy)), []),
                1 => current.With(live.Revision, objects.Select(o => (o.Key, o.Object)), []),
                2 => current.With(live.Revision, [(phantomKey, phantom)], []),
                _ => current.With(live.Revision, [], [phantomKey]),
            };
            var errors = new List<string>();
            var translations = 0;
            // Diagnostics are not logged again: the pass just enqueued logged every fault there is.
            if (Translate(current, usable, _unavailable, errors, ref translations, logDiagnostics: false) is not { } result)
            {
                ended = "a pass was not translated (logged above)";
                break;
            }
            passes++;
            if (!last && step >= 2)
            {
                if (_dataPlane is not null) await _dataPlane.CompileOnlyAsync(result.Revision, result.Gateways, ct).ConfigureAwait(false);
            }
            else
            {
                if (await ApplyAsync(result, errors, ct).ConfigureAwait(false) is null)
                {
                    ended = _dataPlane?.Stopped == true ? "the host is stopping" : "a pass was not applied (logged above)";
                    break;
                }
                if (last) _lastResult = result;
            }
            // A route whose change needs a full translation (one a RateLimitPolicy targets) would make every warm-up
            // pass a full one: one is enough to stop.
            if (_incremental is { LastMode: not TranslationMode.Incremental })
            {
                ended = "the route's changes need a full translation";
                break;
            }
        }
        ended = passes == count ? null : ended ?? (ct.IsCancellationRequested ? "the host is stopping" : "a change arrived");
        var stopped = ended is null ? "" : $"; {ended}, the rest skipped";
        _logger.LogInformation("Warm-up: {Passes} passes of the change path ({Route} re-translated and applied unchanged) in {Elapsed:F1} ms{Stopped}",
            passes, key, Stopwatch.GetElapsedTime(started).TotalMilliseconds, stopped);
        // The status stage's incremental hand-off, on a throwaway builder over a small synthetic Gateway (the node's own
        // builder must only ever see served passes); skipped when a change is already waiting.
        if (passes == count && _store.Pending is null && !ct.IsCancellationRequested)
        {
            var handOffStarted = Stopwatch.GetTimestamp();
            try
            {
                var handOffPasses = NodeContentBuilder.WarmUp(count, _options.Translator.ControllerName, ct);
                _logger.LogInformation("Warm-up: {Passes} passes of the status hand-off over a synthetic Gateway in {Elapsed:F1} ms",
                    handOffPasses, Stopwatch.GetElapsedTime(handOffStarted).TotalMilliseconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The warm-up only saves time: a fault ends it, and the first real hand-off runs cold.
                _logger.LogWarning(e, "Warm-up of the status hand-off ended by a fault");
            }
            // The owners' own write and removal (a node's first deletion would otherwise compile the removal).
            var ownersStarted = Stopwatch.GetTimestamp();
            try
            {
                if (await _handOff.WarmUpOwnersAsync(_options.Translator.ControllerName, ct).ConfigureAwait(false) is { } ran)
                    _logger.LogInformation("Warm-up: {Ran} in {Elapsed:F1} ms", ran, Stopwatch.GetElapsedTime(ownersStarted).TotalMilliseconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Warm-up of the status owners ended by a fault");
            }
        }
        return passes;
    }

    /// <summary>
    /// A copy of <paramref name="route"/> under a name no object has, with its first hostname (if any) moved to a new
    /// label under the same domain, so adding it takes the table patch's paths for a new route and a new host.
    /// </summary>
    private static IKubernetesObject<V1ObjectMeta> Phantom(IKubernetesObject<V1ObjectMeta> route)
    {
        var phantom = ObjectCopy.Clone(route);
        var suffix = Guid.NewGuid().ToString("N")[..12];
        phantom.Metadata.Name = $"warm-up-{suffix}";
        phantom.Metadata.Uid = Guid.NewGuid().ToString();
        static IList<string>? Moved(IList<string>? hostnames, string label) => hostnames is [var first, ..]
            ? [first.StartsWith("*.", StringComparison.Ordinal) ? $"{label}{first[1..]}" : $"{label}.{first}"]
            : hostnames;
        switch (phantom)
        {
            case Gateway.Actors.Model.V1HTTPRoute http:
                http.Spec.Hostnames = Moved(http.Spec.Hostnames, $"warm-up-{suffix}");
                break;
            case Gateway.Actors.Model.V1GRPCRoute grpc:
                grpc.Spec.Hostnames = Moved(grpc.Spec.Hostnames, $"warm-up-{suffix}");
                break;
        }
        return phantom;
    }

    private async Task StopStatusStageAsync()
    {
        await _statusStop.CancelAsync().ConfigureAwait(false);
        if (_statusStage is { } stage) await stage.ConfigureAwait(false);
    }

    /// <summary>A pass between its data plane apply and its statuses.</summary>
    private sealed record AppliedPass(PublishedSnapshot Published, TranslationResult? Result, bool DataPlaneApplied, List<string> Errors, int Translations,
        long Started, TimeSpan Queued, TimeSpan TranslateTime, TimeSpan ApplyTime, long AppliedAt)
    {
        /// <summary>How the pass translated (incremental translator only), for the pass's log line.</summary>
        public string Translation { get; init; } = "";
    }

    private TranslationResult? Translate(Snapshot snapshot, IReadOnlySet<string> usable, IReadOnlySet<ListenerSocket> unavailable, List<string> errors, ref int translations,
        bool logDiagnostics = true)
    {
        translations++;
        TranslationResult result;
        try
        {
            result = _translate(snapshot, _options.Translator with { UsableStaticAddresses = usable, UnavailableSockets = unavailable });
            _lastTranslation = _incremental is null ? "" : $"; translated {_incremental.LastMode.ToString().ToLowerInvariant()}, {_incremental.LastRoutesTranslated} routes compiled";
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Revision {Revision}: translation failed; the data plane and status keep their last state until the next change", snapshot.Revision);
            errors.Add($"translation: {e.GetType().Name}: {e.Message}");
            return null;
        }
        if (logDiagnostics) LogDiagnostics(result);
        return result;
    }

    /// <summary>
    /// Every exception the translator contained for a single object is a bug: each is logged at Error level with the
    /// exception (type, message, stack). The translation itself stands; those objects carry an internal-error
    /// condition and every other object is served. Mesh problems (Services left out of the mesh) are warnings, each
    /// logged once when it appears (<see cref="Mesh.MeshProblemLog"/>).
    /// </summary>
    private void LogDiagnostics(TranslationResult result)
    {
        foreach (var problem in _meshProblems.Appeared(result.Mesh))
        {
            _logger.LogWarning("Revision {Revision}: mesh: {Problem}", result.Revision, problem);
        }
        foreach (var d in result.Diagnostics.IsDefault ? [] : result.Diagnostics)
        {
            _logger.LogError(d.Exception, "Revision {Revision}: internal error translating {Object} in step {Step}: {ExceptionType}: {Message}; the object reports it in its status, every other object is translated",
                result.Revision, d.Object, d.Step, d.ExceptionType, d.Message);
        }
    }

    private async Task<IReadOnlySet<ListenerSocket>?> ApplyAsync(TranslationResult result, List<string> errors, CancellationToken ct)
    {
        if (_dataPlane is null) return ImmutableHashSet<ListenerSocket>.Empty;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.DataPlaneTimeout);
        try
        {
            var applied = await (_dataPlane is Mesh.IMeshDataPlane mesh
                ? mesh.ApplyAsync(result, timeout.Token)
                : _dataPlane.ApplyAsync(result.Revision, result.Gateways, timeout.Token)).ConfigureAwait(false);
            return applied.FailedSockets;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && _dataPlane.Stopped)
        {
            // The host stops the data plane before this service when it shuts down (DataPlaneDrain): a pass or warm-up
            // still running then finds it stopped. That is the shutdown, not a fault of the pass.
            _logger.LogInformation("Revision {Revision}: not applied: the data plane has stopped (the host is shutting down; {ExceptionType})",
                result.Revision, e.GetType().Name);
            errors.Add("data plane: stopped (shutting down)");
            return null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            _logger.LogError(e, "Revision {Revision}: data plane apply failed; retried with the next change", result.Revision);
            errors.Add($"data plane: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    private async Task<(int Written, int Unchanged, int Removed, int Unacknowledged)> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied,
        List<string> errors, CancellationToken ct)
    {
        // First pass: statuses left by an earlier run are reported too, so the owners of objects that are gone remove them.
        IReadOnlyCollection<ResourceKey> stored = !_inventoryReported && _inventory is not null ? _inventory.StoredKeys() : [];
        _inventoryReported = true;
        try
        {
            var handed = await _handOff.HandOffAsync(result, snapshot, applied, stored, ct).ConfigureAwait(false);
            errors.AddRange(handed.Errors);
            _lastHandOff = handed;
            return (handed.Written, handed.Unchanged, handed.Removed, handed.Unacknowledged);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && _handOff.Stopped)
        {
            // The actor system shuts down before this service stops (the node's reporter cancels what it was waiting
            // for): the shutdown, not a fault of the pass. The next start reconciles every status again.
            _logger.LogInformation("Revision {Revision}: statuses not handed to their entities: this node is shutting down ({ExceptionType})",
                result.Revision, e.GetType().Name);
            errors.Add("status hand-off: stopped (shutting down)");
            return (0, 0, 0, 0);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            _logger.LogError(e, "Revision {Revision}: handing statuses to their entities failed; retried with the next change", result.Revision);
            errors.Add($"status hand-off: {e.GetType().Name}: {e.Message}");
            return (0, 0, 0, 0);
        }
    }

    private void Complete(PassResult pass)
    {
        _lastPass = pass;
        if (pass.Succeeded && Interlocked.Exchange(ref _readyClaimed, 1) == 0)
        {
            if (HostStarted is { IsCompleted: false } started) _ = DeclareReadyAsync(started, pass);
            else DeclareReady(pass);
        }
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Done(pass)) continue;
                _waiters[i].Waiter.TrySetResult(pass);
                _waiters.RemoveAt(i);
            }
        }
    }

    // Ready promises everything the process serves, its management endpoint included; the host starts that endpoint
    // after this service (once the ActorSystem runs), and a small configuration's first pass can finish before then.
    private async Task DeclareReadyAsync(Task started, PassResult pass)
    {
        try
        {
            await started.WaitAsync(_statusStop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        DeclareReady(pass);
    }

    private void DeclareReady(PassResult pass)
    {
        if (!_ready.TrySetResult()) return;
        // Readiness waits for the data plane, not for every status: owners may still be writing.
        if (pass.StatusesUnacknowledged == 0)
            _logger.LogInformation("Ready: revision {Revision} translated, applied and its statuses written", pass.Revision);
        else
            _logger.LogInformation("Ready: revision {Revision} translated and applied; {Pending} statuses not yet confirmed by their owners (written when they get to them)",
                pass.Revision, pass.StatusesUnacknowledged);
    }

    private async Task<PassResult> WaitAsync(Func<PassResult, bool> done, CancellationToken ct)
    {
        TaskCompletionSource<PassResult> waiter;
        lock (_gate)
        {
            if (_lastPass is { } last && done(last)) return last;
            waiter = new TaskCompletionSource<PassResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, waiter));
        }
        try
        {
            return await waiter.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate) _waiters.RemoveAll(w => w.Waiter == waiter);
        }
    }
}
