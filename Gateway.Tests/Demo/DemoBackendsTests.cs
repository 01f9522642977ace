using System.Net;
using System.Text.Json;
using Gateway.Actors.Resources;
using Gateway.Host.Demo;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.Demo;

[Trait("Category", "EndToEnd")]
public sealed class DemoBackendsTests : IDisposable
{
    // A pool of its own, so these pods never share an address and port with another test's backends.
    private const string Pool = "127.29.0.0/24";
    private readonly string _output = Path.Combine(Path.GetTempPath(), "demo-backends-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Sync_QuickstartExamples_RunsEveryReplicaAndWritesTheirEndpointSlices()
    {
        using var demo = new DemoBackends([Path.Combine(TestPaths.RepoRoot, "examples", "quickstart")], _output, NullLogger<DemoBackends>.Instance, addressPool: Pool);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await demo.SyncAsync(timeout.Token);

            Assert.Equal(["checkout", "store-v1", "store-v1", "store-v2"], demo.Pods.Select(p => p.Pod.Deployment).Order(StringComparer.Ordinal));
            Assert.All(demo.Pods, p => Assert.StartsWith(p.Pod.Deployment + "-", p.Pod.Name, StringComparison.Ordinal));
            Assert.All(demo.Pods, p => Assert.True(IPNetwork.Parse(Pool).Contains(p.Address), $"{p.Address} outside {Pool}"));

            var slices = ManifestParser.SplitDocuments(await File.ReadAllTextAsync(Path.Combine(_output, "endpointslices.yaml"), timeout.Token))
                .Where(d => d.Text.Trim().Length > 0)
                .Select(d => KubernetesYaml.Deserialize<V1EndpointSlice>(d.Text))
                .ToDictionary(s => s.Metadata.Labels["kubernetes.io/service-name"]);
            Assert.Equal(["checkout", "store-v1", "store-v2"], slices.Keys.Order(StringComparer.Ordinal));
            foreach (var (service, slice) in slices)
            {
                var pods = demo.Pods.Where(p => p.Pod.Deployment == service).ToList();
                Assert.Equal(pods.Select(p => p.Address.ToString()).Order(StringComparer.Ordinal), slice.Endpoints.Select(e => e.Addresses.Single()).Order(StringComparer.Ordinal));
                Assert.Equal(3000, Assert.Single(slice.Ports).Port);
            }

            // What the README's curl lines read: the pod that answered and the headers the gateway added.
            var checkout = demo.Pods.Single(p => p.Pod.Deployment == "checkout");
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{checkout.Address}:3000/checkout/cart");
            request.Headers.Host = "store.example.com";
            request.Headers.Add("x-routed-by", "akka-gateway");
            using var response = await client.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var json = JsonDocument.Parse(body).RootElement;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains($"\"pod\":\"{checkout.Pod.Name}\"", body, StringComparison.Ordinal);
            Assert.Contains("\"X-Routed-By\":[\"akka-gateway\"]", body, StringComparison.Ordinal);
            Assert.Equal("/checkout/cart", json.GetProperty("path").GetString());
            Assert.Equal("store.example.com", json.GetProperty("host").GetString());
            Assert.Equal("default", json.GetProperty("namespace").GetString());
        }
        finally
        {
            await demo.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Pods_DeploymentsOtherThanTheHttpEcho_NotRunWithTheirReason()
    {
        var manifests = DemoPlan.Read([("m.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: grpc, namespace: ns-a}
            spec:
              template:
                spec:
                  containers:
                  - name: echo
                    image: registry.k8s.io/gateway-api/echo-basic:v1.5.1
                    env: [{name: GRPC_ECHO_SERVER, value: "1"}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              template:
                spec:
                  containers: [{name: web, image: nginx:1.27}]
            """)]);

        var (pods, notRun) = DemoPlan.Pods(manifests.Deployments);

        Assert.Empty(pods);
        Assert.Equal(["default/web: image nginx:1.27 is not echo-basic", "ns-a/grpc: GRPC_ECHO_SERVER is set; the demo runs only the HTTP echo"], notRun);
    }

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }
}
