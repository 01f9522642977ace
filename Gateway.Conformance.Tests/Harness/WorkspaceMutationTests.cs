using System.Net;
using Gateway.Actors.Resources;
using Gateway.Emulators;
using Gateway.Conformance.Tests.Catalog;
using k8s.Models;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>Mid-test mutations the harness makes on applied manifests: EndpointSlice patches and static address pools.</summary>
public sealed class WorkspaceMutationTests
{
    private static string Manifest(string name) => File.ReadAllText(Path.Combine(TestPaths.ConformanceDir, "manifests", "tests", name));

    private static V1EndpointSlice Slice(string text, string name) =>
        (V1EndpointSlice)ManifestParser.Parse("t.yaml", text).Objects.Single(o => o.Key == new ResourceKey("EndpointSlice", ConformanceCertificates.Infra, name)).Object;

    [Fact]
    public void PatchEndpointSlices_Ipv4Pods_PatchTheIp4SlicesAndLeaveIp6SlicesAsUpstreamDoes()
    {
        var text = Manifest("httproute-service-types.yaml");
        PodIp[] pods = [new(ConformanceCertificates.Infra, "infra-backend-v1-a-b", IPAddress.Parse("127.20.0.5")), new(ConformanceCertificates.Infra, "infra-backend-v1-a-c", IPAddress.Parse("127.20.0.6"))];

        var patched = EndpointSlicePatch.Apply(text, ConformanceCertificates.Infra, ["manual-endpointslices", "headless-manual-endpointslices"], pods);

        foreach (var name in new[] { "manual-endpointslices-ip4", "headless-manual-endpointslices-ip4" })
        {
            var slice = Slice(patched, name);
            Assert.Equal(["127.20.0.5", "127.20.0.6"], slice.Endpoints.Select(e => e.Addresses.Single()));
            Assert.All(slice.Endpoints, e => Assert.True(e.Conditions.Ready == true && e.Conditions.Serving == true && e.Conditions.Terminating == false));
            Assert.Equal(["infra-backend-v1-a-b", "infra-backend-v1-a-c"], slice.Endpoints.Select(e => e.TargetRef.Name));
            Assert.Equal("first-port", slice.Ports.Single().Name);
        }
        Assert.Null(Slice(patched, "manual-endpointslices-ip6").Endpoints);
        // Documents that are not patched stay as they were.
        Assert.Contains("  name: headless\n  namespace: gateway-conformance-infra\nspec:\n  clusterIP: None", patched, StringComparison.Ordinal);
    }

    [Fact]
    public void PatchEndpointSlices_DualStackPods_PatchEachFamilyWithItsOwnAddresses()
    {
        var text = Manifest("httproute-service-types.yaml");
        PodIp[] pods = [new(ConformanceCertificates.Infra, "p-a-b", IPAddress.Parse("127.20.0.5")), new(ConformanceCertificates.Infra, "p-a-b", IPAddress.Parse("fd00::5"))];

        var patched = EndpointSlicePatch.Apply(text, ConformanceCertificates.Infra, ["manual-endpointslices"], pods);

        Assert.Equal(["127.20.0.5"], Slice(patched, "manual-endpointslices-ip4").Endpoints.Select(e => e.Addresses.Single()));
        Assert.Equal(["fd00::5"], Slice(patched, "manual-endpointslices-ip6").Endpoints.Select(e => e.Addresses.Single()));
        Assert.Null(Slice(patched, "headless-manual-endpointslices-ip4").Endpoints);
        Assert.Throws<InvalidOperationException>(() => EndpointSlicePatch.Apply(text, ConformanceCertificates.Infra, ["no-such-slices"], pods));
    }

    [Fact]
    public async Task Substitute_StaticAddressPlaceholders_BecomeThePoolsInOrderAndTheTestsEditsStillFind()
    {
        var root = Path.Combine(Path.GetTempPath(), "workspace-" + Guid.NewGuid().ToString("N"));
        // Its own backend pool: the conformance fixture runs at the same time with pods of the same names on 127.20/16.
        await using var emulator = new BackendEmulator(new BackendEmulatorOptions { AddressPool = "127.24.0.0/16" });
        await using var workspace = new ConformanceWorkspace(root, TestPaths.ConformanceDir, "gc", "example.com/c", SharedCertificates.Value, emulator, ["127.31.0.10"], ["192.0.2.1"]);

        var applied = workspace.Substitute(Manifest("gateway-static-addresses.yaml"));
        var gateway = (Gateway.Actors.Model.V1Gateway)ManifestParser.Parse("g.yaml", applied).Objects.Single(o => o.Key.Kind == "Gateway").Object;

        Assert.Equal([("test/fake-invalid-type", "fake address teehee!"), ("IPAddress", "192.0.2.1"), ("IPAddress", "127.31.0.10")],
            gateway.Spec.Addresses!.Select(a => (a.Type, a.Value)));
        Assert.Equal("gc", gateway.Spec.GatewayClassName);
        // The catalog's removal edits are written against the upstream text; substituted, they match the applied copy once.
        foreach (var edit in ConformanceCatalog.All.Single(t => t.Name == "GatewayStaticAddresses").Steps.OfType<EditManifestStep>())
        {
            var find = workspace.Substitute(edit.Find);
            var at = applied.IndexOf(find, StringComparison.Ordinal);
            Assert.True(at >= 0 && applied.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, edit.Description);
            applied = applied[..at] + edit.Replace + applied[(at + find.Length)..];
        }
        var final = (Gateway.Actors.Model.V1Gateway)ManifestParser.Parse("g.yaml", applied).Objects.Single(o => o.Key.Kind == "Gateway").Object;
        Assert.Equal([("IPAddress", "127.31.0.10")], final.Spec.Addresses!.Select(a => (a.Type, a.Value)));
    }
}
