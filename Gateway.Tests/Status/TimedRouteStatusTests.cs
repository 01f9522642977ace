using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Status;

public class TimedRouteStatusTests
{
    private const string Us = "akka-gateway.dev/controller";
    private const string Them = "other.example/controller";
    private static readonly DateTime Earlier = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly ResourceKey Key = new("HTTPRoute", "ns", "r");
    private static readonly V1HTTPRoute Route = new() { Metadata = new V1ObjectMeta { Name = "r", NamespaceProperty = "ns" } };

    private static V1GatewayParentReference Ref(string name, string? section = null) =>
        new() { Group = "gateway.networking.k8s.io", Kind = "Gateway", Name = name, SectionName = section };

    private static V1Condition C(string type, string status, long generation = 1, DateTime? at = null) => new()
    {
        Type = type, Status = status, Reason = type, Message = type, ObservedGeneration = generation, LastTransitionTime = at ?? default,
    };

    private static DesiredRouteStatus Desired(params V1RouteParentStatus[] parents) => new(Key, 1, Route, new V1RouteStatus { Parents = [.. parents] });

    private static V1RouteParentStatus Ours(string gateway, params V1Condition[] conditions) => new() { ParentRef = Ref(gateway), ControllerName = Us, Conditions = [.. conditions] };

    [Fact]
    public void Keep_FirstWrite_SharesTheDesiredStatusAndReadsBackAsTheMergedStatus()
    {
        var desired = Desired(Ours("gw", C("Accepted", "True"), C("ResolvedRefs", "True")));
        var merged = StatusMerge.Merge(null, desired, Us, Now);

        var kept = Assert.IsType<TimedRouteStatus>(TimedRouteStatus.Keep(merged, desired));

        Assert.Same(desired.Status, kept.Desired);
        Assert.Equal(ObjectCopy.ToSeconds(Now), kept.Transition);
        Assert.Equal(CanonicalForm.Of(merged), CanonicalForm.Of(TimedRouteStatus.Read(kept)));
    }

    [Fact]
    public void Keep_ConditionsThatChangedAtDifferentTimes_KeepsTheMergedStatusItself()
    {
        var stored = new V1RouteStatus { Parents = [Ours("gw", C("Accepted", "True", at: Earlier), C("ResolvedRefs", "True", at: Earlier))] };
        var desired = Desired(Ours("gw", C("Accepted", "True"), C("ResolvedRefs", "False")));
        var merged = StatusMerge.Merge(stored, desired, Us, Now);

        Assert.Same(merged, TimedRouteStatus.Keep(merged, desired));
    }

    [Fact]
    public void Keep_AnotherControllersParentStored_KeepsTheMergedStatusItself()
    {
        var stored = new V1RouteStatus { Parents = [new V1RouteParentStatus { ParentRef = Ref("theirs"), ControllerName = Them, Conditions = [C("Accepted", "True", at: Earlier)] }] };
        var desired = Desired(Ours("gw", C("Accepted", "True")));
        var merged = StatusMerge.Merge(stored, desired, Us, Now);

        Assert.Same(merged, TimedRouteStatus.Keep(merged, desired));
    }

    [Fact]
    public void Keep_AStatusNotMergedFromTheDesiredOne_KeepsItItself()
    {
        var desired = Desired(Ours("gw", C("Accepted", "True")));
        var other = StatusMerge.Merge(null, Desired(Ours("gw", C("Accepted", "False"))), Us, Now);
        var otherParent = StatusMerge.Merge(null, Desired(Ours("gw2", C("Accepted", "True"))), Us, Now);

        Assert.Same(other, TimedRouteStatus.Keep(other, desired));
        Assert.Same(otherParent, TimedRouteStatus.Keep(otherParent, desired));
    }

    [Fact]
    public void Read_TimedStatus_LeavesTheDesiredStatusAsItWas()
    {
        var desired = Desired(Ours("gw", C("Accepted", "True")));
        var before = CanonicalForm.Of(desired.Status);
        var kept = TimedRouteStatus.Keep(StatusMerge.Merge(null, desired, Us, Now), desired);

        var read = (V1RouteStatus)TimedRouteStatus.Read(kept)!;
        read.Parents![0].Conditions![0].Reason = "Changed";

        Assert.Equal(before, CanonicalForm.Of(desired.Status));
        Assert.NotEqual(CanonicalForm.Of(read), CanonicalForm.Of(TimedRouteStatus.Read(kept)));
    }

    /// <summary>
    /// Seeded random stored and desired statuses (other controllers' parents, conditions flipping, generations moving,
    /// parents coming and going) merged at random times: whatever Keep returns reads back as the merged status, and both
    /// forms occur.
    /// </summary>
    [Fact]
    public void Keep_RandomMerges_AlwaysReadsBackAsTheMergedStatus()
    {
        var random = new Random(20261206);
        var (timed, whole) = (0, 0);
        for (var round = 0; round < 2000; round++)
        {
            var stored = random.Next(4) == 0 ? null : new V1RouteStatus { Parents = [.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomParent(random, stored: true))] };
            var desired = new DesiredRouteStatus(Key, 1, Route, new V1RouteStatus { Parents = [.. Enumerable.Range(0, random.Next(3)).Select(_ => RandomParent(random, stored: false))] });
            var merged = StatusMerge.Merge(stored, desired, Us, Now.AddSeconds(random.Next(3)));

            var kept = TimedRouteStatus.Keep(merged, desired);

            Assert.Equal(CanonicalForm.Of(merged), CanonicalForm.Of(TimedRouteStatus.Read(kept)));
            if (kept is TimedRouteStatus) timed++;
            else whole++;
        }
        Assert.True(timed > 100 && whole > 100, $"both forms should occur: {timed} timed, {whole} whole");
    }

    private static V1RouteParentStatus RandomParent(Random random, bool stored)
    {
        string[] types = ["Accepted", "ResolvedRefs", "PartiallyInvalid"];
        return new V1RouteParentStatus
        {
            ParentRef = Ref($"gw{random.Next(2)}", random.Next(3) == 0 ? "http" : null),
            ControllerName = stored && random.Next(3) == 0 ? Them : Us,
            Conditions = random.Next(8) == 0 ? null : [.. types.Take(1 + random.Next(3)).Select(t => C(t, random.Next(3) == 0 ? "False" : "True", random.Next(1, 3),
                stored ? Earlier.AddSeconds(random.Next(2)) : null))],
        };
    }
}
