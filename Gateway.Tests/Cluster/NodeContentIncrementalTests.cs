using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>
/// <see cref="NodeContentBuilder.Next"/> builds content only for objects whose inputs changed, and its result always
/// equals a build from nothing. "Reused" results stand in for an incremental translator: every status, entry and table
/// that equals the previous pass's is replaced by the previous pass's instance.
/// </summary>
public sealed class NodeContentIncrementalTests
{
    private static readonly EntityRef RouteA = new(EntityKind.Route, "HTTPRoute/default/a");

    [Fact]
    public void Next_OnlyOneRoutesStatusChanged_BuildsAndReportsOnlyThatRoute()
    {
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        var before = builder.Next("n", first, s1, true);
        Assert.Equal(6, builder.LastBuilt);

        // Route a's generation moves on: its status (observedGeneration) changes, no route table does.
        var (second, s2) = NodeContentTests.Translate(NodeContentTests.Manifests, 2, new Dictionary<string, long> { ["a"] = 2 });
        var after = builder.Next("n", Reused(first, second), s2, true);

        Assert.Equal(1, builder.LastBuilt);
        Assert.Equal([RouteA], ContentDiff.Between(before, after).Changed.ToArray());
        Assert.Empty(ContentDiff.Between(before, after).Removed);
        // Everything else is the previous pass's content, and the cache still gets every object.
        Assert.Equal(before.Objects.Keys, after.Objects.Keys);
        Assert.All(after.Objects.Where(o => o.Key != RouteA), o => Assert.Same(before.Objects[o.Key], o.Value));
        Assert.Equal(2, after.Objects[RouteA].Status!.Generation);
    }

    [Fact]
    public void Next_WithTheIncrementalTranslator_OtherObjectsKeepTheirContent_OnlyTheChangeReported()
    {
        var translator = new IncrementalTranslator();
        var builder = new NodeContentBuilder();
        var s1 = Snapshot.From(1, NodeContentTests.Objects(NodeContentTests.Manifests));
        var before = builder.Next("n", translator.Translate(s1, new TranslatorOptions()), s1, true);

        // Route a's generation moves on, as the store publishes it (one upsert on the previous snapshot).
        var a2 = NodeContentTests.Objects(NodeContentTests.Manifests, new Dictionary<string, long> { ["a"] = 2 }).Single(o => o.Metadata.Name == "a");
        var s2 = s1.With(2, [(new ResourceKey("HTTPRoute", "default", "a"), a2)], []);
        var after = builder.Next("n", translator.Translate(s2, new TranslatorOptions()), s2, true);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Equal([RouteA], ContentDiff.Between(before, after).Changed.ToArray());
        // Route b and the GatewayClass keep their content; at most route a and the Gateway with its listeners (whose
        // table holds route a's recompiled entries) are built again.
        Assert.Same(before.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/b")], after.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/b")]);
        Assert.Same(before.Objects[new EntityRef(EntityKind.GatewayClass, "gc")], after.Objects[new EntityRef(EntityKind.GatewayClass, "gc")]);
        Assert.InRange(builder.LastBuilt, 1, 4);
    }

    [Fact]
    public void Next_FreshInstancesEveryPass_BuildsEveryObject_ReportsOnlyTheChange()
    {
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        var before = builder.Next("n", first, s1, true);

        var (second, s2) = NodeContentTests.Translate(NodeContentTests.Manifests, 2, new Dictionary<string, long> { ["a"] = 2 });
        var after = builder.Next("n", second, s2, true);

        Assert.Equal(6, builder.LastBuilt);
        Assert.Equal([RouteA], ContentDiff.Between(before, after).Changed.ToArray());
    }

    [Fact]
    public void Next_RouteRuleChanged_RebuildsTheRouteAndItsGateway_NotTheOtherRoute()
    {
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        var before = builder.Next("n", first, s1, true);

        var (second, s2) = NodeContentTests.Translate(NodeContentTests.Manifests.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal), 2);
        var after = builder.Next("n", Reused(first, second), s2, true);

        // Route a's slice and the Gateway's table changed: a, the Gateway and its two listeners are built again; route b
        // and the GatewayClass are not. Reported: what changed (listener "other" carries nothing of route a).
        Assert.Equal(4, builder.LastBuilt);
        Assert.Same(before.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/b")], after.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/b")]);
        Assert.Equal(["Gateway:default/g", "Listener:default/g/http", "Route:HTTPRoute/default/a"], ContentDiff.Between(before, after).Changed.Select(e => e.ToString()));
        Assert.Contains("/a2", after.Objects[RouteA].Slice, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_RouteEntriesChangedWhileItsStatusAndResourceVersionStayTheSameInstances_RebuildsTheRouteFromItsNewEntries()
    {
        // A translator may keep a route's status instance while the route's entries change (another object changed
        // them): the builder must still see the new slice. The later pass reuses the first pass's statuses and snapshot,
        // so only route a's entries differ.
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        builder.Next("n", first, s1, true);
        var (second, _) = NodeContentTests.Translate(NodeContentTests.Manifests.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal), 2);
        var changed = Reused(first, second) with { Statuses = first.Statuses };

        var after = builder.Next("n", changed, s1, true);
        var fresh = NodeContentBuilder.Build("n", changed, s1, true);

        Assert.Contains("/a2", after.Objects[RouteA].Slice, StringComparison.Ordinal);
        Assert.Equal(fresh.Objects[RouteA].Fingerprint, after.Objects[RouteA].Fingerprint);
        Assert.Same(first.Statuses[new ResourceKey("HTTPRoute", "default", "a")], changed.Statuses[new ResourceKey("HTTPRoute", "default", "a")]);
    }

    [Fact]
    public void Next_RouteRemoved_ReportedRemoved_AndGoneFromTheContent()
    {
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        var before = builder.Next("n", first, s1, true);

        var withoutB = NodeContentTests.Manifests[..NodeContentTests.Manifests.LastIndexOf("---", StringComparison.Ordinal)];
        var (second, s2) = NodeContentTests.Translate(withoutB, 2);
        var after = builder.Next("n", Reused(first, second), s2, true);

        var routeB = new EntityRef(EntityKind.Route, "HTTPRoute/default/b");
        Assert.Equal([routeB], ContentDiff.Between(before, after).Removed.ToArray());
        Assert.False(after.Objects.ContainsKey(routeB));
    }

    public static TheoryData<bool> ReuseOrNot => new() { true, false };

    /// <summary>
    /// Over a sequence of changes (rules, attachments, generations, listeners, removals, a data plane failure), with and
    /// without reused instances: every pass's content equals a build from nothing, and the builder's delta equals the
    /// full comparison of the two passes.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReuseOrNot))]
    public void Next_OverASequenceOfChanges_EqualsABuildFromNothing(bool reuse)
    {
        var m = NodeContentTests.Manifests;
        var steps = new (string Yaml, Dictionary<string, long>? Generations, bool Applied)[]
        {
            (m, null, true),
            (m, new() { ["a"] = 2 }, true),
            (m.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal), new() { ["a"] = 2 }, true),
            (m.Replace("sectionName: http", "sectionName: other", StringComparison.Ordinal), null, true),
            (m.Replace("sectionName: http", "sectionName: other", StringComparison.Ordinal), null, false),
            (m.Replace("- {name: other, port: 8080, protocol: HTTP}", "- {name: other, port: 8081, protocol: HTTP}", StringComparison.Ordinal), null, true),
            (m[..m.LastIndexOf("---", StringComparison.Ordinal)], null, true),
            (m.Replace("- {name: other, port: 8080, protocol: HTTP}", "", StringComparison.Ordinal), new() { ["g"] = 3 }, true),
            (m, null, true),
            (m, null, true),
        };
        var builder = new NodeContentBuilder();
        TranslationResult? previousResult = null;
        NodeContent? previousIncremental = null, previousFresh = null;
        for (var i = 0; i < steps.Length; i++)
        {
            var (yaml, generations, applied) = steps[i];
            var (result, snapshot) = NodeContentTests.Translate(yaml, i + 1, generations);
            if (reuse && previousResult is not null) result = Reused(previousResult, result);

            var incremental = builder.Next("n", result, snapshot, applied);
            var fresh = NodeContentBuilder.Build("n", result, snapshot, applied);

            Assert.Equal(fresh.Objects.Keys, incremental.Objects.Keys);
            foreach (var (entity, expected) in fresh.Objects)
            {
                var actual = incremental.Objects[entity];
                Assert.Equal((expected.Fingerprint, expected.WriteFingerprint, expected.Programmed), (actual.Fingerprint, actual.WriteFingerprint, actual.Programmed));
                Assert.Equal(expected.Addresses.ToArray(), actual.Addresses.ToArray());
                Assert.Equal(expected.Attachments.ToArray(), actual.Attachments.ToArray());
                Assert.Equal(expected.Slice, actual.Slice);
                Assert.Equal(expected.StatusText, actual.StatusText);
            }
            if (previousIncremental is not null)
            {
                var delta = ContentDiff.Between(previousIncremental, incremental);
                var full = ContentDiff.Between(previousFresh!, fresh);
                Assert.Equal(full.Changed.ToArray(), delta.Changed.ToArray());
                Assert.Equal(full.Removed.ToArray(), delta.Removed.ToArray());
            }
            (previousResult, previousIncremental, previousFresh) = (result, incremental, fresh);
        }
    }

    [Fact]
    public void Diff_AgainstAnotherBasis_ComparesInFull()
    {
        var builder = new NodeContentBuilder();
        var (first, s1) = NodeContentTests.Translate(NodeContentTests.Manifests, 1);
        builder.Next("n", first, s1, true);
        var (second, s2) = NodeContentTests.Translate(NodeContentTests.Manifests.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal), 2);
        var after = builder.Next("n", second, s2, true);

        // A reporter that never saw the first content (it compares with nothing): everything is new.
        Assert.Equal(6, ContentDiff.Between(NodeContent.Empty("n"), after).Changed.Length);
    }

    /// <summary>
    /// <paramref name="next"/> with every status, route-table entry and table that equals <paramref name="previous"/>'s
    /// replaced by that instance, as an incremental translator returns them.
    /// </summary>
    internal static TranslationResult Reused(TranslationResult previous, TranslationResult next)
    {
        var statuses = next.Statuses.ToImmutableSortedDictionary(p => p.Key, p =>
            previous.Statuses.TryGetValue(p.Key, out var old) && old.Generation == p.Value.Generation && old.ApiVersion == p.Value.ApiVersion
            && k8s.KubernetesJson.Serialize(old.Value) == k8s.KubernetesJson.Serialize(p.Value.Value) ? old : p.Value);
        // An entry is the same when it sits on the same Gateway, port and listener and renders the same.
        var oldEntries = previous.Gateways.SelectMany(t => t.Ports.SelectMany(p => p.Listeners.SelectMany(l =>
                l.HttpRoutes.Cast<object>().Concat(l.L4Routes).Select(e => (Key: $"{t.Gateway}|{p.Port}|{l.Name}|{EntryText(e)}", Entry: e)))))
            .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.First().Entry);
        var tables = next.Gateways.Select(t =>
        {
            T Same<T>(int port, string listener, T entry) where T : class =>
                oldEntries.TryGetValue($"{t.Gateway}|{port}|{listener}|{EntryText(entry)}", out var old) && old is T same ? same : entry;
            var table = t with
            {
                Ports = [.. t.Ports.Select(p => p with
                {
                    Listeners = [.. p.Listeners.Select(l => l with
                    {
                        HttpRoutes = [.. l.HttpRoutes.Select(e => Same(p.Port, l.Name, e))],
                        L4Routes = [.. l.L4Routes.Select(e => Same(p.Port, l.Name, e))],
                    })],
                })],
            };
            var old = previous.Gateways.FirstOrDefault(o => o.Gateway == t.Gateway);
            return old is not null && RouteTableYaml.Render([old]) == RouteTableYaml.Render([table]) ? old : table;
        }).ToImmutableArray();
        return next with { Gateways = tables, Statuses = statuses };
    }

    private static string EntryText(object entry) => RouteTableYaml.Render([new GatewayRouteTable(new ResourceKey("Gateway", "", ""), [],
        [new PortRouteTable(0, ListenerProtocol.Http, [entry switch
        {
            HttpRouteEntry http => new ListenerRouteTable("", null, null, [http], []),
            L4RouteEntry l4 => new ListenerRouteTable("", null, null, [], [l4]),
            _ => throw new ArgumentException("not an entry", nameof(entry)),
        }])])]) + "|" + entry.GetType().Name + "|" + entry switch { HttpRouteEntry h => h.Route.ToString(), L4RouteEntry l => l.Route.ToString(), _ => "" };
}
