using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Mesh;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
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
}
