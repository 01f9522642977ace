using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Actors.Status;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Status;

public class StatusMergeTests
{
    private const string Us = "akka-gateway.dev/controller";
    private const string Them = "other.example/controller";
    private static readonly DateTime Earlier = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly DateTime NowSeconds = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static V1Condition C(string type, string status, string reason = "R", long generation = 1, DateTime? at = null) => new()
    {
        Type = type, Status = status, Reason = reason, Message = reason, ObservedGeneration = generation, LastTransitionTime = at ?? default,
    };

    [Fact]
    public void MergedRouteParentsAndPolicyAncestors_AreBuiltFromEveryPropertyOfTheirModels()
    {
        // A model that gains a property must be carried into the merged entry too (the merge builds entries field by field).
        static string[] Properties<T>() => [.. typeof(T).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(Properties<V1RouteParentStatus>(), StatusMerge.RouteParentStatusFields.Order(StringComparer.Ordinal));
        Assert.Equal(Properties<V1PolicyAncestorStatus>(), StatusMerge.PolicyAncestorStatusFields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Merge_RouteParents_OursShareTheDesiredReference_TheDesiredStatusIsNotModified()
    {
        var gw = new V1GatewayParentReference { Group = "gateway.networking.k8s.io", Kind = "Gateway", Namespace = "ns", Name = "gw", SectionName = "http" };
        var desired = new V1RouteStatus { Parents = [new V1RouteParentStatus { ParentRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True", generation: 2)] }] };
        var before = k8s.KubernetesJson.Serialize(desired);

        var merged = StatusMerge.Merge(null, desired, Us, Now);

        var parent = Assert.Single(merged.Parents!);
        Assert.Same(gw, parent.ParentRef);
        Assert.Equal((Us, NowSeconds, 2L), (parent.ControllerName, Assert.Single(parent.Conditions!).LastTransitionTime, parent.Conditions![0].ObservedGeneration ?? 0));
        Assert.NotSame(desired.Parents![0].Conditions![0], parent.Conditions[0]);
        Assert.Equal(before, k8s.KubernetesJson.Serialize(desired));
    }

    [Fact]
    public void MergeConditions_StatusUnchanged_KeepsLastTransitionTimeTakesTheRest()
    {
        var merged = StatusMerge.MergeConditions([C("Accepted", "True", "Accepted", 1, Earlier)], [C("Accepted", "True", "ListenersNotValid", 2)], Now)!;

        var c = Assert.Single(merged);
        Assert.Equal(Earlier, c.LastTransitionTime);
        Assert.Equal(("ListenersNotValid", 2L), (c.Reason, c.ObservedGeneration));
    }

    [Fact]
    public void MergeConditions_StatusChanged_SetsNowToTheSecond()
    {
        var merged = StatusMerge.MergeConditions([C("Programmed", "True", at: Earlier)], [C("Programmed", "False")], Now)!;

        Assert.Equal(NowSeconds, Assert.Single(merged).LastTransitionTime);
        Assert.Equal(DateTimeKind.Utc, merged[0].LastTransitionTime.Kind);
    }

    [Fact]
    public void MergeConditions_NewConditionStampedNow_DroppedConditionGone_DesiredOrderKept()
    {
        var merged = StatusMerge.MergeConditions([C("Old", "True", at: Earlier), C("Accepted", "True", at: Earlier)], [C("Programmed", "True"), C("Accepted", "True")], Now)!;

        Assert.Equal(["Programmed", "Accepted"], merged.Select(c => c.Type));
        Assert.Equal([NowSeconds, Earlier], merged.Select(c => c.LastTransitionTime));
    }

    [Fact]
    public void MergeConditions_StoredTimeWithoutKind_TreatedAsUtc()
    {
        var unspecified = DateTime.SpecifyKind(Earlier, DateTimeKind.Unspecified);

        var merged = StatusMerge.MergeConditions([C("Accepted", "True", at: unspecified)], [C("Accepted", "True")], Now)!;

        Assert.Equal(DateTimeKind.Utc, merged[0].LastTransitionTime.Kind);
        Assert.Equal(Earlier, merged[0].LastTransitionTime);
    }

    [Fact]
    public void Merge_RouteParents_OtherControllersKeptOursReplacedWithTimesCarried_ListsAsArrays()
    {
        var gw = new V1GatewayParentReference { Group = "gateway.networking.k8s.io", Kind = "Gateway", Name = "gw" };
        var gone = new V1GatewayParentReference { Group = "gateway.networking.k8s.io", Kind = "Gateway", Name = "gone" };
        var stored = new V1RouteStatus
        {
            Parents =
            [
                new V1RouteParentStatus { ParentRef = gw, ControllerName = Them, Conditions = [C("Accepted", "False", at: Earlier)] },
                new V1RouteParentStatus { ParentRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True", at: Earlier)] },
                new V1RouteParentStatus { ParentRef = gone, ControllerName = Us, Conditions = [C("Accepted", "True", at: Earlier)] },
            ],
        };
        var desired = new V1RouteStatus
        {
            Parents = [new V1RouteParentStatus { ParentRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True", generation: 2), C("ResolvedRefs", "True", generation: 2)] }],
        };

        var merged = StatusMerge.Merge(stored, desired, Us, Now);

        Assert.Equal([Them, Us], merged.Parents!.Select(p => p.ControllerName));
        Assert.Equal("False", merged.Parents![0].Conditions![0].Status);
        Assert.Equal([Earlier, NowSeconds], merged.Parents[1].Conditions!.Select(c => c.LastTransitionTime));
        Assert.Equal(2, merged.Parents[1].Conditions![0].ObservedGeneration);
        // The entity keeps the merged status: its lists as arrays of their length.
        var parents = Assert.IsType<V1RouteParentStatus[]>(merged.Parents);
        Assert.All(parents, p => Assert.IsType<V1Condition[]>(p.Conditions));
    }

    [Fact]
    public void Merge_PolicyAncestors_OtherControllersKept()
    {
        var gw = new V1GatewayParentReference { Name = "gw" };
        var stored = new V1PolicyStatus { Ancestors = [new V1PolicyAncestorStatus { AncestorRef = gw, ControllerName = Them, Conditions = [C("Accepted", "True", at: Earlier)] }] };
        var desired = new V1PolicyStatus { Ancestors = [new V1PolicyAncestorStatus { AncestorRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True")] }] };

        var merged = StatusMerge.Merge(stored, desired, Us, Now);

        Assert.Equal([Them, Us], merged.Ancestors!.Select(a => a.ControllerName));
        Assert.Equal([Earlier, NowSeconds], merged.Ancestors!.Select(a => a.Conditions![0].LastTransitionTime));
    }

    [Fact]
    public void Merge_Gateway_ListenerConditionsMergedByListenerName()
    {
        var stored = new V1GatewayStatus
        {
            Conditions = [C("Accepted", "True", at: Earlier)],
            Listeners =
            [
                new V1ListenerStatus { Name = "http", Conditions = [C("Programmed", "True", at: Earlier)] },
                new V1ListenerStatus { Name = "https", Conditions = [C("Programmed", "True", at: Earlier)] },
            ],
        };
        var desired = new V1GatewayStatus
        {
            Conditions = [C("Accepted", "True")],
            Addresses = [new V1GatewayStatusAddress { Type = "IPAddress", Value = "127.10.0.1" }],
            Listeners =
            [
                new V1ListenerStatus { Name = "https", AttachedRoutes = 3, Conditions = [C("Programmed", "False")] },
                new V1ListenerStatus { Name = "http", Conditions = [C("Programmed", "True")] },
            ],
        };

        var merged = StatusMerge.Merge(stored, desired, Now);

        Assert.Equal(Earlier, merged.Conditions![0].LastTransitionTime);
        Assert.Equal(["https", "http"], merged.Listeners!.Select(l => l.Name));
        Assert.Equal([NowSeconds, Earlier], merged.Listeners!.Select(l => l.Conditions[0].LastTransitionTime));
        Assert.Equal(3, merged.Listeners![0].AttachedRoutes);
        Assert.Equal("127.10.0.1", merged.Addresses![0].Value);
    }

    [Fact]
    public void Merge_LeavesItsInputsUntouched()
    {
        var stored = new V1GatewayClassStatus { Conditions = [C("Accepted", "False", at: Earlier)] };
        var desired = new V1GatewayClassStatus { Conditions = [C("Accepted", "True")] };
        var storedBefore = CanonicalForm.Of(stored);
        var desiredBefore = CanonicalForm.Of(desired);

        StatusMerge.Merge(stored, desired, Now);

        Assert.Equal(storedBefore, CanonicalForm.Of(stored));
        Assert.Equal(desiredBefore, CanonicalForm.Of(desired));
    }

    [Fact]
    public void Merge_DesiredStatus_MergedAsItsOwnTypeWithAStoredStatusOfAnotherTypeCountingAsNone()
    {
        var gc = new V1GatewayClass { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "GatewayClass", Metadata = new V1ObjectMeta { Name = "gc" } };
        var desired = new DesiredGatewayClassStatus(new ResourceKey("GatewayClass", "", "gc"), 1, gc, new V1GatewayClassStatus { Conditions = [C("Accepted", "True")] });

        var merged = Assert.IsType<V1GatewayClassStatus>(StatusMerge.Merge(new V1RouteStatus { Parents = [] }, desired, Us, Now));

        Assert.Equal(NowSeconds, Assert.Single(merged.Conditions!).LastTransitionTime);
    }

    [Fact]
    public void WithoutEntriesOf_Route_OurParentsTakenOut_OthersKeptInOrder_InputUntouched()
    {
        var gw = new V1GatewayParentReference { Name = "gw" };
        var stored = new V1RouteStatus
        {
            Parents =
            [
                new V1RouteParentStatus { ParentRef = gw, ControllerName = Them, Conditions = [C("Accepted", "False", at: Earlier)] },
                new V1RouteParentStatus { ParentRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True", at: Earlier)] },
                new V1RouteParentStatus { ParentRef = new V1GatewayParentReference { Name = "b" }, ControllerName = "third.example/controller", Conditions = [] },
            ],
        };

        var without = Assert.IsType<V1RouteStatus>(StatusMerge.WithoutEntriesOf(stored, Us));

        Assert.Equal([Them, "third.example/controller"], without.Parents!.Select(p => p.ControllerName));
        Assert.Equal(Earlier, without.Parents![0].Conditions![0].LastTransitionTime);
        Assert.Equal(3, stored.Parents.Count);
        Assert.NotSame(stored.Parents[0], without.Parents[0]);
        Assert.True(StatusMerge.HasEntriesOf(stored, Us));
        Assert.False(StatusMerge.HasEntriesOf(without, Us));
    }

    [Fact]
    public void WithoutEntriesOf_PolicyAncestors_OursTakenOut_NoAncestorLeftIsAnEmptyList()
    {
        var gw = new V1GatewayParentReference { Name = "gw" };
        var stored = new V1PolicyStatus { Ancestors = [new V1PolicyAncestorStatus { AncestorRef = gw, ControllerName = Us, Conditions = [C("Accepted", "True")] }] };

        var without = Assert.IsType<V1PolicyStatus>(StatusMerge.WithoutEntriesOf(stored, Us));

        Assert.NotNull(without.Ancestors);
        Assert.Empty(without.Ancestors!);
    }

    [Fact]
    public void WithoutEntriesOf_NothingOfOurs_OrNoPerControllerEntries_Null()
    {
        var theirs = new V1RouteStatus { Parents = [new V1RouteParentStatus { ParentRef = new V1GatewayParentReference { Name = "gw" }, ControllerName = Them }] };

        Assert.Null(StatusMerge.WithoutEntriesOf(theirs, Us));
        Assert.Null(StatusMerge.WithoutEntriesOf(new V1RouteStatus(), Us));
        Assert.Null(StatusMerge.WithoutEntriesOf(null, Us));
        Assert.Null(StatusMerge.WithoutEntriesOf(new V1GatewayStatus { Conditions = [C("Accepted", "True")] }, Us));
        Assert.False(StatusMerge.HasEntriesOf(new V1GatewayClassStatus { Conditions = [C("Accepted", "True")] }, Us));
    }
}
