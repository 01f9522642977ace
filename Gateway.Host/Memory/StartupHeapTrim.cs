using System.Diagnostics;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Memory;

/// <summary>When and how <see cref="StartupHeapTrim"/> decides that start-up is over.</summary>
/// <param name="Poll">How often the allocation rate is read.</param>
/// <param name="QuietBytesPerPoll">Bytes allocated in one poll below which the process counts as quiet.</param>
/// <param name="QuietPolls">Consecutive quiet polls that end start-up.</param>
/// <param name="MaxPolls">Polls after ready before giving up (the trim is then skipped: a busy process is not paused).</param>
/// <param name="MinSpareBytes">
/// What the GC must report committed beyond the heap (<see cref="GCMemoryInfo.TotalCommittedBytes"/> minus
/// <see cref="GCMemoryInfo.HeapSizeBytes"/>, as of its last collection) for the collection to run. 0 by default: that
/// figure does not show the start-up peak the process still holds (measured at 10,000 routes: 18 MiB reported where
/// the collection then gave back about 100 MiB of resident memory), and the pause scales with the live heap anyway,
/// so a small configuration pays a small pause.
/// </param>
public sealed record StartupHeapTrimOptions(TimeSpan Poll, long QuietBytesPerPoll, int QuietPolls, int MaxPolls, long MinSpareBytes)
{
    /// <summary>One poll a second; quiet below 16 MiB a second for 3 s; give up after 5 minutes; no spare minimum.</summary>
    public static StartupHeapTrimOptions Default { get; } = new(TimeSpan.FromSeconds(1), 16L << 20, 3, 300, 0);

    /// <summary>
    /// These options for a node whose route entities passivate <paramref name="idle"/> after their last work (null: they
    /// never do): quiet for at least that long plus two polls, so the start-up's wave of first status writes has also
    /// passivated and the collection gives back what those entities held. Measured at 10,000 routes, the trim 3 s after
    /// the last write left 16.8 KiB resident per route at rest against 11.9 after an aggressive collection once they had
    /// passivated (bench/README.md "Issue 10 in the ninth session").
    /// </summary>
    public StartupHeapTrimOptions AfterPassivation(TimeSpan? idle) =>
        idle is { } after && after > TimeSpan.Zero ? this with { QuietPolls = Math.Max(QuietPolls, (int)Math.Ceiling(after / Poll) + 2) } : this;
}

/// <summary>
/// Gives back, once, the memory the garbage collector kept committed after the start-up peak. Start-up (parse of every
/// manifest, the first translation, one entity per route writing its first status) allocates several times the heap that
/// stays live; the collector keeps the memory of that peak committed while the process idles (at 10,000 routes about
/// 100 MiB of RSS, bench/README.md "Memory per route, third pass"), and no later collection gives it back because an
/// idle gateway collects rarely. After the first pass's statuses are handed off (<see cref="SnapshotPipeline.Ready"/>) and
/// the allocation rate has fallen below <see cref="StartupHeapTrimOptions.QuietBytesPerPoll"/> with no status written
/// for <see cref="StartupHeapTrimOptions.QuietPolls"/> polls (the entities' first writes are done), one aggressive blocking
/// compacting collection returns the free memory to the OS. Its pause is that of a full blocking collection of the live
/// heap (0.25 to 0.55 s at 10,000 routes on the 2-core machine, 2.8 s once at load 23), paid once; if the process never becomes quiet (steady heavy
/// traffic) within <see cref="StartupHeapTrimOptions.MaxPolls"/> polls it is skipped, so a busy data plane is never
/// paused for it. Off with <c>--no-startup-heap-trim</c>.
/// </summary>
/// <param name="pipeline">Its <see cref="SnapshotPipeline.Ready"/> starts the watch.</param>
/// <param name="logger">Where the outcome is logged.</param>
/// <param name="options">Thresholds (null: <see cref="StartupHeapTrimOptions.Default"/>).</param>
/// <param name="progress">
/// A count that moves while start-up work is still being done (file mode: the objects whose status document has been
/// written); a poll in which it moved is not quiet. Needed because on a CPU-starved machine the first status writes
/// go on for tens of seconds at an allocation rate below the threshold (measured: a trim 12 s after ready, with 10,000
/// statuses still being written for another 25 s). Null: the allocation rate alone decides.
/// </param>
public sealed class StartupHeapTrim(SnapshotPipeline pipeline, ILogger<StartupHeapTrim> logger, StartupHeapTrimOptions? options = null, Func<long>? progress = null)
    : BackgroundService
{
    private readonly StartupHeapTrimOptions _options = options ?? StartupHeapTrimOptions.Default;
    private readonly TaskCompletionSource<TrimOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with what the trim did (or why it was skipped); canceled when the host stops first.</summary>
    public Task<TrimOutcome> Outcome => _outcome.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pipeline.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_options.Poll);
            var last = GC.GetTotalAllocatedBytes(precise: false);
            var lastProgress = progress?.Invoke() ?? 0;
            var quiet = 0;
            for (var poll = 0; poll < _options.MaxPolls; poll++)
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) break;
                var now = GC.GetTotalAllocatedBytes(precise: false);
                var nowProgress = progress?.Invoke() ?? 0;
                quiet = now - last < _options.QuietBytesPerPoll && nowProgress == lastProgress ? quiet + 1 : 0;
                last = now;
                lastProgress = nowProgress;
                if (quiet < _options.QuietPolls) continue;
                var spare = GC.GetGCMemoryInfo();
                if (spare.TotalCommittedBytes - spare.HeapSizeBytes < _options.MinSpareBytes)
                {
                    logger.LogInformation("Start-up heap trim skipped: the GC keeps {Spare} MiB committed beyond the heap, under {Min} MiB",
                        (spare.TotalCommittedBytes - spare.HeapSizeBytes) >> 20, _options.MinSpareBytes >> 20);
                    _outcome.TrySetResult(TrimOutcome.Skipped);
                    return;
                }
                var outcome = Trim();
                logger.LogInformation(
                    "Start-up heap trim: one aggressive collection paused {PauseMs:F1} ms; resident {RssBefore} -> {RssAfter} MiB, GC committed {CommittedBefore} -> {CommittedAfter} MiB, heap {Heap} MiB",
                    outcome.Pause.TotalMilliseconds, outcome.WorkingSetBefore >> 20, outcome.WorkingSetAfter >> 20, outcome.CommittedBefore >> 20,
                    outcome.CommittedAfter >> 20, outcome.HeapAfter >> 20);
                _outcome.TrySetResult(outcome);
                return;
            }
            logger.LogInformation("Start-up heap trim skipped: the allocation rate did not fall below {Quiet} MiB per {Poll} within {Polls} polls after ready",
                _options.QuietBytesPerPoll >> 20, _options.Poll, _options.MaxPolls);
            _outcome.TrySetResult(TrimOutcome.Skipped);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _outcome.TrySetCanceled(stoppingToken);
        }
    }

    private static TrimOutcome Trim()
    {
        var before = GC.GetGCMemoryInfo();
        var workingSetBefore = Environment.WorkingSet;
        var watch = Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        watch.Stop();
        var after = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var pause = after.PauseDurations.Length > 0 && after.PauseDurations[0] > TimeSpan.Zero ? after.PauseDurations[0] : watch.Elapsed;
        return new TrimOutcome(true, pause, workingSetBefore, Environment.WorkingSet, before.TotalCommittedBytes, after.TotalCommittedBytes, after.HeapSizeBytes);
    }
}

/// <summary>What <see cref="StartupHeapTrim"/> did.</summary>
/// <param name="Ran">False when it was skipped (never quiet, or too little to give back).</param>
/// <param name="Pause">The collection's pause.</param>
/// <param name="WorkingSetBefore">Resident bytes before.</param>
/// <param name="WorkingSetAfter">Resident bytes after.</param>
/// <param name="CommittedBefore">Bytes the GC had committed before (as of the last collection before it).</param>
/// <param name="CommittedAfter">Bytes the GC had committed after.</param>
/// <param name="HeapAfter">The heap's size after.</param>
public sealed record TrimOutcome(bool Ran, TimeSpan Pause, long WorkingSetBefore, long WorkingSetAfter, long CommittedBefore, long CommittedAfter, long HeapAfter)
{
    /// <summary>Skipped: the process never became quiet, or the GC kept too little beyond the heap.</summary>
    public static TrimOutcome Skipped { get; } = new(false, TimeSpan.Zero, 0, 0, 0, 0, 0);
}
