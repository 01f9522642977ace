using System.Diagnostics.Tracing;
using System.Diagnostics.Metrics;

namespace Gateway.Host.Observability.Runtime;

/// <summary>
/// One time the runtime stopped every managed thread: from the start of the suspension to the end of the restart.
/// </summary>
/// <param name="StartUtc">When the runtime began suspending the threads.</param>
/// <param name="DurationMs">Suspension begin to restart end: how long managed code could not run.</param>
/// <param name="SuspendMs">Of that, the time it took to bring every thread to a stop.</param>
/// <param name="Type">
/// <c>blocking</c> (a non-concurrent GC), <c>foreground</c> (an ephemeral GC while a background GC runs; blocking
/// too), <c>background</c> (one of a background GC's own short suspensions) or <c>suspension</c> (no GC: the runtime
/// stopped the threads for another reason, see <paramref name="SuspendReason"/>; tiered compilation's call counting
/// does that).
/// </param>
/// <param name="GcIndex">The GC's number (GC.CollectionCount(0) after it), null for a suspension without a GC.</param>
/// <param name="Generation">The generation collected (0, 1, 2), null for a suspension without a GC.</param>
/// <param name="GcReason">Why the GC ran (AllocSmall: the gen0 budget was used up, Induced: GC.Collect, ...).</param>
/// <param name="SuspendReason">Why the runtime suspended (SuspendForGC, SuspendForGCPrep, SuspendOther, ...).</param>
/// <param name="PromotedBytes">
/// Bytes the GC found alive in the generations it collected (what it marked and moved up: the main cost of an
/// ephemeral GC); null when the runtime reported no heap statistics inside the pause (a background GC's).
/// </param>
/// <param name="HeapBytes">The managed heap's size after the GC (every generation), null like <paramref name="PromotedBytes"/>.</param>
public sealed record RuntimePause(DateTime StartUtc, double DurationMs, double SuspendMs, string Type, long? GcIndex, int? Generation, string? GcReason,
    string SuspendReason, long? PromotedBytes = null, long? HeapBytes = null);

/// <summary>What <c>/debug/memory/pauses</c> answers.</summary>
/// <param name="Capacity">How many pauses the ring keeps (the oldest are dropped first).</param>
/// <param name="Recorded">Pauses seen since the monitor started (more than <paramref name="Pauses"/> once the ring wrapped).</param>
/// <param name="SinceUtc">When the monitor started listening.</param>
/// <param name="Pauses">The most recent pauses, oldest first.</param>
public sealed record RuntimePausesView(int Capacity, long Recorded, DateTime SinceUtc, IReadOnlyList<RuntimePause> Pauses);

/// <summary>
/// Records every suspension of the runtime (GC pauses above all) from the runtime's own GC events, in process: an
/// <see cref="EventListener"/> on <c>Microsoft-Windows-DotNETRuntime</c>, GC keyword, informational level (GCStart,
/// GCEnd, GCSuspendEEBegin/End, GCRestartEEBegin/End and a few per-GC summaries: nothing per allocation, the
/// allocation tick is verbose level). Events arrive on the runtime's dispatch thread shortly after they happen, with
/// their own timestamps, so the ring holds when each pause began and how long it lasted even though it is filled late.
/// <para>
/// Bounded: a ring of <see cref="Capacity"/> entries (the oldest dropped), a fixed set of histogram series. The request
/// path is untouched: the listener adds no code to it and the events are per GC, not per allocation.
/// </para>
/// <para>
/// Hand-written because no library served here turns these events into pauses in process (Microsoft.Diagnostics.
/// Tracing.TraceEvent's GC analysis reads a trace file or a session from another process). The pairing follows the
/// runtime's order of events: SuspendEEBegin, SuspendEEEnd, GCStart (for a GC that suspends), ..., RestartEEBegin,
/// RestartEEEnd; a background GC's GCStart comes inside its first suspension and its later suspensions carry no GCStart.
/// </para>
/// </summary>
public sealed class RuntimePauses : EventListener
{
    /// <summary>The meter of <c>gateway.gc.pause</c> (what a MeterProvider adds).</summary>
    public const string MeterName = "Gateway.Runtime";

    /// <summary>Ring size of the process-wide monitor: at a few GCs per second under load, minutes of history.</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>Histogram buckets in seconds: 50 µs (a small gen0 GC) to 2.5 s (a full compaction of a large heap).</summary>
    public static readonly IReadOnlyList<double> PauseBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly Meter RuntimeMeter = new(MeterName, Hosting.GatewayVersion.WithoutBuildMetadata);

    // Prometheus: gateway_gc_pause_seconds{generation}. Only GC pauses: a suspension without a GC has no generation.
    private static readonly Histogram<double> PauseHistogram = RuntimeMeter.CreateHistogram("gateway.gc.pause", "s",
        "Pauses of the whole process for a garbage collection (runtime suspension to restart), by the generation collected",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PauseBuckets });

    private static readonly object[] GenerationTags = ["0", "1", "2"];
    private static readonly Lazy<RuntimePauses> SharedMonitor = new(() => new RuntimePauses(DefaultCapacity), LazyThreadSafetyMode.ExecutionAndPublication);

    private const string RuntimeSourceName = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    // Event ids of the runtime's GC events (ClrEtwAll.man).
    private const int GCStart = 1, GCEnd = 2, GCRestartEEEnd = 3, GCHeapStats = 4, GCSuspendEEEnd = 8, GCSuspendEEBegin = 9;

    private readonly object _gate = new();
    private RuntimePause[] _ring = [];
    private int _next;
    private long _recorded;
    private EventSource? _runtimeSource;
    private bool _constructed;

    // The suspension in progress and what started inside it (touched only on the dispatch thread).
    private DateTime? _suspendBegin;
    private DateTime _suspendEnd;
    private int _suspendReason;
    private (long Index, int Generation, int Type, int Reason)? _gcInSuspension;
    private (long Index, int Reason)? _backgroundGc;
    private (long Promoted, long Heap)? _heapStats;

    /// <summary>Starts listening at once; <paramref name="capacity"/> bounds the ring.</summary>
    public RuntimePauses(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        SinceUtc = DateTime.UtcNow;
        EventSource? source;
        lock (_gate)
        {
            _ring = new RuntimePause[capacity];
            _constructed = true;
            source = _runtimeSource;
        }
        // The base constructor announces the sources that already exist before this body runs: enable here.
        if (source is not null) EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    /// <summary>The process-wide monitor (created, and listening, on first use): GCs are the process's, not a host's.</summary>
    public static RuntimePauses Shared => SharedMonitor.Value;

    /// <summary>The ring's size.</summary>
    public int Capacity => _ring.Length;

    /// <summary>When this monitor started listening.</summary>
    public DateTime SinceUtc { get; }

    /// <summary>Pauses seen so far.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>A copy of the ring, oldest first.</summary>
    public RuntimePausesView View()
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_recorded, _ring.Length);
            var pauses = new RuntimePause[count];
            var start = _recorded > _ring.Length ? _next : 0;
            for (var i = 0; i < count; i++) pauses[i] = _ring[(start + i) % _ring.Length];
            return new RuntimePausesView(_ring.Length, _recorded, SinceUtc, pauses);
        }
    }

    /// <inheritdoc />
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name != RuntimeSourceName) return;
        bool enable;
        lock (_gate)
        {
            _runtimeSource = eventSource;
            enable = _constructed;
        }
        if (enable) EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
    }

    /// <inheritdoc />
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var payload = eventData.Payload;
        if (payload is null) return;
        var at = eventData.TimeStamp.Kind == DateTimeKind.Local ? eventData.TimeStamp.ToUniversalTime() : eventData.TimeStamp;
        switch (eventData.EventId)
        {
            case GCSuspendEEBegin when payload.Count >= 1:
                _suspendBegin = at;
                _suspendEnd = at;
                _suspendReason = ToInt(payload[0]);
                _gcInSuspension = null;
                _heapStats = null;
                break;
            case GCSuspendEEEnd:
                _suspendEnd = at;
                break;
            case GCStart when payload.Count >= 4:
                var gc = (Index: ToLong(payload[0]), Generation: ToInt(payload[1]), Type: ToInt(payload[3]), Reason: ToInt(payload[2]));
                if (gc.Type == 1) _backgroundGc = (gc.Index, gc.Reason);
                // A foreground GC inside a background GC's suspension is the one that pauses.
                if (_suspendBegin is not null && (_gcInSuspension is null || gc.Type != 1)) _gcInSuspension = gc;
                break;
            case GCHeapStats when payload.Count >= 8 && _suspendBegin is not null && _gcInSuspension is { } collected:
                // GCHeapStats_V2: GenerationSize0, TotalPromotedSize0, ... GenerationSize3 (LOH), TotalPromotedSize3, ...,
                // then GenerationSize4 (POH), TotalPromotedSize4 at 14 and 15 (absent before V2).
                var promoted = ToLong(payload[1]);
                if (collected.Generation >= 1) promoted += ToLong(payload[3]);
                if (collected.Generation >= 2) promoted += ToLong(payload[5]) + ToLong(payload[7]) + (payload.Count >= 16 ? ToLong(payload[15]) : 0);
                var heap = ToLong(payload[0]) + ToLong(payload[2]) + ToLong(payload[4]) + ToLong(payload[6]) + (payload.Count >= 16 ? ToLong(payload[14]) : 0);
                _heapStats = (promoted, heap);
                break;
            case GCEnd when payload.Count >= 1:
                if (_backgroundGc is { } background && background.Index == ToLong(payload[0])) _backgroundGc = null;
                break;
            case GCRestartEEEnd when _suspendBegin is { } begin:
                Record(begin, at);
                _suspendBegin = null;
                _gcInSuspension = null;
                _heapStats = null;
                break;
        }
    }

    private void Record(DateTime begin, DateTime end)
    {
        var duration = Math.Max(0, (end - begin).TotalMilliseconds);
        var suspend = Math.Max(0, (_suspendEnd - begin).TotalMilliseconds);
        RuntimePause pause;
        if (_gcInSuspension is { } gc)
        {
            pause = new RuntimePause(begin, duration, suspend, gc.Type switch { 0 => "blocking", 1 => "background", _ => "foreground" }, gc.Index, gc.Generation,
                GcReasonName(gc.Reason), SuspendReasonName(_suspendReason), _heapStats?.Promoted, _heapStats?.Heap);
        }
        else if (_backgroundGc is { } background && _suspendReason is 1 or 6)
        {
            // A background GC's later suspension (its final mark): no GCStart inside, the background GC is in progress.
            pause = new RuntimePause(begin, duration, suspend, "background", background.Index, 2, GcReasonName(background.Reason), SuspendReasonName(_suspendReason));
        }
        else
        {
            pause = new RuntimePause(begin, duration, suspend, "suspension", null, null, null, SuspendReasonName(_suspendReason));
        }
        lock (_gate)
        {
            _ring[_next] = pause;
            _next = (_next + 1) % _ring.Length;
            _recorded++;
        }
        if (pause.Generation is { } generation and >= 0 and <= 2 && PauseHistogram.Enabled)
            PauseHistogram.Record(duration / 1000, new KeyValuePair<string, object?>("generation", GenerationTags[generation]));
    }

    private static int ToInt(object? value) => value is null ? -1 : (int)Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    private static long ToLong(object? value) => value is null ? -1 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    // The runtime's GCReason and SuspendEE reason maps (ClrEtwAll.man); an unknown value is shown as its number.
    private static string GcReasonName(int reason) => reason switch
    {
        0 => "AllocSmall",
        1 => "Induced",
        2 => "LowMemory",
        3 => "Empty",
        4 => "AllocLarge",
        5 => "OutOfSpaceSOH",
        6 => "OutOfSpaceLOH",
        7 => "InducedNotForced",
        8 => "Internal",
        9 => "InducedLowMemory",
        10 => "InducedCompacting",
        11 => "LowMemoryHost",
        12 => "PMFullGC",
        13 => "LowMemoryHostBlocking",
        _ => reason.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string SuspendReasonName(int reason) => reason switch
    {
        0 => "SuspendOther",
        1 => "SuspendForGC",
        2 => "SuspendForAppDomainShutdown",
        3 => "SuspendForCodePitching",
        4 => "SuspendForShutdown",
        5 => "SuspendForDebugger",
        6 => "SuspendForGCPrep",
        7 => "SuspendForDebuggerSweep",
        _ => reason.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
