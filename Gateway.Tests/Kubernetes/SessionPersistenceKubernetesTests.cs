using Gateway.Actors.Model;
using Gateway.Actors.RouteTable;
using Gateway.Host.Hosting;
using Gateway.Host.Kubernetes;
using Gateway.Tests.Host;
using k8s.Models;
using Xunit;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// Kubernetes mode reads sessionPersistence: an HTTPRoute served by the in-process API server, through the real
/// KubernetesClient watch, reaches the route table with its session policy (the same parser and translator as file
/// mode, whose data plane behaviour the end-to-end and multi-node tests cover).
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class SessionPersistenceKubernetesTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private GatewayHost? _host;

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task KubernetesMode_RouteRuleSessionPersistence_ReachesTheRouteTable()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(Namespace("gateway-system"));
        _server.Apply(GatewayClass());
        _server.Apply(GatewayObj("web"));
        _server.Apply(Service("echo"));
        var route = Route("sticky", "web");
        route.Spec.Rules![0].SessionPersistence = new V1SessionPersistence
        {
            SessionName = "X-K8s-Session",
            Type = "Header",
            AbsoluteTimeout = "10m",
        };
        _server.Apply(route);

        var options = new GatewayHostOptions
        {
            Kubernetes = new KubernetesHostOptions
            {
                ClientFactory = _server.CreateClient,
                ServiceBindAddress = "127.0.87.1",
                Services = new GatewayServiceOptions { Namespace = "gateway-system", PortRangeStart = 20100, PortRangeEnd = 20199 },
            },
            DataPlaneFactory = _ => new RecordingDataPlane(),
        };
        _host = await GatewayHost.StartAsync(options, Wait.Token());
        await _host.WaitUntilReadyAsync(Wait.Token());

        SessionPersistencePolicy? Policy() => _host.LastResult?.Gateways
            .SelectMany(g => g.Ports).SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes)
            .FirstOrDefault(e => e.Route.Name == "sticky")?.Session;
        await Eventually(() => Policy() is not null, "the route's entry carries its session policy");
        var policy = Policy()!;
        Assert.Equal("X-K8s-Session", policy.Name);
        Assert.Equal(SessionPersistenceType.Header, policy.Type);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.AbsoluteTimeout);
        Assert.Equal("HTTPRoute/default/sticky/rule/0", policy.Scope);
    }
}
