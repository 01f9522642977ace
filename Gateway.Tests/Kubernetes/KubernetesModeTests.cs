using System.Net;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Emulators;
using Gateway.Emulators.Kubernetes;
using Gateway.Host.Hosting;
using Gateway.Host.Kubernetes;
using Gateway.Tests.Host;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// The whole process in Kubernetes mode (GatewayHost with --source kubernetes) against <see cref="FakeApiServer"/>:
/// objects flow in, per-Gateway Services are provisioned, status.addresses come from them, statuses flow out once
/// per change, and the real data plane serves two Gateways that both use port 80 on their allocated container ports.
/// The container ports are bound on a loopback address of their own (127.0.86.1), as a pod binds 0.0.0.0.
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string BindAddress = "127.0.86.1";
    private static readonly ResourceKey Web = new("Gateway", "default", "web");
    private static readonly ResourceKey Api = new("Gateway", "default", "api");
    private FakeApiServer _server = null!;
    private GatewayHost? _host;
    private readonly List<EchoServer> _echoes = [];
    private readonly CapturingLoggerProvider _logs = new(output);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        foreach (var echo in _echoes) await echo.DisposeAsync();
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private async Task SeedBackendAsync(string name, string address)
    {
        var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(address), new EchoIdentity("default", $"{name}-pod")) { HttpPort = 0 });
        _echoes.Add(echo);
        var service = Service(name);
        service.Spec.Ports[0].Name = "http";
        _server.Apply(service);
        _server.Apply(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = $"{name}-1", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = echo.HttpEndpoint.Port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [address], Conditions = new V1EndpointConditions { Ready = true } }],
        });
    }

    private async Task StartHostAsync()
    {
        var options = new GatewayHostOptions
        {
            Kubernetes = new KubernetesHostOptions
            {
                ClientFactory = _server.CreateClient,
                ServiceBindAddress = BindAddress,
                Services = new GatewayServiceOptions { Namespace = SystemNamespace, PortRangeStart = 20000, PortRangeEnd = 20099 },
                Source = new KubernetesSourceOptions { BackoffInitial = TimeSpan.FromMilliseconds(20), BackoffMax = TimeSpan.FromMilliseconds(200) },
            },
        };
        var builder = GatewayHost.CreateBuilder(options);
        builder.Logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Information);
        options.DataPlaneFactory = sp => new Gateway.Host.DataPlane.DataPlane(null, sp.GetRequiredService<ILoggerFactory>());
        _host = builder.Build();
        await _host.StartAsync(Wait.Token());
        await _host.WaitUntilReadyAsync(Wait.Token());
    }

    private V1Service ServiceOf(ResourceKey gateway) =>
        _server.Get<V1Service>(new ResourceKey("Service", SystemNamespace, GatewayServices.ServiceName(gateway)))!;

    private V1Condition Condition(ResourceKey gateway, string type) =>
        _server.Get<V1Gateway>(gateway)?.Status?.Conditions?.FirstOrDefault(c => c.Type == type) ?? new V1Condition { Type = type, Status = "Unknown" };

    private async Task<string> GetAsync(int port, string path = "/")
    {
        using var response = await _http.GetAsync(new Uri($"http://{BindAddress}:{port}{path}"));
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task KubernetesMode_TheStoreDropsUpdatesThatChangeNothingSignificant()
    {
        _server.Apply(Namespace("default"));

        await StartHostAsync();

        // A watch echoes our own status writes: the store compares each update's significant form.
        Assert.False(_host!.Services.GetRequiredService<Gateway.Host.Pipeline.ResourceStore>().TakesEveryUpsertAsAChange);
    }

    [Fact]
    public async Task KubernetesMode_TwoGatewaysOnPort80_ServicesProvisionedAddressesFromServicesTrafficServed()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(Namespace(SystemNamespace));
        _server.Apply(GatewayClass());
        await SeedBackendAsync("web-echo", "127.0.86.11");
        await SeedBackendAsync("api-echo", "127.0.86.12");
        _server.Apply(GatewayObj("web"));
        _server.Apply(GatewayObj("api"));
        _server.Apply(Route("web-route", "web", backend: "web-echo"));
        _server.Apply(Route("api-route", "api", backend: "api-echo"));
        await StartHostAsync();

        // Both Services appear, each mapping port 80 to its own container port.
        await Eventually(() => _server.All<V1Service>(KindRegistry.Service).Count(GatewayServices.IsManaged) == 2, "both Gateways have a Service");
        var webPort = GatewayServices.ContainerPorts(ServiceOf(Web))[new ServicePortKey("TCP", 80)];
        var apiPort = GatewayServices.ContainerPorts(ServiceOf(Api))[new ServicePortKey("TCP", 80)];
        Assert.NotEqual(webPort, apiPort);
        Assert.Equal("LoadBalancer", ServiceOf(Web).Spec.Type);
        Assert.Equal("web", ServiceOf(Web).Metadata.Labels[GatewayServices.GatewayNameLabel]);

        // No load balancer address yet: Programmed stays False with AddressNotAssigned, but the ports are served already.
        await Eventually(() => Condition(Web, "Programmed").Message.Contains("no load balancer address yet", StringComparison.Ordinal), "web reports AddressNotAssigned for its Service");
        Assert.Equal("AddressNotAssigned", Condition(Web, "Programmed").Reason);
        await Eventually(() => _host!.LastResult?.Gateways.Count(g => g.Ports.Any(p => p.BindPort == webPort || p.BindPort == apiPort)) == 2, "both container ports are in the route tables");
        Assert.Equal("False", Condition(Web, "Programmed").Status);
        var webAnswer = await GetAsync(webPort);
        output.WriteLine(webAnswer);
        Assert.Contains("\"pod\":\"web-echo-pod\"", webAnswer, StringComparison.Ordinal);
        Assert.Contains("\"pod\":\"api-echo-pod\"", await GetAsync(apiPort), StringComparison.Ordinal);

        // The cloud controller assigns an address: it becomes the Gateway's status.addresses and Programmed turns True.
        _server.SetStatus(ServiceOf(Web).Metadata is var m ? new ResourceKey("Service", SystemNamespace, m.Name) : default,
            new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.10" }] } });
        await Eventually(() => Condition(Web, "Programmed").Status == "True", "web is programmed");
        var addresses = _server.Get<V1Gateway>(Web)!.Status!.Addresses!;
        Assert.Equal(("IPAddress", "192.0.2.10"), (Assert.Single(addresses).Type, addresses[0].Value));
        Assert.Equal("False", Condition(Api, "Programmed").Status);

        // Status went out once per change: the server answered no status PUT of web as a no-op (a write of an equal
        // status), and the sink counted each PUT it made. The server records a request once its answer is written and the
        // sink counts it once the answer is read, so the two counts agree only when the last write's answer has arrived.
        var sink = _host!.Services.GetRequiredService<KubernetesStatusSink>();
        bool IsWebStatusPut(ApiRequest r) => r.Verb == "update" && r.Resource == "gateways/status" && r.StatusCode == 200 && r.Path.EndsWith("/web/status", StringComparison.Ordinal);
        await Eventually(() => sink.WriteCount(Web) == _server.Requests.Count(IsWebStatusPut), "the sink counted every status PUT of web the server answered",
            context: () => $"sink {sink.WriteCount(Web)}, server {_server.Requests.Count(IsWebStatusPut)}");
        Assert.True(_server.Requests.Count(IsWebStatusPut) >= 2, "web's status was written at least twice (AddressNotAssigned, then Programmed)");
        Assert.DoesNotContain(_server.Requests, r => IsWebStatusPut(r) && !r.Changed);

        // An unrelated change triggers a pass, but writes nothing.
        var before = sink.WriteCounts.Values.Sum();
        var revision = _host.CurrentSnapshot.Revision;
        _server.Apply(ConfigMap("unrelated", "default", new() { ["k"] = "v" }));
        await _host.WaitForRevisionAsync(revision + 1, Wait.Token());
        Assert.Equal(before, sink.WriteCounts.Values.Sum());
    }

    [Fact]
    public async Task KubernetesMode_GatewayChangedAndDeleted_ServiceUpdatedAndDeleted()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(GatewayClass());
        _server.Apply(GatewayObj("web"));
        _server.Apply(GatewayObj("api"));
        await StartHostAsync();
        await Eventually(() => _server.All<V1Service>(KindRegistry.Service).Count(GatewayServices.IsManaged) == 2, "both Services exist");
        var port80 = GatewayServices.ContainerPorts(ServiceOf(Web))[new ServicePortKey("TCP", 80)];

        // A new listener port and spec.infrastructure labels/annotations reach the Service; port 80 keeps its container port.
        var changed = GatewayObj("web", listeners: [("http", 80, "HTTP"), ("alt", 8080, "HTTP")]);
        changed.Spec.Infrastructure = new V1GatewayInfrastructure
        {
            Labels = new Dictionary<string, string> { ["team"] = "edge" },
            Annotations = new Dictionary<string, string> { ["lb.example.com/scheme"] = "internal" },
        };
        _server.Apply(changed);
        await Eventually(() => GatewayServices.ContainerPorts(ServiceOf(Web)).ContainsKey(new ServicePortKey("TCP", 8080))
            && ServiceOf(Web).Metadata.Annotations is { } a && a.TryGetValue("lb.example.com/scheme", out var scheme) && scheme == "internal", "the Service has port 8080 and the annotation");
        Assert.Equal(port80, GatewayServices.ContainerPorts(ServiceOf(Web))[new ServicePortKey("TCP", 80)]);
        Assert.Equal("edge", ServiceOf(Web).Metadata.Labels["team"]);
        var port8080 = GatewayServices.ContainerPorts(ServiceOf(Web))[new ServicePortKey("TCP", 8080)];
        await Eventually(() => _server.Get<V1Gateway>(Web)?.Status?.Listeners?.FirstOrDefault(l => l.Name == "alt")?.Conditions.FirstOrDefault(c => c.Type == "Programmed")?.Reason == "Pending"
            && _host!.LastResult?.Gateways.FirstOrDefault(g => g.Gateway == Web)?.Ports.Any(p => p.Port == 8080 && p.BindPort == port8080) == true,
            "the route table binds the new container port");

        // The annotation removed from the Gateway is removed from the Service; the type comes from parameters.
        _server.Apply(ConfigMap("params", "default", new() { ["serviceType"] = "ClusterIP" }));
        var plain = GatewayObj("web", listeners: [("http", 80, "HTTP"), ("alt", 8080, "HTTP")]);
        plain.Spec.Infrastructure = new V1GatewayInfrastructure { ParametersRef = new V1LocalParametersReference { Kind = "ConfigMap", Name = "params" } };
        _server.Apply(plain);
        await Eventually(() => ServiceOf(Web).Spec.Type == "ClusterIP" && ServiceOf(Web).Metadata.Annotations?.ContainsKey("lb.example.com/scheme") != true
            && !ServiceOf(Web).Metadata.Labels.ContainsKey("team"), "the Service is ClusterIP without the removed label and annotation");
        // ClusterIP Services give their cluster IP as the address.
        await Eventually(() => Condition(Web, "Programmed").Status == "True", "web is programmed on its cluster IP");
        Assert.Equal(ServiceOf(Web).Spec.ClusterIP, _server.Get<V1Gateway>(Web)!.Status!.Addresses![0].Value);

        _server.Delete(Api);
        await Eventually(() => _server.All<V1Service>(KindRegistry.Service).Count(GatewayServices.IsManaged) == 1, "api's Service is deleted");
        var applier = _host!.Services.GetRequiredService<GatewayServiceApplier>();
        await Eventually(() => applier.Deleted == 1, "the applier counted the deletion");
        Assert.Equal(2, applier.Created);
        Assert.True(applier.Updated >= 2);

        // Everything the process asked of the API server over this whole lifecycle is in the RBAC table (k8s/rbac.yaml
        // is checked against the same table), and each kind of call the table lists for Services was made.
        var table = KubernetesPermissions.Cluster.Select(p => (p.Group, p.Resource, p.Verb)).ToHashSet();
        // (The test itself changes objects in-process, not over HTTP, so every request came from the gateway.)
        var made = _server.Requests.Select(r => (r.Group, r.Resource, r.Verb)).ToHashSet();
        Assert.Empty(made.Except(table).Select(m => $"not in KubernetesPermissions: {m}"));
        Assert.Contains(("", "services", "create"), made);
        Assert.Contains(("", "services", "update"), made);
        Assert.Contains(("", "services", "delete"), made);
        Assert.Contains(("gateway.networking.k8s.io", "gateways/status", "update"), made);
    }

    [Fact]
    public async Task KubernetesMode_RouteMovedAwayWhileDown_OurStaleParentEntryRemovedOthersKept()
    {
        // Before this start, "moved" was attached to our Gateway "web" and we wrote its parent entry; while we were down
        // it moved to a Gateway of another controller, whose entry is in its status too.
        _server.Apply(Namespace("default"));
        _server.Apply(Namespace(SystemNamespace));
        _server.Apply(GatewayClass());
        await SeedBackendAsync("web-echo", "127.0.86.13");
        _server.Apply(GatewayObj("web"));
        _server.Apply(Route("kept", "web", backend: "web-echo"));
        var moved = Route("moved", "elsewhere", backend: "web-echo");
        _server.Apply(moved);
        V1RouteParentStatus Entry(string gateway, string controller) => new()
        {
            ParentRef = new V1GatewayParentReference { Group = "gateway.networking.k8s.io", Kind = "Gateway", Namespace = "default", Name = gateway },
            ControllerName = controller,
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = "m", ObservedGeneration = 1, LastTransitionTime = DateTime.UnixEpoch }],
        };
        var movedKey = new ResourceKey("HTTPRoute", "default", "moved");
        _server.SetStatus(movedKey, new V1RouteStatus { Parents = [Entry("web", Controller), Entry("elsewhere", "example.com/other")] });

        await StartHostAsync();

        await Eventually(() => _server.Get<V1HTTPRoute>(movedKey)?.Status?.Parents?.All(p => p.ControllerName != Controller) == true,
            "our stale entry on the moved route is removed");
        var parent = Assert.Single(_server.Get<V1HTTPRoute>(movedKey)!.Status!.Parents!);
        Assert.Equal(("example.com/other", "elsewhere"), (parent.ControllerName, parent.ParentRef.Name));
        await Eventually(() => _server.Get<V1HTTPRoute>(new ResourceKey("HTTPRoute", "default", "kept"))?.Status?.Parents?.Any(p => p.ControllerName == Controller) == true,
            "the route still attached keeps its entry");
    }

    [Fact]
    public async Task KubernetesMode_GatewayDeletedWhileDown_ItsEntityRemovesTheServiceLeftBehind_OthersKept()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(GatewayClass());
        _server.Apply(GatewayObj("web"));
        _server.Apply(GatewayObj("api"));
        await StartHostAsync();
        await Eventually(() => _server.All<V1Service>(KindRegistry.Service).Count(GatewayServices.IsManaged) == 2, "both Services exist");
        var webService = ServiceOf(Web).Metadata.Uid;
        await _host!.StopAsync(Wait.Token());
        await _host.DisposeAsync();
        _host = null;

        // While no replica runs, "api" is deleted: its Service is left behind with nobody watching it go.
        _server.Delete(Api);
        Assert.NotNull(ServiceOf(Api));

        await StartHostAsync();

        await Eventually(() => _server.All<V1Service>(KindRegistry.Service).Count(GatewayServices.IsManaged) == 1, "api's Service is removed");
        Assert.Null(ServiceOf(Api));
        Assert.Equal(webService, ServiceOf(Web).Metadata.Uid);
    }
}
