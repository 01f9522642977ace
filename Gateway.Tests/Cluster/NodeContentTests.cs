using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>Splitting a translation result per entity, and diffing two passes.</summary>
public sealed class NodeContentTests
{
    internal const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: gc}
        spec: {controllerName: akka-gateway.dev/controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: g, namespace: default}
        spec:
          gatewayClassName: gc
          listeners:
          - {name: http, port: 80, protocol: HTTP}
          - {name: other, port: 8080, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: a, namespace: default}
        spec:
          parentRefs: [{name: g, sectionName: http}]
          rules: [{matches: [{path: {type: PathPrefix, value: /a}}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: b, namespace: default}
        spec:
          parentRefs: [{name: g}]
          rules: [{matches: [{path: {type: PathPrefix, value: /b}}]}]
        """;

    /// <summary>Translates <paramref name="yaml"/>: every object at generation 1 unless <paramref name="generations"/> names it.</summary>
    internal static (TranslationResult Result, Snapshot Snapshot) Translate(string yaml, long revision = 1, IReadOnlyDictionary<string, long>? generations = null,
        TranslatorOptions? options = null)
    {
        var objects = Objects(yaml, generations);
        var snapshot = Snapshot.From(revision, objects);
        return (Translator.Translate(snapshot, options ?? new TranslatorOptions()), snapshot);
    }

    /// <summary>The objects of <paramref name="yaml"/>, each with its resourceVersion (its position), generation and creation time.</summary>
    internal static List<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> Objects(string yaml, IReadOnlyDictionary<string, long>? generations = null) =>
        [.. ManifestParser.Parse("test.yaml", yaml).Objects.Select(p => p.Object).Select((o, i) =>
        {
            o.Metadata.ResourceVersion = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            o.Metadata.Generation = generations is not null && generations.TryGetValue(o.Metadata.Name, out var generation) ? generation : 1;
            o.Metadata.CreationTimestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i);
            return o;
        })];

    [Fact]
    public void Build_EveryStatusAndListener_GetsAnEntityWithItsSlice()
    {
        var (result, snapshot) = Translate(Manifests);

        var content = NodeContentBuilder.Build("node", result, snapshot, applied: true);

        Assert.Equal(
            ["GatewayClass:gc", "Gateway:default/g", "Listener:default/g/http", "Listener:default/g/other", "Route:HTTPRoute/default/a", "Route:HTTPRoute/default/b"],
            content.Objects.Keys.Select(k => k.ToString()));
        var routeA = content.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/a")];
        Assert.Contains("HTTPRoute/default/a/rule/0/match/0", routeA.Slice, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTPRoute/default/b", routeA.Slice, StringComparison.Ordinal);
        Assert.Equal(["Listener:default/g/http"], routeA.Attachments.ToArray());
        var routeB = content.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/b")];
        Assert.Equal(["Listener:default/g/http", "Listener:default/g/other"], routeB.Attachments.ToArray());
        var http = content.Objects[EntityRef.ForListener(new ResourceKey("Gateway", "default", "g"), "http")];
        Assert.Null(http.Status);
        Assert.Equal(["HTTPRoute/default/a", "HTTPRoute/default/b"], http.Attachments.ToArray());
        Assert.DoesNotContain("port: 8080", http.Slice, StringComparison.Ordinal);
        var gateway = content.Objects[new EntityRef(EntityKind.Gateway, "default/g")];
        Assert.True(gateway.Programmed);
        Assert.Single(gateway.Addresses);
        Assert.Equal(["Gateway/default/g"], content.Objects[new EntityRef(EntityKind.GatewayClass, "gc")].Attachments.ToArray());
    }

    [Fact]
    public void Build_StatusTexts_RenderEachObjectsOwnStatusAndEachListenersStatus()
    {
        var (result, snapshot) = Translate(Manifests);

        var content = NodeContentBuilder.Build("node", result, snapshot, applied: true);

        var routeA = content.Objects[new EntityRef(EntityKind.Route, "HTTPRoute/default/a")];
        Assert.Equal(NodeContentBuilder.StatusText(routeA.Status!.Key, routeA.Status.Generation, routeA.Status.Value), routeA.StatusText);
        Assert.Contains("HTTPRoute/default/a", routeA.StatusText, StringComparison.Ordinal);
        Assert.Contains("reason: Accepted", routeA.StatusText, StringComparison.Ordinal);
        var gateway = content.Objects[new EntityRef(EntityKind.Gateway, "default/g")];
        Assert.Contains("Gateway/default/g", gateway.StatusText, StringComparison.Ordinal);
        var http = content.Objects[EntityRef.ForListener(new ResourceKey("Gateway", "default", "g"), "http")];
        Assert.Contains("name: http", http.StatusText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DataPlaneFailed_NothingProgrammed()
    {
        var (result, snapshot) = Translate(Manifests);

        var content = NodeContentBuilder.Build("node", result, snapshot, applied: false);

        Assert.All(content.Objects.Values, o => Assert.False(o.Programmed));
    }

    [Fact]
    public void Build_SameInputTwice_SameFingerprints()
    {
        var (first, s1) = Translate(Manifests, 1);
        var (second, s2) = Translate(Manifests, 2);

        var a = NodeContentBuilder.Build("n", first, s1, true);
        var b = NodeContentBuilder.Build("n", second, s2, true);

        Assert.Equal(a.Objects.Values.Select(o => o.Fingerprint), b.Objects.Values.Select(o => o.Fingerprint));
        Assert.True(ContentDiff.Between(a, b).IsEmpty);
    }

    [Fact]
    public void Diff_RouteChanged_OnlyThatRouteItsListenersAndGatewayChange()
    {
        var (first, s1) = Translate(Manifests, 1);
        var (second, s2) = Translate(Manifests.Replace("value: /a}", "value: /a2}", StringComparison.Ordinal), 2);

        var diff = ContentDiff.Between(NodeContentBuilder.Build("n", first, s1, true), NodeContentBuilder.Build("n", second, s2, true));

        Assert.Equal(["Gateway:default/g", "Listener:default/g/http", "Route:HTTPRoute/default/a"], diff.Changed.Select(e => e.ToString()));
        Assert.Empty(diff.Removed);
    }

    [Fact]
    public void Diff_RouteRemoved_ReportedRemoved_AndStoredLeftoversOnFirstPass()
    {
        var (first, s1) = Translate(Manifests, 1);
        var withoutB = Manifests[..Manifests.LastIndexOf("---", StringComparison.Ordinal)];
        var (second, s2) = Translate(withoutB, 2);
        var leftover = new ResourceKey("HTTPRoute", "old", "gone");

        var diff = ContentDiff.Between(NodeContentBuilder.Build("n", first, s1, true), NodeContentBuilder.Build("n", second, s2, true), [leftover]);
        var fromEmpty = ContentDiff.Between(NodeContent.Empty("n"), NodeContentBuilder.Build("n", first, s1, true), [leftover]);

        Assert.Contains(new EntityRef(EntityKind.Route, "HTTPRoute/default/b"), diff.Removed);
        Assert.Contains(new EntityRef(EntityKind.Route, "HTTPRoute/old/gone"), fromEmpty.Removed);
        Assert.Equal(6, fromEmpty.Changed.Length);
    }
}
