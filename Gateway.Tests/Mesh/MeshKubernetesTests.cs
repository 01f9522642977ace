using System.Net;
using System.Text.Json;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Emulators;
using Gateway.Host.Kubernetes;
using Gateway.Host.Mesh;
using Gateway.Tests.Host;
using Gateway.Tests.Mesh.Harness;
using k8s;
using k8s.Models;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.Mesh;

/// <summary>
/// The mesh proxy in Kubernetes mode, started as users start it (<c>dotnet Gateway.Host.dll --mode mesh --source
/// kubernetes --kubeconfig FILE</c>) in a client pod (a network namespace with the product's redirect rules), against
/// the in-process API server started inside that namespace and answering 403 Forbidden for Secrets, as a cluster whose
/// only grant to the proxy is k8s/mesh/rbac.yaml does. The proxy writes no status (the gateway replicas own mesh route
/// status; Gateway.Host/Mesh/README.md), lists and watches only <see cref="MeshHosting.WatchedKinds"/>, and routes a
/// request to a Service's ClusterIP by the HTTPRoute attached to that Service.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MeshKubernetesTests(ITestOutputHelper output)
{
    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private const string ClusterIp = "127.96.0.10";

    [Fact]
    public async Task ProxyProcess_KubernetesSourceWithSecretsForbidden_RoutesByServiceParentRoute_FollowsChanges_WritesNothing()
    {
        await using var pod = MeshPod.Create("client");
        pod.StartEcho("127.97.0.1", new EchoIdentity("mesh", "echo-pod"));
        await using var server = pod.Namespace.Run(() => FakeApiServer.StartAsync().GetAwaiter().GetResult());
        server.Forbid(KindRegistry.Secret);
        server.Apply(new V1Service
        {
            ApiVersion = "v1", Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "echo", NamespaceProperty = "mesh" },
            Spec = new V1ServiceSpec { ClusterIP = ClusterIp, ClusterIPs = [ClusterIp], Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 3000 }] },
        });
        server.Apply(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = "echo-1", NamespaceProperty = "mesh", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "echo" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 3000, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint
            {
                Addresses = ["127.97.0.1"],
                Conditions = new V1EndpointConditions { Ready = true },
                TargetRef = new V1ObjectReference { Kind = "Pod", Name = "echo-pod", NamespaceProperty = "mesh" },
            }],
        });
        server.Apply(Route("first"));
        var routeKey = new ResourceKey("HTTPRoute", "mesh", "echo");
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("mesh-k8s-").FullName, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster: {server: "{{server.BaseAddress.ToString().TrimEnd('/')}}"}
            users:
            - name: fake
              user: {token: fake-token}
            contexts:
            - name: fake
              context: {cluster: fake, user: fake}
            current-context: fake
            """);

        try
        {
            using var start = new CancellationTokenSource(MeshPod.StartTimeout);
            await pod.StartProxyAsync(["--source", "kubernetes", "--kubeconfig", kubeconfig], start.Token);
            using var client = pod.HttpClient();

            // (b) The request to the ClusterIP is redirected to the proxy and routed by the Service parent route.
            using (var json = await GetJsonAsync(client))
            {
                Assert.Equal("echo-pod", json.RootElement.GetProperty("pod").GetString());
                Assert.Equal("first", Header(json, "X-Mesh"));
            }

            // A change through the API server reaches the proxy through its watch (bounded wait).
            server.Apply(Route("second"));
            string? seen = null;
            for (var i = 0; i < 100 && seen != "second"; i++)
            {
                using var json = await GetJsonAsync(client);
                seen = Header(json, "X-Mesh");
                if (seen != "second") await Task.Delay(100);
            }
            Assert.Equal("second", seen);

            // (a) The proxy writes nothing: the route's status stays as the user wrote it (the gateway replicas write it).
            Assert.Null(server.Get<V1HTTPRoute>(routeKey)!.Status?.Parents);
            var requests = server.Requests;
            Assert.Empty(requests.Where(r => r.Verb is not ("list" or "watch")).Select(r => $"{r.Method} {r.Path}"));

            // (c) Secrets are forbidden and never asked for; every kind read is one the proxy needs, and the RBAC grants it.
            var read = requests.Select(r => (r.Group, r.Resource)).ToHashSet();
            var watched = MeshHosting.WatchedKinds.Select(k => (k.Group, KubernetesPermissions.PluralOf(k))).ToHashSet();
            Assert.DoesNotContain(read, r => r.Resource == "secrets");
            Assert.Equal(watched.Order(), read.Order());
            Assert.Subset(MeshRbacGrants(), requests.Select(r => (r.Group, r.Resource, r.Verb)).ToHashSet());
        }
        finally
        {
            output.WriteLine(pod.ProxyOutput);
            Directory.Delete(Path.GetDirectoryName(kubeconfig)!, recursive: true);
        }
    }

    /// <summary>
    /// The other half of "the proxy writes no status": a gateway replica in Kubernetes mode (in-process host, no data
    /// plane) writes the mesh routes' parent statuses through the API server, with our controllerName and the Service
    /// parentRef, GEP-1294 route types included: the GRPCRoute on port 80 is Accepted, the HTTPRoute there Conflicted.
    /// </summary>
    [Fact]
    public async Task GatewayReplica_KubernetesMode_WritesMeshParentStatuses_HttpRouteConflictedByGrpcRoute()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Apply(new V1Service
        {
            ApiVersion = "v1", Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "echo", NamespaceProperty = "mesh" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 3000 }] },
        });
        server.Apply(Route("http"));
        server.Apply(new V1GRPCRoute
        {
            ApiVersion = "gateway.networking.k8s.io/v1", Kind = "GRPCRoute",
            Metadata = new V1ObjectMeta { Name = "echo-grpc", NamespaceProperty = "mesh" },
            Spec = new V1GRPCRouteSpec
            {
                ParentRefs = [new V1GatewayParentReference { Group = "", Kind = "Service", Name = "echo", Port = 80 }],
                Rules = [new V1GRPCRouteRule { BackendRefs = [new V1GRPCBackendRef { Name = "echo", Port = 80 }] }],
            },
        });
        var options = new Gateway.Host.Hosting.GatewayHostOptions
        {
            Kubernetes = new KubernetesHostOptions
            {
                ClientFactory = server.CreateClient,
                Source = new KubernetesSourceOptions { BackoffInitial = TimeSpan.FromMilliseconds(20), BackoffMax = TimeSpan.FromMilliseconds(200) },
            },
        };
        await using var host = Gateway.Host.Hosting.GatewayHost.CreateBuilder(options).Build();
        await host.StartAsync(Wait.Token());
        await host.WaitUntilReadyAsync(Wait.Token());

        V1Condition? Accepted(ResourceKey key) =>
            (key.Kind == "HTTPRoute" ? server.Get<V1HTTPRoute>(key)?.Status : server.Get<V1GRPCRoute>(key)?.Status)?
                .Parents?.SingleOrDefault(p => p.ParentRef.Kind == "Service" && p.ParentRef.Name == "echo" && p.ControllerName == Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName)?
                .Conditions?.SingleOrDefault(c => c.Type == "Accepted");
        var http = new ResourceKey("HTTPRoute", "mesh", "echo");
        var grpc = new ResourceKey("GRPCRoute", "mesh", "echo-grpc");
        await Wait.UntilAsync(() => Accepted(http) is not null && Accepted(grpc) is not null, "both mesh route statuses", TimeSpan.FromSeconds(60));

        Assert.Equal(("True", "Accepted"), (Accepted(grpc)!.Status, Accepted(grpc)!.Reason));
        Assert.Equal(("False", "Conflicted"), (Accepted(http)!.Status, Accepted(http)!.Reason));
    }

    /// <summary>k8s/mesh/rbac.yaml grants list and watch of exactly the kinds the proxy watches, and nothing else.</summary>
    [Fact]
    public void MeshRbac_GrantsExactlyListAndWatchOfTheWatchedKinds()
    {
        var needed = MeshHosting.WatchedKinds
            .SelectMany(k => KubernetesPermissions.ReadVerbs.Select(v => (k.Group, KubernetesPermissions.PluralOf(k), v)))
            .ToHashSet();

        var granted = MeshRbacGrants();

        Assert.Empty(needed.Except(granted).Select(p => $"missing: {p}"));
        Assert.Empty(granted.Except(needed).Select(p => $"not used by the proxy: {p}"));
        Assert.DoesNotContain(MeshHosting.WatchedKinds, k => k == KindRegistry.Secret);
    }

    private static HashSet<(string Group, string Resource, string Verb)> MeshRbacGrants()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "k8s", "mesh", "rbac.yaml");
        var role = Assert.Single(KubernetesYaml.LoadAllFromString(File.ReadAllText(path), strict: true).OfType<V1ClusterRole>());
        return (from rule in role.Rules
                from g in rule.ApiGroups
                from r in rule.Resources
                from v in rule.Verbs
                select (g, r, v)).ToHashSet();
    }

    private static V1HTTPRoute Route(string header) => new()
    {
        ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute",
        Metadata = new V1ObjectMeta { Name = "echo", NamespaceProperty = "mesh" },
        Spec = new V1HTTPRouteSpec
        {
            ParentRefs = [new V1GatewayParentReference { Group = "", Kind = "Service", Name = "echo", Port = 80 }],
            Rules =
            [
                new V1HTTPRouteRule
                {
                    Filters = [new V1HTTPRouteFilter
                    {
                        Type = "RequestHeaderModifier",
                        RequestHeaderModifier = new V1HTTPHeaderFilter { Set = [new V1GatewayHTTPHeader { Name = "X-Mesh", Value = header }] },
                    }],
                    BackendRefs = [new V1HTTPBackendRef { Name = "echo", Port = 80 }],
                },
            ],
        },
    };

    private static string? Header(JsonDocument json, string name) =>
        json.RootElement.GetProperty("headers").TryGetProperty(name, out var values) ? values[0].GetString() : null;

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client)
    {
        using var response = await client.GetAsync($"http://{ClusterIp}/", Bounded);
        var body = await response.Content.ReadAsStringAsync(Bounded);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }
}
