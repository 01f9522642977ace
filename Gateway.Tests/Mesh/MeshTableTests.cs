using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Mesh;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary>
/// <see cref="MeshTable.Lookup"/>: (ClusterIP, port, client namespace) → the producer routes, the client namespace's
/// consumer routes, or passthrough (GEP-1294 "Producer and consumer routes"); on a hand-built table and on one the
/// translator built from manifests.
/// </summary>
public class MeshTableTests
{
    private static readonly IPAddress Echo = IPAddress.Parse("127.96.0.5");
    private static readonly ListenerRouteTable Producer = new("mesh/mesh/echo:80", null, null, [], []);
    private static readonly ListenerRouteTable ConsumerA = new("mesh/mesh/echo:80/consumer/client-a", null, null, [], []);

    private static MeshTable Table() => new([
        new MeshService("mesh", "echo", [Echo], [
            new MeshServicePort(80, "http", null, Producer, ImmutableSortedDictionary<string, ListenerRouteTable>.Empty.Add("client-a", ConsumerA), [new BackendEndpoint("10.0.0.1", 8080)]),
            new MeshServicePort(8080, "http-alt", null, null, ImmutableSortedDictionary<string, ListenerRouteTable>.Empty, [new BackendEndpoint("10.0.0.1", 8080)]),
        ]),
    ]);

    [Theory]
    [InlineData("mesh")]
    [InlineData("client-b")]
    public void Lookup_ClientWithoutConsumerRoutes_GetsProducerRoutes(string clientNamespace)
    {
        var d = Table().Lookup(Echo, 80, clientNamespace);
        Assert.NotNull(d);
        Assert.Same(Producer, d.Routes);
        Assert.Equal(MeshRouteScope.Producer, d.Scope);
        Assert.Equal("echo", d.Service.Name);
    }

    [Fact]
    public void Lookup_ClientNamespaceWithConsumerRoutes_GetsOnlyItsConsumerRoutes()
    {
        var d = Table().Lookup(Echo, 80, "client-a");
        Assert.NotNull(d);
        Assert.Same(ConsumerA, d.Routes);
        Assert.Equal(MeshRouteScope.Consumer, d.Scope);
    }

    [Fact]
    public void Lookup_PortWithoutRoutes_IsPassthroughToThePortsEndpoints()
    {
        var d = Table().Lookup(Echo, 8080, "client-a");
        Assert.NotNull(d);
        Assert.Null(d.Routes);
        Assert.Equal(MeshRouteScope.Passthrough, d.Scope);
        Assert.Equal([new BackendEndpoint("10.0.0.1", 8080)], d.Port.Endpoints.ToArray());
    }

    [Fact]
    public void Lookup_AddressOrPortThatIsNoServiceFrontend_IsNull()
    {
        Assert.Null(Table().Lookup(IPAddress.Parse("127.96.0.6"), 80, "mesh"));
        Assert.Null(Table().Lookup(Echo, 81, "mesh"));
        Assert.Null(MeshTable.Empty.Lookup(Echo, 80, "mesh"));
    }

    [Fact]
    public void Lookup_IPv4MappedIPv6Address_FindsTheIPv4ClusterIP()
    {
        Assert.Same(Producer, Table().Lookup(Echo.MapToIPv6(), 80, "client-b")?.Routes);
    }

    [Fact]
    public void Lookup_OnTranslatedConsumerCase_EachNamespaceGetsItsOwnRoutes()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "mesh-consumer", "input.yaml");
        var parsed = ManifestParser.Parse(path, File.ReadAllText(path));
        Assert.Empty(parsed.Diagnostics);
        var mesh = Translator.Translate(Snapshot.From(1, parsed.Objects.Select(o => o.Object)), new TranslatorOptions()).Mesh;
        var echo = Assert.Single(mesh.Services, s => s.Name == "echo");
        var ip = Assert.Single(echo.ClusterIPs);

        string? HeaderFor(string ns) => mesh.Lookup(ip, 80, ns)?.Routes?.HttpRoutes
            .Select(e => e.Filters.ResponseHeaders?.Set.SingleOrDefault(h => h.Name == "X-Route")?.Value).FirstOrDefault(v => v is not null);
        Assert.Equal("producer", HeaderFor("mesh"));
        Assert.Equal("producer", HeaderFor("unrelated"));
        Assert.Equal("consumer-a", HeaderFor("client-a"));
        // client-b's consumer route sets no header, and replaces the producer route for client-b's clients.
        var b = mesh.Lookup(ip, 80, "client-b");
        Assert.Equal(MeshRouteScope.Consumer, b?.Scope);
        Assert.Null(HeaderFor("client-b"));
        Assert.All(b!.Routes!.HttpRoutes, e => Assert.Equal(new ResourceKey("HTTPRoute", "client-b", "consumer"), e.Route));
    }

    /// <summary>
    /// Without passthrough (a gateway replica) the table holds only the Services mesh routes attach to, with the same
    /// entries as the full table, and is empty when no route has a Service parent.
    /// </summary>
    [Fact]
    public void Build_WithoutPassthrough_HoldsOnlyServicesWithMeshRoutes_AndNothingWithoutThem()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "mesh-consumer", "input.yaml");
        var objects = ManifestParser.Parse(path, File.ReadAllText(path)).Objects.Select(o => o.Object).ToList();
        var full = Translator.Translate(Snapshot.From(1, objects), new TranslatorOptions()).Mesh;
        var gateway = Translator.Translate(Snapshot.From(1, objects), new TranslatorOptions { MeshPassthrough = false }).Mesh;

        var routed = full.Services.Where(s => s.Ports.Any(p => p.ProducerRoutes is not null || p.ConsumerRoutes.Count > 0)).ToList();
        Assert.NotEmpty(routed);
        Assert.True(full.Services.Length > routed.Count, "the case should also hold a Service without mesh routes");
        Assert.Equal(routed.Select(s => $"{s.Namespace}/{s.Name}"), gateway.Services.Select(s => $"{s.Namespace}/{s.Name}"));
        Assert.Equal(MeshTableYaml.Render(new MeshTable([.. routed])), MeshTableYaml.Render(gateway));

        var withoutMeshRoutes = objects.Where(o => o is not Gateway.Actors.Model.V1HTTPRoute and not Gateway.Actors.Model.V1GRPCRoute).ToList();
        Assert.Same(MeshTable.Empty, Translator.Translate(Snapshot.From(1, withoutMeshRoutes), new TranslatorOptions { MeshPassthrough = false }).Mesh);
    }

    private static List<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> RouteTypesCase()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "mesh-route-types", "input.yaml");
        var parsed = ManifestParser.Parse(path, File.ReadAllText(path));
        Assert.Empty(parsed.Diagnostics);
        return [.. parsed.Objects.Select(o => o.Object)];
    }

    private static ImmutableArray<ResourceKey>? RoutesServed(MeshTable mesh, int port, string clientNamespace)
    {
        var echo = Assert.Single(mesh.Services, s => s.Name == "echo");
        return mesh.Lookup(Assert.Single(echo.ClusterIPs), port, clientNamespace)?.Routes?.HttpRoutes.Select(e => e.Route).Distinct().ToImmutableArray();
    }

    /// <summary>
    /// GEP-1294 route types: on a Service port where a GRPCRoute and an HTTPRoute of the same group attach, the proxy
    /// serves only the GRPCRoute; the HTTPRoute keeps the ports no GRPCRoute took; a consumer namespace's HTTPRoute does
    /// not conflict with the producer's GRPCRoute.
    /// </summary>
    [Fact]
    public void Lookup_OnRouteTypesCase_ServesGrpcRouteWhereBothTypesAttach_AndHttpRouteOnTheOtherPorts()
    {
        var mesh = Translator.Translate(Snapshot.From(1, RouteTypesCase()), new TranslatorOptions()).Mesh;
        var grpc = new ResourceKey("GRPCRoute", "mesh", "grpc");
        var httpAll = new ResourceKey("HTTPRoute", "mesh", "http-all");

        Assert.Equal([grpc], RoutesServed(mesh, 9000, "mesh"));
        Assert.Equal([grpc], RoutesServed(mesh, 9000, "other"));
        Assert.Equal([httpAll], RoutesServed(mesh, 80, "mesh"));
        Assert.Equal([new ResourceKey("HTTPRoute", "client-a", "consumer-http")], RoutesServed(mesh, 9000, "client-a"));
        Assert.Equal([new ResourceKey("GRPCRoute", "client-b", "consumer-grpc")], RoutesServed(mesh, 80, "client-b"));
    }

    /// <summary>The HTTPRoute that lost its only port says Conflicted; it is Accepted again once the GRPCRoute goes, in both translators.</summary>
    [Fact]
    public void RouteTypes_HttpRouteConflictedWhileGrpcRouteAttached_AcceptedAfterItGoes_IncrementalEqualsFull()
    {
        var objects = RouteTypesCase();
        var httpGrpcPort = new ResourceKey("HTTPRoute", "mesh", "http-grpc-port");
        string Accepted(TranslationResult r) => ((DesiredRouteStatus)r.Statuses[httpGrpcPort]).Status.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted") is var c
            ? $"{c.Status}/{c.Reason}" : "";

        var incremental = new IncrementalTranslator();
        var first = incremental.Translate(Snapshot.From(1, objects), new TranslatorOptions());
        Assert.Equal("False/Conflicted", Accepted(first));

        var withoutGrpc = objects.Where(o => !(o is Gateway.Actors.Model.V1GRPCRoute g && g.Metadata.NamespaceProperty == "mesh")).ToList();
        var second = incremental.Translate(Snapshot.From(2, withoutGrpc), new TranslatorOptions());
        Assert.Equal(TranslationMode.Incremental, incremental.LastMode);
        Assert.Equal("True/Accepted", Accepted(second));
        var full = Translator.Translate(Snapshot.From(2, withoutGrpc), new TranslatorOptions());
        Assert.Equal(StatusYaml.Render(full.Statuses), StatusYaml.Render(second.Statuses));
        Assert.Equal(MeshTableYaml.Render(full.Mesh), MeshTableYaml.Render(second.Mesh));
        Assert.Contains(httpGrpcPort, RoutesServed(second.Mesh, 9000, "mesh")!.Value);

        var third = incremental.Translate(Snapshot.From(3, objects), new TranslatorOptions());
        Assert.Equal(TranslationMode.Incremental, incremental.LastMode);
        Assert.Equal("False/Conflicted", Accepted(third));
        Assert.Equal(StatusYaml.Render(first.Statuses), StatusYaml.Render(third.Statuses));
    }

    /// <summary>
    /// An EndpointSlice written by <c>KubernetesYaml.Serialize</c> (block style, endpoints[].targetRef and conditions,
    /// as the conformance harness patches slices) gives the mesh port its endpoints like hand-written YAML does: on the
    /// first translation, and when it replaces a slice without endpoints (the incremental path a file change takes).
    /// </summary>
    [Fact]
    public void Endpoints_FromKubernetesYamlSerializedSliceWithTargetRef_AreThePortsEndpoints_FullAndIncremental()
    {
        const string manifests = """
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: mesh}
            spec:
              ports:
              - {name: http, port: 80, targetPort: 3000}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: echo, namespace: mesh}
            spec:
              parentRefs:
              - {group: "", kind: Service, name: echo}
              rules:
              - backendRefs:
                - {name: echo, port: 80}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: echo-ip4
              namespace: mesh
              labels: {kubernetes.io/service-name: echo}
            addressType: IPv4
            ports:
            - {name: http, port: 3000, protocol: TCP}
            endpoints: []

            """;
        var slice = k8s.KubernetesYaml.Deserialize<k8s.Models.V1EndpointSlice>(manifests.Split("---\n")[2]);
        slice.Endpoints = [new k8s.Models.V1Endpoint
        {
            Addresses = ["127.97.0.1"],
            Conditions = new k8s.Models.V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            TargetRef = new k8s.Models.V1ObjectReference { Kind = "Pod", Name = "echo-pod", NamespaceProperty = "mesh" },
        }];
        var serialized = k8s.KubernetesYaml.Serialize(slice);
        Assert.Contains("targetRef:", serialized, StringComparison.Ordinal);
        var patched = string.Join("---\n", manifests.Split("---\n")[..2]) + "---\n" + serialized;

        List<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> Parse(string text)
        {
            var parsed = ManifestParser.Parse("mesh.yaml", text);
            Assert.Empty(parsed.Diagnostics);
            return [.. parsed.Objects.Select(o => o.Object)];
        }
        BackendEndpoint[] PortEndpoints(MeshTable mesh) => [.. Assert.Single(Assert.Single(mesh.Services).Ports).Endpoints];
        BackendEndpoint[] expected = [new BackendEndpoint("127.97.0.1", 3000)];

        Assert.Equal(expected, PortEndpoints(Translator.Translate(Snapshot.From(1, Parse(patched)), new TranslatorOptions()).Mesh));
        var incremental = new IncrementalTranslator();
        Assert.Empty(PortEndpoints(incremental.Translate(Snapshot.From(1, Parse(manifests)), new TranslatorOptions()).Mesh));
        var after = incremental.Translate(Snapshot.From(2, Parse(patched)), new TranslatorOptions()).Mesh;
        Assert.Equal(TranslationMode.Incremental, incremental.LastMode);
        Assert.Equal(expected, PortEndpoints(after));
    }
}
