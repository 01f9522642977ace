using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Gateway.Host.Pipeline;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.Pipeline;

public sealed class SnapshotPipelineTests : IDisposable
{
    private readonly ResourceStore _store = new();
    private readonly CurrentSnapshot _current = new();
    private readonly TestTranslator _translator = new();
    private readonly RecordingDataPlane _dataPlane = new();
    private readonly RecordingHandOff _handOff = new();
    private readonly Inventory _inventory = new();
    private readonly SnapshotPipeline _pipeline;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _logFactory;

    private static readonly ResourceKey GatewayKey = new("Gateway", "default", "g");
    private static readonly ResourceKey ClassKey = new("GatewayClass", "", "gc");

    public SnapshotPipelineTests()
    {
        _logFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
        _pipeline = new SnapshotPipeline(_store, new PipelineOptions { Translate = _translator.Translate }, _current, _handOff, _inventory, _dataPlane,
            NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _logFactory.Dispose();
    }

    /// <summary>A pipeline over this test's store, hand-off and data plane (the real translator) whose log goes to <see cref="_logs"/>.</summary>
    private SnapshotPipeline LoggedPipeline(PipelineOptions options) =>
        new(_store, options, _current, _handOff, null, _dataPlane, _logFactory.CreateLogger<SnapshotPipeline>(), TimeProvider.System);

    private static PublishedSnapshot Published(long revision, params string[] documents)
    {
        var parsed = ManifestParser.Parse("test.yaml", Manifests.Join(documents));
        Assert.Empty(parsed.Diagnostics);
        foreach (var o in parsed.Objects) o.Object.Metadata.Generation ??= 1;
        return new PublishedSnapshot(Snapshot.From(revision, parsed.Objects.Select(o => o.Object)), revision);
    }

    /// <summary>The Gateway status the last hand-off carried.</summary>
    private V1GatewayStatus HandedGatewayStatus() => Assert.IsType<DesiredGatewayStatus>(_handOff.Calls[^1].Result.Statuses[GatewayKey]).Status;

    [Fact]
    public async Task Process_TranslatesAppliesAndHandsEveryStatusOffWithItsObject()
    {
        var published = Published(1, Manifests.GatewayClass(), Manifests.Gateway("g"));

        var pass = await _pipeline.ProcessAsync(published, CancellationToken.None);

        Assert.True(pass.Succeeded);
        Assert.Equal((1, 1), (pass.Translations, _dataPlane.Applied.Count));
        Assert.Equal(GatewayKey, Assert.Single(Assert.Single(_dataPlane.Applied).Gateways).Gateway);
        var handed = Assert.Single(_handOff.Calls);
        Assert.Same(published.Snapshot, handed.Snapshot);
        Assert.True(handed.Applied);
        Assert.Equal(new[] { ClassKey, GatewayKey }.Order(), handed.Result.Statuses.Keys);
        Assert.All(handed.Result.Statuses, p => Assert.Same(published.Snapshot.Get(p.Key), p.Value.Object));
        Assert.Equal("True", HandedGatewayStatus().Conditions!.Single(c => c.Type == "Programmed").Status);
        // The pass reports what the hand-off says its writers did.
        Assert.Equal(2, pass.StatusesWritten);
        Assert.True(_pipeline.Ready.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Process_SocketInUse_TranslatesAgainOnceThenOnlyWhenTheSetChanges()
    {
        // A real socket holds the port, so both the data plane double and the host's probe see it as taken.
        var address = IPAddress.Parse("127.10.77.1");
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(address, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        _dataPlane.Unbindable = s => !SocketProbe.CanBind(s);
        var socket = new ListenerSocket("127.10.77.1", port);
        string[] docs = [Manifests.GatewayClass(), Manifests.Gateway("g", port: port, address: "127.10.77.1")];

        var first = await _pipeline.ProcessAsync(Published(1, docs), CancellationToken.None);
        var firstStatus = HandedGatewayStatus();
        var second = await _pipeline.ProcessAsync(Published(2, docs), CancellationToken.None);
        holder.Close();
        var third = await _pipeline.ProcessAsync(Published(3, docs), CancellationToken.None);

        Assert.Equal(2, first.Translations);
        Assert.Contains("127.10.77.1", _translator.Calls[0].UsableStaticAddresses);
        Assert.Empty(_translator.Calls[0].UnavailableSockets);
        Assert.Equal([socket], _translator.Calls[1].UnavailableSockets);
        Assert.Equal("PortUnavailable", firstStatus.Conditions!.Single(c => c.Type == "Programmed").Reason);
        Assert.Equal(1, second.Translations);
        Assert.Equal(1, third.Translations);
        Assert.Empty(_pipeline.UnavailableSockets);
        Assert.Equal("True", HandedGatewayStatus().Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public async Task Process_TranslatorThrows_RecordedNothingAppliedOrHandedOffAndTheNextPassWorks()
    {
        _translator.ThrowWhen = s => s.Revision == 1;

        var failed = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass()), CancellationToken.None);
        var readyAfterFailure = _pipeline.Ready.IsCompleted;
        var handedAfterFailure = _handOff.Calls.Count;
        var next = await _pipeline.ProcessAsync(Published(2, Manifests.GatewayClass()), CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.StartsWith("translation: InvalidOperationException", Assert.Single(failed.Errors));
        Assert.False(readyAfterFailure);
        Assert.Equal(0, handedAfterFailure);
        Assert.Single(_dataPlane.Applied);
        Assert.True(next.Succeeded);
        Assert.True(_pipeline.Ready.IsCompletedSuccessfully);
        Assert.Equal(2, Assert.Single(_handOff.Calls).Result.Revision);
    }

    [Fact]
    public async Task Process_TranslatorContainsAFault_LogsTheDiagnosticAtErrorWithItsStack_AndHandsOffEveryStatus()
    {
        var bad = new ResourceKey("HTTPRoute", "default", "bad");
        var translator = new TranslatorOptions
        {
            FaultInjection = (step, key) =>
            {
                if (step == Translator.Steps.Route && key == bad) throw new InvalidOperationException("injected fault");
            },
        };
        using var pipeline = LoggedPipeline(new PipelineOptions { Translator = translator });
        var published = Published(1, Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("bad", "g"));

        var pass = await pipeline.ProcessAsync(published, CancellationToken.None);

        var logged = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("HTTPRoute/default/bad", logged.Message, StringComparison.Ordinal);
        Assert.Contains(Translator.Steps.Route, logged.Message, StringComparison.Ordinal);
        var exception = Assert.IsType<InvalidOperationException>(logged.Exception);
        Assert.Equal("injected fault", exception.Message);
        Assert.Contains(nameof(Translator), exception.StackTrace, StringComparison.Ordinal);
        // The pass itself succeeds: the fault is contained to the route, whose status says so.
        Assert.True(pass.Succeeded);
        var route = Assert.IsType<DesiredRouteStatus>(Assert.Single(_handOff.Calls).Result.Statuses[bad]);
        Assert.Same(published.Snapshot.Get(bad), route.Object);
        Assert.Equal("Pending", route.Status.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted").Reason);
        Assert.Equal("True", HandedGatewayStatus().Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public async Task Process_DataPlaneFails_StatusesHandedOffAsNotAppliedAndNotReady()
    {
        _dataPlane.Fail = true;

        var pass = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        Assert.StartsWith("data plane:", Assert.Single(pass.Errors));
        Assert.False(Assert.Single(_handOff.Calls).Applied);
        Assert.Equal(2, pass.StatusesWritten);
        Assert.False(_pipeline.Ready.IsCompleted);
        Assert.False(_pipeline.Serving.IsCompleted);
    }

    [Fact]
    public async Task Process_DataPlaneStoppedByTheShutdown_LoggedAtInformationNotAsAFault_NothingAppliedOrServed()
    {
        using var pipeline = LoggedPipeline(new PipelineOptions());
        await _dataPlane.DisposeAsync();

        var pass = await pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
        var logged = Assert.Single(_logs.Entries, e => e.Message.Contains("the data plane has stopped", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Equal(["data plane: stopped (shutting down)"], pass.Errors);
        Assert.Empty(_dataPlane.Applied);
        Assert.False(pipeline.Serving.IsCompleted);
    }

    [Fact]
    public async Task Process_HandOffStoppedByTheShutdown_LoggedAtInformationNotAsAFault()
    {
        using var pipeline = LoggedPipeline(new PipelineOptions());
        _handOff.Stopped = true;

        var pass = await pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning);
        var logged = Assert.Single(_logs.Entries, e => e.Message.Contains("this node is shutting down", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Equal(["status hand-off: stopped (shutting down)"], pass.Errors);
        Assert.False(pipeline.Ready.IsCompleted);
    }

    [Fact]
    public async Task Process_HandOffThrows_ErrorRecordedAndTheNextPassHandsOffAgain()
    {
        _handOff.Fail = 1;
        string[] docs = [Manifests.GatewayClass(), Manifests.Gateway("g")];

        var first = await _pipeline.ProcessAsync(Published(1, docs), CancellationToken.None);
        var second = await _pipeline.ProcessAsync(Published(2, docs), CancellationToken.None);

        Assert.StartsWith("status hand-off: IOException", Assert.Single(first.Errors));
        Assert.True(second.Succeeded);
        Assert.Equal([1, 2], _handOff.Calls.Select(c => c.Result.Revision));
    }

    [Fact]
    public async Task Process_HandOffReportsCountsAndErrors_TheyBecomeThePassResult()
    {
        _handOff.Outcome = _ => new StatusHandOffResult(1, 2, 3, 4, ["status: 1 owner(s) failed to write or remove a status"]);

        var pass = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass()), CancellationToken.None);

        Assert.Equal((1, 2, 3, 4), (pass.StatusesWritten, pass.StatusesUnchanged, pass.StatusesRemoved, pass.StatusesUnacknowledged));
        Assert.Equal(["status: 1 owner(s) failed to write or remove a status"], pass.Errors);
        Assert.False(_pipeline.Ready.IsCompleted);
    }

    [Fact]
    public async Task Process_StatusesLeftByAnEarlierRun_ReportedWithTheFirstHandOffOnly()
    {
        var leftover = new ResourceKey("HTTPRoute", "default", "gone");
        _inventory.Keys = [leftover];

        await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass()), CancellationToken.None);
        await _pipeline.ProcessAsync(Published(2, Manifests.GatewayClass()), CancellationToken.None);

        Assert.Equal([leftover], _handOff.Calls[0].StoredKeys);
        Assert.Empty(_handOff.Calls[1].StoredKeys);
    }

    [Fact]
    public async Task Run_NothingBeforeFirstFullSync_ThenReadyWithRevisionOne()
    {
        await _pipeline.StartAsync(CancellationToken.None);
        try
        {
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            await Task.Delay(100);
            var beforeSync = _pipeline.LastPass;

            _store.MarkSynced();
            await _pipeline.Ready.WaitAsync(Wait.Default);

            Assert.Null(beforeSync);
            Assert.Equal(1, _pipeline.LastPass!.Revision);
            Assert.Contains(ClassKey, Assert.Single(_handOff.Calls).Result.Statuses.Keys);
        }
        finally
        {
            await _pipeline.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Run_TranslatorFailureDoesNotStopTheLoop()
    {
        _translator.ThrowWhen = s => s.Revision <= 2;
        await _pipeline.StartAsync(CancellationToken.None);
        try
        {
            _store.MarkSynced();
            var failed = await _pipeline.WaitForRevisionAsync(1, Wait.Token());
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            var stillFailing = await _pipeline.WaitForRevisionAsync(2, Wait.Token());
            _store.Upsert(Published(1, Manifests.GatewayClass("gc2")).Snapshot.Get(new ResourceKey("GatewayClass", "", "gc2"))!);
            var recovered = await _pipeline.WaitForChangeSequenceAsync(_store.ChangeSequence, Wait.Token());

            Assert.False(failed.Succeeded);
            Assert.False(stillFailing.Succeeded);
            Assert.True(recovered.Succeeded);
            Assert.True(_pipeline.Ready.IsCompletedSuccessfully);
        }
        finally
        {
            await _pipeline.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A pipeline with the real (incremental) translator, its store filled with a Gateway and routes.</summary>
    private (SnapshotPipeline Pipeline, ResourceStore Store, GatedDataPlane DataPlane) WarmUpPipeline(int passes)
    {
        var store = new ResourceStore();
        var dataPlane = new GatedDataPlane();
        var pipeline = new SnapshotPipeline(store, new PipelineOptions { WarmUpPasses = passes }, new CurrentSnapshot(), _handOff, null, dataPlane,
            NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
        var objects = Published(1, Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("a", "g", path: "/a"),
            Manifests.HttpRoute("b", "g", path: "/b"), Manifests.EchoService("svc", 9)).Snapshot;
        foreach (var key in objects.Keys) store.Upsert(objects.Get(key)!);
        return (pipeline, store, dataPlane);
    }

    [Fact]
    public async Task Run_AfterTheFirstServedPass_WarmUpReappliesEqualTables_CompilesAPhantomRouteWithoutServingIt_HandsOffNoMoreStatuses_ThenAChangeIsServed()
    {
        var (pipeline, store, dataPlane) = WarmUpPipeline(passes: 6);
        using var _ = pipeline;
        await RunningAsync(pipeline, async () =>
        {
            store.MarkSynced();
            Assert.Equal(6, await pipeline.WarmedUp.WaitAsync(Wait.Default));
            await pipeline.Ready.WaitAsync(Wait.Default);

            // Passes 1, 2, 5 and 6 (the last) apply the route's copy or itself; passes 3 and 4 add and remove a phantom
            // route, compiled only.
            var applied = dataPlane.Applied.ToArray();
            Assert.Equal(1 + 4, applied.Length);
            var served = RouteTableYaml.Render(applied[0].Gateways);
            Assert.Contains("/a", served, StringComparison.Ordinal);
            Assert.All(applied, a => Assert.Equal(served, RouteTableYaml.Render(a.Gateways)));
            Assert.All(applied, a => Assert.Equal(1, a.Revision));
            var compiled = dataPlane.Compiled.ToArray();
            Assert.Equal(2, compiled.Length);
            Assert.Contains("warm-up-", RouteTableYaml.Render(compiled[0].Gateways), StringComparison.Ordinal);
            Assert.Equal(served, RouteTableYaml.Render(compiled[1].Gateways));
            Assert.Single(_handOff.Calls);

            // A real change after the warm-up: translated from the store's lineage and served.
            store.Upsert(Published(2, Manifests.HttpRoute("a", "g", path: "/a-changed")).Snapshot.Get(new ResourceKey("HTTPRoute", "default", "a"))!);
            var pass = await pipeline.WaitForChangeSequenceAsync(store.ChangeSequence, Wait.Token());
            Assert.True(pass.Succeeded);
            var now = RouteTableYaml.Render(dataPlane.Applied.Last().Gateways);
            Assert.Contains("/a-changed", now, StringComparison.Ordinal);
            Assert.Contains("/b", now, StringComparison.Ordinal);
            Assert.Equal(2, _handOff.Calls.Count);
        });
    }

    [Fact]
    public async Task Run_WarmUpWaitsUntilTheStartUpsStatusesAreWritten_ThenRunsOnTheServedPass()
    {
        var (pipeline, store, dataPlane) = WarmUpPipeline(passes: 6);
        using var _ = pipeline;
        _handOff.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await RunningAsync(pipeline, async () =>
        {
            store.MarkSynced();
            await pipeline.Serving.WaitAsync(Wait.Default);
            await _handOff.Entered.Task.WaitAsync(Wait.Default);
            // Without the wait for Ready the six passes ran right after the first apply, within milliseconds.
            await Task.Delay(TimeSpan.FromMilliseconds(300));

            Assert.False(pipeline.Ready.IsCompleted);
            Assert.False(pipeline.WarmedUp.IsCompleted, "the warm-up ran while the start-up's statuses were being written");
            Assert.Single(dataPlane.Applied);

            _handOff.Gate.SetResult();

            Assert.Equal(6, await pipeline.WarmedUp.WaitAsync(Wait.Default));
            Assert.True(pipeline.Ready.IsCompletedSuccessfully);
            Assert.Equal(1 + 4, dataPlane.Applied.Count);
            Assert.Single(_handOff.Calls);
        });
    }

    [Fact]
    public async Task Run_FirstPassServesNoGateway_WarmUpWaitsForThePassThatServesOne_AndPatchesItsTables()
    {
        // Kubernetes mode after a fresh start: the routes are there, the Gateway is served only a pass later.
        var store = new ResourceStore();
        var dataPlane = new GatedDataPlane();
        using var pipeline = new SnapshotPipeline(store, new PipelineOptions { WarmUpPasses = 6 }, new CurrentSnapshot(), _handOff, null, dataPlane,
            NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
        var objects = Published(1, Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("a", "g", path: "/a"), Manifests.EchoService("svc", 9)).Snapshot;
        var gatewayKey = objects.Keys.Single(k => k.Kind == "Gateway");
        foreach (var key in objects.Keys.Where(k => k != gatewayKey)) store.Upsert(objects.Get(key)!);
        await RunningAsync(pipeline, async () =>
        {
            store.MarkSynced();
            await pipeline.Ready.WaitAsync(Wait.Default);
            Assert.Empty(dataPlane.Applied.Single().Gateways);
            Assert.False(pipeline.WarmedUp.IsCompleted);
            Assert.Empty(dataPlane.Compiled);

            store.Upsert(objects.Get(gatewayKey)!);
            Assert.Equal(6, await pipeline.WarmedUp.WaitAsync(Wait.Default));
            var served = RouteTableYaml.Render(dataPlane.Applied.ToArray()[1].Gateways);
            Assert.Contains("/a", served, StringComparison.Ordinal);
            // Passes 3 and 4 add and remove the phantom route against the served Gateway's tables.
            var compiled = dataPlane.Compiled.ToArray();
            Assert.Equal(2, compiled.Length);
            Assert.Contains("warm-up-", RouteTableYaml.Render(compiled[0].Gateways), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Run_AChangeWaitingDuringWarmUp_EndsTheWarmUpAndIsServed()
    {
        var (pipeline, store, dataPlane) = WarmUpPipeline(passes: 1000);
        using var _ = pipeline;
        // The first warm-up apply (the second apply) waits until the change is in the store.
        dataPlane.GateApply = 2;
        await RunningAsync(pipeline, async () =>
        {
            store.MarkSynced();
            await dataPlane.GateReached.Task.WaitAsync(Wait.Default);
            store.Upsert(Published(2, Manifests.HttpRoute("b", "g", path: "/b-changed")).Snapshot.Get(new ResourceKey("HTTPRoute", "default", "b"))!);
            dataPlane.Gate.SetResult();

            var passes = await pipeline.WarmedUp.WaitAsync(Wait.Default);
            var pass = await pipeline.WaitForChangeSequenceAsync(store.ChangeSequence, Wait.Token());

            Assert.Equal(1, passes);
            Assert.True(pass.Succeeded);
            Assert.Contains("/b-changed", RouteTableYaml.Render(dataPlane.Applied.Last().Gateways), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Run_NoRouteToWarmUpWith_WarmUpRunsNoPass()
    {
        var store = new ResourceStore();
        var dataPlane = new GatedDataPlane();
        using var pipeline = new SnapshotPipeline(store, new PipelineOptions(), new CurrentSnapshot(), _handOff, null, dataPlane,
            NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
        await RunningAsync(pipeline, async () =>
        {
            store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            store.MarkSynced();

            Assert.Equal(0, await pipeline.WarmedUp.WaitAsync(Wait.Default));
            Assert.Single(dataPlane.Applied);
        });
    }

    [Fact]
    public async Task Run_StatusHandOffSlow_NextChangesAppliedAndPendingHandOffSuperseded()
    {
        _handOff.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _pipeline.StartAsync(CancellationToken.None);
        try
        {
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            _store.MarkSynced();
            await _handOff.Entered.Task.WaitAsync(Wait.Default);
            var gc2 = new ResourceKey("GatewayClass", "", "gc2");
            var gc3 = new ResourceKey("GatewayClass", "", "gc3");

            // Revision 1's hand-off is stuck; revisions 2 and 3 still reach the data plane.
            _store.Upsert(Published(1, Manifests.GatewayClass("gc2")).Snapshot.Get(gc2)!);
            await Wait.UntilAsync(() => _dataPlane.Applied.Any(a => a.Revision == 2), "revision 2 applied");
            _store.Upsert(Published(1, Manifests.GatewayClass("gc3")).Snapshot.Get(gc3)!);
            await Wait.UntilAsync(() => _pipeline.QueuedStatusRevision == 3, "revision 3 queued for status");
            var lastBeforeRelease = _pipeline.LastPass;
            _handOff.Gate.SetResult();
            var afterTwo = await _pipeline.WaitForRevisionAsync(2, Wait.Token());

            Assert.Null(lastBeforeRelease);
            Assert.Equal([1, 2, 3], _dataPlane.Applied.Select(a => a.Revision));
            // Revision 2's hand-off was superseded: its waiters were completed by revision 3, which carries every status.
            Assert.Equal(3, afterTwo.Revision);
            Assert.True(afterTwo.Succeeded);
            Assert.Equal([1, 3], _handOff.Calls.Select(c => c.Result.Revision));
            Assert.Contains(gc2, _handOff.Calls[1].Result.Statuses.Keys);
            Assert.Contains(gc3, _handOff.Calls[1].Result.Statuses.Keys);
            Assert.Equal(3, _current.Value.Revision);
        }
        finally
        {
            _handOff.Gate.TrySetResult();
            await _pipeline.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Run_StatusDelay_HandOffStartsThatLongAfterTheApply_AndAPassAppliedMeanwhileSupersedesTheWaitingOneAndWaitsItsOwnDelay()
    {
        var delay = TimeSpan.FromSeconds(2);
        await WithDelayedPipelineAsync(delay, async pipeline =>
        {
            await Wait.UntilAsync(() => _dataPlane.AppliedAt.ContainsKey(1), "revision 1 applied");
            var gc2 = new ResourceKey("GatewayClass", "", "gc2");
            _store.Upsert(Published(1, Manifests.GatewayClass("gc2")).Snapshot.Get(gc2)!);
            await Wait.UntilAsync(() => _dataPlane.AppliedAt.ContainsKey(2), "revision 2 applied");
            var handedBeforeRevisionTwoWasApplied = _handOff.FirstEnteredAt != 0 && _handOff.FirstEnteredAt < _dataPlane.AppliedAt[2];
            var done = await pipeline.WaitForRevisionAsync(2, Wait.Token());

            Assert.False(handedBeforeRevisionTwoWasApplied, "a hand-off started before revision 2 was applied, inside revision 1's delay");
            // The wait ran on from revision 2's own apply.
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(_dataPlane.AppliedAt[2], _handOff.FirstEnteredAt) >= delay,
                $"the hand-off started {System.Diagnostics.Stopwatch.GetElapsedTime(_dataPlane.AppliedAt[2], _handOff.FirstEnteredAt).TotalMilliseconds:F1} ms after revision 2's apply, before the delay");
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(_dataPlane.AppliedAt[1], _handOff.FirstEnteredAt) >= delay,
                $"the first hand-off started {System.Diagnostics.Stopwatch.GetElapsedTime(_dataPlane.AppliedAt[1], _handOff.FirstEnteredAt).TotalMilliseconds:F1} ms after revision 1's apply, before the delay");
            // Revision 1 waited; revision 2, applied meanwhile, superseded it and carries both statuses.
            Assert.Equal([2], _handOff.Calls.Select(c => c.Result.Revision));
            Assert.Equal(2, done.Revision);
            Assert.Contains(gc2, _handOff.Calls[0].Result.Statuses.Keys);
            Assert.Contains(ClassKey, _handOff.Calls[0].Result.Statuses.Keys);
        });
    }

    [Fact]
    public async Task Run_StatusDelay_ChangesKeepComingFasterThanTheDelay_StatusesStillHandedOffBeforeTheyStop()
    {
        // Every change restarts the wait from its own apply, but never beyond ten delays after the oldest waiting pass:
        // a change every 50 ms for 6 s against a 300 ms delay is handed off by about 3 s, while changes still come.
        await WithDelayedPipelineAsync(TimeSpan.FromMilliseconds(300), async _ =>
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + 6 * System.Diagnostics.Stopwatch.Frequency;
            var changes = 0;
            var handedOffWhileChanging = false;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                var key = new ResourceKey("GatewayClass", "", $"gc{changes++}");
                _store.Upsert(Published(1, Manifests.GatewayClass(key.Name)).Snapshot.Get(key)!);
                await Task.Delay(50);
                handedOffWhileChanging |= _handOff.Calls.Count > 0;
            }

            Assert.True(changes > 40, $"only {changes} changes were made");
            Assert.True(handedOffWhileChanging, "no status was handed off while changes kept coming");
        });
    }

    /// <summary>Starts <paramref name="pipeline"/>, runs <paramref name="test"/> and stops the pipeline whatever the outcome.</summary>
    private static async Task RunningAsync(SnapshotPipeline pipeline, Func<Task> test)
    {
        await pipeline.StartAsync(CancellationToken.None);
        try
        {
            await test();
        }
        finally
        {
            await pipeline.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A running pipeline with <paramref name="statusDelay"/>, its store synced with the GatewayClass gc (revision 1),
    /// handed to <paramref name="test"/>, stopped after.
    /// </summary>
    private async Task WithDelayedPipelineAsync(TimeSpan statusDelay, Func<SnapshotPipeline, Task> test)
    {
        using var pipeline = new SnapshotPipeline(_store, new PipelineOptions { Translate = _translator.Translate, StatusDelay = statusDelay }, _current, _handOff,
            _inventory, _dataPlane, NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
        await RunningAsync(pipeline, async () =>
        {
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            _store.MarkSynced();
            await test(pipeline);
        });
    }

    [Fact]
    public async Task Run_FirstHandOffStillRunning_ServingOnceAppliedButReadyOnlyAfterTheHandOff()
    {
        _handOff.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _pipeline.StartAsync(CancellationToken.None);
        try
        {
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            _store.MarkSynced();
            await _handOff.Entered.Task.WaitAsync(Wait.Default);

            // The data plane has revision 1; its statuses are still with the entities: the readiness probe passes.
            await _pipeline.Serving.WaitAsync(Wait.Default);
            Assert.Equal([1], _dataPlane.Applied.Select(a => a.Revision));
            Assert.False(_pipeline.Ready.IsCompleted);

            _handOff.Gate.SetResult();
            await _pipeline.Ready.WaitAsync(Wait.Default);
        }
        finally
        {
            _handOff.Gate.TrySetResult();
            await _pipeline.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Stands for the sharded entities: records every hand-off and answers with <see cref="Outcome"/> (default: every
    /// status written); can hold hand-offs at <see cref="Gate"/> or throw for the first <see cref="Fail"/> calls.
    /// </summary>
    private sealed class RecordingHandOff : IStatusHandOff
    {
        private readonly List<(TranslationResult Result, Snapshot Snapshot, bool Applied, IReadOnlyCollection<ResourceKey> StoredKeys)> _calls = [];

        public IReadOnlyList<(TranslationResult Result, Snapshot Snapshot, bool Applied, IReadOnlyCollection<ResourceKey> StoredKeys)> Calls
        {
            get
            {
                lock (_calls) return [.. _calls];
            }
        }

        public Func<TranslationResult, StatusHandOffResult> Outcome { get; set; } = r => new StatusHandOffResult(r.Statuses.Count, 0, 0, 0, []);

        public TaskCompletionSource? Gate { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>When the first hand-off was entered (Stopwatch timestamp; 0 before).</summary>
        public long FirstEnteredAt;

        public int Fail { get; set; }

        /// <summary>As the cluster's hand-off once the node shuts down: <see cref="Stopped"/>, and every hand-off cancelled.</summary>
        public bool Stopped { get; set; }

        public async Task<StatusHandOffResult> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied, IReadOnlyCollection<ResourceKey> storedKeys,
            CancellationToken ct)
        {
            Interlocked.CompareExchange(ref FirstEnteredAt, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
            Entered.TrySetResult();
            if (Gate is { } gate) await gate.Task.WaitAsync(ct);
            lock (_calls) _calls.Add((result, snapshot, applied, [.. storedKeys]));
            if (Stopped) throw new TaskCanceledException("the node's reporter stopped (test)");
            if (Fail-- > 0) throw new IOException("owners unreachable (test)");
            return Outcome(result);
        }
    }

    /// <summary>Records what it is asked to serve; its <see cref="GateApply"/>th apply waits for <see cref="Gate"/>.</summary>
    private sealed class GatedDataPlane : IDataPlane
    {
        private int _calls;

        public ConcurrentQueue<(long Revision, IReadOnlyList<Gateway.Actors.RouteTable.GatewayRouteTable> Gateways)> Applied { get; } = new();

        public ConcurrentQueue<(long Revision, IReadOnlyList<Gateway.Actors.RouteTable.GatewayRouteTable> Gateways)> Compiled { get; } = new();

        public int GateApply { get; set; }

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource GateReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<DataPlaneApplyResult> ApplyAsync(long revision, IReadOnlyList<Gateway.Actors.RouteTable.GatewayRouteTable> gateways, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _calls) == GateApply)
            {
                GateReached.SetResult();
                await Gate.Task.WaitAsync(ct);
            }
            Applied.Enqueue((revision, gateways));
            return new DataPlaneApplyResult(revision, new HashSet<ListenerSocket>());
        }

        public Task CompileOnlyAsync(long revision, IReadOnlyList<Gateway.Actors.RouteTable.GatewayRouteTable> gateways, CancellationToken ct)
        {
            Compiled.Enqueue((revision, gateways));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A sink's inventory: the statuses an earlier run left.</summary>
    private sealed class Inventory : IStatusInventory
    {
        public IReadOnlyCollection<ResourceKey> Keys { get; set; } = [];

        public IReadOnlyCollection<ResourceKey> StoredKeys() => Keys;
    }
}
