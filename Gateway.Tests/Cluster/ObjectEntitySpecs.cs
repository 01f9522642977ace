using System.Collections.Immutable;
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
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.Status;
using k8s.Models;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The entities in a real self-joined one-node cluster, every message serialized (serialize-messages = on), writing
/// through the real memory status sink; the node's content comes from the real translator.
/// </summary>
[Trait("Category", "Actors")]
public sealed class ObjectEntitySpecs : Akka.TestKit.Xunit2.TestKit
{

    private static readonly ResourceKey RouteA = new("HTTPRoute", "default", "a");
    private static readonly ResourceKey GatewayKey = new("Gateway", "default", "g");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly MemoryStatusSink _sink;
    private readonly FailingWrites _writes;
    private readonly string _node;
    private readonly ShardRegions _regions;
    private IActorRef? _reporter;
    private readonly NodeContentBuilder _builder = new();
    private TranslationResult? _lastResult;
    private long _revision;
    private int _failLookups;
    private int _conflictLookups;
    private int _removalConflicts;
    private readonly RecordingProvisioner _provisioner = new();
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly Host.ManualTimeProvider _clock = new(new DateTimeOffset(T0));

    public ObjectEntitySpecs(ITestOutputHelper output)
        : base(EntityTestCluster.Hocon, "entity-specs", output)
    {
        _sink = new MemoryStatusSink(TranslatorOptions.DefaultControllerName);
        _node = EntityTestCluster.JoinSelf(Sys, Wait);
        // A storage failure on demand: the next _failLookups writes of RouteA throw.
        // A concurrent writer on demand: the next _conflictLookups writes of RouteA are answered Conflict.
        // And the next _removalConflicts removals of any object are answered Conflict.
        _writes = new FailingWrites(_sink, k => k == RouteA && Interlocked.Decrement(ref _failLookups) >= 0,
            k => k == RouteA && Interlocked.Decrement(ref _conflictLookups) >= 0,
            _ => Interlocked.Decrement(ref _removalConflicts) >= 0);
        var failing = _writes;
        var services = new EntityServices(NodeReporter.Path, failing, _node, "self", TimeSpan.FromSeconds(5), _provisioner, Time: _clock);
        _regions = EntityTestCluster.StartRegions(Sys, services);
    }

    /// <summary>This node's reporter (one per node, at the path the entities ask), started with <paramref name="options"/> on first use.</summary>
    private IActorRef Reporter(ShardRegions? regions = null, NodeReporterOptions? options = null) =>
        _reporter ??= Sys.ActorOf(NodeReporter.PropsFor(regions ?? _regions, _node, "self", options), NodeReporter.Name);

    private Task<NodeContent> NodeContentAsync() => Reporter().Ask<NodeContent>(GetNodeContent.Instance, Wait);

    /// <summary>
    /// Translates <paramref name="yaml"/> as this node's next pass and publishes it through the reporter. The content
    /// comes from one <see cref="NodeContentBuilder"/> fed every pass, as in the host; with <paramref name="reuse"/>
    /// unchanged statuses and entries keep the previous pass's instances, as an incremental translator returns them.
    /// </summary>
    private Task<HandOffResult> PassAsync(string yaml, IReadOnlyCollection<ResourceKey>? stored = null,
        IReadOnlyDictionary<string, long>? generations = null, bool reuse = false, TranslatorOptions? options = null,
        IReadOnlyDictionary<ResourceKey, IGatewayProvisioningPlan>? plans = null)
    {
        var (result, snapshot) = NodeContentTests.Translate(yaml, ++_revision, generations, options);
        if (reuse && _lastResult is not null) result = NodeContentIncrementalTests.Reused(_lastResult, result);
        _lastResult = result;
        var done = new TaskCompletionSource<HandOffResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Reporter().Tell(new PublishNodeContent(_builder.Next(_node, result, snapshot, applied: true, plans), stored ?? [], Wait, done));
        return done.Task.WaitAsync(Wait);
    }

    private Task<ObjectStateView> StateAsync(EntityRef entity) => _regions.For(entity.Kind).Ask<ObjectStateView>(EntityCommands.Query(entity), Wait);

    private static NodeReport OtherNode(string node, long revision, bool programmed = true, params string[] addresses) =>
        new(node, node, revision, true, "other-fingerprint", programmed, [.. addresses]);

    [Fact]
    public async Task Pass_EveryStatus_WrittenOnceByItsEntity_AndNotAgainForTheSameContent()
    {
        var first = await PassAsync(NodeContentTests.Manifests);

        Assert.Equal(4, first.Count(ReportOutcome.Written));
        Assert.Equal(6, first.Reported);
        Assert.Empty(first.Unacknowledged);
        Assert.All(_sink.WriteCounts.Values, n => Assert.Equal(1, n));
        Assert.Equal(4, _sink.WriteCounts.Count);

        var second = await PassAsync(NodeContentTests.Manifests);
        Assert.Equal(0, second.Reported);

        // A re-send (as after a membership change) reaches every entity and writes nothing.
        var objects = (await NodeContentAsync()).Objects;
        foreach (var (entity, content) in objects)
            _regions.For(entity.Kind).Tell(EntityCommands.Report(entity, EntityCommands.ReportOf(entity, content, _node, "self", _revision)), TestActor);
        var acks = ReceiveN(objects.Count, Wait).Cast<NodeReportApplied>().ToList();
        Assert.All(acks, a => Assert.Equal(ReportOutcome.None, a.Outcome));
        Assert.All(_sink.WriteCounts.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Pass_MoreEntitiesThanTheWindow_EveryReportSentAsTheEarlierOnesAreAcknowledged()
    {
        // One report in flight at a time: the other five wait in the outbox and still all arrive within the pass.
        Reporter(options: new NodeReporterOptions(Window: 1));

        var first = await PassAsync(NodeContentTests.Manifests);

        Assert.Equal(6, first.Reported);
        Assert.Empty(first.Unacknowledged);
        Assert.Equal(4, first.Count(ReportOutcome.Written));
        Assert.All(_sink.WriteCounts.Values, n => Assert.Equal(1, n));
        Assert.Equal(4, _sink.WriteCounts.Count);
    }

    [Fact]
    public async Task Pass_ReportLostOnTheWay_SentAgainAfterTheAckTimeout_AndTheStatusWritten()
    {
        // The route region drops the first report it gets, as a region does that forwards to a home that just died.
        var lossy = Sys.ActorOf(Props.Create(() => new DropFirst(_regions.For(EntityKind.Route))), "lossy-route-region");
        var regions = new ShardRegions(_regions.For(EntityKind.GatewayClass), _regions.For(EntityKind.Gateway), _regions.For(EntityKind.Listener), lossy);
        Reporter(regions, new NodeReporterOptions(AckTimeout: TimeSpan.FromMilliseconds(400)));

        var first = await PassAsync(NodeContentTests.Manifests);

        Assert.Equal(6, first.Reported);
        Assert.Empty(first.Unacknowledged);
        Assert.Equal(1, _sink.WriteCount(RouteA));
    }

    private sealed class DropFirst : ReceiveActor
    {
        private bool _dropped;

        public DropFirst(IActorRef target) => ReceiveAny(message =>
        {
            if (_dropped) target.Forward(message);
            _dropped = true;
        });
    }

    [Fact]
    public async Task WriteAnsweredConflict_EntityReadsTheStoredStatusAgainAndWritesOnce_InTheSameReconciliation()
    {
        Interlocked.Exchange(ref _conflictLookups, 2);

        var first = await PassAsync(NodeContentTests.Manifests);

        // Two conflicts, each followed by a fresh read; the third attempt writes, still within the pass.
        Assert.Equal((4, 0), (first.Count(ReportOutcome.Written), first.Count(ReportOutcome.Failed)));
        Assert.Equal(1, _sink.WriteCount(RouteA));
        Assert.Equal(3, _writes.Reads(RouteA));
        Assert.Contains("Accepted", (await StateAsync(EntityRef.ForStatus(RouteA))).LastWrittenStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedWrite_RetriedByTheEntityItself_WithoutAnotherReport()
    {
        Interlocked.Exchange(ref _failLookups, 1);

        var first = await PassAsync(NodeContentTests.Manifests);

        Assert.Equal(1, first.Count(ReportOutcome.Failed));
        Assert.Equal(0, _sink.WriteCount(RouteA));
        // No further pass: the entity's own retry (after ObjectEntity.RetryDelay(1) = 1 s) writes the status.
        await AwaitConditionAsync(() => Task.FromResult(_sink.WriteCount(RouteA) == 1), Wait);
        Assert.Contains("Accepted", (await StateAsync(EntityRef.ForStatus(RouteA))).LastWrittenStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneRouteStatusChanged_OnlyThatRouteBuiltReportedAndWritten_CacheKeepsEveryObject()
    {
        await PassAsync(NodeContentTests.Manifests);

        // Route a's generation moves on (observedGeneration in its status); nothing else changes, and the translator
        // keeps every other instance.
        var changed = await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = 2 }, reuse: true);

        Assert.Equal(1, _builder.LastBuilt);
        Assert.Equal(1, changed.Reported);
        Assert.Equal(1, changed.Count(ReportOutcome.Written));
        Assert.Equal(2, _sink.WriteCount(RouteA));
        Assert.All(_sink.WriteCounts.Where(c => c.Key != RouteA), c => Assert.Equal(1, c.Value));
        // The node's reporter still holds every object (re-sends and new incarnations ask it).
        var content = await NodeContentAsync();
        Assert.Equal(6, content.Objects.Count);
        Assert.Equal(_revision, content.Revision);
        Assert.Contains("observedGeneration: 2", (await StateAsync(EntityRef.ForStatus(RouteA))).LastWrittenStatus, StringComparison.Ordinal);

        // The same change from a translator that returns fresh instances: every object built, still only route a reported.
        var again = await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = 3 });
        Assert.Equal(6, _builder.LastBuilt);
        Assert.Equal(1, again.Reported);
    }

    [Fact]
    public async Task RouteEntity_MergesIntoTheStoredStatus_OtherControllersParentKept_LastTransitionTimeKeptUntilTheConditionFlips_OneWritePerRealChange()
    {
        // Another controller's parent is stored before the route's entity starts (as the API server would hold it).
        var theirs = new V1RouteParentStatus
        {
            ParentRef = new V1GatewayParentReference { Name = "theirs" },
            ControllerName = "other.example.com/controller",
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", LastTransitionTime = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc) }],
        };
        var route = new V1HTTPRoute { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "default", ResourceVersion = "0" } };
        var preset = new V1RouteStatus { Parents = [theirs] };
        await _sink.WriteAsync(new StatusWrite(new DesiredRouteStatus(RouteA, 1, route, preset), preset, null, StatusChange.Status), CancellationToken.None);
        IList<V1RouteParentStatus> Parents() => ((V1HTTPRoute)_sink.Get(RouteA)!).Status!.Parents!;
        V1RouteParentStatus Ours() => Parents().Single(p => p.ControllerName == TranslatorOptions.DefaultControllerName);
        DateTime Transition(string type) => ObjectCopy.AsUtc(Ours().Conditions!.Single(c => c.Type == type).LastTransitionTime);

        await PassAsync(NodeContentTests.Manifests);
        Assert.Equal(2, _sink.WriteCount(RouteA));
        Assert.Equal(["other.example.com/controller", TranslatorOptions.DefaultControllerName], Parents().Select(p => p.ControllerName));
        Assert.Equal((T0, T0), (Transition("Accepted"), Transition("ResolvedRefs")));

        // A new generation: observedGeneration changes, no condition's status does: one write, transition times kept.
        _clock.Advance(TimeSpan.FromMinutes(1));
        await PassAsync(NodeContentTests.Manifests, generations: new Dictionary<string, long> { ["a"] = 2 });
        Assert.Equal(3, _sink.WriteCount(RouteA));
        Assert.All(Ours().Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
        Assert.Equal((T0, T0), (Transition("Accepted"), Transition("ResolvedRefs")));

        // The listener stops allowing the route: Accepted flips (new time), ResolvedRefs does not (time kept).
        _clock.Advance(TimeSpan.FromMinutes(1));
        var restricted = NodeContentTests.Manifests.Replace("- {name: http, port: 80, protocol: HTTP}",
            "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {nobody: here}}}}}", StringComparison.Ordinal);
        await PassAsync(restricted, generations: new Dictionary<string, long> { ["a"] = 2 });
        Assert.Equal(4, _sink.WriteCount(RouteA));
        Assert.Equal("False", Ours().Conditions!.Single(c => c.Type == "Accepted").Status);
        Assert.Equal((T0.AddMinutes(2), T0), (Transition("Accepted"), Transition("ResolvedRefs")));

        // The same again: nothing to write. Their parent was never touched.
        _clock.Advance(TimeSpan.FromMinutes(1));
        await PassAsync(restricted, generations: new Dictionary<string, long> { ["a"] = 2 });
        Assert.Equal(4, _sink.WriteCount(RouteA));
        var kept = Parents().Single(p => p.ControllerName == "other.example.com/controller");
        Assert.Equal(("theirs", new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)), (kept.ParentRef.Name, ObjectCopy.AsUtc(kept.Conditions![0].LastTransitionTime)));
    }

    [Fact]
    public async Task RouteRuleChange_NewSliceDelivered_NoStatusWrittenAgain()
    {
        await PassAsync(NodeContentTests.Manifests);

        // The route's rule changes: its slice changes, its status does not (still accepted), so nothing is written
        // for it; the Gateway's status (attachedRoutes) does not change either.
        var changed = await PassAsync(NodeContentTests.Manifests.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal));

        Assert.Equal(3, changed.Reported);
        Assert.Equal(0, changed.Count(ReportOutcome.Written));
        Assert.All(_sink.WriteCounts.Values, n => Assert.Equal(1, n));
        Assert.Contains("/a2", (await StateAsync(EntityRef.ForStatus(RouteA))).Slice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteChange_OnlyThatRouteAndItsGatewayWrittenAgain()
    {
        await PassAsync(NodeContentTests.Manifests);

        // Route a moves from listener http to listener other: its status (the parentRef's sectionName) and its
        // Gateway's (attachedRoutes of both listeners) change; route b's and the GatewayClass's do not.
        var moved = await PassAsync(NodeContentTests.Manifests.Replace("sectionName: http", "sectionName: other", StringComparison.Ordinal));

        Assert.Equal(2, moved.Count(ReportOutcome.Written));
        Assert.Equal(4, _sink.WriteCounts.Count);
        Assert.Equal([GatewayKey, RouteA], _sink.WriteCounts.Where(c => c.Value == 2).Select(c => c.Key).OrderBy(k => k.Kind, StringComparer.Ordinal));
        Assert.All(_sink.WriteCounts.Where(c => c.Key != GatewayKey && c.Key != RouteA), c => Assert.Equal(1, c.Value));
        Assert.Contains("sectionName: other", (await StateAsync(EntityRef.ForStatus(RouteA))).LastWrittenStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewIncarnation_AsksItsNodesReporterAndReadsTheStoredStatus_WritesNothingTwice()
    {
        await PassAsync(NodeContentTests.Manifests);
        var route = EntityRef.ForStatus(RouteA);
        var before = await StateAsync(route);
        Assert.Equal(1, before.StatusWrites);

        // Stop the incarnation (as a rebalance or failover would); the next message starts a new one.
        var shard = EntityExtractors.ShardOf(route);
        var incarnation = await Sys.ActorSelection($"/system/sharding/{RouteEntity.TypeName}/{shard}/{Uri.EscapeDataString(route.Id)}").ResolveOne(Wait);
        Watch(incarnation).Tell(PoisonPill.Instance);
        ExpectMsg<Terminated>(Wait);

        // A report from another replica starts it: it writes from this node's content, which equals what is stored.
        _regions.Routes.Tell(new ApplyRouteReport(route.Id, OtherNode("akka.tcp://gateway@127.0.0.1:9#9", 1)), TestActor);
        var ack = ExpectMsg<NodeReportApplied>(Wait);

        var after = await StateAsync(route);
        Assert.True(after.IncarnationStarted > before.IncarnationStarted);
        Assert.Equal(ReportOutcome.Unchanged, ack.Outcome);
        Assert.Equal(1, _sink.WriteCount(RouteA));
        Assert.True(after.Exists);
        Assert.Equal(before.DesiredStatus, after.DesiredStatus);
        Assert.Equal(2, after.ProgrammedBy.Length);
    }

    [Fact]
    public async Task ObjectRemoved_StatusRemovedAndEntityPassivated()
    {
        await PassAsync(NodeContentTests.Manifests);
        var withoutB = NodeContentTests.Manifests[..NodeContentTests.Manifests.LastIndexOf("---", StringComparison.Ordinal)];
        var routeB = new ResourceKey("HTTPRoute", "default", "b");
        Assert.NotNull(_sink.Get(routeB));

        var removed = await PassAsync(withoutB);

        Assert.Equal(1, removed.Count(ReportOutcome.Removed));
        Assert.Null(_sink.Get(routeB));
        await AwaitAssertAsync(async () =>
        {
            var state = await _regions.Routes.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait);
            Assert.DoesNotContain(state.Shards.SelectMany(s => s.EntityIds), id => id == "HTTPRoute/default/b");
        }, Wait);
    }

    /// <summary>
    /// Another replica reports a new route before this node's pass has it (this node is behind a creation): the route's
    /// entity here defers (no removal, no passivation) and writes the status with this node's next pass.
    /// </summary>
    [Fact]
    public async Task NewRouteReportedByAnotherReplicaFirst_EntityDefersWithoutRemoving_ThenWritesWithThisNodesPass()
    {
        var withoutB = NodeContentTests.Manifests[..NodeContentTests.Manifests.LastIndexOf("---", StringComparison.Ordinal)];
        var routeB = new ResourceKey("HTTPRoute", "default", "b");
        await PassAsync(withoutB);

        _regions.Routes.Tell(new ApplyRouteReport(routeB.ToString(), OtherNode("akka.tcp://gateway@127.0.0.1:9#9", 1)), TestActor);

        Assert.Equal(ReportOutcome.Deferred, ExpectMsg<NodeReportApplied>(Wait).Outcome);
        var state = await _regions.Routes.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait);
        Assert.Contains(state.Shards.SelectMany(s => s.EntityIds), id => id == routeB.ToString());
        Assert.Null(_sink.Get(routeB));

        var pass = await PassAsync(NodeContentTests.Manifests);

        Assert.Equal(0, pass.Count(ReportOutcome.Removed));
        Assert.Empty(pass.Unacknowledged);
        Assert.Equal(1, _sink.WriteCount(routeB));
        Assert.Equal(2, (await StateAsync(EntityRef.ForStatus(routeB))).ProgrammedBy.Length);
    }

    [Fact]
    public async Task RemovalAnsweredConflict_EntityReadsTheStoredStatusAgainAndRemovesInTheSameReconciliation()
    {
        await PassAsync(NodeContentTests.Manifests);
        var withoutB = NodeContentTests.Manifests[..NodeContentTests.Manifests.LastIndexOf("---", StringComparison.Ordinal)];
        var routeB = new ResourceKey("HTTPRoute", "default", "b");
        var readsBefore = _writes.Reads(routeB);
        Interlocked.Exchange(ref _removalConflicts, 2);

        var removed = await PassAsync(withoutB);

        // Two conflicts, each followed by a fresh read; the third attempt removes, still within the pass.
        Assert.Equal((1, 0), (removed.Count(ReportOutcome.Removed), removed.Count(ReportOutcome.Failed)));
        Assert.Null(_sink.Get(routeB));
        Assert.Equal(readsBefore + 2, _writes.Reads(routeB));
    }

    [Fact]
    public async Task FirstPass_StatusLeftByAnEarlierRun_Removed()
    {
        var leftover = new ResourceKey("HTTPRoute", "old", "gone");

        var first = await PassAsync(NodeContentTests.Manifests, [leftover]);

        Assert.Equal(1, first.Count(ReportOutcome.Removed));
        Assert.Equal(7, first.Reported);
    }

    [Fact]
    public async Task GatewayEntity_TracksWhoProgrammedIt_AndWritesTheUnionOfAddresses()
    {
        await PassAsync(NodeContentTests.Manifests);
        var gateway = EntityRef.ForStatus(GatewayKey);
        var local = Assert.Single((await StateAsync(gateway)).ProgrammedBy);
        Assert.Equal(_node, local.Node);
        var localAddress = Assert.Single(local.Addresses);

        const string other = "akka.tcp://gateway@127.0.0.1:9#9";
        _regions.Gateways.Tell(new ApplyGatewayReport(gateway.Id, OtherNode(other, 1, true, "127.99.0.1")), TestActor);
        Assert.Equal(ReportOutcome.Written, ExpectMsg<NodeReportApplied>(Wait).Outcome);

        var view = await StateAsync(gateway);
        Assert.Equal([_node, other], view.ProgrammedBy.Select(r => r.Node).Order(StringComparer.Ordinal));
        var written = ((V1Gateway)_sink.Get(GatewayKey)!).Status!;
        Assert.Equal(new[] { localAddress, "127.99.0.1" }.Order(StringComparer.Ordinal), written.Addresses!.Select(a => a.Value));
        Assert.Equal(2, _sink.WriteCount(GatewayKey));

        // The same report again changes nothing.
        _regions.Gateways.Tell(new ApplyGatewayReport(gateway.Id, OtherNode(other, 1, true, "127.99.0.1")), TestActor);
        Assert.Equal(ReportOutcome.None, ExpectMsg<NodeReportApplied>(Wait).Outcome);
        Assert.Equal(2, _sink.WriteCount(GatewayKey));
    }

    [Fact]
    public async Task Query_ListenerEntity_ShowsItsRoutesAndSlice()
    {
        await PassAsync(NodeContentTests.Manifests);

        var view = await StateAsync(EntityRef.ForListener(GatewayKey, "other"));

        Assert.True(view.Exists);
        Assert.Equal(["HTTPRoute/default/b"], view.Attachments.ToArray());
        Assert.Contains("port: 8080", view.Slice, StringComparison.Ordinal);
        Assert.Equal("", view.LastWrittenStatus);
        Assert.Contains("attachedRoutes: 1", view.DesiredStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportBeforeThisNodeHasSynced_Deferred()
    {
        Reporter();
        _regions.Routes.Tell(new ApplyRouteReport(RouteA.ToString(), OtherNode("akka.tcp://gateway@127.0.0.1:9#9", 1)), TestActor);

        Assert.Equal(ReportOutcome.Deferred, ExpectMsg<NodeReportApplied>(Wait).Outcome);
        Assert.Empty(_sink.WriteCounts);
    }

    [Fact]
    public async Task EntityStartedBeforeItsNodesReporter_DecidesNothingUntilTheReporterAnswers_ThenWritesWithThisNodesPass()
    {
        // Another replica's report starts the entity while this node has no reporter yet: the report waits.
        _regions.Routes.Tell(new ApplyRouteReport(RouteA.ToString(), OtherNode("akka.tcp://gateway@127.0.0.1:9#9", 1)), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        // The entity asks again (ObjectEntity.WatchRetry); the reporter, before any pass, answers "not synced".
        Reporter();
        Assert.Equal(ReportOutcome.Deferred, ExpectMsg<NodeReportApplied>(Wait).Outcome);
        Assert.Empty(_sink.WriteCounts);

        // This node's first pass reaches the running entity directly, with its content: written once.
        var first = await PassAsync(NodeContentTests.Manifests);
        Assert.Empty(first.Unacknowledged);
        Assert.Equal(1, _sink.WriteCount(RouteA));
        Assert.Equal(2, (await StateAsync(EntityRef.ForStatus(RouteA))).ProgrammedBy.Length);
    }

    [Fact]
    public async Task ListenerNotBoundHere_ServedByAnotherReplica_ItsListenerEntityTellsTheGateway_WhichWritesItProgrammed()
    {
        var first = await PassAsync(NodeContentTests.Manifests);
        var address = Assert.Single(Assert.Single(_lastResult!.Gateways).Addresses);

        // This replica cannot bind the "http" listener's port: its own status says so.
        var options = new TranslatorOptions { UnavailableSockets = new HashSet<ListenerSocket> { new(address, 80) } };
        await PassAsync(NodeContentTests.Manifests, options: options);
        Assert.Equal("False", ListenerCondition("http", "Programmed").Status);

        // Another replica serves that listener: the Listener entity counts it and tells its Gateway entity, which
        // writes the listener Programmed (and Accepted) with the count.
        var listener = EntityRef.ForListener(GatewayKey, "http");
        _regions.Listeners.Tell(new ApplyListenerReport(listener.Id, OtherNode("akka.tcp://gateway@127.0.0.1:9#9", 1)), TestActor);
        ExpectMsg<NodeReportApplied>(Wait);
        await AwaitAssertAsync(() =>
        {
            var programmed = ListenerCondition("http", "Programmed");
            Assert.Equal(("True", "The listener is programmed on 1 replica(s)."), (programmed.Status, programmed.Message));
            Assert.Equal("True", ListenerCondition("http", "Accepted").Status);
            return Task.CompletedTask;
        }, Wait);
        Assert.Equal(4, first.Count(ReportOutcome.Written));
    }

    private V1Condition ListenerCondition(string listener, string type) =>
        ((V1Gateway)_sink.Get(GatewayKey)!).Status!.Listeners!.Single(l => l.Name == listener).Conditions!.Single(c => c.Type == type);

    [Fact]
    public async Task GatewayEntity_CarriesOutItsProvisioningPlanOnce_RetriesAFailure_AndRemovesWhatItProvisionedWhenTheGatewayIsGone()
    {
        _provisioner.Failures = 1;

        var first = await PassAsync(NodeContentTests.Manifests, plans: new Dictionary<ResourceKey, IGatewayProvisioningPlan> { [GatewayKey] = new TestPlan("p1") });

        // The first attempt fails (the Gateway's report counts as failed, its status is written all the same); the
        // entity retries by itself.
        Assert.Equal(1, first.Count(ReportOutcome.Failed));
        Assert.Equal(1, _sink.WriteCount(GatewayKey));
        await AwaitConditionAsync(() => Task.FromResult(_provisioner.Applied.Count == 1), Wait);
        Assert.Equal(2, _provisioner.Attempts);
        Assert.Equal(1, _sink.WriteCount(GatewayKey));

        // The next pass plans the same (a new plan object with the same fingerprint): nothing is carried out again.
        await PassAsync(NodeContentTests.Manifests, plans: new Dictionary<ResourceKey, IGatewayProvisioningPlan> { [GatewayKey] = new TestPlan("p1") });
        // A pass that plans nothing (the Service shows as desired), then the same plan again (the Service was deleted): carried out again.
        await PassAsync(NodeContentTests.Manifests);
        await PassAsync(NodeContentTests.Manifests, plans: new Dictionary<ResourceKey, IGatewayProvisioningPlan> { [GatewayKey] = new TestPlan("p1") });
        Assert.Equal(["p1", "p1"], _provisioner.Applied);

        // The Gateway is gone: its entity removes what it provisioned, then its status.
        var classOnly = NodeContentTests.Manifests[..NodeContentTests.Manifests.IndexOf("---", StringComparison.Ordinal)];
        await PassAsync(classOnly);
        Assert.Equal([GatewayKey], _provisioner.Removed);
        Assert.Null(_sink.Get(GatewayKey));
    }

    private sealed record TestPlan(string Fingerprint) : IGatewayProvisioningPlan
    {
        public string Description => "test plan " + Fingerprint;
    }

    private sealed class RecordingProvisioner : IGatewayProvisioner
    {
        private readonly Lock _gate = new();
        private readonly List<string> _applied = [];
        private readonly List<ResourceKey> _removed = [];
        private int _attempts;

        public int Failures { get; set; }

        public int Attempts => Volatile.Read(ref _attempts);

        public IReadOnlyList<string> Applied
        {
            get { lock (_gate) return [.. _applied]; }
        }

        public IReadOnlyList<ResourceKey> Removed
        {
            get { lock (_gate) return [.. _removed]; }
        }

        public Task ApplyAsync(IGatewayProvisioningPlan plan, CancellationToken ct)
        {
            Interlocked.Increment(ref _attempts);
            lock (_gate)
            {
                if (Failures-- > 0) throw new IOException("API server unavailable");
                _applied.Add(plan.Fingerprint);
            }
            return Task.CompletedTask;
        }

        public Task RemoveAsync(ResourceKey gateway, CancellationToken ct)
        {
            lock (_gate) _removed.Add(gateway);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A sink whose writes throw (a storage failure) while <paramref name="fail"/> says so for the object, and are
    /// answered Conflict (someone wrote since the version read) while <paramref name="conflict"/> does, and whose
    /// removals are answered Conflict while <paramref name="conflictRemoval"/> does; counts reads per object.
    /// </summary>
    private sealed class FailingWrites(IStatusSink inner, Func<ResourceKey, bool> fail, Func<ResourceKey, bool> conflict,
        Func<ResourceKey, bool> conflictRemoval) : IStatusSink
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<ResourceKey, int> _reads = new();

        public int Reads(ResourceKey key) => _reads.GetValueOrDefault(key);

        public string ControllerName => inner.ControllerName;

        public bool StoresObjects => inner.StoresObjects;

        public Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct) =>
            fail(write.Key) ? throw new IOException("storage unavailable")
            : conflict(write.Key) ? Task.FromResult(new StatusWriteReceipt(StatusWriteOutcome.Conflict, null))
            : inner.WriteAsync(write, ct);

        public Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct) =>
            conflictRemoval(removal.Key) ? Task.FromResult(new StatusWriteReceipt(StatusWriteOutcome.Conflict, null)) : inner.RemoveAsync(removal, ct);

        public Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct)
        {
            _reads.AddOrUpdate(key, 1, static (_, n) => n + 1);
            return inner.ReadAsync(key, ct);
        }
    }
}
