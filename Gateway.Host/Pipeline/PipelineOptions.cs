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

    /// <summary>The longest one data plane apply may take before it counts as failed. Default 30 s.</summary>
    public TimeSpan DataPlaneTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Warm-up passes run once after the first served pass (0: none). Each re-translates and re-applies one route
    /// unchanged, so the change path is compiled before the first real change (SnapshotPipeline.WarmUpAsync). 32 is
    /// above the JIT's call count for promoting a method to its optimizing tier (30).
    /// </summary>
    public int WarmUpPasses { get; init; } = 32;

    /// <summary>
    /// The translation function; null (the default) gives each pipeline its own <see cref="IncrementalTranslator"/>,
    /// tests replace it.
    /// </summary>
    public Func<Snapshot, TranslatorOptions, TranslationResult>? Translate { get; init; }
}
