using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Emulators.Kubernetes;
using k8s;
using k8s.Models;
using Xunit;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Emulators;

/// <summary>The test API server keeps the API conventions the other tests rely on (checked through KubernetesClient).</summary>
[Trait("Category", "Kubernetes")]
public sealed class FakeApiServerTests : IAsyncLifetime
{
    private static readonly ResourceKey Web = new("Gateway", "default", "web");
    private FakeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task StatusPatch_TouchesOnlyStatus_BumpsResourceVersionNotGeneration()
    {
        _server.Apply(GatewayObj("web"));
        var before = _server.Get<V1Gateway>(Web)!;
        using var client = _server.CreateClient();
        var patch = new V1Patch("""{"spec":{"gatewayClassName":"hijacked"},"status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""",
            V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "gateway.networking.k8s.io", "v1", "default", "gateways", "web");

        var after = _server.Get<V1Gateway>(Web)!;
        Assert.Equal("akka-gateway", after.Spec.GatewayClassName);
        Assert.Equal("Accepted", Assert.Single(after.Status!.Conditions!).Type);
        Assert.Equal(before.Metadata.Generation, after.Metadata.Generation);
        Assert.True(long.Parse(after.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(before.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task StatusPatch_OfAnEqualStatus_RecordedAsANoOpWithoutANewResourceVersion()
    {
        _server.Apply(GatewayObj("web"));
        using var client = _server.CreateClient();
        var patch = new V1Patch("""{"status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""",
            V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "gateway.networking.k8s.io", "v1", "default", "gateways", "web");
        var version = _server.Get<V1Gateway>(Web)!.Metadata.ResourceVersion;
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "gateway.networking.k8s.io", "v1", "default", "gateways", "web");

        Assert.Equal(version, _server.Get<V1Gateway>(Web)!.Metadata.ResourceVersion);
        var patches = _server.Requests.Where(r => r.Verb == "patch" && r.Resource == "gateways/status").ToList();
        Assert.Equal([true, false], patches.Select(r => r.Changed));
        Assert.All(patches, r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public async Task Requests_RecordedAsTheAnswerStarts_CompletedWhenItEnds()
    {
        _server.Apply(GatewayObj("web"));
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var watch = await http.GetAsync("/apis/gateway.networking.k8s.io/v1/gateways?watch=true", HttpCompletionOption.ResponseHeadersRead);

        // The watch's answer started (its headers are here) and goes on: recorded, not completed.
        var open = Assert.Single(_server.Requests, r => r.Verb == "watch");
        Assert.False(open.Completed);
        await http.GetStringAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/web");
        await Eventually(() => _server.Requests.Any(r => r.Verb == "get" && r.Completed), "the get's answer completed");
        Assert.False(open.Completed);
    }

    [Fact]
    public void Update_SpecChangeBumpsGeneration_MetadataChangeDoesNot()
    {
        _server.Apply(GatewayObj("web"));
        var labelled = GatewayObj("web");
        labelled.Metadata.Labels = new Dictionary<string, string> { ["a"] = "b" };
        Assert.Equal(1, _server.Apply(labelled).Metadata.Generation);
        Assert.Equal(2, _server.Apply(GatewayObj("web", listeners: ("http", 81, "HTTP"))).Metadata.Generation);
    }

    [Fact]
    public async Task Watch_FromCompactedVersion_ErrorEventGone()
    {
        _server.Apply(GatewayObj("web"));
        var old = _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _server.Apply(GatewayObj("api"));
        _server.Compact();
        using var client = _server.CreateClient();
        var api = new Gateway.Host.Kubernetes.KubernetesApi(client);
        Exception? error = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await foreach (var _ in api.WatchAsync(KindRegistry.Gateway, "v1", old, 5, e => error = e, cts.Token)) { }
        Assert.Equal(System.Net.HttpStatusCode.Gone, Gateway.Host.Kubernetes.KubernetesApi.StatusOf(error!));
    }
}
