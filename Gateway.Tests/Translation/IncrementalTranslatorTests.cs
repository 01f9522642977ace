using System.Net;
using Gateway.Actors.Mesh;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// What <see cref="IncrementalTranslator"/> does per change: which changes it translates incrementally, how many routes
/// it compiles again, and which result instances it keeps. That its results equal a full translation is proven by
/// IncrementalGoldenTests and IncrementalTranslatorPropertyTests.
/// </summary>
public class IncrementalTranslatorTests
{
    private const string Base = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: ours}
        spec: {controllerName: akka-gateway.dev/controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: ours
          listeners:
          - {name: a, port: 80, protocol: HTTP, hostname: a.example}
          - {name: b, port: 80, protocol: HTTP, hostname: b.example}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: svc-a, namespace: ns}
        spec: {ports: [{port: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: svc-b, namespace: ns}
        spec: {ports: [{port: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: svc-a-1, namespace: ns, labels: {kubernetes.io/service-name: svc-a}}
        addressType: IPv4
        endpoints: [{addresses: [127.0.0.2]}]
        ports: [{port: 8080}]
        """;

    private static string Route(string name, string listener, string service, string path = "/") => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: {name}, namespace: ns{"}"}
        spec:
          parentRefs: [{"{"}name: gw, sectionName: {listener}{"}"}]
          rules:
          - matches: [{"{"}path: {"{"}type: PathPrefix, value: "{path}"{"}"}{"}"}]
            backendRefs: [{"{"}name: {service}, port: 8080{"}"}]
        """;

    private static readonly TranslatorOptions Options = new();

    private static Snapshot Parse(long revision, params string[] documents) =>
        Snapshot.From(revision, ManifestParser.Parse("input.yaml", string.Join("\n---\n", documents)).Objects.Select(o => o.Object));

    private static (ResourceKey Key, k8s.IKubernetesObject<V1ObjectMeta> Object) One(string document)
    {
        var obj = ManifestParser.Parse("change.yaml", document).Objects.Single().Object;
        return (KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj), obj);
    }

    private static readonly ResourceKey R1 = new("HTTPRoute", "ns", "r1");
    private static readonly ResourceKey R2 = new("HTTPRoute", "ns", "r2");
    private static readonly ResourceKey R3 = new("HTTPRoute", "ns", "r3");

    [Fact]
    public void Translate_OneRouteChanged_CompilesOnlyThatRouteAndKeepsUntouchedStatusesAndListenerTables()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "a", "svc-a", "/two"), Route("r3", "b", "svc-b"));
        var before = translator.Translate(first, Options);
        Assert.Equal(TranslationMode.Full, translator.LastMode);

        var after = translator.Translate(first.With(2, [One(Route("r3", "b", "svc-b", "/changed"))], []), Options);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Equal(1, translator.LastRoutesTranslated);
        Assert.Same(before.Statuses[R1], after.Statuses[R1]);
        Assert.Same(before.Statuses[R2], after.Statuses[R2]);
        Assert.NotSame(before.Statuses[R3], after.Statuses[R3]);
        // attachedRoutes did not change, so the Gateway's status is the same instance too.
        Assert.Same(before.Statuses[new ResourceKey("Gateway", "ns", "gw")], after.Statuses[new ResourceKey("Gateway", "ns", "gw")]);
        var (oldListeners, newListeners) = (before.Gateways.Single().Ports.Single().Listeners, after.Gateways.Single().Ports.Single().Listeners);
        Assert.Same(oldListeners.Single(l => l.Name == "a"), newListeners.Single(l => l.Name == "a"));
        Assert.NotSame(oldListeners.Single(l => l.Name == "b"), newListeners.Single(l => l.Name == "b"));
        Assert.Equal("/changed", newListeners.Single(l => l.Name == "b").HttpRoutes.Single().Path.Value);
    }

    [Fact]
    public void Translate_OneRouteChangedUnderAGatewayRateLimit_SliceSharesAllButTheChangedChunks_EveryEntryKeepsItsLimits()
    {
        // A Gateway-level RateLimitPolicy puts its limits on every entry of the listener's table slice; a change of one
        // route transforms the chunks that changed and takes the others over from the previous slice.
        const string Policy = """
            apiVersion: gateway.akka-gateway.dev/v1alpha1
            kind: RateLimitPolicy
            metadata: {name: limit, namespace: ns}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
              rules:
              - limit: {requests: 5, interval: 1m}
                key: {type: Global}
            """;
        var routes = Enumerable.Range(0, 300).Select(i => Route($"r{i}", "a", "svc-a", $"/p{i}")).ToArray();
        var translator = new IncrementalTranslator();
        var first = Parse(1, [Base, Policy, .. routes]);
        var before = translator.Translate(first, Options);
        var changed = first.With(2, [One(Route("r150", "a", "svc-a", "/changed"))], []);

        var after = translator.Translate(changed, Options);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        ChunkedList<HttpRouteEntry> Slice(TranslationResult r) => r.Gateways.Single().Ports.Single().Listeners.Single(l => l.Name == "a").HttpRoutes;
        var (old, now) = (Slice(before), Slice(after));
        Assert.Equal(300, now.Count);
        Assert.All(now, e => Assert.Single(e.RateLimits));
        var shared = now.Chunks.Count(c => old.Chunks.Any(o => ReferenceEquals(o, c)));
        Assert.True(now.ChunkCount >= 4 && now.ChunkCount - shared <= 2, $"{now.ChunkCount - shared} of {now.ChunkCount} chunks transformed again");
        // The same table as a translation from nothing.
        Assert.Equal(RouteTableYaml.Render(Translator.Translate(changed, Options).Gateways), RouteTableYaml.Render(after.Gateways));
    }

    [Fact]
    public void Translate_KeptRouteModelsAndStatuses_HoldTheirListsAsExactArrays_AndShareTheEmptyFilters_AfterAFullAndAnIncrementalPass()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "a", "svc-a", "/two"), Route("r3", "b", "svc-b"));
        translator.Translate(first, Options);
        var result = translator.Translate(first.With(2, [One(Route("r3", "b", "svc-b", "/changed"))], []), Options);

        foreach (var key in new[] { R1, R2, R3 })
        {
            var status = Assert.IsType<DesiredRouteStatus>(result.Statuses[key]).Status;
            var parents = Assert.IsType<V1RouteParentStatus[]>(status.Parents);
            Assert.All(parents, p => Assert.IsType<V1Condition[]>(p.Conditions));
        }
        var routes = translator.KeptRoutes.ToList();
        Assert.Equal(3, routes.Count);
        foreach (var route in routes)
        {
            Assert.NotEmpty(route.Matches);
            Assert.IsType<CompiledMatch[]>(route.Matches);
            Assert.IsType<ParentResult[]>(route.Parents);
            Assert.IsType<ListenerModel[]>(route.PlacedOn);
            Assert.All(route.Parents, p => Assert.IsType<(ListenerModel, IReadOnlyList<string>)[]>(p.Attached));
            // No filters: the one shared empty instance, not an object per match.
            Assert.All(route.Matches, m => Assert.Same(HttpFilters.None, m.Filters));
        }
    }

    [Fact]
    public void Translate_RoutesNamingTheSameParentSection_ShareOneStatusParentRef_AndKeepTheRouteSpecsOwnLists()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "a", "svc-a", "/two"), Route("r3", "b", "svc-b"));
        translator.Translate(first, Options);
        var second = first.With(2, [One(Route("r2", "a", "svc-a", "/changed"))], []);
        var result = translator.Translate(second, Options);

        V1GatewayParentReference RefOf(ResourceKey key) =>
            Assert.Single(Assert.IsType<DesiredRouteStatus>(result.Statuses[key]).Status.Parents!).ParentRef;
        // r2 was translated again in the second pass, r1 was not: the same instance still, since the Gateway did not change.
        Assert.Same(RefOf(R1), RefOf(R2));
        Assert.NotSame(RefOf(R1), RefOf(R3));
        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "ns", "gw", "a"), (RefOf(R1).Group, RefOf(R1).Kind, RefOf(R1).Namespace, RefOf(R1).Name, RefOf(R1).SectionName));
        Assert.Equal("b", RefOf(R3).SectionName);

        // The kept models read the parsed route's parentRefs and hostnames lists instead of copies of them.
        var r2 = (V1HTTPRoute)second.Get(R2)!;
        var model = translator.KeptRoutes.Single(r => r.Key == R2);
        Assert.Same(r2.Spec.ParentRefs, model.ParentRefs);
    }

    [Fact]
    public void Translate_AcceptedRoutesWithResolvedRefs_ShareOneConditionList_AnUnresolvedRouteHasItsOwn()
    {
        var translator = new IncrementalTranslator();
        var snapshot = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "b", "svc-b", "/two"), Route("r3", "a", "no-such-service", "/three"));
        var result = translator.Translate(snapshot, Options);

        V1Condition[] ConditionsOf(ResourceKey key) =>
            Assert.IsType<V1Condition[]>(Assert.Single(Assert.IsType<DesiredRouteStatus>(result.Statuses[key]).Status.Parents!).Conditions);
        Assert.Same(ConditionsOf(R1), ConditionsOf(R2));
        Assert.Equal([("Accepted", "True", 1L), ("ResolvedRefs", "True", 1L)], ConditionsOf(R1).Select(c => (c.Type, c.Status, c.ObservedGeneration ?? 0)));
        Assert.NotSame(ConditionsOf(R1), ConditionsOf(R3));
        Assert.Equal(("ResolvedRefs", "False", "BackendNotFound"), (ConditionsOf(R3)[1].Type, ConditionsOf(R3)[1].Status, ConditionsOf(R3)[1].Reason));
    }

    private static bool Shadowed(TranslationResult result, ResourceKey route) =>
        result.Statuses[route] is DesiredRouteStatus { Status: var status } && status.Parents!.SelectMany(p => p.Conditions ?? []).Any(c => c.Type == "akka-gateway.dev/Shadowed");

    [Fact]
    public void Translate_WinnerOfAShadowedMatchMovesAwayAndBack_ShadowedComesAndGoesAsInAFullTranslation()
    {
        var translator = new IncrementalTranslator();
        var snapshot = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "a", "svc-a"), Route("r3", "a", "svc-a", "/three"));
        Assert.True(Shadowed(translator.Translate(snapshot, Options), R2));

        foreach (var (revision, path, shadowed) in new[] { (2L, "/moved", false), (3L, "/", true), (4L, "/three", false) })
        {
            snapshot = snapshot.With(revision, [One(Route("r1", "a", "svc-a", path))], []);
            var result = translator.Translate(snapshot, Options);

            Assert.Equal(TranslationMode.Incremental, translator.LastMode);
            var full = Translator.Translate(snapshot, Options);
            Assert.Equal(shadowed, Shadowed(result, R2));
            foreach (var key in new[] { R1, R2, R3 }) Assert.Equal(CanonicalForm.Of(full.Statuses[key].Value), CanonicalForm.Of(result.Statuses[key].Value));
        }
        // r1 now shares /three with r3, which is newer by name: r3 is shadowed by r1.
        Assert.True(Shadowed(translator.Translate(snapshot, Options), R3));
    }

    [Fact]
    public void Translate_RouteAddedToListener_RecomposesTheGatewayStatusWithTheNewAttachedRoutes()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"));
        translator.Translate(first, Options);

        var after = translator.Translate(first.With(2, [One(Route("r2", "a", "svc-a", "/two"))], []), Options);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        var gateway = Assert.IsType<DesiredGatewayStatus>(after.Statuses[new ResourceKey("Gateway", "ns", "gw")]).Status;
        Assert.Equal(2, gateway.Listeners!.Single(l => l.Name == "a").AttachedRoutes);
        Assert.Equal(["/", "/two"], after.Gateways.Single().Ports.Single().Listeners.Single(l => l.Name == "a").HttpRoutes.Select(e => e.Path.Value).Order());
    }

    [Fact]
    public void Translate_EndpointSliceChanged_CompilesOnlyTheRoutesReadingItsService()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r2", "a", "svc-a", "/two"), Route("r3", "b", "svc-b"));
        var before = translator.Translate(first, Options);

        var slice = One("""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: svc-a-1, namespace: ns, labels: {kubernetes.io/service-name: svc-a}}
            addressType: IPv4
            endpoints: [{addresses: [127.0.0.3]}]
            ports: [{port: 8080}]
            """);
        var after = translator.Translate(first.With(2, [slice], []), Options);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Equal(2, translator.LastRoutesTranslated);
        Assert.Same(before.Statuses[R3], after.Statuses[R3]);
        var endpoints = after.Gateways.Single().Ports.Single().Listeners.Single(l => l.Name == "a").HttpRoutes.First().Backends.Backends.Single().Endpoints;
        Assert.Contains(endpoints, e => e.Address == "127.0.0.3");
    }

    private static string MeshRoute(string name, string parentService) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: {name}, namespace: ns{"}"}
        spec:
          parentRefs: [{"{"}group: "", kind: Service, name: {parentService}{"}"}]
          rules:
          - backendRefs: [{"{"}name: svc-b, port: 8080{"}"}]
        """;

    private static string ServiceWithClusterIp(string name, string clusterIp) => $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: {name}, namespace: ns{"}"}
        spec: {"{"}clusterIP: "{clusterIp}", ports: [{"{"}port: 8080{"}"}]{"}"}
        """;

    private static IPAddress ClusterIpOf(TranslationResult result, string service) =>
        Assert.Single(Assert.Single(result.Mesh.Services, s => s.Name == service).ClusterIPs);

    /// <summary>
    /// A gateway replica in Kubernetes mode (mesh table of the Services mesh routes name, ClusterIPs from each Service's
    /// spec): a Service or EndpointSlice no mesh route names cannot change the mesh table, so the table is not built
    /// again (it used to be, over every route, on every Service change); one a mesh route names is.
    /// </summary>
    [Fact]
    public void Translate_ServiceNoMeshRouteNamesChanged_KeepsTheMeshTableInstance_ServiceItNamesChanged_RebuildsItAsFullDoes()
    {
        var options = new TranslatorOptions { MeshPassthrough = false, MeshClusterIpMode = MeshClusterIpMode.FromService };
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, ServiceWithClusterIp("svc-m", "10.96.0.1"), MeshRoute("m1", "svc-m"));
        var before = translator.Translate(first, options);
        Assert.Equal(IPAddress.Parse("10.96.0.1"), ClusterIpOf(before, "svc-m"));

        var unrelated = first.With(2, [One(ServiceWithClusterIp("svc-other", "10.96.0.2"))], []);
        var afterUnrelated = translator.Translate(unrelated, options);
        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Same(before.Mesh, afterUnrelated.Mesh);
        Assert.Equal(MeshTableYaml.Render(Translator.Translate(unrelated, options).Mesh), MeshTableYaml.Render(afterUnrelated.Mesh));

        var parent = unrelated.With(3, [One(ServiceWithClusterIp("svc-m", "10.96.0.9"))], []);
        var afterParent = translator.Translate(parent, options);
        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Equal(IPAddress.Parse("10.96.0.9"), ClusterIpOf(afterParent, "svc-m"));
        Assert.Equal(MeshTableYaml.Render(Translator.Translate(parent, options).Mesh), MeshTableYaml.Render(afterParent.Mesh));
    }

    /// <summary>
    /// File mode allocates ClusterIPs over every Service, so a Service no mesh route names can still move a mesh
    /// Service's address: one that asks for that address in spec.clusterIP is honoured first and the other is
    /// allocated again. The incremental step builds the table again then, as a full translation would.
    /// </summary>
    [Fact]
    public void Translate_AllocateMode_ServiceTakingAMeshServicesAddress_MovesItAsAFullTranslationDoes()
    {
        var options = new TranslatorOptions { MeshPassthrough = false };
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, MeshRoute("m1", "svc-a"));
        var before = translator.Translate(first, options);
        var allocated = ClusterIpOf(before, "svc-a");

        var taking = first.With(2, [One(ServiceWithClusterIp("svc-other", allocated.ToString()))], []);
        var after = translator.Translate(taking, options);

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.NotEqual(allocated, ClusterIpOf(after, "svc-a"));
        Assert.Equal(MeshTableYaml.Render(Translator.Translate(taking, options).Mesh), MeshTableYaml.Render(after.Mesh));
    }

    [Fact]
    public void Translate_GatewayChanged_TranslatesEverything()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"), Route("r3", "b", "svc-b"));
        translator.Translate(first, Options);

        var gateway = One("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns}
            spec:
              gatewayClassName: ours
              listeners:
              - {name: a, port: 80, protocol: HTTP, hostname: a.example}
            """);
        var after = translator.Translate(first.With(2, [gateway], []), Options);

        Assert.Equal(TranslationMode.Full, translator.LastMode);
        Assert.Equal(2, translator.LastRoutesTranslated);
        var route = Assert.IsType<DesiredRouteStatus>(after.Statuses[R3]).Status;
        Assert.Equal("NoMatchingParent", route.Parents!.Single().Conditions!.First(c => c.Type == "Accepted").Reason);
    }

    [Fact]
    public void Translate_NothingChanged_KeepsTheSameStatusesAndTablesAtTheNewRevision()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"));
        var before = translator.Translate(first, Options);

        var after = translator.Translate(first.With(2, [], []), Options);

        Assert.Equal(TranslationMode.Unchanged, translator.LastMode);
        Assert.Equal(2, after.Revision);
        Assert.Same(before.Statuses, after.Statuses);
        Assert.Equal(before.Gateways, after.Gateways);
    }

    [Fact]
    public void Translate_OptionsChanged_TranslatesEverything()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1", "a", "svc-a"));
        translator.Translate(first, Options);

        translator.Translate(first.With(2, [], []), Options with { UnavailableSockets = new HashSet<ListenerSocket> { new("127.10.0.1", 80) } });

        Assert.Equal(TranslationMode.Full, translator.LastMode);
    }
}
