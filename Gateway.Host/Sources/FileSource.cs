using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Sources;

/// <summary>Settings of the file source.</summary>
public sealed record FileSourceOptions
{
    /// <summary>Directories (or files) to load; earlier entries win duplicates.</summary>
    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>Directories never read even when under a root (the status directory).</summary>
    public IReadOnlyList<string> Excluded { get; init; } = [];

    /// <summary>
    /// Period of the safety-net rescan. Watchers miss events (buffer overflow, network and container file systems),
    /// so every period the files' sizes and modification times are compared as well.
    /// </summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long to wait after a watcher event before reading, so a writer that writes in several chunks is read
    /// once it is done. Writers that replace files atomically (temp file + rename) never expose partial content, so a
    /// manifest file renamed into place is read at once, without this delay; so is a removed manifest file.
    /// </summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The status directory, when there is one: an object seen for the first time by this process takes its uid,
    /// creationTimestamp and generation from the whole object stored there (<see cref="StatusFileIdentity"/>), so
    /// replicas sharing one manifests folder and status directory, and a restarted replica, agree on them.
    /// </summary>
    public string? StatusDirectory { get; init; }

    /// <summary>
    /// Passes of the warm-up after the first scan: the change path (one manifest file re-read, parsed, reconciled and
    /// stamped, its no-change handed to the store) run this many times over a file whose text did not change, so the
    /// first real change does not run it cold. 0 turns it off. Bounded further by <see cref="WarmUpBudget"/>, and
    /// ended at once by a real change. The default reaches past the JIT's call counts
    /// (<see cref="Hosting.JitTiering.WarmUpPasses"/>: 502 with the shipped count of 250).
    /// </summary>
    public int WarmUpPasses { get; init; } = Hosting.JitTiering.WarmUpPasses;

    /// <summary>The most time the warm-up may take (a scan walks every file under the roots: large trees make passes dear).</summary>
    public TimeSpan WarmUpBudget { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// What the warm-up waits for after the first scan (null: nothing, it runs at once). The host passes the pipeline's
    /// <see cref="Pipeline.SnapshotPipeline.Ready"/>: the warm-up's CPU then comes after the start-up's statuses are
    /// written instead of during them. Changes are read meanwhile as usual; one waiting when it is due ends it at once.
    /// </summary>
    public Func<Task>? WarmUpAfter { get; init; }
}

/// <summary>
/// The embedded default source: manifest directories, watched. A FileSystemWatcher per root marks changed paths,
/// a bounded periodic rescan catches what watchers miss, and every change goes through the
/// <see cref="ManifestCatalog"/> into the <see cref="ResourceStore"/>. The store is marked synced after the first
/// complete scan, so nothing is translated from half-read directories. Problems are logged once when they appear
/// and kept in <see cref="Diagnostics"/> while they last; nothing here ever stops the loop. Watcher threads and
/// <see cref="RescanAsync"/> hand the loop what woke it through one unbounded channel (<see cref="SourceEvent"/>); the
/// loop drains it whole before each scan, so a burst of events is one scan.
/// </summary>
public sealed class FileSource : BackgroundService
{
    private readonly FileSourceOptions _options;
    private readonly ResourceStore _store;
    private readonly ILogger<FileSource> _logger;
    private readonly ManifestCatalog _catalog;
    // Not SingleReader: the single-reader channel cannot count its items, and ChangeWaiting counts them.
    private readonly Channel<SourceEvent> _events = Channel.CreateUnbounded<SourceEvent>();
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _initialSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _watcherEventsWarmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _watcherEventsPending;
    private long _firstEventAt;
    // When the roots were last walked (every file listed and compared), on the Stopwatch clock.
    private long _lastWalkAt;
    private int _additionWarmUpPasses;
    private volatile IReadOnlyList<SourceDiagnostic> _diagnostics = [];
    // The first scan, once started (StartInitialScan); guarded by _events' lock.
    private Task? _initialScan;
    // Whether the loop ran: it disposes the watchers when it ends; otherwise Dispose does.
    private bool _executing;

    /// <summary>Creates the source; it starts reading when the host starts it (or earlier: <see cref="StartInitialScan"/>).</summary>
    public FileSource(FileSourceOptions options, ResourceStore store, ILogger<FileSource> logger, TimeProvider time)
    {
        _options = options;
        _store = store;
        _logger = logger;
        _catalog = new ManifestCatalog(options.Roots, time, options.Excluded,
            options.StatusDirectory is { } statusDirectory ? key => StatusFileIdentity.Read(statusDirectory, key) : null);
    }

    /// <summary>
    /// Starts the first complete scan in the background unless it has started, and returns it. It needs only the
    /// files, the catalog and the store, so the host starts it before its services: the scan then runs while the
    /// cluster and the data plane start instead of after them (building Akka's ActorSystem alone takes up to half a
    /// second of the launch). The loop (<see cref="ExecuteAsync"/>) starts it otherwise, and awaits it before it reads
    /// any event: until then the scan owns the catalog and the watchers.
    /// </summary>
    public Task StartInitialScan()
    {
        lock (_events) return _initialScan ??= Task.Run(InitialScan);
    }

    private void InitialScan()
    {
        // Watch before the first scan so nothing written during the scan is missed.
        EnsureWatchers();
        ScanAndApply(null, forceAll: true, initial: true);
        // Marked as the objects reached the store (ScanAndApply); here too for a scan that found nothing to hand in.
        _store.MarkSynced();
        _initialSync.TrySetResult();
        _logger.LogInformation("Initial scan of {Roots} complete: {Count} objects, {Problems} problems",
            string.Join(", ", _catalog.Roots), _catalog.Objects.Count, _catalog.Diagnostics.Count);
    }

    /// <summary>Completes when the first complete scan has reached the store.</summary>
    public Task InitialSync => _initialSync.Task;

    /// <summary>
    /// Completes when the warm-up after the first scan has ended, with the number of passes it ran (see
    /// <see cref="FileSourceOptions.WarmUpPasses"/>; fewer when a change arrived or the budget ran out, 0 without a file
    /// to run it on).
    /// </summary>
    public Task<int> WarmedUp => _warmedUp.Task;

    /// <summary>
    /// Passes of the added-and-removed-file warm-up (<see cref="AdditionWarmUp"/>) run after the unchanged-file passes;
    /// final once <see cref="WarmedUp"/> completed. 0 without a route, when a change arrived first or when it failed.
    /// </summary>
    public int AdditionWarmUpPasses => Volatile.Read(ref _additionWarmUpPasses);

    /// <summary>
    /// Completes once the loop has read the warm-up's watcher events (true), or with false when they were not sent (the
    /// warm-up was cut short or turned off). See <c>WarmUpWatcherEvents</c>.
    /// </summary>
    public Task<bool> WatcherEventsWarmedUp => _watcherEventsWarmedUp.Task;

    /// <summary>Every current problem (file, document index, reason), in path order.</summary>
    public IReadOnlyList<SourceDiagnostic> Diagnostics => _diagnostics;

    /// <summary>
    /// Re-reads every file now (not waiting for watcher events or the periodic rescan) and completes when the
    /// resulting changes are in the store. Tests and the in-process harness use it after writing files.
    /// </summary>
    public async Task RescanAsync(CancellationToken ct)
    {
        await InitialSync.WaitAsync(ct).ConfigureAwait(false);
        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_events.Writer.TryWrite(new RescanRequested(request))) throw new OperationCanceledException("the file source has stopped");
        await request.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave StartAsync at once; the first scan runs in the background and readiness reports when it is done.
        Volatile.Write(ref _executing, true);
        await Task.Yield();
        try
        {
            await StartInitialScan().ConfigureAwait(false);
            if (_options.WarmUpAfter is { } after) _ = SignalWarmUpDueAsync(after, stoppingToken);
            else _warmedUp.TrySetResult(WarmUp(stoppingToken));

            while (!stoppingToken.IsCancellationRequested)
            {
                // Woken by an event, or not within the rescan interval: then the periodic rescan runs.
                var woken = await WaitForEventAsync(stoppingToken).ConfigureAwait(false);
                var events = Drain();
                // The warm-up, once due, runs after whatever else woke the loop (real changes first).
                var warmUpDue = events.RemoveAll(e => e is WarmUpDue) > 0;
                if (warmUpDue && events.Count == 0)
                {
                    _warmedUp.TrySetResult(WarmUp(stoppingToken));
                    continue;
                }
                if (woken && events.Any(e => e is PathChanged { Settle: true } or WatcherFailed))
                {
                    // A writer may still be writing: let it finish, and take what arrives meanwhile into the same scan.
                    await Task.Delay(_options.SettleDelay, stoppingToken).ConfigureAwait(false);
                    events.AddRange(Drain());
                }

                var forced = events.OfType<PathChanged>().Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
                var requests = events.OfType<RescanRequested>().Select(e => e.Done).ToList();
                var watcherFailed = events.Any(e => e is WatcherFailed);
                var forceAll = watcherFailed || requests.Count > 0;
                var plan = PlanScan(woken, forceAll, forced.Count, Stopwatch.GetElapsedTime(_lastWalkAt), _options.RescanInterval);

                try
                {
                    EnsureWatchers(recreate: watcherFailed);
                    ScanAndApply(forced, forceAll, targeted: plan.ReadReportedPaths);
                    // Unless that scan walked anyway (a path the catalog cannot read alone).
                    if (plan.WalkAfter && Stopwatch.GetElapsedTime(_lastWalkAt) >= _options.RescanInterval) ScanAndApply(null, forceAll: false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Manifest scan failed; the last objects stay in force and the next scan retries");
                }
                foreach (var request in requests) request.TrySetResult();
                if (_watcherEventsPending)
                {
                    _watcherEventsPending = false;
                    _watcherEventsWarmedUp.TrySetResult(true);
                }
                if (warmUpDue) _warmedUp.TrySetResult(WarmUp(stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _initialSync.TrySetCanceled(CancellationToken.None);
            _warmedUp.TrySetCanceled(CancellationToken.None);
            _watcherEventsWarmedUp.TrySetResult(false);
            _events.Writer.TryComplete();
            foreach (var request in Drain().OfType<RescanRequested>()) request.Done.TrySetCanceled(CancellationToken.None);
            foreach (var watcher in _watchers.Values) watcher.Dispose();
            _watchers.Clear();
        }
    }

    /// <summary>
    /// Waits for <paramref name="after"/>, then wakes the loop to run the warm-up. A fault of what it waits for (the
    /// pipeline stopped) leaves the warm-up undone: it only saves time.
    /// </summary>
    private async Task SignalWarmUpDueAsync(Func<Task> after, CancellationToken ct)
    {
        try
        {
            await after().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!ct.IsCancellationRequested) _logger.LogInformation("File source warm-up skipped: what it waits for ended without completing ({Reason})", e.Message);
            _watcherEventsWarmedUp.TrySetResult(false);
            _warmedUp.TrySetResult(0);
            return;
        }
        _events.Writer.TryWrite(new WarmUpDue());
    }

    /// <summary>
    /// Runs the change path a real watcher event takes (a scan forcing one file, its objects reconciled and stamped, the
    /// outcome handed to the store) over a file whose text did not change, <see cref="FileSourceOptions.WarmUpPasses"/>
    /// times, so its code is compiled (and past the JIT's promotion count) before the first real change: without it the
    /// first added route spent about 15 ms between the watcher event and the store, later ones 1 to 2 ms. An unchanged
    /// file changes nothing (stamping keeps every stamped object it holds; the store sees no change, so no pass runs). A
    /// file that did change meanwhile is read as a real change would read it, its changes go to the store as usual.
    /// Stops before the next pass when a watcher event, a rescan request or a watcher error is waiting (they are left for
    /// the loop), or when the budget is spent. Runs on the loop's thread, which owns the catalog.
    /// </summary>
    /// <remarks>
    /// Two files: the smallest, read <see cref="FileSourceOptions.WarmUpPasses"/> times (the per-file path: scan, one-file
    /// reconcile, store hand-off), then the smallest that defines a route, read until each of its objects went through
    /// the per-object path (parse, stamp) that many times in all: a route file of the usual hundred routes twice or
    /// three times, not once per pass (each read of such a file parses and stamps its hundred routes).
    /// </remarks>
    private int WarmUp(CancellationToken ct)
    {
        var count = _options.WarmUpPasses;
        if (count <= 0 || _catalog.WarmUpFile() is not { } path)
        {
            _watcherEventsWarmedUp.TrySetResult(false);
            return 0;
        }
        var started = Stopwatch.GetTimestamp();
        var plan = new List<(string Path, int Passes)> { (path, count) };
        if (_catalog.WarmUpFile(definingARoute: true) is { } routes && routes != path)
        {
            var objects = Math.Max(1, _catalog.ObjectCount(routes));
            plan.Add((routes, (int)Math.Clamp((count + (long)objects - 1) / objects, 1, count)));
        }
        var passes = 0;
        try
        {
            foreach (var (file, filePasses) in plan)
            {
                var forced = new HashSet<string>(StringComparer.Ordinal) { file };
                for (var pass = 0; pass < filePasses && !ct.IsCancellationRequested && !ChangeWaiting && Stopwatch.GetElapsedTime(started) < _options.WarmUpBudget; pass++)
                {
                    _catalog.ForgetText(file);
                    ScanAndApply(forced, forceAll: false, warmUp: true, targeted: true);
                    passes++;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The warm-up only saves time: a fault ends it, and the loop's next scan reads every change as usual.
            _logger.LogWarning(e, "File source warm-up ended by a fault; changes are read as usual");
        }
        var planned = plan.Sum(p => p.Passes);
        _logger.LogInformation("File source warm-up: {Passes} passes of the change path ({Files} read again unchanged) in {Elapsed:F1} ms{Stopped}",
            passes, string.Join(", ", plan.Select(p => $"{p.Path} x{p.Passes}")), Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            passes < planned ? "; a change arrived or the budget ran out, the rest skipped" : "");
        if (passes == planned) WarmUpAdditions(count, ct);
        if (passes == planned && !ct.IsCancellationRequested && !ChangeWaiting) WarmUpWatcherEvents();
        else _watcherEventsWarmedUp.TrySetResult(false);
        return passes;
    }

    /// <summary>
    /// Hands the loop, through the watcher handlers, the events of a manifest renamed into place and then removed, for a
    /// path in a directory that does not exist (under the system's temporary directory). The loop reads them as it reads
    /// any event: the catalog ignores such a path (<see cref="ManifestCatalog.ScanPaths"/>), so nothing changes. Without
    /// them the handlers and the loop's event handling ran, and were compiled, on the first real change: about 2 ms of
    /// the first added route's time on 2 cores (bench/README.md). Only events read without the settle delay are sent, so
    /// a real change arriving meanwhile is not held back.
    /// </summary>
    private void WarmUpWatcherEvents()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"gateway-warm-up-events-{Guid.NewGuid():N}");
        _watcherEventsPending = true;
        OnRenamed(this, new RenamedEventArgs(WatcherChangeTypes.Renamed, directory, "route.yaml", ".route.yaml.tmp"));
        OnChanged(this, new FileSystemEventArgs(WatcherChangeTypes.Deleted, directory, "route.yaml"));
    }

    /// <summary>
    /// The path of an added and of a removed file (<see cref="AdditionWarmUp"/>), with one of the catalog's routes and
    /// its backends as the file's content, on a throwaway catalog and store.
    /// </summary>
    private void WarmUpAdditions(int count, CancellationToken ct)
    {
        if (ct.IsCancellationRequested || ChangeWaiting) return;
        var objects = _catalog.Objects;
        IKubernetesObject<V1ObjectMeta>? route = null;
        foreach (var (key, obj) in objects)
        {
            if (key.Kind != KindRegistry.HTTPRoute.Kind) continue;
            route = obj;
            break;
        }
        if (route is null) return;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var content = WarmUpObjects.RouteAndBackends(route, k => objects.GetValueOrDefault(k), objects.Values.OfType<V1EndpointSlice>()).Select(o => o.Object).ToList();
            var passes = AdditionWarmUp.Run(content, count, _options.WarmUpBudget, () => ct.IsCancellationRequested || ChangeWaiting).Passes;
            Volatile.Write(ref _additionWarmUpPasses, passes);
            _logger.LogInformation("File source warm-up: {Passes} passes of an added and removed file ({Objects} objects, on a throwaway catalog) in {Elapsed:F1} ms{Stopped}",
                passes, content.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds, passes < count ? "; a change arrived or the budget ran out, the rest skipped" : "");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The warm-up only saves time: a temporary directory that cannot be made or written ends it without effect.
            _logger.LogWarning(e, "File source warm-up of an added file ended by a fault; changes are read as usual");
        }
    }

    /// <summary>How one round of the loop reads the roots (<see cref="PlanScan"/>).</summary>
    /// <param name="ReadReportedPaths">Read only the paths the watchers reported; false: walk the roots.</param>
    /// <param name="WalkAfter">Walk the roots after the reported paths are read and applied.</param>
    internal readonly record struct ScanPlan(bool ReadReportedPaths, bool WalkAfter);

    /// <summary>
    /// Watcher events name what changed, and only those paths are read. The walk of the roots is the safety net for
    /// events the watchers lose: it runs when no event came for <paramref name="rescanInterval"/> (the periodic rescan),
    /// for a rescan request or a watcher failure, and, because a steady stream of events keeps the periodic rescan
    /// from firing, after the reported paths whenever the last walk is older than the interval. After, not instead:
    /// the change that happened to come due is in the store before the walk starts (a walk of 51 files took 11 ms at
    /// 5,000 routes, inside that change's propagation; bench/README.md "Issue 10 in the ninth session").
    /// </summary>
    internal static ScanPlan PlanScan(bool woken, bool forceAll, int reportedPaths, TimeSpan sinceLastWalk, TimeSpan rescanInterval)
    {
        var targeted = woken && !forceAll && reportedPaths > 0;
        return new ScanPlan(targeted, targeted && sinceLastWalk >= rescanInterval);
    }

    /// <summary>True when the loop has work waiting: a watcher event, a rescan request or a watcher error.</summary>
    private bool ChangeWaiting => _events.Reader.Count > 0 || Interlocked.Read(ref _firstEventAt) != 0;

    /// <summary>Waits for an event; false when <see cref="FileSourceOptions.RescanInterval"/> passed without one.</summary>
    private async Task<bool> WaitForEventAsync(CancellationToken stoppingToken)
    {
        using var interval = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        interval.CancelAfter(_options.RescanInterval);
        try
        {
            return await _events.Reader.WaitToReadAsync(interval.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Every event waiting now, in arrival order.</summary>
    private List<SourceEvent> Drain()
    {
        var events = new List<SourceEvent>();
        while (_events.Reader.TryRead(out var e)) events.Add(e);
        return events;
    }

    /// <param name="forced">Paths to read even when their size and time look unchanged (the watchers' paths).</param>
    /// <param name="forceAll">Read every file.</param>
    /// <param name="warmUp">A warm-up pass (it leaves the first event's time alone).</param>
    /// <param name="targeted">Read only <paramref name="forced"/>, when the catalog can (<see cref="ManifestCatalog.ScanPaths"/>); else walk the roots.</param>
    /// <param name="initial">
    /// The first complete scan: the store is marked synced as soon as its objects are in, so the first pass does not
    /// wait for the catalog's whole-catalog checks (duplicates, dangling references: about 0.1 s at 30,000 objects);
    /// <see cref="InitialSync"/> still completes after them.
    /// </param>
    private void ScanAndApply(IReadOnlySet<string>? forced, bool forceAll, bool warmUp = false, bool targeted = false, bool initial = false)
    {
        var started = Stopwatch.GetTimestamp();
        // A warm-up pass leaves the first event's time to the scan that reads that event.
        var firstEvent = warmUp ? 0 : Interlocked.Exchange(ref _firstEventAt, 0);
        var scanned = 0L;
        void Apply(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> upserts, IReadOnlyList<ResourceKey> removals)
        {
            // One store change per scan: the objects of one file (a route and its Service) reach the pipeline together.
            _store.Apply(upserts, removals);
            if (initial) _store.MarkSynced();
            scanned = Stopwatch.GetTimestamp();
        }
        var changes = targeted && forced is { Count: > 0 } ? _catalog.ScanPaths(forced, Apply) : null;
        var walked = changes is null;
        if (changes is null)
        {
            changes = _catalog.Scan(forced, forceAll, Apply);
            _lastWalkAt = Stopwatch.GetTimestamp();
        }
        if (scanned == 0) scanned = Stopwatch.GetTimestamp();
        // Files the catalog wants read again (read while being written) go round the loop as events of their own.
        foreach (var path in _catalog.TakeRecheck()) _events.Writer.TryWrite(new PathChanged(path, Settle: false));
        _diagnostics = _catalog.Diagnostics;
        foreach (var d in changes.Added)
            _logger.LogWarning("Manifest problem ({Category}) in {File} document {Document}: {Reason}", d.Category, d.File, d.DocumentIndex, d.Reason);
        foreach (var d in changes.Resolved)
            _logger.LogInformation("Manifest problem resolved in {File} document {Document}: {Reason}", d.File, d.DocumentIndex, d.Reason);
        // Per-change latency inside the source (bench/run-controlplane.sh: propagation = watcher + scan + pipeline pass).
        if (!changes.IsEmpty)
            _logger.LogInformation("Manifests changed: {Upserts} upserted, {Removals} removed; in the store {Scan:F1} ms after the scan started, {Total:F1} ms after the first watcher event ({How})",
                changes.Upserts.Count, changes.Removals.Count, Stopwatch.GetElapsedTime(started, scanned).TotalMilliseconds,
                firstEvent == 0 ? 0 : Stopwatch.GetElapsedTime(firstEvent, scanned).TotalMilliseconds, walked ? "every file under the roots compared" : "the reported paths read");
    }

    private void EnsureWatchers(bool recreate = false)
    {
        foreach (var root in _catalog.Roots)
        {
            var exists = Directory.Exists(root);
            if (_watchers.TryGetValue(root, out var existing) && (recreate || !exists))
            {
                // A watcher whose directory vanished is dead; a new one is made when the directory comes back.
                existing.Dispose();
                _watchers.Remove(root);
            }
            if (_watchers.ContainsKey(root) || !exists) continue;
            try
            {
                var watcher = new FileSystemWatcher(root)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Created += OnChanged;
                watcher.Changed += OnChanged;
                watcher.Deleted += OnChanged;
                watcher.Renamed += OnRenamed;
                watcher.Error += (_, e) => OnWatcherError(root, e.GetException());
                watcher.EnableRaisingEvents = true;
                _watchers[root] = watcher;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // The periodic rescan still sees every change, only later.
                _logger.LogWarning(e, "Cannot watch {Root}; relying on the periodic rescan every {Interval}", root, _options.RescanInterval);
            }
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        // Our own status writes must not wake the source when the status directory sits under a manifest root.
        if (_catalog.IsExcluded(e.FullPath)) return;
        // A writer's temp file (".x.yaml.tmp", "x.swp") is never read: waking for it would only delay the rename that
        // follows by the settle delay. Names without an extension may be directories and still count.
        if (IsOtherFile(e.FullPath)) return;
        // A removed manifest has no partial content to wait out: it is read (found gone) at once, so a deletion is
        // served as fast as a rename into place. A writer that deletes and then writes the file anew is seen as a
        // removal followed by a creation, as the API server sees a delete followed by a create.
        Signal(new PathChanged(e.FullPath, Settle: !(e.ChangeType == WatcherChangeTypes.Deleted && IsManifestName(e.FullPath))));
    }

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        // A manifest renamed into place was written completely before (temp file + rename): read it at once.
        var settle = !IsManifestName(e.FullPath);
        Signal(new PathChanged(e.OldFullPath, settle));
        Signal(new PathChanged(e.FullPath, settle));
    }

    private static bool IsManifestName(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.') && ManifestCatalog.IsManifestExtension(Path.GetExtension(name));
    }

    private static bool IsOtherFile(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Length > 1 && !ManifestCatalog.IsManifestExtension(extension) && !Directory.Exists(path);
    }

    private void OnWatcherError(string root, Exception error)
    {
        _logger.LogWarning(error, "Watcher of {Root} failed (events may be lost); rescanning everything", root);
        // The watcher dictionary belongs to the loop: the event asks it to rebuild the watchers and read everything.
        Signal(WatcherFailed.Instance);
    }

    /// <summary>
    /// Wakes the loop. Watcher events run on their own threads and can still arrive after the source stopped; the
    /// completed channel then refuses the event, which is what should happen to it.
    /// </summary>
    private void Signal(SourceEvent e)
    {
        Interlocked.CompareExchange(ref _firstEventAt, Stopwatch.GetTimestamp(), 0);
        _events.Writer.TryWrite(e);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        _events.Writer.TryComplete();
        // A scan started ahead of a host that then failed to start: the loop that owns the watchers never ran, so
        // they are disposed here once the scan (bounded by the files) has ended.
        Task? scan;
        lock (_events) scan = _initialScan;
        if (scan is null || Volatile.Read(ref _executing)) return;
        try
        {
            scan.Wait();
        }
        catch (AggregateException e)
        {
            _logger.LogError(e.InnerException, "Initial manifest scan failed");
        }
        foreach (var watcher in _watchers.Values) watcher.Dispose();
        _watchers.Clear();
    }

    /// <summary>What wakes the loop.</summary>
    private abstract record SourceEvent;

    /// <summary>What the warm-up waits for (<see cref="FileSourceOptions.WarmUpAfter"/>) has happened.</summary>
    private sealed record WarmUpDue : SourceEvent;

    /// <summary>A path to read again; <paramref name="Settle"/>: its writer may not be done, wait the settle delay first.</summary>
    private sealed record PathChanged(string Path, bool Settle) : SourceEvent;

    /// <summary><see cref="RescanAsync"/>: read every file, then complete <paramref name="Done"/>.</summary>
    private sealed record RescanRequested(TaskCompletionSource Done) : SourceEvent;

    /// <summary>A watcher failed (events may be lost): rebuild the watchers and read every file.</summary>
    private sealed record WatcherFailed : SourceEvent
    {
        public static readonly WatcherFailed Instance = new();
    }
}
