using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Kubernetes;
using k8s.Models;
using Xunit;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>The pure parts of per-Gateway Services: builder, container port allocation, planner.</summary>
public sealed class GatewayServiceBuilderTests
{
    private static readonly GatewayServiceOptions Options = new() { Namespace = SystemNamespace, PortRangeStart = 20000, PortRangeEnd = 20009 };
    private static readonly Dictionary<ServicePortKey, int> None = [];

    private static V1Gateway Web(params (string, int, string)[] listeners)
    {
        var gw = GatewayObj("web", SystemNamespace, listeners);
        gw.Metadata.Uid = "uid-web";
        return gw;
    }

    [Fact]
    public void Build_NewGateway_NamedLabelledOwnedSelectingReplicas()
    {
        var gw = Web(("http", 80, "HTTP"), ("https", 443, "HTTPS"), ("dns", 53, "UDP"), ("http-alt", 80, "HTTP"));
        var ports = GatewayServices.PortsOf(gw, []);
        var svc = GatewayServiceBuilder.Build(gw, ServiceParameters.None, ports, null, None, new HashSet<int>(), Options);

        Assert.Equal(GatewayServices.ServiceName(new ResourceKey("Gateway", SystemNamespace, "web")), svc.Metadata.Name);
        Assert.Equal(SystemNamespace, svc.Metadata.NamespaceProperty);
        Assert.Equal("web", svc.Metadata.Labels[GatewayServices.GatewayNameLabel]);
        Assert.Equal(GatewayServices.ManagedByValue, svc.Metadata.Labels[GatewayServices.ManagedByLabel]);
        var owner = Assert.Single(svc.Metadata.OwnerReferences);
        Assert.Equal(("Gateway", "web", "uid-web", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
        Assert.Equal("LoadBalancer", svc.Spec.Type);
        Assert.Equal(GatewayServiceOptions.DefaultPodSelector, svc.Spec.Selector);
        // Two listeners on port 80 share one Service port; UDP 53 gets its own; names are unique.
        Assert.Equal(["tcp-80", "tcp-443", "udp-53"], svc.Spec.Ports.Select(p => p.Name).OrderBy(n => n[0]).ThenBy(n => n.Length).ThenBy(n => n));
        Assert.All(svc.Spec.Ports, p => Assert.InRange(int.Parse(p.TargetPort.Value, System.Globalization.CultureInfo.InvariantCulture), 20000, 20009));
        Assert.Equal(3, svc.Spec.Ports.Select(p => p.TargetPort.Value).Distinct().Count());
        Assert.Equal(3, GatewayServices.ContainerPorts(svc).Count);
    }

    [Fact]
    public void Build_GatewayInOtherNamespace_NoOwnerReference()
    {
        var gw = GatewayObj("web", "apps");
        gw.Metadata.Uid = "u";
        var svc = GatewayServiceBuilder.Build(gw, ServiceParameters.None, GatewayServices.PortsOf(gw, []), null, None, new HashSet<int>(), Options);
        Assert.Null(svc.Metadata.OwnerReferences);
        Assert.Equal("apps", svc.Metadata.Labels[GatewayServices.GatewayNamespaceLabel]);
        Assert.Equal(SystemNamespace, svc.Metadata.NamespaceProperty);
    }

    [Fact]
    public void Build_ExistingAllocations_KeptWhenListenerAdded()
    {
        var gw = Web(("http", 80, "HTTP"));
        var first = GatewayServiceBuilder.Build(gw, ServiceParameters.None, GatewayServices.PortsOf(gw, []), null, None, new HashSet<int>(), Options);
        var kept = GatewayServices.ContainerPorts(first);
        var gw2 = Web(("http", 80, "HTTP"), ("alt", 8080, "HTTP"));
        var second = GatewayServiceBuilder.Build(gw2, ServiceParameters.None, GatewayServices.PortsOf(gw2, []), first, kept, new HashSet<int>(), Options);
        var ports = GatewayServices.ContainerPorts(second);
        Assert.Equal(kept[new ServicePortKey("TCP", 80)], ports[new ServicePortKey("TCP", 80)]);
        Assert.NotEqual(ports[new ServicePortKey("TCP", 80)], ports[new ServicePortKey("TCP", 8080)]);
    }

    [Fact]
    public void Allocate_SameInputs_SameResult_AvoidsTaken_LeavesOutWhenExhausted()
    {
        var gw = new ResourceKey("Gateway", "default", "web");
        ServicePortKey[] ports = [new("TCP", 80), new("TCP", 443), new("UDP", 53)];
        var a = ContainerPortAllocator.Allocate(gw, ports, None, new HashSet<int>(), 100, 102);
        var b = ContainerPortAllocator.Allocate(gw, ports, None, new HashSet<int>(), 100, 102);
        Assert.Equal(a, b);
        Assert.Equal([100, 101, 102], a.Values.Order());

        var withTaken = ContainerPortAllocator.Allocate(gw, ports, None, new HashSet<int> { 101 }, 100, 102);
        Assert.Equal(2, withTaken.Count);
        Assert.DoesNotContain(101, withTaken.Values);

        // A kept port wins even when another Service claims it too (the claim resolution already chose us).
        var kept = new Dictionary<ServicePortKey, int> { [new("TCP", 80)] = 101 };
        Assert.Equal(101, ContainerPortAllocator.Allocate(gw, ports, kept, new HashSet<int> { 101 }, 100, 102)[new("TCP", 80)]);
    }

    [Fact]
    public void Build_ParametersAndInfrastructure_LayeredAndRemovedKeysDropped()
    {
        var parameters = new ServiceParameters("ClusterIP", new Dictionary<string, string> { ["tier"] = "edge", ["team"] = "class" },
            new Dictionary<string, string> { ["lb.example.com/kind"] = "nlb" }, null, null);
        var gw = Web(("http", 80, "HTTP"));
        gw.Spec.Infrastructure = new V1GatewayInfrastructure
        {
            Labels = new Dictionary<string, string> { ["team"] = "gateway" },
            Annotations = new Dictionary<string, string> { ["note"] = "hello" },
        };
        var first = GatewayServiceBuilder.Build(gw, parameters, GatewayServices.PortsOf(gw, []), null, None, new HashSet<int>(), Options);
        Assert.Equal("ClusterIP", first.Spec.Type);
        Assert.Equal(("edge", "gateway"), (first.Metadata.Labels["tier"], first.Metadata.Labels["team"]));
        Assert.Equal(("nlb", "hello"), (first.Metadata.Annotations["lb.example.com/kind"], first.Metadata.Annotations["note"]));

        // A cloud controller adds an annotation; the Gateway drops its own; the next build keeps theirs, drops ours.
        var existing = first;
        existing.Metadata.Annotations["cloud.example.com/id"] = "lb-1";
        existing.Metadata.Labels["added-by-someone"] = "x";
        gw.Spec.Infrastructure = null;
        var second = GatewayServiceBuilder.Build(gw, ServiceParameters.None, GatewayServices.PortsOf(gw, []), existing, GatewayServices.ContainerPorts(existing), new HashSet<int>(), Options);
        Assert.False(second.Metadata.Labels.ContainsKey("tier"));
        Assert.False(second.Metadata.Labels.ContainsKey("team"));
        Assert.Equal("x", second.Metadata.Labels["added-by-someone"]);
        Assert.Equal("lb-1", second.Metadata.Annotations["cloud.example.com/id"]);
        Assert.False(second.Metadata.Annotations.ContainsKey("note"));
        Assert.False(second.Metadata.Annotations.ContainsKey(GatewayServiceBuilder.OwnedAnnotationsAnnotation));
        Assert.Equal("LoadBalancer", second.Spec.Type);
    }

    [Fact]
    public void Build_TypeChangedToClusterIp_ClearsLoadBalancerOnlyFields()
    {
        var gw = Web(("http", 80, "HTTP"));
        var lb = new ServiceParameters("LoadBalancer", new Dictionary<string, string>(), new Dictionary<string, string>(), "Local", "example.com/lb");
        var existing = GatewayServiceBuilder.Build(gw, lb, GatewayServices.PortsOf(gw, []), null, None, new HashSet<int>(), Options);
        existing.Spec.Ports[0].NodePort = 31000;
        existing.Spec.HealthCheckNodePort = 32000;
        existing.Spec.ClusterIP = "10.96.0.1";
        var again = GatewayServiceBuilder.Build(gw, lb, GatewayServices.PortsOf(gw, []), existing, GatewayServices.ContainerPorts(existing), new HashSet<int>(), Options);
        Assert.Equal((31000, 32000, "Local", "example.com/lb"), (again.Spec.Ports[0].NodePort, again.Spec.HealthCheckNodePort, again.Spec.ExternalTrafficPolicy, again.Spec.LoadBalancerClass));

        var cluster = GatewayServiceBuilder.Build(gw, lb with { ServiceType = "ClusterIP" }, GatewayServices.PortsOf(gw, []), existing, GatewayServices.ContainerPorts(existing), new HashSet<int>(), Options);
        Assert.Equal("ClusterIP", cluster.Spec.Type);
        Assert.Null(cluster.Spec.Ports[0].NodePort);
        Assert.Null(cluster.Spec.HealthCheckNodePort);
        Assert.Null(cluster.Spec.ExternalTrafficPolicy);
        Assert.Null(cluster.Spec.LoadBalancerClass);
        Assert.Equal("10.96.0.1", cluster.Spec.ClusterIP);
    }

    [Fact]
    public void Build_RequestedAddresses_ExternalIpsForLoadBalancer()
    {
        var gw = Web(("http", 80, "HTTP"));
        gw.Spec.Addresses = [new V1GatewaySpecAddress { Type = "IPAddress", Value = "203.0.113.7" }, new V1GatewaySpecAddress { Value = "" }];
        var svc = GatewayServiceBuilder.Build(gw, ServiceParameters.None, GatewayServices.PortsOf(gw, []), null, None, new HashSet<int>(), Options);
        Assert.Equal(["203.0.113.7"], svc.Spec.ExternalIPs);
    }

    [Fact]
    public void Plan_Lifecycle_CreateSteadyDeleteAndForeignUntouched()
    {
        var classObj = GatewayClass();
        var web = Web(("http", 80, "HTTP"));
        var snapshot = Snapshot.From(1, [classObj, web]);
        var create = Assert.Single(GatewayServicePlanner.Plan(snapshot, Controller, Options));
        Assert.Null(create.Existing);
        Assert.False(create.Orphaned);
        var desired = create.Build(null)!;

        // Steady state: the Service as desired → nothing to do.
        desired.Metadata.ResourceVersion = "5";
        Assert.Empty(GatewayServicePlanner.Plan(Snapshot.From(2, [classObj, web, desired]), Controller, Options));

        // The Gateway gone → delete; a same-named Service without our label is never touched.
        var delete = Assert.Single(GatewayServicePlanner.Plan(Snapshot.From(3, [classObj, desired]), Controller, Options));
        Assert.Null(delete.Build(desired));
        // No node owns a Gateway that is gone, so the delete must not wait for an owner.
        Assert.True(delete.Orphaned);
        var foreign = Service(desired.Metadata.Name, SystemNamespace);
        Assert.Empty(GatewayServicePlanner.Plan(Snapshot.From(4, [classObj, web, foreign]), Controller, Options));

        // Class not ours any more → delete.
        var otherClass = GatewayClass();
        otherClass.Spec.ControllerName = "example.com/other";
        Assert.Null(Assert.Single(GatewayServicePlanner.Plan(Snapshot.From(5, [otherClass, web, desired]), Controller, Options)).Build(desired));
    }

    [Fact]
    public void Plan_ParametersMissing_ExistingServiceLeftAlone()
    {
        var classObj = GatewayClass(parameters: new V1ParametersReference { Kind = "ConfigMap", Name = "missing", Namespace = SystemNamespace });
        var web = Web(("http", 80, "HTTP"));
        var existing = GatewayServiceBuilder.Build(web, ServiceParameters.None, GatewayServices.PortsOf(web, []), null, None, new HashSet<int>(), Options);
        Assert.Empty(GatewayServicePlanner.Plan(Snapshot.From(1, [classObj, web, existing]), Controller, Options));
    }

    [Fact]
    public void Plan_TwoServicesClaimOnePort_YoungerReallocates()
    {
        var classObj = GatewayClass();
        var a = GatewayObj("a", "default");
        var b = GatewayObj("b", "default");
        var svcA = GatewayServiceBuilder.Build(a, ServiceParameters.None, GatewayServices.PortsOf(a, []), null, None, new HashSet<int>(), Options);
        var svcB = GatewayServiceBuilder.Build(b, ServiceParameters.None, GatewayServices.PortsOf(b, []), null, None, new HashSet<int>(), Options);
        svcA.Metadata.CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        svcB.Metadata.CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc);
        svcB.Spec.Ports[0].TargetPort = svcA.Spec.Ports[0].TargetPort;   // both owners allocated at once and collided

        var change = Assert.Single(GatewayServicePlanner.Plan(Snapshot.From(1, [classObj, a, b, svcA, svcB]), Controller, Options));
        Assert.Equal(new ResourceKey("Gateway", "default", "b"), change.Gateway);
        var fixedB = change.Build(svcB)!;
        Assert.NotEqual(svcA.Spec.Ports[0].TargetPort.Value, fixedB.Spec.Ports[0].TargetPort.Value);
    }
}
