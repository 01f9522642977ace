using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Host.Pipeline;

/// <summary>Settings of the snapshot pipeline.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// The translator options this node starts from (controller name, address pool). The pipeline fills in the node
    /// facts (usable static addresses, unavailable sockets) on every pass.
    /// </summary>
    public TranslatorOptions Translator { get; init; } = new();

    /// <summary>How store changes are batched into snapshots.</summary>
    public CoalescingOptions Coalescing { get; init; } = new();

    /// <summary>
    /// How long after a pass is applied to the data plane its statuses are handed to their entities. The data plane comes
    /// first: the hand-off and the entities' writes that followed at once took the cores from the first requests the change
    /// serves (2 cores, 5,000 routes: 2 ms more to the median time until a change was served, bench/README.md). A pass
    /// applied meanwhile supersedes the waiting one, as it does while a hand-off runs, and the wait runs on from its own
    /// apply (in Kubernetes mode a route's pass follows its Service's by a millisecond or two); statuses are never held
    /// back more than ten delays after the oldest waiting pass's apply.
    /// Default 3 ms (--status-delay); zero hands off at once.
    /// </summary>
    public TimeSpan StatusDelay { get; init; } = DefaultStatusDelay;

    /// <summary>The default of <see cref="StatusDelay"/>.</summary>
    public static readonly TimeSpan DefaultStatusDelay = TimeSpan.FromMilliseconds(3);

    /// <summary>The longest one data plane apply may take before it counts as failed. Default 30 s.</summary>
    public TimeSpan DataPlaneTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Warm-up passes run once, after the first served pass and once the start-up's statuses are written (0: none).
    /// Each re-translates and re-applies one route unchanged, so the change path is compiled, and optimized, before the
    /// first real change (SnapshotPipeline.WarmUpAsync). The default reaches past the JIT's call counts
    /// (<see cref="Hosting.JitTiering.WarmUpPasses"/>: 502 with the shipped count of 250).
    /// </summary>
    public int WarmUpPasses { get; init; } = Hosting.JitTiering.WarmUpPasses;

    /// <summary>
    /// The translation function; null (the default) gives each pipeline its own <see cref="IncrementalTranslator"/>,
    /// tests replace it.
    /// </summary>
    public Func<Snapshot, TranslatorOptions, TranslationResult>? Translate { get; init; }
}
