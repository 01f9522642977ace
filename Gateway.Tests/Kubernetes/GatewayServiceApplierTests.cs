using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Kubernetes;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>The applier against <see cref="FakeApiServer"/>: create, conflict on a stale read, delete preconditions.</summary>
[Trait("Category", "Kubernetes")]
public sealed class GatewayServiceApplierTests : IAsyncLifetime
{
    private static readonly GatewayServiceOptions Options = new() { Namespace = SystemNamespace };
    private FakeApiServer _server = null!;
    private GatewayServiceApplier _applier = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _applier = new GatewayServiceApplier(new KubernetesApi(_server.CreateClient()), NullLogger<GatewayServiceApplier>.Instance, maxAttempts: 3);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ServiceChange PlanFor(Snapshot snapshot) => Assert.Single(GatewayServicePlanner.Plan(snapshot, Controller, Options));

    [Fact]
    public async Task ApplyAsync_StaleRead_ConflictRetriedWithFreshReadKeepingOthersChanges()
    {
        var gatewayClass = GatewayClass();
        var web = GatewayObj("web");
        Assert.Equal(ServiceApplyOutcome.Created, await _applier.ApplyAsync(PlanFor(Snapshot.From(1, [gatewayClass, web])), CancellationToken.None));
        var key = new ResourceKey("Service", SystemNamespace, GatewayServices.ServiceName(Key(web)));
        var stale = _server.Get<V1Service>(key)!;

        // Another writer (a cloud controller) annotates the Service after our snapshot was taken.
        var theirs = _server.Get<V1Service>(key)!;
        theirs.Metadata.Annotations ??= new Dictionary<string, string>();
        theirs.Metadata.Annotations["cloud.example.com/lb-id"] = "lb-42";
        _server.Apply(theirs);

        // The Gateway gains a listener; the plan is made from the stale Service, so the PUT gets 409 and is redone.
        var changed = GatewayObj("web", listeners: [("http", 80, "HTTP"), ("alt", 8080, "HTTP")]);
        Assert.Equal(ServiceApplyOutcome.Updated, await _applier.ApplyAsync(PlanFor(Snapshot.From(2, [gatewayClass, changed, stale])), CancellationToken.None));

        Assert.Equal(1, _applier.Conflicts);
        var now = _server.Get<V1Service>(key)!;
        Assert.Equal("lb-42", now.Metadata.Annotations!["cloud.example.com/lb-id"]);
        Assert.Contains(new ServicePortKey("TCP", 8080), GatewayServices.ContainerPorts(now).Keys);
        Assert.Equal(stale.Spec.ClusterIP, now.Spec.ClusterIP);
        Assert.Contains(_server.Requests, r => r.Resource == "services" && r.Verb == "update" && r.StatusCode == 409);
        Assert.Contains(_server.Requests, r => r.Resource == "services" && r.Verb == "get" && r.StatusCode == 200);
    }

    [Fact]
    public async Task ApplyAsync_CreateRaced_AlreadyExistsBecomesUpdate()
    {
        var gatewayClass = GatewayClass();
        var web = GatewayObj("web");
        var plan = PlanFor(Snapshot.From(1, [gatewayClass, web]));
        // Someone created it first, as ClusterIP and with a label of their own.
        var other = plan.Build(null)!;
        other.Metadata.Labels["someone-else"] = "was-here";
        other.Spec.Type = "ClusterIP";
        _server.Apply(other);

        Assert.Equal(ServiceApplyOutcome.Updated, await _applier.ApplyAsync(plan, CancellationToken.None));
        Assert.Contains(_server.Requests, r => r.Resource == "services" && r.Verb == "create" && r.StatusCode == 409);
        var now = _server.Get<V1Service>(plan.ServiceKey)!;
        Assert.Equal(("was-here", "LoadBalancer"), (now.Metadata.Labels["someone-else"], now.Spec.Type));
    }

    [Fact]
    public async Task ApplyAsync_GatewayGone_DeletesOnlyTheServiceItRead()
    {
        var gatewayClass = GatewayClass();
        var web = GatewayObj("web");
        await _applier.ApplyAsync(PlanFor(Snapshot.From(1, [gatewayClass, web])), CancellationToken.None);
        var key = new ResourceKey("Service", SystemNamespace, GatewayServices.ServiceName(Key(web)));
        var service = _server.Get<V1Service>(key)!;

        var delete = PlanFor(Snapshot.From(2, [gatewayClass, service]));
        Assert.Equal(ServiceApplyOutcome.Deleted, await _applier.ApplyAsync(delete, CancellationToken.None));
        Assert.Null(_server.Get<V1Service>(key));
        Assert.Equal(ServiceApplyOutcome.Unchanged, await _applier.ApplyAsync(delete, CancellationToken.None));
    }
}
