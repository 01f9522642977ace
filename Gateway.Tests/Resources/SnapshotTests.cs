using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public class SnapshotTests
{
    private static V1Service Service(string name, string version) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = version },
    };

    private static ResourceKey Key(string name) => new("Service", "ns", name);

    [Fact]
    public void ChangesSince_ChildOfPreviousAndSnapshotBuiltOtherwise_ListTheSameChanges()
    {
        var (a, b, c) = (Service("a", "1"), Service("b", "1"), Service("c", "1"));
        var previous = Snapshot.From(1, [a, b, c]);
        var bChanged = Service("b", "2");
        var d = Service("d", "1");
        // Upserting an unchanged instance is no change; a removal of a key that never existed is none either.
        var child = previous.With(2, [(Key("b"), (IKubernetesObject<V1ObjectMeta>)bChanged), (Key("d"), d), (Key("c"), c)], [Key("a"), Key("x")]);
        var unrelated = Snapshot.From(2, [bChanged, c, d]);

        var fromChild = child.ChangesSince(previous);
        var walked = unrelated.ChangesSince(previous);

        (ResourceKey, object?, object?)[] expected = [(Key("a"), a, null), (Key("b"), b, bChanged), (Key("d"), null, d)];
        Assert.Equal(expected, fromChild.Select(x => (x.Key, (object?)x.Old, (object?)x.New)));
        // The unrelated snapshot holds the same instances except that it was built separately; b and d are the same
        // instances in both, so the walk finds the same changes.
        Assert.Equal(expected, walked.Select(x => (x.Key, (object?)x.Old, (object?)x.New)));
    }

    [Fact]
    public void ChangesSince_TwoStepsAway_WalksAndFindsBothSteps()
    {
        var previous = Snapshot.From(1, [Service("a", "1")]);
        var b = Service("b", "1");
        var a2 = Service("a", "2");
        var twoSteps = previous.With(2, [(Key("b"), (IKubernetesObject<V1ObjectMeta>)b)], []).With(3, [(Key("a"), a2)], []);

        Assert.Equal([Key("a"), Key("b")], twoSteps.ChangesSince(previous).Select(x => x.Key));
    }

    [Fact]
    public void ChangesSince_BatchAboveTheTouchedLimit_ListsEveryChangeInKeyOrder_AsABatchBelowIt()
    {
        var previous = Snapshot.From(1, [Service("kept", "1"), Service("gone", "1")]);
        List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)> Batch(int count) =>
        [
            .. Enumerable.Range(0, count).Select(i => (Key($"s{i:D5}"), (IKubernetesObject<V1ObjectMeta>)Service($"s{i:D5}", "1"))),
            (new ResourceKey("Namespace", "", "ns"), new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "ns" } }),
        ];

        foreach (var count in new[] { 3, Snapshot.TouchedLimit + 1 })
        {
            var batch = Batch(count);
            var child = previous.With(2, batch, [Key("gone")]);
            var expected = batch.Select(b => b.Item1).Append(Key("gone")).Order().ToList();

            var changes = child.ChangesSince(previous);

            Assert.Equal(expected, changes.Select(c => c.Key));
            Assert.All(changes, c => Assert.Same(child.Get(c.Key), c.New));
        }
    }
    [Fact]
    public void With_BatchOfUpsertsAndRemovals_LeavesTheSnapshotItWasMadeFromAsItWas_LaterKeyWins()
    {
        var (a, b) = (Service("a", "1"), Service("b", "1"));
        var previous = Snapshot.From(1, [a, b]);
        var (a2, a3, c) = (Service("a", "2"), Service("a", "3"), Service("c", "1"));

        var next = previous.With(2, [(Key("a"), (IKubernetesObject<V1ObjectMeta>)a2), (Key("c"), c), (Key("a"), a3)], [Key("b"), Key("missing")]);

        // The earlier snapshot is immutable: the builders of the batch copied what they changed.
        Assert.Same(a, previous.Get(Key("a")));
        Assert.Same(b, previous.Get(Key("b")));
        Assert.Null(previous.Get(Key("c")));
        Assert.Equal(2, previous.Count(KindRegistry.Service));
        // In the new one the later of two upserts of one key wins, and removals come after upserts.
        Assert.Same(a3, next.Get(Key("a")));
        Assert.Null(next.Get(Key("b")));
        Assert.Same(c, next.Get(Key("c")));
        Assert.Equal([Key("a"), Key("c")], next.Keys);
        Assert.Equal(2, next.Revision);
    }

    [Fact]
    public void With_RemovalOfAnAbsentKeyOfAnAbsentKind_AddsNoKind_AndUpsertOfANewKindCreatesIt()
    {
        var previous = Snapshot.From(1, [Service("a", "1")]);
        var ns = new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "ns" } };

        var removedNothing = previous.With(2, [], [new ResourceKey("Namespace", "", "ns")]);
        var added = previous.With(2, [(new ResourceKey("Namespace", "", "ns"), (IKubernetesObject<V1ObjectMeta>)ns)], []);

        Assert.Equal(0, removedNothing.Count(KindRegistry.Namespace));
        Assert.Empty(removedNothing.ChangesSince(previous));
        Assert.Same(ns, added.Get(new ResourceKey("Namespace", "", "ns")));
        Assert.Equal([new ResourceKey("Namespace", "", "ns")], added.ChangesSince(previous).Select(x => x.Key));
    }
}
