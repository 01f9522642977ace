using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Host.Hosting;
using Gateway.Host.Memory;
using Gateway.Host.Sources;
using Gateway.Host.Status;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Host;

public sealed class GatewayHostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ResourceKey ClassKey = new("GatewayClass", "", "gc");
    private static readonly ResourceKey GatewayKey = new("Gateway", "default", "g");
    private static readonly ResourceKey RouteKey = new("HTTPRoute", "default", "r");

    private readonly TempDir _dir = new();
    private readonly TestTranslator _translator = new();
    private readonly RecordingDataPlane _dataPlane = new();
    private readonly CapturingLoggerProvider _logs = new(output);
    private GatewayHost? _host;

    private string ManifestDir => _dir.Combine("manifests");

    private string StatusDir => _dir.Combine("status");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(ManifestDir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<GatewayHost> StartAsync(Action<GatewayHostOptions>? configure = null, bool awaitReady = true)
    {
        var options = new GatewayHostOptions
        {
            ManifestDirectories = [ManifestDir],
            StatusDirectory = StatusDir,
            Translate = _translator.Translate,
            DataPlaneFactory = _ => _dataPlane,
            // Long enough that only the watcher or an explicit SyncAsync can explain a change being seen.
            RescanInterval = TimeSpan.FromMinutes(10),
        };
        configure?.Invoke(options);
        var builder = GatewayHost.CreateBuilder(options);
        builder.Logging.AddProvider(_logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        _host = builder.Build();
        await _host.StartAsync(Wait.Token());
        if (awaitReady) await _host.WaitUntilReadyAsync(Wait.Token());
        return _host;
    }

    /// <summary>A builder over this test's folders, translator and data plane, for tests that add services before building.</summary>
    private GatewayHostBuilder NewBuilder() => GatewayHost.CreateBuilder(new GatewayHostOptions
    {
        ManifestDirectories = [ManifestDir], StatusDirectory = StatusDir, Translate = _translator.Translate, DataPlaneFactory = _ => _dataPlane,
    });

    private string StatusFile(ResourceKey key) => StatusPaths.PathFor(StatusDir, key);

    private V1Gateway GatewayStatusFile() => KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(StatusFile(GatewayKey)));

    private void WriteBase(int port = 80, string? labels = null) =>
        _dir.Write("manifests/base.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g", port: port, labels: labels), Manifests.HttpRoute("r", "g")));

    [Fact]
    public async Task Start_ValidManifests_ReadyAfterApplyAndStatusFilesWritten()
    {
        WriteBase();

        var host = await StartAsync();

        Assert.True(host.IsReady);
        Assert.True(File.Exists(StatusFile(ClassKey)));
        Assert.True(File.Exists(StatusFile(RouteKey)));
        var gateway = GatewayStatusFile();
        Assert.Equal((1L, "1"), (gateway.Metadata.Generation!.Value, gateway.Status!.Conditions!.Single(c => c.Type == "Accepted").ObservedGeneration?.ToString()));
        Assert.False(string.IsNullOrEmpty(gateway.Metadata.Uid));
        Assert.NotNull(gateway.Metadata.CreationTimestamp);
        Assert.Equal(GatewayKey, Assert.Single(_dataPlane.Applied.Last().Gateways).Gateway);
        Assert.Equal(1, host.LastPass!.Revision);
        Assert.Empty(host.Diagnostics);
    }

    [Fact]
    public async Task Start_FileMode_ManifestsScannedBeforeTheHostsServicesStart()
    {
        WriteBase();
        var builder = NewBuilder();
        // Started before every other service (the file source's and the cluster's included), it holds the host's start
        // until the first scan has reached the store: only a scan that does not wait for the services lets it finish.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => new HoldUntilScanned(sp.GetRequiredService<FileSource>())));
        builder.Logging.AddProvider(_logs);
        _host = builder.Build();

        await _host.StartAsync(Wait.Token());
        await _host.WaitUntilReadyAsync(Wait.Token());

        Assert.True(_host.Store.IsSynced);
        Assert.True(File.Exists(StatusFile(RouteKey)));
    }

    [Fact]
    public async Task Start_RunsTheFirstPassCompileWarmUp_WhichEndsWithoutAFaultOrAnyTrace()
    {
        WriteBase();

        var host = await StartAsync();
        await host.CompileWarmUp.WaitAsync(Wait.Token());

        Assert.True(host.CompileWarmUp.IsCompletedSuccessfully);
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains("compile warm-up", StringComparison.Ordinal));
        // It published nothing: the store and the status directory hold the manifests' objects only.
        Assert.DoesNotContain(host.Store.Published.Keys, k => k.Namespace == "warm-up" || k.Name == "warm-up");
        Assert.DoesNotContain(Directory.EnumerateFiles(StatusDir, "*", SearchOption.AllDirectories), p => p.Contains("warm-up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_StopRequestedWhileAServiceIsStillStarting_ShutsDownWithoutThrowing()
    {
        // The last service to start: it is still starting when the stop comes (as a SIGTERM to a replica not up yet).
        var starting = new StartsUntilCancelled();
        var host = BuildWithLastService(starting);

        var run = host.RunAsync(Wait.Token());
        await starting.Entered.WaitAsync(Wait.Token());
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await run.WaitAsync(Wait.Token());

        Assert.True(run.IsCompletedSuccessfully);
        Assert.True(starting.Cancelled);
        // The host went through its stop (ApplicationStopped fires at the end of StopAsync), not just out of its start.
        Assert.True(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.IsCancellationRequested);
    }

    [Fact]
    public async Task Start_ALaterServiceStillStarting_ReadyDeclaredOnlyOnceTheHostHasStarted()
    {
        // Registered after the pipeline, as the management endpoint is: the first pass can succeed while it starts.
        var starting = new StartsWhenReleased();
        var host = BuildWithLastService(starting);

        var start = host.StartAsync(Wait.Token());
        await starting.Entered.WaitAsync(Wait.Token());
        // A pass's waiters are answered after its readiness is decided.
        var first = await host.Pipeline.WaitForRevisionAsync(1, Wait.Token());
        Assert.True(first.Succeeded);
        Assert.False(host.Pipeline.Ready.IsCompleted);
        Assert.DoesNotContain(_logs.Entries, e => e.Message.StartsWith("Ready:", StringComparison.Ordinal));

        starting.Release();
        await start.WaitAsync(Wait.Token());
        await host.Pipeline.Ready.WaitAsync(Wait.Token());
        Assert.Single(_logs.Entries, e => e.Message.StartsWith("Ready: revision 1 ", StringComparison.Ordinal));
    }

    /// <summary>Builds the host over the base manifests with <paramref name="service"/> registered last (so started last).</summary>
    private GatewayHost BuildWithLastService(IHostedService service)
    {
        WriteBase();
        var builder = NewBuilder();
        builder.Services.AddSingleton(service);
        builder.Logging.AddProvider(_logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        return _host = builder.Build();
    }

    private sealed class StartsWhenReleased : IHostedService
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            return _released.Task.WaitAsync(Wait.Default, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class StartsUntilCancelled : IHostedService
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public bool Cancelled { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class HoldUntilScanned(FileSource source) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => source.InitialSync.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task Start_FileMode_TheStoreTakesEveryUpsertAsAChange()
    {
        WriteBase();

        var host = await StartAsync();

        // The file source's catalog already drops what did not change; the store keeps no digest to drop it again.
        Assert.True(host.Services.GetRequiredService<Gateway.Host.Pipeline.ResourceStore>().TakesEveryUpsertAsAChange);
    }

    [Fact]
    public async Task Start_FileSourceWarmUpRuns_WithoutAStoreChangeOrASecondPass()
    {
        WriteBase();

        var host = await StartAsync();
        var passes = await host.Source.WarmedUp.WaitAsync(Wait.Token());

        // Every pass unless the default time budget ran out first (a loaded machine): at least one, and no change.
        Assert.InRange(passes, 1, new FileSourceOptions().WarmUpPasses);
        Assert.Equal(1, host.LastPass!.Revision);
        Assert.Equal(host.LastPass.ChangeSequence, host.Store.ChangeSequence);
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith($"File source warm-up: {passes} passes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SpecChange_GenerationBumpsAndStatusIsWrittenExactlyOnceMore()
    {
        WriteBase(port: 80);
        var host = await StartAsync();
        var before = GatewayStatusFile();

        WriteBase(port: 8080);
        var pass = await host.SyncAsync(Wait.Token());

        var after = GatewayStatusFile();
        Assert.True(pass.Succeeded);
        Assert.Equal(2, after.Metadata.Generation);
        Assert.All(after.Status!.Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
        Assert.Equal(8080, after.Spec.Listeners![0].Port);
        Assert.Equal(before.Metadata.Uid, after.Metadata.Uid);
        Assert.NotEqual(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(2, host.StatusWriteCounts[GatewayKey]);
        Assert.Equal(1, host.StatusWriteCounts[ClassKey]);
        Assert.Equal(8080, _dataPlane.Applied.Last().Gateways[0].Ports[0].Port);
    }

    [Fact]
    public async Task LabelOnlyChange_GenerationStaysAndNoStatusWrite()
    {
        WriteBase();
        var host = await StartAsync();

        WriteBase(labels: "team: blue");
        await host.SyncAsync(Wait.Token());

        var after = GatewayStatusFile();
        Assert.Equal(1, after.Metadata.Generation);
        Assert.Equal("blue", after.Metadata.Labels["team"]);
        Assert.Equal(1, host.StatusWriteCounts[GatewayKey]);
    }

    [Fact]
    public async Task FileDeleted_ObjectsAndTheirStatusFilesRemoved()
    {
        _dir.Write("manifests/class.yaml", Manifests.GatewayClass());
        var gatewayFile = _dir.Write("manifests/gateway.yaml", Manifests.Join(Manifests.Gateway("g"), Manifests.HttpRoute("r", "g")));
        var host = await StartAsync();
        var existed = File.Exists(StatusFile(GatewayKey)) && File.Exists(StatusFile(RouteKey));

        File.Delete(gatewayFile);
        var pass = await host.SyncAsync(Wait.Token());

        Assert.True(existed);
        Assert.Equal(2, pass.StatusesRemoved);
        Assert.False(File.Exists(StatusFile(GatewayKey)));
        Assert.False(File.Exists(StatusFile(RouteKey)));
        Assert.True(File.Exists(StatusFile(ClassKey)));
        Assert.Null(host.Store.Get(GatewayKey));
        Assert.Empty(_dataPlane.Applied.Last().Gateways);
    }

    [Fact]
    public async Task ValidFileTurnsInvalid_LastObjectsStayProblemReportedAndLogged_ThenRecovers()
    {
        WriteBase();
        var host = await StartAsync();
        var path = Path.Combine(ManifestDir, "base.yaml");

        _dir.Write("manifests/base.yaml", Manifests.Join(Manifests.GatewayClass(), "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g\n", Manifests.HttpRoute("r", "g")));
        await host.SyncAsync(Wait.Token());
        var problem = Assert.Single(host.Diagnostics);
        var kept = host.Store.Get(GatewayKey);
        var statusKept = File.Exists(StatusFile(GatewayKey));
        WriteBase(port: 81);
        await host.SyncAsync(Wait.Token());

        Assert.Equal((path, 1, DiagnosticCategory.Parse), (problem.File, problem.DocumentIndex, problem.Category));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(path) && e.Message.Contains("document 1"));
        Assert.NotNull(kept);
        Assert.True(statusKept);
        Assert.Empty(host.Diagnostics);
        Assert.Equal(81, GatewayStatusFile().Spec.Listeners![0].Port);
    }

    [Fact]
    public async Task DuplicateAcrossFiles_FirstInPathOrderWinsOtherReported()
    {
        _dir.Write("manifests/a.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g", port: 81)));
        var second = _dir.Write("manifests/b.yaml", Manifests.Gateway("g", port: 82));

        var host = await StartAsync();

        var duplicate = Assert.Single(host.Diagnostics);
        Assert.Equal((second, 0, DiagnosticCategory.Duplicate), (duplicate.File, duplicate.DocumentIndex, duplicate.Category));
        Assert.Equal(81, GatewayStatusFile().Spec.Listeners![0].Port);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Duplicate") && e.Message.Contains(second));
    }

    [Fact]
    public async Task BadInputOfEveryKind_ReportedWhileEverythingElseServes()
    {
        _dir.Write("manifests/good.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g")));
        _dir.Write("manifests/bad.yaml", Manifests.Join(
            "kind: [unclosed\n",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
            "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: incomplete}\nspec: {gatewayClassName: gc}\n",
            Manifests.HttpRoute("orphan", "nowhere")));

        var host = await StartAsync();

        Assert.Equal(
            [(0, DiagnosticCategory.Parse), (1, DiagnosticCategory.Parse), (2, DiagnosticCategory.Parse), (3, DiagnosticCategory.DanglingReference)],
            host.Diagnostics.Select(d => (d.DocumentIndex, d.Category)));
        Assert.True(host.IsReady);
        Assert.True(File.Exists(StatusFile(GatewayKey)));
        Assert.NotNull(host.Store.Get(new ResourceKey("HTTPRoute", "default", "orphan")));
    }

    [Fact]
    public async Task FileCreatedWhileRunning_PickedUpByTheWatcher()
    {
        _dir.Write("manifests/class.yaml", Manifests.GatewayClass());
        await StartAsync();

        _dir.Write("manifests/nested/gateway.yaml", Manifests.Gateway("g"));

        await Wait.UntilAsync(() => File.Exists(StatusFile(GatewayKey)), "the watcher to pick up the new file");
    }

    [Fact]
    public async Task ManifestDirectoryCreatedLater_PickedUpByThePeriodicRescan()
    {
        Directory.Delete(ManifestDir);
        var host = await StartAsync(o => o.RescanInterval = TimeSpan.FromMilliseconds(200));
        var missing = Assert.Single(host.Diagnostics);

        WriteBase();

        await Wait.UntilAsync(() => File.Exists(StatusFile(GatewayKey)), "the periodic rescan to find the new directory");
        Assert.Equal(DiagnosticCategory.Read, missing.Category);
        await Wait.UntilAsync(() => host.Diagnostics.Count == 0, "the missing-directory problem to clear");
    }

    [Fact]
    public async Task StatusFilesLeftByAnEarlierRun_RemovedWhenTheirObjectsAreGone()
    {
        WriteBase();
        var stale = StatusPaths.PathFor(StatusDir, new ResourceKey("Gateway", "old", "gone"));
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gone, namespace: old}\n");

        await StartAsync();

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(StatusFile(GatewayKey)));
    }

    [Fact]
    public async Task TranslatorFailsOnFirstSync_NotReadyUntilAChangeFixesIt()
    {
        _translator.ThrowWhen = s => s.Gateways.Any(g => g.Metadata.Name == "boom");
        WriteBase();
        var boom = _dir.Write("manifests/boom.yaml", Manifests.Gateway("boom"));
        var host = await StartAsync(awaitReady: false);
        var first = await host.WaitForRevisionAsync(1, Wait.Token());
        var readyAfterFailure = host.IsReady;

        File.Delete(boom);
        var fixedPass = await host.SyncAsync(Wait.Token());

        Assert.False(first.Succeeded);
        Assert.False(readyAfterFailure);
        Assert.True(fixedPass.Succeeded);
        await host.WaitUntilReadyAsync(Wait.Token());
        Assert.True(File.Exists(StatusFile(GatewayKey)));
    }

    [Fact]
    public async Task BurstOfFileWrites_CoalescedIntoFewerRevisions()
    {
        WriteBase();
        var host = await StartAsync(o => o.RescanInterval = TimeSpan.FromMilliseconds(100));
        var start = host.LastPass!.Revision;

        for (var i = 0; i < 30; i++) _dir.Write($"manifests/ns-{i:D2}.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{i}}}\n");
        var pass = await host.SyncAsync(Wait.Token());

        Assert.True(pass.Revision - start < 30, $"{pass.Revision - start} revisions for 30 writes");
        Assert.All(Enumerable.Range(0, 30), i => Assert.NotNull(host.CurrentSnapshot.Get(new ResourceKey("Namespace", "", $"ns-{i}"))));
    }

    [Fact]
    public async Task WaitForRevision_AlreadyProcessed_ReturnsThatPassAtOnce()
    {
        WriteBase();
        var host = await StartAsync();
        WriteBase(port: 81);
        var pass = await host.SyncAsync(Wait.Token());

        var again = await host.WaitForRevisionAsync(pass.Revision, Wait.Token());

        Assert.Same(pass, again);
    }

    [Fact]
    public async Task StatusDirectoryInsideTheManifestDirectory_NotLoadedBack()
    {
        WriteBase();
        var nested = Path.Combine(ManifestDir, "status");

        var host = await StartAsync(o => o.StatusDirectory = nested);
        WriteBase(port: 81);
        var pass = await host.SyncAsync(Wait.Token());

        Assert.True(File.Exists(StatusPaths.PathFor(nested, GatewayKey)));
        Assert.Empty(host.Diagnostics);
        Assert.Equal(2, pass.Revision);
    }

    [Fact]
    public async Task OptionsChangedAfterCreatingTheBuilder_AreUsed()
    {
        WriteBase();
        var options = new GatewayHostOptions { ManifestDirectories = [ManifestDir], Translate = _translator.Translate };
        var builder = GatewayHost.CreateBuilder(options);
        options.DataPlaneFactory = _ => _dataPlane;
        options.StatusDirectory = StatusDir;
        await using var host = builder.Build();

        await host.StartAsync(Wait.Token());
        await host.WaitUntilReadyAsync(Wait.Token());

        Assert.NotEmpty(_dataPlane.Applied);
        Assert.True(File.Exists(StatusFile(GatewayKey)));
    }

    [Fact]
    public async Task NoStatusDirectory_StatusesKeptInMemory()
    {
        WriteBase();

        var host = await StartAsync(o => o.StatusDirectory = null);

        var sink = Assert.IsType<MemoryStatusSink>(host.StatusSink);
        Assert.NotNull(Assert.IsType<V1Gateway>(sink.Get(GatewayKey)).Status);
        Assert.False(Directory.Exists(StatusDir));
    }

    [Fact]
    public async Task Stop_IsBoundedAndDisposesTheDataPlane()
    {
        WriteBase();
        var host = await StartAsync();

        var stopping = host.DisposeAsync().AsTask();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(_dataPlane.Disposed);
        _host = null;
    }

    [Fact]
    public async Task NoDataPlane_ControlPlaneOnlyStillReady()
    {
        WriteBase();

        var host = await StartAsync(o => o.DataPlaneFactory = null);

        Assert.True(host.IsReady);
        Assert.Empty(_dataPlane.Applied);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("No data plane"));
    }

    [Theory]
    [InlineData(null, "10.0.0.0/8", "akka-gateway.dev/controller", "--manifests: at least one manifest directory")]
    [InlineData("m", "fd00::/64", "akka-gateway.dev/controller", "--address-pool: \"fd00::/64\" is not IPv4")]
    [InlineData("m", "127.10.0.0/16", "no-path", "--controller-name: \"no-path\" is not a domain-prefixed path")]
    public void Builder_InvalidOptions_Throw(string? dir, string pool, string controller, string expected)
    {
        var options = new GatewayHostOptions { AddressPool = pool, ControllerName = controller };
        if (dir is not null) options.ManifestDirectories.Add(dir);

        var error = Assert.Throws<ArgumentException>(() => GatewayHost.CreateBuilder(options));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task StartupHeapTrim_AfterReadyAndQuiet_RunsOneAggressiveCollectionAndLogsIt()
    {
        WriteBase();

        // Every poll counts as quiet and any spare counts: the collection runs right after ready.
        var host = await StartAsync(o => o.StartupHeapTrim = new(TimeSpan.FromMilliseconds(20), long.MaxValue, 2, 500, 0));
        var outcome = await host.Services.GetRequiredService<StartupHeapTrim>().Outcome.WaitAsync(Wait.Token());

        Assert.True(outcome.Ran);
        Assert.True(outcome.HeapAfter > 0 && outcome.WorkingSetAfter > 0);
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Start-up heap trim: one aggressive collection paused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartupHeapTrim_LessSpareThanTheMinimum_SkipsTheCollection()
    {
        WriteBase();

        var host = await StartAsync(o => o.StartupHeapTrim = new(TimeSpan.FromMilliseconds(20), long.MaxValue, 2, 500, long.MaxValue));
        var outcome = await host.Services.GetRequiredService<StartupHeapTrim>().Outcome.WaitAsync(Wait.Token());

        Assert.False(outcome.Ran);
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Start-up heap trim skipped: the GC keeps", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartupHeapTrim_NeverQuiet_SkipsAfterTheLastPoll()
    {
        WriteBase();

        // No poll allocates less than 0 bytes: the process never counts as quiet.
        var host = await StartAsync(o => o.StartupHeapTrim = new(TimeSpan.FromMilliseconds(20), 0, 2, 5, 0));
        var outcome = await host.Services.GetRequiredService<StartupHeapTrim>().Outcome.WaitAsync(Wait.Token());

        Assert.False(outcome.Ran);
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Start-up heap trim skipped: the allocation rate did not fall", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartupHeapTrim_ProgressMovingEveryPoll_NeverQuiet_Skips()
    {
        WriteBase();
        var host = await StartAsync();
        var moves = 0L;

        // Allocation alone would count every poll as quiet; the moving progress (status documents still being written) does not.
        using var trim = new StartupHeapTrim(host.Pipeline, Microsoft.Extensions.Logging.Abstractions.NullLogger<StartupHeapTrim>.Instance,
            new(TimeSpan.FromMilliseconds(20), long.MaxValue, 2, 5, 0), () => Interlocked.Increment(ref moves));
        await trim.StartAsync(Wait.Token());
        var outcome = await trim.Outcome.WaitAsync(Wait.Token());

        Assert.False(outcome.Ran);
        Assert.True(Interlocked.Read(ref moves) >= 5);
    }

    [Fact]
    public async Task StartupHeapTrim_Null_RegistersNoTrim()
    {
        WriteBase();

        var host = await StartAsync();

        Assert.Null(host.Services.GetService<StartupHeapTrim>());
    }
}
