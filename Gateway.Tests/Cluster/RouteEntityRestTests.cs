using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Gateway.Actors.Actors;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Actors.Serialization;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.Status;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Route entities passivate when idle and resume from what their node kept (<see cref="RestingEntities"/>): a real
/// self-joined one-node cluster with real sharding, every message serialized, the real memory status sink and the
/// real translator, as <see cref="ObjectEntitySpecs"/> runs them, with a short idle time.
/// </summary>
[Trait("Category", "Actors")]
public sealed class RouteEntityRestTests : Akka.TestKit.Xunit2.TestKit
{

    private static readonly ResourceKey RouteA = new("HTTPRoute", "default", "a");
    private static readonly ResourceKey RouteB = new("HTTPRoute", "default", "b");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly MemoryStatusSink _sink;
    private readonly CountingReads _reads;
    private readonly RestingEntities _resting = new();
    private readonly string _node;
    private readonly ShardRegions _regions;
    private readonly NodeContentBuilder _builder = new();
    private IActorRef? _reporter;
    private long _revision;

    public RouteEntityRestTests(ITestOutputHelper output)
        : base(EntityTestCluster.Hocon, "route-rest", output)
    {
        _sink = new MemoryStatusSink(TranslatorOptions.DefaultControllerName);
        _reads = new CountingReads(_sink);
        _node = EntityTestCluster.JoinSelf(Sys, Wait);
        var services = new EntityServices(NodeReporter.Path, _reads, _node, "self", TimeSpan.FromSeconds(5), RestAfter: TimeSpan.FromMilliseconds(200), Resting: _resting);
        _regions = EntityTestCluster.StartRegions(Sys, services);
    }

    /// <summary>This node's reporter, sharing the resting store with the entities as the host wires it.</summary>
    private IActorRef Reporter(NodeReporterOptions? options = null) =>
        _reporter ??= Sys.ActorOf(NodeReporter.PropsFor(_regions, _node, "self", options, _resting), NodeReporter.Name);

    /// <summary>Translates <paramref name="yaml"/> as this node's next pass and publishes it; completes when every report was acknowledged or the pass timed out.</summary>
    private Task<HandOffResult> PassAsync(string yaml, IReadOnlyDictionary<string, long>? generations = null, NodeReporterOptions? options = null)
    {
        var (result, snapshot) = NodeContentTests.Translate(yaml, ++_revision, generations);
        var done = new TaskCompletionSource<HandOffResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Reporter(options).Tell(new PublishNodeContent(_builder.Next(_node, result, snapshot, applied: true), [], Wait, done));
        return done.Task.WaitAsync(Wait + Wait);
    }

    private Task<ObjectStateView> StateAsync(EntityRef entity) => _regions.For(entity.Kind).Ask<ObjectStateView>(EntityCommands.Query(entity), Wait);

    private async Task<IReadOnlySet<string>> RunningAsync(IActorRef region) =>
        (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait)).Shards.SelectMany(s => s.EntityIds).ToHashSet(StringComparer.Ordinal);

    /// <summary>Waits (bounded) until no route entity runs and both routes rest.</summary>
    private async Task RoutesRestedAsync() =>
        await AwaitAssertAsync(async () =>
        {
            Assert.Empty(await RunningAsync(_regions.Routes));
            Assert.True(_resting.Contains(EntityRef.ForStatus(RouteA)) && _resting.Contains(EntityRef.ForStatus(RouteB)));
        }, Wait, TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task IdleRoutes_Passivate_GatewayClassGatewayAndListenersStayRunning()
    {
        var first = await PassAsync(NodeContentTests.Manifests);
        Assert.Equal(4, first.Count(ReportOutcome.Written));

        await RoutesRestedAsync();

        Assert.Equal(2, _resting.Count);
        Assert.NotEmpty(await RunningAsync(_regions.GatewayClasses));
        Assert.NotEmpty(await RunningAsync(_regions.Gateways));
        Assert.NotEmpty(await RunningAsync(_regions.Listeners));
    }

    [Fact]
    public async Task PassivatedRoute_RestartedByAChange_WritesItsNewStatusExactlyOnce_WithoutReadingTheStoredStatusAgain()
    {
        await PassAsync(NodeContentTests.Manifests);
        await RoutesRestedAsync();
        Assert.Equal(1, _reads.Of(RouteA));

        var changed = await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = 2 });

        Assert.Equal(1, changed.Reported);
        Assert.Empty(changed.Unacknowledged);
        Assert.Equal(1, changed.Count(ReportOutcome.Written));
        Assert.Equal(2, _sink.WriteCount(RouteA));
        Assert.Equal(1, _sink.WriteCount(RouteB));
        Assert.Equal(1, _reads.Of(RouteA));
        var state = await StateAsync(EntityRef.ForStatus(RouteA));
        Assert.Contains("observedGeneration: 2", state.LastWrittenStatus, StringComparison.Ordinal);
        // Writes counted over the incarnations on this node: the first one's write and this one's.
        Assert.Equal(2, state.StatusWrites);

        // It rests again; a pass with nothing new for it neither restarts nor writes it.
        await RoutesRestedAsync();
        var same = await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = 2 });
        Assert.Equal(0, same.Reported);
        Assert.Equal(2, _sink.WriteCount(RouteA));
    }

    [Fact]
    public async Task PassivatedRoute_Inspected_StartedAndAnswersWithWhatItKnew_NoStoredStatusRead()
    {
        await PassAsync(NodeContentTests.Manifests);
        var route = EntityRef.ForStatus(RouteA);
        var before = await StateAsync(route);
        await RoutesRestedAsync();

        var after = await StateAsync(route);

        Assert.True(after.IncarnationStarted > before.IncarnationStarted);
        Assert.True(after.Exists);
        Assert.Equal(before.DesiredStatus, after.DesiredStatus);
        Assert.Equal(before.LastWrittenStatus, after.LastWrittenStatus);
        Assert.Contains("Accepted", after.LastWrittenStatus, StringComparison.Ordinal);
        Assert.Equal(before.Slice, after.Slice);
        Assert.Equal(1, after.StatusWrites);
        Assert.Equal(_node, Assert.Single(after.ProgrammedBy).Node);
        Assert.Equal(1, _reads.Of(RouteA));
        Assert.Equal(1, _sink.WriteCount(RouteA));
    }

    [Fact]
    public async Task PassivatedRoute_ReportSentAgain_AsAfterAMembershipChange_NeitherWritesNorReads()
    {
        await PassAsync(NodeContentTests.Manifests);
        await RoutesRestedAsync();
        var route = EntityRef.ForStatus(RouteA);
        var content = (await Reporter().Ask<NodeContent>(GetNodeContent.Instance, Wait)).Objects[route];

        _regions.Routes.Tell(EntityCommands.Report(route, EntityCommands.ReportOf(route, content, _node, "self", _revision)), TestActor);

        Assert.Equal(ReportOutcome.None, ExpectMsg<NodeReportApplied>(Wait).Outcome);
        Assert.Equal(1, _sink.WriteCount(RouteA));
        Assert.Equal(1, _reads.Of(RouteA));
    }

    [Fact]
    public async Task PassivatedRoute_ObjectRemoved_StatusRemovedAndNothingKept()
    {
        await PassAsync(NodeContentTests.Manifests);
        await RoutesRestedAsync();
        var withoutB = NodeContentTests.Manifests[..NodeContentTests.Manifests.LastIndexOf("---", StringComparison.Ordinal)];

        var removed = await PassAsync(withoutB);

        Assert.Equal(1, removed.Count(ReportOutcome.Removed));
        Assert.Null(_sink.Get(RouteB));
        await AwaitAssertAsync(async () => Assert.DoesNotContain("HTTPRoute/default/b", await RunningAsync(_regions.Routes)), Wait);
        Assert.False(_resting.Contains(EntityRef.ForStatus(RouteB)));
    }

    [Fact]
    public async Task ChangesWhileRoutesPassivateAndResume_EveryReportAcknowledgedWithoutResend_LastStatusWritten()
    {
        // No re-send within the test (acknowledgement timeout far beyond it): a report lost between an entity's
        // decision to rest and its stop would stay unacknowledged and show in the pass's result.
        var options = new NodeReporterOptions(AckTimeout: TimeSpan.FromMinutes(5));
        await PassAsync(NodeContentTests.Manifests, options: options);
        var random = new Random(7);
        long generation = 1;
        for (var i = 0; i < 40; i++)
        {
            // Pauses around the idle time (200 ms), so changes land before, during and after the entities rest.
            await Task.Delay(random.Next(150, 260));
            generation++;
            var pass = await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = generation, ["b"] = generation });
            Assert.Empty(pass.Unacknowledged);
            Assert.Equal(2, pass.Count(ReportOutcome.Written));
        }

        Assert.Equal(41, _sink.WriteCount(RouteA));
        Assert.Equal(41, _sink.WriteCount(RouteB));
        Assert.Contains($"observedGeneration: {generation}", (await StateAsync(EntityRef.ForStatus(RouteA))).LastWrittenStatus, StringComparison.Ordinal);
    }

    [Fact]
    public void RestingEntities_EntryLeftUnderAnotherShardInstance_NotResumed()
    {
        var store = new RestingEntities();
        var route = EntityRef.ForStatus(RouteA);
        var core = ReconciledObject.Create(route, "node-a", "a");
        var shard = CreateTestProbe().Ref;
        var otherShard = CreateTestProbe().Ref;

        store.Put(core, shard);
        Assert.Null(store.Take(route, otherShard));
        Assert.False(store.Contains(route));

        store.Put(core, shard);
        Assert.NotNull(store.Take(route, shard));
        Assert.Null(store.Take(route, shard));
    }

    [Fact]
    public void RestingEntities_ReplicaLeft_ItsReportNoLongerCounts()
    {
        var store = new RestingEntities();
        var route = EntityRef.ForStatus(RouteA);
        var other = new NodeReport("node-b", "b", 3, true, "fp", true, []);
        var core = ReconciledObject.Create(route, "node-a", "a").Apply(new NodeReported(other));
        var shard = CreateTestProbe().Ref;
        store.Put(core, shard);

        store.MemberRemoved("node-b");

        var resumed = store.Take(route, shard)!;
        Assert.Empty(resumed.Nodes);
        Assert.Contains("node-b", resumed.Departed);
        Assert.Same(resumed, resumed.Apply(new NodeReported(other with { Revision = 4 })));
    }

    /// <summary>Counts stored-status reads per object (each is an API read in Kubernetes mode).</summary>
    private sealed class CountingReads(IStatusSink inner) : IStatusSink
    {
        private readonly ConcurrentDictionary<ResourceKey, int> _reads = new();

        public int Of(ResourceKey key) => _reads.GetValueOrDefault(key);

        public string ControllerName => inner.ControllerName;

        public bool StoresObjects => inner.StoresObjects;

        public Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct) => inner.WriteAsync(write, ct);

        public Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct) => inner.RemoveAsync(removal, ct);

        public Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct)
        {
            _reads.AddOrUpdate(key, 1, (_, n) => n + 1);
            return inner.ReadAsync(key, ct);
        }
    }
}
