using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Pipeline;

public class ResourceStoreTests
{
    private static V1Gateway Gateway(string rv = "1", int port = 80, V1GatewayStatus? status = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns", ResourceVersion = rv, Generation = 1 },
        Spec = new V1GatewaySpec { GatewayClassName = "gc", Listeners = [new V1Listener { Name = "http", Port = port, Protocol = "HTTP" }] },
        Status = status,
    };

    private static readonly ResourceKey Key = new("Gateway", "ns", "g");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UpsertApplyRemovePublish_RandomOperations_AgreeWithAPlainDictionary(bool everyUpsertIsAChange)
    {
        // The store keeps digests only and reads objects from its pending changes or the published snapshot: after any
        // sequence of operations, Get, Count and what a publication holds agree with a plain dictionary of the latest
        // significant version of each object (a new resourceVersion alone is not significant). Batches large enough
        // to start a new pending table are mixed in. A store that takes every upsert as a change (the file source's)
        // agrees with a dictionary of the latest version of each object.
        var random = new Random(20261205);
        var store = new ResourceStore(everyUpsertIsAChange: everyUpsertIsAChange);
        var latest = new Dictionary<ResourceKey, (V1Gateway Object, int Port)>();
        static ResourceKey KeyOf(int name) => new("Gateway", "ns", "g" + name);
        (ResourceKey Key, V1Gateway Object, int Port) Version(int name, int step)
        {
            var port = 80 + random.Next(3);
            var obj = new V1Gateway
            {
                Metadata = new V1ObjectMeta { Name = "g" + name, NamespaceProperty = "ns", ResourceVersion = "v" + step, Generation = 1 },
                Spec = new V1GatewaySpec { GatewayClassName = "gc", Listeners = [new V1Listener { Name = "http", Port = port, Protocol = "HTTP" }] },
            };
            return (KeyOf(name), obj, port);
        }
        bool Significant(ResourceKey key, int port) => everyUpsertIsAChange || !latest.TryGetValue(key, out var before) || before.Port != port;
        for (var step = 0; step < 3_000; step++)
        {
            var names = random.Next(10) == 0 ? 400 : 8;
            switch (random.Next(5))
            {
                case 0:
                {
                    var (key, obj, port) = Version(random.Next(names), step);
                    var significant = Significant(key, port);
                    Assert.Equal(significant, store.Upsert(obj));
                    if (significant) latest[key] = (obj, port);
                    break;
                }
                case 1:
                {
                    var upserts = Enumerable.Range(0, random.Next(names)).Select(i => Version(i, step)).ToList();
                    var removals = Enumerable.Range(0, random.Next(3)).Select(_ => KeyOf(names + random.Next(4))).Distinct().ToList();
                    var expected = upserts.Count(u => Significant(u.Key, u.Port)) + removals.Count(latest.ContainsKey);
                    Assert.Equal(expected, store.Apply(upserts.Select(u => u.Object), removals));
                    foreach (var (key, obj, port) in upserts.Where(u => Significant(u.Key, u.Port)).ToList()) latest[key] = (obj, port);
                    foreach (var key in removals) latest.Remove(key);
                    break;
                }
                case 2:
                {
                    var key = KeyOf(random.Next(names));
                    Assert.Equal(latest.Remove(key), store.Remove(key));
                    break;
                }
                case 3:
                    store.MarkSynced();
                    break;
                default:
                    if (store.Publish() is { } published)
                    {
                        Assert.Equal(latest.Keys.Order(), published.Snapshot.Keys);
                        Assert.All(latest, p => Assert.Same(p.Value.Object, published.Snapshot.Get(p.Key)));
                    }
                    break;
            }
            Assert.Equal(latest.Count, store.Count);
            for (var name = 0; name < 12; name++) Assert.Same(latest.TryGetValue(KeyOf(name), out var l) ? l.Object : null, store.Get(KeyOf(name)));
        }
    }

    [Fact]
    public void Publish_BeforeFirstFullSync_PublishesNothing()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());

        Assert.Null(store.Pending);
        Assert.Null(store.Publish());
    }

    [Fact]
    public void MarkSynced_EmptyStore_PublishesRevisionOne()
    {
        var store = new ResourceStore();
        store.MarkSynced();

        var published = store.Publish();

        Assert.Equal(1, published!.Snapshot.Revision);
        Assert.Empty(published.Snapshot.Keys);
        Assert.Null(store.Publish());
    }

    [Fact]
    public void Publish_AfterSync_ContainsEverythingUpsertedBefore()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());
        store.MarkSynced();

        var published = store.Publish()!;

        Assert.Equal(Key, Assert.Single(published.Snapshot.Keys));
        Assert.Equal(store.ChangeSequence, published.ChangeSequence);
    }

    [Fact]
    public void Upsert_StatusOrResourceVersionOnly_IsIgnored()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());
        store.MarkSynced();
        store.Publish();
        var sequence = store.ChangeSequence;

        var statusOnly = store.Upsert(Gateway(rv: "2", status: new V1GatewayStatus { Conditions = [new V1Condition { Type = "Accepted", Status = "True" }] }));
        var versionOnly = store.Upsert(Gateway(rv: "3"));

        Assert.False(statusOnly);
        Assert.False(versionOnly);
        Assert.Equal(sequence, store.ChangeSequence);
        Assert.Null(store.Publish());
    }

    [Fact]
    public void Upsert_SpecChange_PublishedAsNextRevision()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());
        store.MarkSynced();
        store.Publish();

        Assert.True(store.Upsert(Gateway(rv: "2", port: 8080)));
        var published = store.Publish()!;

        Assert.Equal(2, published.Snapshot.Revision);
        Assert.Equal(8080, published.Snapshot.Get<V1Gateway>(Key)!.Spec.Listeners![0].Port);
    }

    [Fact]
    public void Remove_PublishedAndUnknownKeyIgnored()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());
        store.MarkSynced();
        store.Publish();

        Assert.False(store.Remove(new ResourceKey("Gateway", "ns", "other")));
        Assert.True(store.Remove(Key));
        var published = store.Publish()!;

        Assert.Empty(published.Snapshot.Keys);
    }

    [Fact]
    public void Apply_Batch_IsOneChangePublishedTogether()
    {
        var store = new ResourceStore();
        store.Upsert(Gateway());
        store.MarkSynced();
        store.Publish();
        var sequence = store.ChangeSequence;
        var service = new V1Service { ApiVersion = "v1", Kind = "Service", Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "ns", ResourceVersion = "1" } };
        var route = new V1HTTPRoute
        {
            ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute",
            Metadata = new V1ObjectMeta { Name = "r", NamespaceProperty = "ns", ResourceVersion = "1", Generation = 1 },
            Spec = new V1HTTPRouteSpec(),
        };

        // The unchanged Gateway (resourceVersion only) is not a change; the removal of an unknown key neither.
        var changes = store.Apply([route, service, Gateway(rv: "9")], [new ResourceKey("Service", "ns", "unknown")]);
        var published = store.Publish()!;

        Assert.Equal((2, sequence + 1), (changes, store.ChangeSequence));
        Assert.NotNull(published.Snapshot.Get(new ResourceKey("HTTPRoute", "ns", "r")));
        Assert.NotNull(published.Snapshot.Get(new ResourceKey("Service", "ns", "s")));
        Assert.Null(store.Publish());

        Assert.Equal(1, store.Apply([], [Key]));
        Assert.Null(store.Publish()!.Snapshot.Get(Key));
        Assert.Equal(0, store.Apply([service], []));
        Assert.Null(store.Pending);
    }

    [Fact]
    public void Pending_TracksFirstAndLastChangeAndLastPublication()
    {
        var store = new ResourceStore();
        store.MarkSynced();
        store.Publish();

        store.Upsert(Gateway());
        var afterOne = store.Pending!.Value;
        store.Upsert(Gateway(port: 81));
        var afterTwo = store.Pending!.Value;

        Assert.NotNull(afterOne.LastPublishedAt);
        Assert.Equal(afterOne.FirstPendingAt, afterTwo.FirstPendingAt);
        Assert.True(afterTwo.LastChangeAt >= afterOne.LastChangeAt);
    }

    [Fact]
    public async Task WaitForPendingAsync_CompletesWhenAChangeArrives()
    {
        var store = new ResourceStore();
        store.MarkSynced();
        store.Publish();

        var wait = store.WaitForPendingAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        store.Upsert(Gateway());

        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
