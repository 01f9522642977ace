using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
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
    private readonly MemoryStatusSink _memory;
    private readonly SnapshotPipeline _pipeline;
    private IStatusSink _sink;

    private static readonly ResourceKey GatewayKey = new("Gateway", "default", "g");
    private static readonly ResourceKey ClassKey = new("GatewayClass", "", "gc");

    public SnapshotPipelineTests()
    {
        _memory = new MemoryStatusSink(Manifests.Controller, _current.Get, TimeProvider.System);
        _sink = _memory;
        _pipeline = new SnapshotPipeline(_store, new PipelineOptions { Translate = _translator.Translate }, _current,
            new ForwardingSink(() => _sink), _dataPlane, NullLogger<SnapshotPipeline>.Instance, TimeProvider.System);
    }

    public void Dispose() => _pipeline.Dispose();

    private static PublishedSnapshot Published(long revision, params string[] documents)
    {
        var parsed = ManifestParser.Parse("test.yaml", Manifests.Join(documents));
        Assert.Empty(parsed.Diagnostics);
        foreach (var o in parsed.Objects) o.Object.Metadata.Generation ??= 1;
        return new PublishedSnapshot(Snapshot.From(revision, parsed.Objects.Select(o => o.Object)), revision);
    }

    private static V1GatewayStatus GatewayStatus(IKubernetesObject<V1ObjectMeta>? written) =>
        Assert.IsType<V1GatewayStatus>(Assert.IsType<V1Gateway>(written).Status);

    [Fact]
    public async Task Process_TranslatesAppliesAndWritesStatuses()
    {
        var pass = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        Assert.True(pass.Succeeded);
        Assert.Equal((1, 2, 1), (pass.Translations, pass.StatusesWritten, _dataPlane.Applied.Count));
        Assert.Equal(GatewayKey, Assert.Single(Assert.Single(_dataPlane.Applied).Gateways).Gateway);
        Assert.Equal("True", GatewayStatus(_memory.Get(GatewayKey)).Conditions!.Single(c => c.Type == "Programmed").Status);
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
        var firstStatus = GatewayStatus(_memory.Get(GatewayKey));
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
        Assert.Equal("True", GatewayStatus(_memory.Get(GatewayKey)).Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public async Task Process_TranslatorThrows_RecordedNothingAppliedAndTheNextPassWorks()
    {
        _translator.ThrowWhen = s => s.Revision == 1;

        var failed = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass()), CancellationToken.None);
        var readyAfterFailure = _pipeline.Ready.IsCompleted;
        var next = await _pipeline.ProcessAsync(Published(2, Manifests.GatewayClass()), CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.StartsWith("translation: InvalidOperationException", Assert.Single(failed.Errors));
        Assert.False(readyAfterFailure);
        Assert.Single(_dataPlane.Applied);
        Assert.True(next.Succeeded);
        Assert.True(_pipeline.Ready.IsCompletedSuccessfully);
        Assert.NotNull(_memory.Get(ClassKey));
    }

    [Fact]
    public async Task Process_TranslatorContainsAFault_LogsTheDiagnosticAtErrorWithItsStack_AndWritesTheOtherStatuses()
    {
        var bad = new ResourceKey("HTTPRoute", "default", "bad");
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var translator = new TranslatorOptions
        {
            FaultInjection = (step, key) =>
            {
                if (step == Translator.Steps.Route && key == bad) throw new InvalidOperationException("injected fault");
            },
        };
        using var pipeline = new SnapshotPipeline(_store, new PipelineOptions { Translator = translator }, _current, _memory, _dataPlane,
            factory.CreateLogger<SnapshotPipeline>(), TimeProvider.System);

        var pass = await pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("bad", "g")), CancellationToken.None);

        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("HTTPRoute/default/bad", logged.Message, StringComparison.Ordinal);
        Assert.Contains(Translator.Steps.Route, logged.Message, StringComparison.Ordinal);
        var exception = Assert.IsType<InvalidOperationException>(logged.Exception);
        Assert.Equal("injected fault", exception.Message);
        Assert.Contains(nameof(Translator), exception.StackTrace, StringComparison.Ordinal);
        // The pass itself succeeds: the fault is contained to the route, whose status says so.
        Assert.True(pass.Succeeded);
        var route = Assert.IsType<V1RouteStatus>(Assert.IsType<V1HTTPRoute>(_memory.Get(bad)).Status);
        Assert.Equal("Pending", route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted").Reason);
        Assert.Equal("True", GatewayStatus(_memory.Get(GatewayKey)).Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public async Task Process_DataPlaneFails_StatusesStillWrittenAndNotReady()
    {
        _dataPlane.Fail = true;

        var pass = await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        Assert.StartsWith("data plane:", Assert.Single(pass.Errors));
        Assert.Equal(2, pass.StatusesWritten);
        Assert.False(_pipeline.Ready.IsCompleted);
    }

    [Fact]
    public async Task Process_OneStatusWriteFails_OthersWrittenAndItIsRetriedNextPass()
    {
        var flaky = new FlakySink(_memory, GatewayKey);
        _sink = flaky;
        string[] docs = [Manifests.GatewayClass(), Manifests.Gateway("g")];

        var first = await _pipeline.ProcessAsync(Published(1, docs), CancellationToken.None);
        var second = await _pipeline.ProcessAsync(Published(2, docs), CancellationToken.None);

        Assert.Contains("status Gateway/default/g", Assert.Single(first.Errors));
        Assert.Equal(1, first.StatusesWritten);
        Assert.True(second.Succeeded);
        Assert.Equal((1, 1), (second.StatusesWritten, second.StatusesUnchanged));
        Assert.NotNull(_memory.Get(GatewayKey));
    }

    [Fact]
    public async Task Process_ObjectGoneOrNoLongerOurs_StatusRemoved()
    {
        await _pipeline.ProcessAsync(Published(1, Manifests.GatewayClass(), Manifests.Gateway("g")), CancellationToken.None);

        var pass = await _pipeline.ProcessAsync(Published(2, Manifests.GatewayClass("gc", "other.example/controller"), Manifests.Gateway("g")), CancellationToken.None);

        Assert.Equal(2, pass.StatusesRemoved);
        Assert.Null(_memory.Get(GatewayKey));
        Assert.Null(_memory.Get(ClassKey));
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
            Assert.NotNull(_memory.Get(ClassKey));
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

    [Fact]
    public async Task Run_StatusHandOffSlow_NextChangesAppliedAndPendingHandOffSuperseded()
    {
        var gated = new GatedSink(_memory);
        _sink = gated;
        await _pipeline.StartAsync(CancellationToken.None);
        try
        {
            _store.Upsert(Published(1, Manifests.GatewayClass()).Snapshot.Get(ClassKey)!);
            _store.MarkSynced();
            await gated.Entered.Task.WaitAsync(Wait.Default);
            var gc2 = new ResourceKey("GatewayClass", "", "gc2");
            var gc3 = new ResourceKey("GatewayClass", "", "gc3");

            // Revision 1's statuses are stuck in the sink; revisions 2 and 3 still reach the data plane.
            _store.Upsert(Published(1, Manifests.GatewayClass("gc2")).Snapshot.Get(gc2)!);
            await Wait.UntilAsync(() => _dataPlane.Applied.Any(a => a.Revision == 2), "revision 2 applied");
            _store.Upsert(Published(1, Manifests.GatewayClass("gc3")).Snapshot.Get(gc3)!);
            await Wait.UntilAsync(() => _pipeline.QueuedStatusRevision == 3, "revision 3 queued for status");
            var lastBeforeRelease = _pipeline.LastPass;
            gated.Release.SetResult();
            var afterTwo = await _pipeline.WaitForRevisionAsync(2, Wait.Token());

            Assert.Null(lastBeforeRelease);
            Assert.Equal([1, 2, 3], _dataPlane.Applied.Select(a => a.Revision));
            // Revision 2's hand-off was superseded: its waiters were completed by revision 3, which wrote every status.
            Assert.Equal(3, afterTwo.Revision);
            Assert.True(afterTwo.Succeeded);
            Assert.NotNull(_memory.Get(gc2));
            Assert.NotNull(_memory.Get(gc3));
            Assert.Equal(3, _current.Value.Revision);
        }
        finally
        {
            gated.Release.TrySetResult();
            await _pipeline.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Holds every write until <see cref="Release"/> completes.</summary>
    private sealed class GatedSink(IStatusSink inner) : IStatusSink
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(ct);
            return await inner.WriteAsync(status, ct);
        }

        public Task RemoveAsync(ResourceKey key, CancellationToken ct) => inner.RemoveAsync(key, ct);
    }

    /// <summary>Lets a test swap the sink after the pipeline is built.</summary>
    private sealed class ForwardingSink(Func<IStatusSink> target) : IStatusSink
    {
        public Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct) => target().WriteAsync(status, ct);

        public Task RemoveAsync(ResourceKey key, CancellationToken ct) => target().RemoveAsync(key, ct);
    }

    /// <summary>Fails the first write of one object.</summary>
    private sealed class FlakySink(IStatusSink inner, ResourceKey failOnce) : IStatusSink
    {
        private bool _failed;

        public Task<StatusWriteOutcome> WriteAsync(DesiredStatus status, CancellationToken ct)
        {
            if (status.Key != failOnce || _failed) return inner.WriteAsync(status, ct);
            _failed = true;
            throw new IOException("disk full (test)");
        }

        public Task RemoveAsync(ResourceKey key, CancellationToken ct) => inner.RemoveAsync(key, ct);
    }
}
