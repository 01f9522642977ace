using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;
using Gateway.Host.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Hosting;

/// <summary>
/// One running gateway process (or an in-process instance of it in tests): start, await readiness, wait for a
/// revision's statuses, inspect diagnostics and status writes, stop. Start and stop are bounded.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly IHost _host;
    private int _disposed;
    private volatile bool _started;
    private long _stoppingSince;

    private Task? _ready;

    internal GatewayHost(IHost host, GatewayHostOptions options)
    {
        _host = host;
        Options = options;
        // The shutdown timeout counts from the stop signal (SIGTERM, Ctrl+C or StopAsync), not from disposal.
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(
            () => Interlocked.CompareExchange(ref _stoppingSince, System.Diagnostics.Stopwatch.GetTimestamp(), 0));
    }

    /// <summary>A builder for <paramref name="options"/>, to add services before building.</summary>
    public static GatewayHostBuilder CreateBuilder(GatewayHostOptions options) => new(options);

    /// <summary>Builds and starts a host with <paramref name="options"/> (no extra services, no logging providers).</summary>
    public static async Task<GatewayHost> StartAsync(GatewayHostOptions options, CancellationToken ct = default)
    {
        var host = new GatewayHostBuilder(options).Build();
        await host.StartAsync(ct).ConfigureAwait(false);
        return host;
    }

    /// <summary>The least time disposal gets, even when the shutdown timeout is used up.</summary>
    private static readonly TimeSpan MinimumDisposal = TimeSpan.FromMilliseconds(500);

    /// <summary>The options the host was built with.</summary>
    public GatewayHostOptions Options { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The snapshot pipeline.</summary>
    public SnapshotPipeline Pipeline => Services.GetRequiredService<SnapshotPipeline>();

    /// <summary>The file source.</summary>
    public FileSource Source => Services.GetRequiredService<FileSource>();

    /// <summary>The status sink (a <see cref="FileStatusSink"/> with a status directory, else a <see cref="MemoryStatusSink"/>).</summary>
    public StatusSinkBase StatusSink => Services.GetRequiredService<StatusSinkBase>();

    /// <summary>The store all sources feed.</summary>
    public ResourceStore Store => Services.GetRequiredService<ResourceStore>();

    /// <summary>
    /// Completes once the first full sync has been translated, applied and its statuses handed to their entities, and
    /// in file mode once the first scan's manifest problems are known too.
    /// </summary>
    public Task Ready => _ready ??= Options.Kubernetes is null ? ReadyWithSourceAsync() : Pipeline.Ready;

    // The first pass may start before the file source has finished its first scan's checks (the store is synced as
    // soon as the objects are in).
    private async Task ReadyWithSourceAsync()
    {
        await Pipeline.Ready.ConfigureAwait(false);
        await Source.InitialSync.ConfigureAwait(false);
    }

    /// <summary>True once <see cref="Ready"/> has completed.</summary>
    public bool IsReady => Ready.IsCompletedSuccessfully;

    /// <summary>The last completed pipeline pass, or null before the first.</summary>
    public PassResult? LastPass => Pipeline.LastPass;

    /// <summary>The last successful translation (route tables and desired statuses), or null before the first.</summary>
    public TranslationResult? LastResult => Pipeline.LastResult;

    /// <summary>The snapshot whose statuses the pipeline handed off last.</summary>
    public Snapshot CurrentSnapshot => Services.GetRequiredService<CurrentSnapshot>().Value;

    /// <summary>Every current manifest problem (file, document index, reason).</summary>
    public IReadOnlyList<SourceDiagnostic> Diagnostics => Source.Diagnostics;

    /// <summary>Status writes that changed something, per object.</summary>
    public IReadOnlyDictionary<ResourceKey, int> StatusWriteCounts => StatusSink.WriteCounts;

    /// <summary>Starts the host; returns at once (readiness comes later through <see cref="Ready"/>).</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        // The first manifest scan needs nothing the host's services start, so it runs while they start (the cluster
        // above all) rather than after them.
        if (Options.Kubernetes is null) _ = Source.StartInitialScan();
        StartCompileWarmUp();
        await _host.StartAsync(ct).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>
    /// Runs the first pass's translation and node-content code once on a tiny synthetic Gateway
    /// (<see cref="Actors.Actors.Common.NodeContentBuilder.WarmUp"/> with no incremental pass) while the first scan runs,
    /// so the first real pass does not wait for the JIT to compile that code on its own serial path (at 10,000 routes
    /// about half of the translation's and the node content's time was the JIT compiling on the calling thread).
    /// Nothing of it is kept; a fault is logged and changes nothing else.
    /// </summary>
    private void StartCompileWarmUp()
    {
        var controller = Options.ControllerName;
        var logger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<GatewayHost>();
        CompileWarmUp = Task.Run(() =>
        {
            try
            {
                Actors.Actors.Common.NodeContentBuilder.WarmUp(0, controller);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The first pass's compile warm-up failed; the first pass compiles its code itself");
            }
        });
    }

    /// <summary>The compile warm-up started with the host (<see cref="StartCompileWarmUp"/>); it never faults.</summary>
    internal Task CompileWarmUp { get; private set; } = Task.CompletedTask;

    /// <summary>Stops the host, bounded by <see cref="GatewayHostOptions.ShutdownTimeout"/>.</summary>
    public Task StopAsync(CancellationToken ct = default) => _host.StopAsync(ct);

    /// <summary>
    /// Runs until SIGTERM, Ctrl+C or <paramref name="ct"/>, then shuts down gracefully (bounded). A stop requested while
    /// the host is still starting (SIGTERM to a replica that is not up yet: the generic host then cancels the start of
    /// the services still starting) is a shutdown like any other, not a failure: what did start is stopped in order.
    /// </summary>
    public async Task RunAsync(CancellationToken ct = default)
    {
        try
        {
            await StartAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && Interlocked.Read(ref _stoppingSince) != 0)
        {
            // The stop was requested during the start (ApplicationStopping); WaitForShutdownAsync stops what started.
        }
        await _host.WaitForShutdownAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Waits until the host is ready.</summary>
    public Task WaitUntilReadyAsync(CancellationToken ct) => Ready.WaitAsync(ct);

    /// <summary>Waits until a pass at or beyond <paramref name="revision"/> has written its statuses.</summary>
    public Task<PassResult> WaitForRevisionAsync(long revision, CancellationToken ct) => Pipeline.WaitForRevisionAsync(revision, ct);

    /// <summary>
    /// Re-reads the manifest directories now and waits until every change found so far has been translated, applied
    /// and its statuses written. Returns that pass. Use it after writing files instead of sleeping.
    /// </summary>
    public async Task<PassResult> SyncAsync(CancellationToken ct)
    {
        await Source.RescanAsync(ct).ConfigureAwait(false);
        return await Pipeline.WaitForChangeSequenceAsync(Store.ChangeSequence, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            using var timeout = new CancellationTokenSource(Options.ShutdownTimeout);
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ArgumentNullException) when (!_started)
        {
            // The start failed before the generic host had resolved its hosted services (a service's constructor threw):
            // nothing was started, and the generic host cannot stop what it never resolved.
        }
        finally
        {
            // Disposal (the services' own cleanup) gets what is left of the shutdown timeout, and at least a moment;
            // whatever is still running then is abandoned with the process.
            var since = Interlocked.Read(ref _stoppingSince);
            var left = Options.ShutdownTimeout - (since == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(since));
            var dispose = _host is IAsyncDisposable asyncDisposable ? asyncDisposable.DisposeAsync().AsTask() : Task.Run(_host.Dispose);
            try
            {
                await dispose.WaitAsync(left > MinimumDisposal ? left : MinimumDisposal).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync($"shutdown: services still disposing when the {Options.ShutdownTimeout.TotalSeconds:0.#} s shutdown timeout ended; exiting without them").ConfigureAwait(false);
            }
        }
    }
}
