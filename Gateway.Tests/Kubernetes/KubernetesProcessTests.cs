using System.Net;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Emulators;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using k8s.Models;
using Xunit;
using Xunit.Abstractions;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// The product as shipped in Kubernetes mode: the real Gateway.Host executable, started the way the StatefulSet starts
/// it (its Program, its defaults, its environment, no test-only switch), pointed at <see cref="FakeApiServer"/> through
/// a kubeconfig file. One replica, then three forming one cluster. Each test walks the life of a user's objects:
/// statuses of every kind written, the per-Gateway Service provisioned and its address taken, traffic served, a change
/// and a deletion followed, dropped watches re-opened.
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string BindAddress = "127.0.88.1";
    private const string BackendAddress = "127.0.88.11";
    private static readonly ResourceKey Web = new("Gateway", "default", "web");
    private static readonly ResourceKey WebRoute = new("HTTPRoute", "default", "web-route");
    private static readonly ResourceKey Class = new("GatewayClass", "", "akka-gateway");
    private FakeApiServer _server = null!;
    private EchoServer _echo = null!;
    private readonly TempDir _dir = new();
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.BodyAfterHeaders = TimeSpan.FromMilliseconds(20);
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(BackendAddress), new EchoIdentity("default", "web-echo-pod")) { HttpPort = 0 });
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            if (replica.Running) output.WriteLine($"--- {replica.Name} ---\n{replica.Tail}");
            await replica.DisposeAsync();
        }
        await _echo.DisposeAsync();
        await _server.DisposeAsync();
        _http.Dispose();
        _dir.Dispose();
    }

    private void SeedObjects()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(Namespace(SystemNamespace));
        _server.Apply(GatewayClass());
        var service = Service("web-echo");
        service.Spec.Ports[0].Name = "http";
        _server.Apply(service);
        _server.Apply(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = "web-echo-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web-echo" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = _echo.HttpEndpoint.Port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [BackendAddress], Conditions = new V1EndpointConditions { Ready = true } }],
        });
        _server.Apply(GatewayObj("web"));
        var route = Route("web-route", "web", backend: "web-echo");
        route.Spec.Hostnames = ["web.example.com"];
        _server.Apply(route);
    }

    /// <summary>A kubeconfig naming the fake API server, as `kubectl config` would write one.</summary>
    private string WriteKubeconfig() => _dir.Write("kubeconfig", $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {{_server.BaseAddress.ToString().TrimEnd('/')}}
        users:
        - name: fake
          user: {token: fake-token}
        contexts:
        - name: fake
          context: {cluster: fake, user: fake}
        current-context: fake
        """);

    /// <summary>The Pod kind, served by the fake API server for cluster bootstrap (the gateway does not watch it).</summary>
    private static readonly KindInfo PodKind = new("Pod", "", typeof(V1Pod), Namespaced: true, HasStatus: false, ["v1"]);

    /// <summary>
    /// Starts replicas with the StatefulSet's arguments (k8s/statefulset.yaml), only addresses and ports made to fit one
    /// machine: loopback instead of the pod IP, one management port per replica. Several replicas find each other as
    /// in a cluster, through Kubernetes discovery: each has a running Pod object with its IP and its container port named
    /// "management". The inline-completions variable is removed unless <paramref name="inlineCompletions"/> is given, so
    /// Program's own default applies.
    /// </summary>
    private void StartReplicas(int count, string portRange, string? inlineCompletions = null)
    {
        var kubeconfig = WriteKubeconfig();
        var ports = Enumerable.Range(0, count).Select(_ => ReplicaProcess.FreePort()).ToList();
        if (count > 1) _server.Install(PodKind);
        for (var i = 0; i < count; i++)
        {
            List<string> args =
            [
                "--source", "kubernetes", "--kubeconfig", kubeconfig,
                "--service-namespace", SystemNamespace, "--pod-selector", "app.kubernetes.io/name=akka-gateway",
                "--container-port-range", portRange, "--service-bind-address", BindAddress,
                "--shutdown-timeout", "30s", "--node-name", $"gateway-{i}",
                "--cluster-host", "127.0.0.1", "--cluster-port", "0",
                "--management-host", "127.0.0.1", "--management-port", ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            if (count > 1)
            {
                args.AddRange(["--discovery", "kubernetes", "--k8s-namespace", SystemNamespace]);
                _server.Apply(PodKind, new V1Pod
                {
                    ApiVersion = "v1",
                    Kind = "Pod",
                    Metadata = new V1ObjectMeta { Name = $"gateway-{i}", NamespaceProperty = SystemNamespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "akka-gateway" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "gateway", Ports = [new V1ContainerPort { Name = "management", ContainerPort = ports[i] }] }] },
                    Status = new V1PodStatus { Phase = "Running", PodIP = "127.0.0.1" },
                });
            }
            var environment = inlineCompletions is null ? new Dictionary<string, string?> { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = null }
                : new Dictionary<string, string?> { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = inlineCompletions };
            var replica = new ReplicaProcess($"gateway-{i}", ports[i], args, environment);
            _replicas.Add(replica);
            replica.Start();
        }
    }

    private V1Condition Condition(ResourceKey gateway, string type) =>
        _server.Get<V1Gateway>(gateway)?.Status?.Conditions?.FirstOrDefault(c => c.Type == type) ?? new V1Condition { Type = type, Status = "Unknown" };

    private string? RouteCondition(ResourceKey route, string type) =>
        _server.Get<V1HTTPRoute>(route)?.Status?.Parents?.FirstOrDefault(p => p.ControllerName == Controller)?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    private V1Service? ServiceOfWeb() => _server.Get<V1Service>(new ResourceKey("Service", SystemNamespace, GatewayServices.ServiceName(Web)));

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(int port, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{BindAddress}:{port}/")) { Headers = { Host = host } };
        try
        {
            using var response = await _http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
        catch (TaskCanceledException e)
        {
            return (0, e.Message);
        }
    }

    private async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                foreach (var r in _replicas) output.WriteLine($"--- {r.Name} ---\n{r.Tail}");
                Assert.Fail($"timed out waiting until {what}");
            }
            await Task.Delay(50);
        }
    }

    private Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => EventuallyAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>The life of a user's objects against the running replicas; every step is a check a user makes.</summary>
    private async Task WalkThroughAsync()
    {
        await EventuallyAsync(() => _server.Get<V1GatewayClass>(Class)?.Status?.Conditions?.Any(c => c.Type == "Accepted" && c.Status == "True") == true,
            "the GatewayClass is Accepted");
        await EventuallyAsync(() => ServiceOfWeb() is not null, "the Gateway's Service is provisioned");
        var port = GatewayServices.ContainerPorts(ServiceOfWeb()!)[new ServicePortKey("TCP", 80)];
        await EventuallyAsync(() => Condition(Web, "Accepted").Status == "True", "the Gateway is Accepted");
        await EventuallyAsync(() => RouteCondition(WebRoute, "Accepted") == "True" && RouteCondition(WebRoute, "ResolvedRefs") == "True", "the route is Accepted with its refs resolved");
        await EventuallyAsync(async () => (await GetAsync(port, "web.example.com")).Body.Contains("\"pod\":\"web-echo-pod\"", StringComparison.Ordinal), "traffic reaches the backend");

        // The pipeline's warm-up ran on the pass that bound the Gateway's socket, not on the first pass after this fresh
        // start, which serves no Gateway (its address comes from the Service provisioned above).
        var first = _replicas[0];
        await EventuallyAsync(() => first.Wrote("Warm-up: ", "passes of the change path"), "the first replica's pipeline warmed up");
        var bound = first.LineOf("bound Http");
        var warmedUp = first.LineOf("Warm-up: ", "passes of the change path");
        Assert.True(bound >= 0 && bound < warmedUp, $"the warm-up (line {warmedUp}) came before the socket was bound (line {bound}):\n{first.Tail}");
        // The status owners' warm-up wrote and removed a synthetic route's status on a throwaway sink that shares statuses
        // as the status subresource does, never through the API server (the synthetic Gateway's namespace is "warm-up").
        await EventuallyAsync(() => first.Wrote("Warm-up: a route entity's status write (Written) and removal (Removed) on a throwaway shared-status sink"),
            "the first replica's status owners warmed up");
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains("/namespaces/warm-up/", StringComparison.Ordinal));

        // A load balancer address assigned by the cloud becomes the Gateway's address, and Programmed turns True.
        _server.SetStatus(new ResourceKey("Service", SystemNamespace, ServiceOfWeb()!.Metadata.Name),
            new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.20" }] } });
        await EventuallyAsync(() => Condition(Web, "Programmed").Status == "True"
            && _server.Get<V1Gateway>(Web)?.Status?.Addresses?.FirstOrDefault()?.Value == "192.0.2.20", "the Gateway is Programmed with the load balancer's address");

        // A second route is added: served, and its status written.
        var second = Route("second", "web", backend: "web-echo");
        second.Spec.Hostnames = ["second.example.com"];
        _server.Apply(second);
        var secondKey = new ResourceKey("HTTPRoute", "default", "second");
        await EventuallyAsync(() => RouteCondition(secondKey, "Accepted") == "True", "the added route's status is written");
        await EventuallyAsync(async () => (await GetAsync(port, "second.example.com")).Status == HttpStatusCode.OK, "the added route is served");

        // Every watch connection is dropped (an API server restart): the watches are opened again and changes still flow.
        var watches = _server.OpenWatches;
        Assert.True(watches >= KindRegistry.All.Count, $"{watches} watches open, expected at least {KindRegistry.All.Count}");
        _server.DropWatches();
        // Counted per kind: a watch that ended on its own timeout just before the drop made the total a poor target.
        await EventuallyAsync(() => KindRegistry.All.All(k => _server.OpenWatchesOf(k) > 0), "every kind is watched again after the drop");
        var broken = Route("second", "web", backend: "missing");
        broken.Spec.Hostnames = ["second.example.com"];
        _server.Apply(broken);
        await EventuallyAsync(() => RouteCondition(secondKey, "ResolvedRefs") == "False", "a change after the drop reaches the status (BackendNotFound)");

        // The route is deleted: its host answers 404, the first route still works.
        _server.Delete(secondKey);
        await EventuallyAsync(async () => (await GetAsync(port, "second.example.com")).Status == HttpStatusCode.NotFound, "the deleted route's host answers 404");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(port, "web.example.com")).Status);

        // The Gateway is deleted: its Service goes.
        _server.Delete(Web);
        await EventuallyAsync(() => ServiceOfWeb() is null, "the deleted Gateway's Service is removed");
    }

    [Fact]
    public async Task ShippedProcess_OneReplica_StatusesServicesTrafficAndReconnectsWork()
    {
        SeedObjects();
        StartReplicas(1, "20300-20349");
        await WalkThroughAsync();
        Assert.True(_replicas[0].Running, "the replica is still running");
    }

    /// <summary>The operator's opt-in to inline socket completions is as safe in Kubernetes mode as the default.</summary>
    [Fact]
    public async Task ProcessWithInlineSocketCompletions_OneReplica_StatusesServicesTrafficAndReconnectsWork()
    {
        SeedObjects();
        StartReplicas(1, "20300-20349", inlineCompletions: "1");
        await WalkThroughAsync();
        Assert.True(_replicas[0].Running, "the replica is still running");
    }

    [Fact]
    public async Task ShippedProcess_ThreeReplicas_StatusesServicesTrafficAndReconnectsWork()
    {
        SeedObjects();
        StartReplicas(3, "20350-20399");
        await EventuallyAsync(async () =>
        {
            try
            {
                var members = (await _replicas[0].GetJsonAsync("cluster/members", Wait.Token(TimeSpan.FromSeconds(5)))).GetProperty("members").EnumerateArray().ToList();
                return members.Count == 3 && members.All(m => m.GetProperty("status").GetString() == "Up");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                return false;
            }
        }, "three members are Up (found through the Pod objects)", TimeSpan.FromSeconds(60));
        Assert.Contains(_server.Requests, r => r.Resource == "pods" && r.Verb == "list" && r.StatusCode == 200);
        await WalkThroughAsync();
        Assert.All(_replicas, r => Assert.True(r.Running, $"{r.Name} is still running"));
    }
}
