using Gateway.Actors.Model;
using Gateway.Actors.Resources;
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

namespace Gateway.Tests.RateLimiting;

/// <summary>Kubernetes mode against the in-process API server: a RateLimitPolicy is listed and watched, and its status written.</summary>
[Trait("Category", "Kubernetes")]
public sealed class RateLimitKubernetesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ResourceKey PolicyKey = new("RateLimitPolicy", "default", "limit");
    private FakeApiServer _server = null!;
    private GatewayHost? _host;
    private readonly CapturingLoggerProvider _logs = new(output);

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static V1Alpha1RateLimitPolicy Policy(string targetName) => new()
    {
        Metadata = new V1ObjectMeta { Name = PolicyKey.Name, NamespaceProperty = PolicyKey.Namespace },
        Spec = new V1Alpha1RateLimitPolicySpec
        {
            TargetRefs = [new V1LocalPolicyTargetReferenceWithSectionName { Group = KindRegistry.GatewayGroup, Kind = "Gateway", Name = targetName }],
            Rules = [new V1Alpha1RateLimitRule { Limit = new V1Alpha1RateLimitValue { Requests = 100, Interval = "1m" }, Key = new V1Alpha1RateLimitKey { Type = "ClientIP" } }],
        },
    };

    private V1Condition? Accepted() =>
        _server.Get<V1Alpha1RateLimitPolicy>(PolicyKey)?.Status?.Ancestors?.SingleOrDefault(a => a.ControllerName == Controller)?.Conditions?.SingleOrDefault(c => c.Type == "Accepted");

    [Fact]
    public async Task KubernetesMode_RateLimitPolicyRead_StatusWritten_ThenChangedToAMissingTarget()
    {
        _server.Apply(Namespace("default"));
        _server.Apply(Namespace(SystemNamespace));
        _server.Apply(GatewayClass());
        _server.Apply(GatewayObj("web"));
        _server.Apply(Policy("web"));
        var options = new GatewayHostOptions
        {
            Kubernetes = new KubernetesHostOptions
            {
                ClientFactory = _server.CreateClient,
                ServiceBindAddress = "127.0.87.1",
                Services = new GatewayServiceOptions { Namespace = SystemNamespace, PortRangeStart = 20100, PortRangeEnd = 20199 },
                Source = new KubernetesSourceOptions { BackoffInitial = TimeSpan.FromMilliseconds(20), BackoffMax = TimeSpan.FromMilliseconds(200) },
            },
        };
        var builder = GatewayHost.CreateBuilder(options);
        builder.Logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Information);
        options.DataPlaneFactory = sp => new Gateway.Host.DataPlane.DataPlane(null, sp.GetRequiredService<ILoggerFactory>());
        _host = builder.Build();
        await _host.StartAsync(Wait.Token());

        await Eventually(() => Accepted()?.Reason == "Accepted", "the policy is Accepted on Gateway web");
        var ancestor = _server.Get<V1Alpha1RateLimitPolicy>(PolicyKey)!.Status!.Ancestors!.Single(a => a.ControllerName == Controller);
        Assert.Equal(("Gateway", "web"), (ancestor.AncestorRef.Kind, ancestor.AncestorRef.Name));
        Assert.Contains(_server.Requests, r => r.Resource == "ratelimitpolicies" && r.Verb == "watch");

        var changed = Policy("gone");
        changed.Metadata.Generation = 2;
        _server.Apply(changed);
        await Eventually(() => Accepted()?.Reason == "TargetNotFound", "the changed policy reports TargetNotFound");
        Assert.Contains(_server.Requests, r => r.Resource == "ratelimitpolicies/status" && r.Verb == "update" && r.StatusCode == 200);
    }
}
