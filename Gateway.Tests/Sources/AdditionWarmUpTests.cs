using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;
using Gateway.Tests.Host;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// The file source's added-and-removed-file warm-up (AdditionWarmUp): every pass must take the path of new objects
/// (the throwaway store sees each object added, then removed), stop when asked, and leave no file behind. Real files.
/// </summary>
public sealed class AdditionWarmUpTests : IDisposable
{
    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r1, namespace: a}
        spec:
          parentRefs: [{name: gw}]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: svc, namespace: a}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: svc-1, namespace: a, labels: {kubernetes.io/service-name: svc}}
        addressType: IPv4
        endpoints: [{addresses: [10.0.0.1]}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: other-1, namespace: a, labels: {kubernetes.io/service-name: other}}
        addressType: IPv4
        endpoints: [{addresses: [10.0.0.2]}]
        """;

    private readonly TempDir _dir = new();
    private readonly TempDir _parent = new();

    public void Dispose()
    {
        _dir.Dispose();
        _parent.Dispose();
    }

    /// <summary>The route, its Service and that Service's slice, as a catalog over <see cref="Manifests"/> stamped them.</summary>
    private List<IKubernetesObject<V1ObjectMeta>> RouteAndBackends()
    {
        _dir.Write("all.yaml", Manifests);
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();
        var objects = catalog.Objects;
        var route = objects[new ResourceKey("HTTPRoute", "a", "r1")];
        return WarmUpObjects.RouteAndBackends(route, k => objects.GetValueOrDefault(k), objects.Values.OfType<V1EndpointSlice>()).Select(o => o.Object).ToList();
    }

    [Fact]
    public void RouteAndBackends_IsTheRouteItsFirstBackendServiceAndOnlyThatServicesSlices()
    {
        var names = RouteAndBackends().Select(o => $"{o.Kind}/{o.Metadata.Name}").ToList();

        Assert.Equal(["HTTPRoute/r1", "Service/svc", "EndpointSlice/svc-1"], names);
    }

    [Fact]
    public void Run_EveryPassAddsEachObjectAndRemovesIt_AndLeavesNoDirectoryBehind()
    {
        var objects = RouteAndBackends();

        var outcome = AdditionWarmUp.Run(objects, passes: 5, TimeSpan.FromMinutes(10), () => false, _parent.Path);

        Assert.Equal(new AdditionWarmUp.Outcome(5, 5 * objects.Count, 5 * objects.Count), outcome);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Run_StopAsked_EndsBeforeTheNextPass()
    {
        var objects = RouteAndBackends();
        var asked = 0;

        var outcome = AdditionWarmUp.Run(objects, passes: 100, TimeSpan.FromMinutes(10), () => ++asked > 2, _parent.Path);

        Assert.Equal(2, outcome.Passes);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_parent.Path));
    }
}
