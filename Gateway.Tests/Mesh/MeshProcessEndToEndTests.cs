using System.Net;
using System.Text.Json;
using Gateway.Emulators;
using Gateway.Emulators.Grpc;
using Gateway.Tests.Mesh.Harness;
using Grpc.Net.Client;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary>
/// The mesh as shipped: manifests with Service parents in a folder, two client pods (network namespaces with the
/// product's redirect rules), each running the mesh proxy as a process (<c>dotnet Gateway.Host.dll --mode mesh</c>) and
/// its own echo pods; requests sent from inside the pods to ClusterIPs.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MeshProcessEndToEndTests(MeshProcessEndToEndTests.Pods pods) : IClassFixture<MeshProcessEndToEndTests.Pods>
{
    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task HttpRouteWithServiceParent_PathMatchHeaderModifierAndWeights_Apply()
    {
        using var client = pods.Client.HttpClient();

        using var v2 = await GetJsonAsync(client, "http://127.96.0.10/v2/page");
        var others = new List<JsonDocument>();
        for (var i = 0; i < 5; i++) others.Add(await GetJsonAsync(client, "http://127.96.0.10/other"));

        Assert.Equal("echo-v2-pod", Pod(v2));
        Assert.Equal("v2", Header(v2, "X-Mesh"));
        Assert.All(others, json =>
        {
            // The weight-0 backend (echo-v2) never answers this rule.
            Assert.Equal("echo-v1-pod", Pod(json));
            Assert.Equal("producer", Header(json, "X-Mesh"));
        });
        others.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task ServiceWithoutRoutes_IsPassedThroughToItsEndpoint()
    {
        using var client = pods.Client.HttpClient();

        using var json = await GetJsonAsync(client, "http://127.96.0.13/plain");

        Assert.Equal("echo-v1-pod", Pod(json));
        Assert.False(json.RootElement.GetProperty("headers").TryGetProperty("X-Forwarded-For", out _));
    }

    [Fact]
    public async Task GrpcRouteWithServiceParent_RoutesTheMethodWithItsFilter()
    {
        using var channel = GrpcChannel.ForAddress("http://127.96.0.12", new GrpcChannelOptions { HttpHandler = pods.Client.Namespace.HttpHandler() });

        var reply = await new GrpcEcho.GrpcEchoClient(channel).EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: Bounded);

        Assert.Equal("grpc-pod", reply.Assertions.Context.Pod);
        Assert.Contains(reply.Assertions.Headers, h => h.Key == "x-mesh" && h.Value == "grpc");
    }

    [Fact]
    public async Task ConsumerRoute_AppliesOnlyToTheClientInItsNamespace()
    {
        using var consumer = pods.Consumer.HttpClient();
        using var other = pods.Client.HttpClient();

        using var fromConsumer = await GetJsonAsync(consumer, "http://127.96.0.10/other");
        using var fromOther = await GetJsonAsync(other, "http://127.96.0.10/other");

        Assert.Equal("echo-v2-pod", Pod(fromConsumer));
        Assert.Equal("consumer", Header(fromConsumer, "X-Mesh"));
        Assert.Equal("echo-v1-pod", Pod(fromOther));
        Assert.Equal("producer", Header(fromOther, "X-Mesh"));
    }

    [Fact]
    public async Task MeshProxy_WritesNoStatus()
    {
        // Served a request, so its first pass (translation, apply, status hand-off) is long done.
        using var client = pods.Client.HttpClient();
        using var _ = await GetJsonAsync(client, "http://127.96.0.10/");

        Assert.Empty(Directory.EnumerateFileSystemEntries(pods.StatusDirectory));
    }

    private static string? Pod(JsonDocument json) => json.RootElement.GetProperty("pod").GetString();

    private static string? Header(JsonDocument json, string name) =>
        json.RootElement.GetProperty("headers").TryGetProperty(name, out var values) ? values[0].GetString() : null;

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Bounded);
        var body = await response.Content.ReadAsStringAsync(Bounded);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>The manifests, and two pods: one in namespace "client" (producer routes), one in "consumer".</summary>
    public sealed class Pods : IAsyncLifetime
    {
        private readonly string _manifests = Directory.CreateTempSubdirectory("mesh-e2e-").FullName;

        /// <summary>The client pod proxy's --status-dir (the gateway replicas write statuses, never a proxy).</summary>
        public string StatusDirectory { get; } = Directory.CreateTempSubdirectory("mesh-e2e-status-").FullName;

        public MeshPod Client { get; private set; } = null!;

        public MeshPod Consumer { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await File.WriteAllTextAsync(Path.Combine(_manifests, "mesh.yaml"), Manifests);
            using var timeout = new CancellationTokenSource(MeshPod.StartTimeout);
            Client = StartPod("client");
            Consumer = StartPod("consumer");
            await Task.WhenAll(Client.StartProxyAsync(_manifests, timeout.Token, StatusDirectory), Consumer.StartProxyAsync(_manifests, timeout.Token));
        }

        private static MeshPod StartPod(string ns)
        {
            var pod = MeshPod.Create(ns);
            pod.StartEcho("127.97.0.1", new EchoIdentity("mesh", "echo-v1-pod"));
            pod.StartEcho("127.97.0.2", new EchoIdentity("mesh", "echo-v2-pod"));
            pod.StartGrpcEcho("127.97.0.3", new EchoIdentity("mesh", "grpc-pod"));
            return pod;
        }

        public async Task DisposeAsync()
        {
            if (Client is not null) await Client.DisposeAsync();
            if (Consumer is not null) await Consumer.DisposeAsync();
            Directory.Delete(_manifests, recursive: true);
            Directory.Delete(StatusDirectory, recursive: true);
        }

        private static string Service(string name, string clusterIp, string endpoint, string? appProtocol = null) => $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: {{name}}, namespace: mesh}
            spec:
              clusterIP: {{clusterIp}}
              ports:
              - {name: http, port: 80, targetPort: 3000{{(appProtocol is null ? "" : $", appProtocol: {appProtocol}")}}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: {{name}}-1
              namespace: mesh
              labels: {kubernetes.io/service-name: {{name}}}
            addressType: IPv4
            ports:
            - {name: http, port: 3000}
            endpoints:
            - addresses: [{{endpoint}}]
            ---

            """;

        private static readonly string Manifests = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: mesh}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: client}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: consumer}
            ---

            """
            + Service("echo", "127.96.0.10", "127.97.0.1")
            + Service("echo-v2", "127.96.0.11", "127.97.0.2")
            + Service("grpc", "127.96.0.12", "127.97.0.3", "kubernetes.io/h2c")
            + Service("plain", "127.96.0.13", "127.97.0.1")
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: echo, namespace: mesh}
            spec:
              parentRefs:
              - {group: "", kind: Service, name: echo, port: 80}
              rules:
              - matches:
                - path: {type: PathPrefix, value: /v2}
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Mesh, value: v2}]
                backendRefs:
                - {name: echo-v2, port: 80}
              - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Mesh, value: producer}]
                backendRefs:
                - {name: echo, port: 80, weight: 1}
                - {name: echo-v2, port: 80, weight: 0}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: echo-for-consumer, namespace: consumer}
            spec:
              parentRefs:
              - {group: "", kind: Service, name: echo, namespace: mesh, port: 80}
              rules:
              - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Mesh, value: consumer}]
                backendRefs:
                - {name: echo-v2, namespace: mesh, port: 80}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc, namespace: mesh}
            spec:
              parentRefs:
              - {group: "", kind: Service, name: grpc, port: 80}
              rules:
              - matches:
                - method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: x-mesh, value: grpc}]
                backendRefs:
                - {name: grpc, port: 80}

            """;
    }
}
