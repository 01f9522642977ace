using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The pure entity states, without actors.</summary>
public sealed class EntityStateTests
{
    private const string Self = "akka.tcp://gateway@127.0.0.1:1#1";
    private const string Other = "akka.tcp://gateway@127.0.0.1:2#2";
    private const string Third = "akka.tcp://gateway@127.0.0.1:3#3";
    private static readonly ResourceKey RouteKey = new("HTTPRoute", "default", "r");
    private static readonly ResourceKey GatewayKey = new("Gateway", "default", "g");

    internal static ObjectContent Content(EntityRef entity, ResourceKey key, object? status, long revision = 1, string fingerprint = "f1", bool programmed = true,
        ImmutableArray<string> addresses = default) =>
        new(entity, revision, status is null ? null : Desired(key, status), InspectionText.Of("text"), Fingerprint.Of("w-" + fingerprint), InspectionText.Empty, Fingerprint.Of(fingerprint), programmed,
            addresses.IsDefault ? [] : addresses, []);

    /// <summary>A desired status of the status's own type, carrying a bare object of the key's kind.</summary>
    internal static DesiredStatus Desired(ResourceKey key, object status)
    {
        IKubernetesObject<V1ObjectMeta> obj = key.Kind switch
        {
            "Gateway" => new V1Gateway { ApiVersion = "gateway.networking.k8s.io/v1", Kind = key.Kind, Metadata = new() { Name = key.Name, NamespaceProperty = key.Namespace, Generation = 1 } },
            "GatewayClass" => new V1GatewayClass { ApiVersion = "gateway.networking.k8s.io/v1", Kind = key.Kind, Metadata = new() { Name = key.Name, Generation = 1 } },
            _ => new V1HTTPRoute { ApiVersion = "gateway.networking.k8s.io/v1", Kind = key.Kind, Metadata = new() { Name = key.Name, NamespaceProperty = key.Namespace, Generation = 1 } },
        };
        return status switch
        {
            V1GatewayStatus s => new DesiredGatewayStatus(key, 1, obj, s),
            V1GatewayClassStatus s => new DesiredGatewayClassStatus(key, 1, obj, s),
            V1RouteStatus s => new DesiredRouteStatus(key, 1, obj, s),
            _ => throw new ArgumentException($"no desired status for {status.GetType().Name}", nameof(status)),
        };
    }

    private static NodeReport Report(string node, long revision, bool present = true, bool programmed = true, params string[] addresses) =>
        new(node, node, revision, present, "fp", programmed, [.. addresses]);

    /// <summary>The event of <paramref name="write"/> written as decided (the stored status then is its desired one, as merged into nothing).</summary>
    private static StatusWritten Written(EntityDecision.Write write, bool changed) =>
        new(write.Fingerprint, write.Status.Generation, new StoredStatus(write.Status.Value, "1"), default, 1, changed);

    private static RouteState SyncedRoute(ObjectContent? local, StoredStatus? stored = null) =>
        RouteState.Create(RouteKey.ToString(), Self, "self")
            .Apply(new StoredStatusRead(stored))
            .Apply(new LocalContentObserved(local, true));

    [Fact]
    public void Decide_BeforeThisNodeHasSynced_Defers()
    {
        var state = RouteState.Create(RouteKey.ToString(), Self, "self").Apply(new StoredStatusRead(null)).Apply(new LocalContentObserved(null, false));

        Assert.IsType<EntityDecision.Defer>(state.Decide());
    }

    [Fact]
    public void Decide_BeforeTheStoredStatusWasRead_Defers()
    {
        var state = RouteState.Create(RouteKey.ToString(), Self, "self")
            .Apply(new LocalContentObserved(Content(EntityRef.ForStatus(RouteKey), RouteKey, new V1RouteStatus()), true));

        Assert.IsType<EntityDecision.Defer>(state.Decide());
    }

    [Fact]
    public void Decide_NewContent_WritesItThenNothingUntilItChanges()
    {
        var content = Content(EntityRef.ForStatus(RouteKey), RouteKey, new V1RouteStatus());
        var state = SyncedRoute(content);

        var write = Assert.IsType<EntityDecision.Write>(state.Decide());
        Assert.Equal(content.WriteFingerprint, write.Fingerprint);
        state = state.Apply(Written(write, true));
        Assert.IsType<EntityDecision.Nothing>(state.Decide());
        Assert.Equal(1, state.Core.Writes);

        var changed = content with { WriteFingerprint = Fingerprint.Of("w-f2"), Revision = 2 };
        state = state.Apply(new LocalContentObserved(changed, true));
        Assert.Equal(Fingerprint.Of("w-f2"), Assert.IsType<EntityDecision.Write>(state.Decide()).Fingerprint);
    }

    [Fact]
    public void Decide_NewIncarnationWithStoredStatus_AsksTheSinkOnceWhichSkipsEqualContent()
    {
        // A new incarnation knows what is stored but not its fingerprint: it hands the content to the sink once (the
        // sink's equality check makes that a no-op), and never again for the same content.
        var content = Content(EntityRef.ForStatus(RouteKey), RouteKey, new V1RouteStatus());
        var state = SyncedRoute(content, stored: new StoredStatus(new V1RouteStatus { Parents = [] }, "7"));

        Assert.Equal("7", state.Core.LastWritten!.Version);
        var write = Assert.IsType<EntityDecision.Write>(state.Decide());
        state = state.Apply(Written(write, false));
        Assert.IsType<EntityDecision.Nothing>(state.Decide());
        Assert.Equal(0, state.Core.Writes);
    }

    private static V1RouteStatus OursAccepted(string status, string parent = "g") => new()
    {
        Parents =
        [
            new V1RouteParentStatus
            {
                ParentRef = new V1GatewayParentReference { Name = parent },
                ControllerName = TranslatorOptions.DefaultControllerName,
                Conditions = [new V1Condition { Type = "Accepted", Status = status, Reason = status == "True" ? "Accepted" : "NotAllowedByListeners", ObservedGeneration = 1 }],
            },
        ],
    };

    [Fact]
    public void Merge_PerParent_OtherControllersParentKept_TransitionTimeKeptWhileUnchanged_ChangeOnlyWhenSomethingMoved()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var theirs = new V1RouteParentStatus
        {
            ParentRef = new V1GatewayParentReference { Name = "theirs" },
            ControllerName = "other.example.com/controller",
            Conditions = [new V1Condition { Type = "Accepted", Status = "False", Reason = "Theirs", LastTransitionTime = t0.AddYears(-1) }],
        };
        var core = SyncedRoute(null, stored: new StoredStatus(new V1RouteStatus { Parents = [theirs] }, "7")).Core;
        var desired = Desired(RouteKey, OursAccepted("True"));

        var first = core.Merge(desired, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0);
        Assert.Equal((StatusChange.Status, "7"), (first.Write.Change, first.Write.BasedOn));
        var merged = Assert.IsType<V1RouteStatus>(first.Write.Status);
        Assert.Equal(["other.example.com/controller", TranslatorOptions.DefaultControllerName], merged.Parents!.Select(p => p.ControllerName));
        Assert.Equal("Theirs", merged.Parents![0].Conditions![0].Reason);
        Assert.Equal(t0, ObjectCopy.AsUtc(merged.Parents[1].Conditions![0].LastTransitionTime));
        core = core.Apply(new StatusWritten(Fingerprint.Of("w1"), 1, new StoredStatus(merged, "8"), first.Digest, 1, Changed: true));

        // The same desired status later: nothing moved (the time is not a change), and the version written is the base.
        var again = core.Merge(desired, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(1));
        Assert.Equal((StatusChange.None, "8"), (again.Write.Change, again.Write.BasedOn));
        Assert.Equal(t0, ObjectCopy.AsUtc(((V1RouteStatus)again.Write.Status).Parents![1].Conditions![0].LastTransitionTime));
        // A sink that stores whole objects refreshes an object whose resourceVersion moved (here: none vs "8").
        Assert.Equal(StatusChange.ObjectOnly, core.Merge(desired, TranslatorOptions.DefaultControllerName, sinkStoresObjects: true, t0).Write.Change);

        // Accepted flips: a change, stamped now; their parent still untouched.
        var flipped = core.Merge(Desired(RouteKey, OursAccepted("False")), TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(2));
        Assert.Equal(StatusChange.Status, flipped.Write.Change);
        var flippedStatus = (V1RouteStatus)flipped.Write.Status;
        Assert.Equal(t0.AddHours(2), ObjectCopy.AsUtc(flippedStatus.Parents![1].Conditions![0].LastTransitionTime));
        Assert.Equal(t0.AddYears(-1), ObjectCopy.AsUtc(flippedStatus.Parents[0].Conditions![0].LastTransitionTime));
    }

    /// <summary>A route with nothing stored, our Accepted=True desired status merged into it at t0, and that merge as stored at version "8".</summary>
    private static (DateTime T0, ReconciledObject Core, DesiredStatus Desired, MergedStatus First, StoredStatus Stored) FirstWriteOfANewRoute()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var desired = Desired(RouteKey, OursAccepted("True"));
        var core = SyncedRoute(null).Core;
        var first = core.Merge(desired, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0);
        return (t0, core, desired, first, new StoredStatus(first.Write.Status, "8"));
    }

    [Fact]
    public void Merge_NothingStored_DigestLeftUncomputed_NextMergeComparesAsWithItComputed()
    {
        var (t0, core, desired, first, stored) = FirstWriteOfANewRoute();

        Assert.Equal((StatusChange.Status, UInt128.Zero), (first.Write.Change, first.Digest));
        var lazy = core.Apply(new StatusWritten(Fingerprint.Of("w1"), 1, stored, first.Digest, 1, Changed: true, MergedFrom: desired));
        var computed = core.Apply(new StatusWritten(Fingerprint.Of("w1"), 1, stored, CanonicalForm.ValueDigest(first.Write.Status), 1, Changed: true, MergedFrom: desired));
        Assert.Equal(CanonicalForm.ValueDigest(first.Write.Status), lazy.LastWritten!.CompareDigest(lazy.LastWritten.Status!));
        foreach (var (next, change) in new[] { (desired, StatusChange.None), (Desired(RouteKey, OursAccepted("False")), StatusChange.Status) })
        {
            var fromLazy = lazy.Merge(next, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(1));
            var fromComputed = computed.Merge(next, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(1));
            Assert.Equal((change, fromComputed.Digest), (fromLazy.Write.Change, fromLazy.Digest));
            Assert.Equal(change, fromComputed.Write.Change);
            Assert.NotEqual(UInt128.Zero, fromLazy.Digest);
        }
    }

    [Fact]
    public void Apply_StatusWrittenFromItsDesiredStatus_KeepsTheDesiredStatusAndATime_NextMergesAsWithTheWholeStatus()
    {
        var (t0, core, desired, first, stored) = FirstWriteOfANewRoute();

        var kept = core.Apply(new StatusWritten(Fingerprint.Of("w1"), 1, stored, first.Digest, 1, Changed: true, MergedFrom: desired));
        var whole = core.Apply(new StatusWritten(Fingerprint.Of("w1"), 1, stored, first.Digest, 1, Changed: true));

        var timed = Assert.IsType<TimedRouteStatus>(kept.LastWritten!.Kept);
        Assert.Same(((DesiredRouteStatus)desired).Status, timed.Desired);
        Assert.Same(first.Write.Status, whole.LastWritten!.Kept);
        Assert.Equal(CanonicalForm.Of(first.Write.Status), CanonicalForm.Of(kept.LastWritten.Status));
        // The same desired status an hour later: nothing to write, the time carried; a flip: stamped then.
        Assert.Equal(StatusChange.None, kept.Merge(desired, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(1)).Write.Change);
        var flipped = kept.Merge(Desired(RouteKey, OursAccepted("False")), TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(2));
        var flippedFromWhole = whole.Merge(Desired(RouteKey, OursAccepted("False")), TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(2));
        Assert.Equal(CanonicalForm.Of(flippedFromWhole.Write.Status), CanonicalForm.Of(flipped.Write.Status));
        Assert.Equal((StatusChange.Status, flippedFromWhole.Digest), (flipped.Write.Change, flipped.Digest));
    }

    [Fact]
    public void Decide_ObjectGoneHere_RemovesOnceThenPassivates()
    {
        var state = SyncedRoute(null, stored: new StoredStatus(new V1RouteStatus(), "7"));

        Assert.Equal(RouteKey, Assert.IsType<EntityDecision.Remove>(state.Decide()).Key);
        state = state.Apply(new StatusRemoved(new StatusRemoval(RouteKey, null, "7"), null));
        Assert.IsType<EntityDecision.Passivate>(state.Decide());
        Assert.Null(state.Core.LastWritten);
    }

    /// <summary>
    /// A removal that sent nothing (no entry of ours stored) leaves what is stored as known, version included, so a write
    /// that follows in the same incarnation is conditional on that version (the status subresource refuses a write without
    /// one); a removal from a shared status keeps the remaining status at the version the sink answered.
    /// </summary>
    [Fact]
    public void Apply_StatusRemoved_KeepsWhatRemainsStoredWithItsVersion_NothingAfterADeletedDocument()
    {
        var theirs = new V1RouteStatus { Parents = [new V1RouteParentStatus { ParentRef = new V1GatewayParentReference { Name = "theirs" }, ControllerName = "other.example/controller", Conditions = [] }] };
        var nothingOfOurs = SyncedRoute(null, new StoredStatus(theirs, "7"));

        var afterNoOp = nothingOfOurs.Apply(new StatusRemoved(null, null));
        Assert.Equal("7", afterNoOp.Core.LastWritten?.Version);
        Assert.True(afterNoOp.Core.Removed);
        var later = afterNoOp.Apply(new LocalContentObserved(Content(EntityRef.ForStatus(RouteKey), RouteKey, OursAccepted("True")), true));
        var write = Assert.IsType<EntityDecision.Write>(later.Decide());
        Assert.Equal("7", later.Core.Merge(write.Status, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, DateTime.UnixEpoch).Write.BasedOn);

        var ours = OursAccepted("True");
        ours.Parents!.Insert(0, theirs.Parents[0]);
        var shared = SyncedRoute(null, new StoredStatus(ours, "7"));
        var removal = shared.Core.Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false)!;
        var afterShared = shared.Apply(new StatusRemoved(removal, "9"));
        Assert.Equal("9", afterShared.Core.LastWritten?.Version);
        Assert.Equal(["other.example/controller"], Assert.IsType<V1RouteStatus>(afterShared.Core.LastWritten?.Status).Parents!.Select(p => p.ControllerName));
        Assert.Null(shared.Apply(new StatusRemoved(removal, null)).Core.LastWritten);

        Assert.Null(SyncedRoute(null, new StoredStatus(ours, "7")).Apply(new StatusRemoved(new StatusRemoval(RouteKey, null, "7"), null)).Core.LastWritten);
    }

    /// <summary>
    /// Gone here while another live replica still reports the object: the entity waits (this node behind a creation, or
    /// that replica behind a deletion) and removes once that replica reports it gone or leaves the cluster; this node's
    /// own report does not count as another replica's.
    /// </summary>
    [Fact]
    public void Decide_GoneHereButHeldByAnotherReplica_DefersUntilThatReplicaReportsItGoneOrLeaves()
    {
        var stored = new StoredStatus(new V1RouteStatus(), "7");
        var held = SyncedRoute(null, stored).Apply(new NodeReported(Report(Other, 3)));
        Assert.IsType<EntityDecision.Defer>(held.Decide());
        Assert.IsType<EntityDecision.Defer>(held.Apply(new NodeReported(Report(Self, 2))).Decide());

        Assert.Equal(RouteKey, Assert.IsType<EntityDecision.Remove>(held.Apply(new NodeReported(Report(Other, 4, present: false))).Decide()).Key);
        Assert.Equal(RouteKey, Assert.IsType<EntityDecision.Remove>(held.Apply(new NodeLeft(Other)).Decide()).Key);

        var selfOnly = SyncedRoute(null, stored).Apply(new NodeReported(Report(Self, 2)));
        Assert.IsType<EntityDecision.Remove>(selfOnly.Decide());
    }

    /// <summary>
    /// A replica's report that the object is there, older than its report that it is gone (a hand-off forwards the
    /// reports its incarnation knew, which may arrive after the newer one), is ignored: the replica does not count as
    /// holding it, and the removal is not deferred; a newer report that it is there again counts.
    /// </summary>
    [Fact]
    public void Apply_ReportOlderThanTheReplicasGoneReport_Ignored_RemovalNotDeferred()
    {
        var state = SyncedRoute(null, new StoredStatus(new V1RouteStatus(), "7"))
            .Apply(new NodeReported(Report(Other, 6, present: false)))
            .Apply(new NodeReported(Report(Other, 5)));

        Assert.False(state.Core.HeldElsewhere);
        Assert.IsType<EntityDecision.Remove>(state.Decide());

        var again = state.Apply(new NodeReported(Report(Other, 7)));
        Assert.True(again.Core.HeldElsewhere);
        Assert.IsType<EntityDecision.Defer>(again.Decide());
        Assert.Empty(again.Core.GoneAt);
    }

    [Fact]
    public void Apply_Reports_KeepTheNewestPerNodeAndDropAbsentOnes()
    {
        var state = SyncedRoute(null)
            .Apply(new NodeReported(Report(Other, 5)))
            .Apply(new NodeReported(Report(Other, 4, programmed: false)))
            .Apply(new NodeReported(Report(Third, 1)));

        Assert.Equal(5, state.Core.Nodes[Other].Revision);
        Assert.True(state.Core.Nodes[Other].Programmed);

        state = state.Apply(new NodeReported(Report(Third, 2, present: false)));
        Assert.Equal([Other], state.Core.Nodes.Keys);
    }

    [Fact]
    public void Apply_NodeLeft_ForgetsItAndIgnoresItsLateReports()
    {
        var state = SyncedRoute(null).Apply(new NodeReported(Report(Other, 1))).Apply(new NodeLeft(Other)).Apply(new NodeReported(Report(Other, 2)));

        Assert.Empty(state.Core.Nodes);
        Assert.Contains(Other, state.Core.Departed);
    }

    [Fact]
    public void ProgrammedBy_TakesThisNodeFromItsOwnContent()
    {
        var content = Content(EntityRef.ForStatus(RouteKey), RouteKey, new V1RouteStatus(), revision: 7, fingerprint: "local");
        var state = SyncedRoute(content).Apply(new NodeReported(Report(Self, 3))).Apply(new NodeReported(Report(Other, 2)));

        var self = Assert.Single(state.Core.ProgrammedBy, r => r.Node == Self);
        Assert.Equal((7L, Fingerprint.Of("local").ToString()), (self.Revision, self.Fingerprint));
        Assert.Equal(2, state.Core.ProgrammedBy.Length);
    }

    [Fact]
    public void ListenerState_NeverWrites_PassivatesWhenGone()
    {
        var entity = EntityRef.ForListener(GatewayKey, "http");
        var present = ListenerState.Create(entity.Id, Self, "self").Apply(new LocalContentObserved(Content(entity, GatewayKey, null), true));
        var gone = ListenerState.Create(entity.Id, Self, "self").Apply(new LocalContentObserved(null, true));

        Assert.IsType<EntityDecision.Nothing>(present.Decide());
        Assert.IsType<EntityDecision.Passivate>(gone.Decide());
    }

    [Fact]
    public void ListenerState_KnowsTheLiveReplicasThatProgrammedIt_AndTellsEachNewSetOnce()
    {
        var entity = EntityRef.ForListener(GatewayKey, "http");
        var local = Content(entity, GatewayKey, null, programmed: false);
        var state = ListenerState.Create(entity.Id, Self, "self");
        Assert.Equal(("default/g", "http"), state.Names);
        Assert.Null(state.ToTell);

        state = state.Apply(new LocalContentObserved(local, true)).Apply(new NodeReported(Report(Other, 1))).Apply(new NodeReported(Report(Third, 1, programmed: false)));
        Assert.Equal([Other], state.ProgrammedNodes.ToArray());
        Assert.Equal([Other], state.ToTell!.Value.ToArray());
        state = state.Apply(new ListenerProgrammedTold([Other]));
        Assert.Null(state.ToTell);

        // The replica that served it leaves: the set shrinks and is told.
        state = state.Apply(new NodeLeft(Other));
        Assert.Empty(state.ToTell!.Value);
        state = state.Apply(new ListenerProgrammedTold([]));

        // Every report makes the entity tell again (a Gateway incarnation that started meanwhile learns the set).
        Assert.Empty(state.Apply(new NodeReported(Report(Third, 2, programmed: false))).ToTell!.Value);
    }

    private static V1GatewayStatus GatewayWithListener(bool listenerServedHere) => new()
    {
        Addresses = [new V1GatewayStatusAddress { Type = "IPAddress", Value = "127.10.0.5" }],
        Conditions = [new V1Condition { Type = "Programmed", Status = "True", Reason = "Programmed", Message = "m", ObservedGeneration = 1 }],
        Listeners =
        [
            new V1ListenerStatus
            {
                Name = "http",
                AttachedRoutes = 1,
                Conditions = listenerServedHere
                    ? [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted" }, new V1Condition { Type = "Programmed", Status = "True", Reason = "Programmed" }]
                    :
                    [
                        new V1Condition { Type = "Accepted", Status = "False", Reason = "PortUnavailable", Message = "port 80 is in use", ObservedGeneration = 1 },
                        new V1Condition { Type = "Programmed", Status = "False", Reason = "Invalid", Message = "not bound", ObservedGeneration = 1 },
                    ],
            },
        ],
    };

    [Fact]
    public void GatewayState_ComposedStatusMergedIntoTheStoredOne_ListenersByName_OnlyFlippedConditionsRestamped()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var stored = GatewayWithListener(listenerServedHere: false);
        foreach (var c in stored.Conditions!.Concat(stored.Listeners![0].Conditions!)) c.LastTransitionTime = t0;
        var entity = EntityRef.ForStatus(GatewayKey);
        var state = GatewayState.Create(entity.Id, Self, "self").Apply(new StoredStatusRead(new StoredStatus(stored, "3")))
            .Apply(new LocalContentObserved(Content(entity, GatewayKey, GatewayWithListener(listenerServedHere: false)), true))
            .Apply(new ListenerProgrammedReported("http", [Other]));

        // Another replica serves the listener: the composed status makes it Accepted and Programmed.
        var composed = Assert.IsType<EntityDecision.Write>(state.Decide());
        var merged = state.Core.Merge(composed.Status, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false, t0.AddHours(1));

        Assert.Equal((StatusChange.Status, "3"), (merged.Write.Change, merged.Write.BasedOn));
        var status = Assert.IsType<V1GatewayStatus>(merged.Write.Status);
        Assert.Equal(t0, ObjectCopy.AsUtc(status.Conditions!.Single().LastTransitionTime));
        var listener = Assert.Single(status.Listeners!);
        Assert.Equal("http", listener.Name);
        Assert.All(listener.Conditions!, c => Assert.Equal(("True", t0.AddHours(1)), (c.Status, ObjectCopy.AsUtc(c.LastTransitionTime))));
    }

    [Fact]
    public void Compose_ListenerNotServedHereButOnAnotherReplica_AcceptedAndProgrammedWithTheReplicaCount()
    {
        var desired = Desired(GatewayKey, GatewayWithListener(listenerServedHere: false));

        var composed = GatewayState.Compose(desired, [Report(Self, 1, addresses: "127.10.0.5")], new Dictionary<string, int> { ["http"] = 2 });

        var listener = Assert.Single(Assert.IsType<DesiredGatewayStatus>(composed).Status.Listeners!);
        var accepted = listener.Conditions!.Single(c => c.Type == "Accepted");
        var programmed = listener.Conditions!.Single(c => c.Type == "Programmed");
        Assert.Equal(("True", "Accepted", 1L), (accepted.Status, accepted.Reason, accepted.ObservedGeneration));
        Assert.Equal(("True", "Programmed", "The listener is programmed on 2 replica(s)."), (programmed.Status, programmed.Reason, programmed.Message));
        // This node's desired status is left as it was.
        Assert.Equal("False", Assert.IsType<DesiredGatewayStatus>(desired).Status.Listeners![0].Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public void Compose_ListenerServedNowhereOrAlreadyServedHere_KeepsThisNodesStatus()
    {
        var notServed = Desired(GatewayKey, GatewayWithListener(listenerServedHere: false));
        var served = Desired(GatewayKey, GatewayWithListener(listenerServedHere: true));
        var self = new[] { Report(Self, 1, addresses: "127.10.0.5") };

        Assert.Same(notServed, GatewayState.Compose(notServed, self, new Dictionary<string, int> { ["http"] = 0 }));
        Assert.Same(notServed, GatewayState.Compose(notServed, self));
        Assert.Same(served, GatewayState.Compose(served, self, new Dictionary<string, int> { ["http"] = 3 }));
    }

    [Fact]
    public void GatewayState_ListenerCountArrives_WritesTheComposedListener_ThenNothingForTheSameCount()
    {
        var entity = EntityRef.ForStatus(GatewayKey);
        var content = Content(entity, GatewayKey, GatewayWithListener(listenerServedHere: false), addresses: ["127.10.0.5"]);
        var state = GatewayState.Create(entity.Id, Self, "self").Apply(new StoredStatusRead(null)).Apply(new LocalContentObserved(content, true));
        var local = Assert.IsType<EntityDecision.Write>(state.Decide());
        state = state.Apply(Written(local, true));

        // The Listener entity says this replica and another one serve the listener: only the other one counts (this
        // replica's own part is its own content, which says it does not).
        state = state.Apply(new ListenerProgrammedReported("http", [Other, Self]));
        var composed = Assert.IsType<EntityDecision.Write>(state.Decide());
        state = state.Apply(Written(composed, true));

        Assert.NotEqual(local.Fingerprint, composed.Fingerprint);
        var programmed = Assert.IsType<DesiredGatewayStatus>(composed.Status).Status.Listeners![0].Conditions!.Single(c => c.Type == "Programmed");
        Assert.Equal(("True", "The listener is programmed on 1 replica(s)."), (programmed.Status, programmed.Message));
        Assert.IsType<EntityDecision.Nothing>(state.Apply(new ListenerProgrammedReported("http", [Other, Self])).Decide());

        // A stale word that only this replica serves it changes nothing: this replica's own content says otherwise.
        var selfOnly = Assert.IsType<EntityDecision.Write>(state.Apply(new ListenerProgrammedReported("http", [Self])).Decide());
        Assert.Equal(local.Fingerprint, selfOnly.Fingerprint);
    }

    [Fact]
    public void GatewayClassState_WritesItsNodesStatus()
    {
        var key = new ResourceKey("GatewayClass", "", "gc");
        var state = GatewayClassState.Create("gc", Self, "self").Apply(new StoredStatusRead(null))
            .Apply(new LocalContentObserved(Content(EntityRef.ForStatus(key), key, new V1GatewayClassStatus()), true));

        Assert.Equal(key, Assert.IsType<EntityDecision.Write>(state.Decide()).Status.Key);
    }

    private static V1GatewayStatus GatewayStatus(bool programmed, params string[] addresses) => new()
    {
        Addresses = [.. addresses.Select(a => new V1GatewayStatusAddress { Type = "IPAddress", Value = a })],
        Conditions =
        [
            new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = "ok", ObservedGeneration = 1 },
            new V1Condition { Type = "Programmed", Status = programmed ? "True" : "False", Reason = programmed ? "Programmed" : "AddressNotUsable", Message = "m", ObservedGeneration = 1 },
        ],
    };

    [Fact]
    public void Compose_SharedAddressPool_NothingChanges()
    {
        var desired = Desired(GatewayKey, GatewayStatus(true, "127.10.0.5"));

        var composed = GatewayState.Compose(desired, [Report(Self, 1, addresses: "127.10.0.5"), Report(Other, 1, addresses: "127.10.0.5")]);

        Assert.Same(desired, composed);
    }

    [Fact]
    public void Compose_PerNodeAddresses_SortedUnionOfProgrammedLiveNodes()
    {
        var local = GatewayStatus(true, "127.20.0.5");
        var desired = Desired(GatewayKey, local);

        var composed = GatewayState.Compose(desired,
        [
            Report(Self, 1, addresses: "127.20.0.5"), Report(Other, 1, addresses: "127.10.0.5"), Report(Third, 1, programmed: false, addresses: "127.30.0.5"),
        ]);

        var status = Assert.IsType<DesiredGatewayStatus>(composed).Status;
        Assert.Equal(["127.10.0.5", "127.20.0.5"], status.Addresses!.Select(a => a.Value));
        Assert.All(status.Addresses!, a => Assert.Equal("IPAddress", a.Type));
        Assert.Equal(["127.20.0.5"], local.Addresses!.Select(a => a.Value));
    }

    [Fact]
    public void Compose_NotProgrammedHereButElsewhere_ProgrammedTrue()
    {
        var desired = Desired(GatewayKey, GatewayStatus(false, "127.10.0.5"));

        var composed = GatewayState.Compose(desired, [Report(Self, 1, programmed: false), Report(Other, 1, addresses: "127.10.0.5")]);

        var programmed = Assert.IsType<DesiredGatewayStatus>(composed).Status.Conditions!.Single(c => c.Type == "Programmed");
        Assert.Equal(("True", "Programmed", 1L), (programmed.Status, programmed.Reason, programmed.ObservedGeneration));
    }

    [Fact]
    public void Compose_NoLiveNodeProgrammedIt_KeepsThisNodesStatus()
    {
        var desired = Desired(GatewayKey, GatewayStatus(false, "127.10.0.5"));

        Assert.Same(desired, GatewayState.Compose(desired, [Report(Self, 1, programmed: false)]));
    }

    [Fact]
    public void GatewayState_NodeWithOtherAddressLeaves_WritesTheSmallerUnion()
    {
        var entity = EntityRef.ForStatus(GatewayKey);
        var content = Content(entity, GatewayKey, GatewayStatus(true, "127.20.0.5"), addresses: ["127.20.0.5"]);
        var state = GatewayState.Create(entity.Id, Self, "self").Apply(new StoredStatusRead(null)).Apply(new LocalContentObserved(content, true))
            .Apply(new NodeReported(Report(Other, 1, addresses: "127.10.0.5")));
        var both = Assert.IsType<EntityDecision.Write>(state.Decide());
        state = state.Apply(Written(both, true));
        Assert.IsType<EntityDecision.Nothing>(state.Decide());

        var alone = Assert.IsType<EntityDecision.Write>(state.Apply(new NodeLeft(Other)).Decide());

        Assert.Equal(["127.10.0.5", "127.20.0.5"], Assert.IsType<DesiredGatewayStatus>(both.Status).Status.Addresses!.Select(a => a.Value));
        Assert.Equal(["127.20.0.5"], Assert.IsType<DesiredGatewayStatus>(alone.Status).Status.Addresses!.Select(a => a.Value));
        Assert.NotEqual(both.Fingerprint, alone.Fingerprint);
    }

    [Theory]
    [InlineData("GatewayClass:gc", true)]
    [InlineData("Gateway:default/g", true)]
    [InlineData("Listener:default/g/http", true)]
    [InlineData("Route:HTTPRoute/default/r", true)]
    [InlineData("Gateway:g", false)]
    [InlineData("Listener:default/g", false)]
    [InlineData("Route:default/r/x/y", false)]
    [InlineData("Nope:x", false)]
    [InlineData("Gateway:default//", false)]
    public void EntityRef_TryParse_AcceptsOnlyWellFormedKeys(string text, bool valid)
    {
        Assert.Equal(valid, EntityRef.TryParse(text, out var entity));
        if (valid) Assert.Equal(text, entity.ToString());
    }

    [Fact]
    public void EntityRef_StatusKey_RoundTripsTheObjectKey()
    {
        foreach (var key in new[] { new ResourceKey("GatewayClass", "", "gc"), GatewayKey, RouteKey, new ResourceKey("BackendTLSPolicy", "ns", "p") })
            Assert.Equal(key, EntityRef.ForStatus(key).StatusKey);
        Assert.Null(EntityRef.ForListener(GatewayKey, "http").StatusKey);
    }

    [Fact]
    public void Removal_SinkStoringWholeObjects_DeletesTheDocumentEvenWhenNothingIsKnownStored()
    {
        var nothingKnown = SyncedRoute(null).Core.Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: true);
        var known = SyncedRoute(null, new StoredStatus(OursAccepted("True"), "7")).Core.Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: true);

        Assert.Equal(new StatusRemoval(RouteKey, null, null), nothingKnown);
        Assert.Equal(new StatusRemoval(RouteKey, null, "7"), known);
    }

    [Fact]
    public void Removal_SharedStatus_OurParentTakenOutOfTheHeldStatus_BasedOnItsVersion_NothingWhenNoneIsOurs()
    {
        var stored = OursAccepted("True");
        stored.Parents!.Insert(0, new V1RouteParentStatus { ParentRef = new V1GatewayParentReference { Name = "theirs" }, ControllerName = "other.example/controller", Conditions = [] });
        var state = SyncedRoute(null, new StoredStatus(stored, "7"));

        var removal = state.Core.Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false)!;

        Assert.Equal((RouteKey, "7"), (removal.Key, removal.BasedOn));
        Assert.Equal(["other.example/controller"], Assert.IsType<V1RouteStatus>(removal.Remaining).Parents!.Select(p => p.ControllerName));
        Assert.Null(SyncedRoute(null, new StoredStatus(new V1RouteStatus { Parents = [stored.Parents[0]] }, "8")).Core
            .Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false));
        Assert.Null(SyncedRoute(null).Core.Removal(RouteKey, TranslatorOptions.DefaultControllerName, sinkStoresObjects: false));
    }
}
