using Gateway.Host.Cluster;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Cluster;

public sealed class KubernetesPodDiscoveryTests
{
    private static V1Pod Pod(string name, string? phase = "Running", string? ip = "10.0.0.1", int? port = 8558, string portName = "management", bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, DeletionTimestamp = deleting ? DateTime.UnixEpoch : null },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "gateway", Ports = port is null ? null : [new V1ContainerPort { Name = "http", ContainerPort = 80 }, new V1ContainerPort { Name = portName, ContainerPort = port.Value }] }],
        },
        Status = new V1PodStatus { Phase = phase, PodIP = ip },
    };

    [Fact]
    public void Targets_RunningPodsWithAnIp_TheirIpAndNamedPort()
    {
        var targets = KubernetesPodDiscovery.Targets([Pod("a", ip: "10.0.0.1"), Pod("b", ip: "10.0.0.2", port: 9000)], "management");

        Assert.Equal([("10.0.0.1", (int?)8558), ("10.0.0.2", 9000)], targets.Select(t => (t.Host, t.Port)));
        Assert.Equal("10.0.0.2", targets[1].Address!.ToString());
    }

    [Fact]
    public void Targets_PendingDeletingOrWithoutIp_Skipped()
    {
        var targets = KubernetesPodDiscovery.Targets([Pod("pending", phase: "Pending"), Pod("deleting", deleting: true), Pod("no-ip", ip: null), Pod("ok", ip: "10.0.0.9")], "management");

        Assert.Equal("10.0.0.9", Assert.Single(targets).Host);
    }

    [Fact]
    public void Targets_NoSuchPortName_TargetWithoutPort()
    {
        Assert.Null(Assert.Single(KubernetesPodDiscovery.Targets([Pod("a", portName: "other")], "management")).Port);
        Assert.Null(Assert.Single(KubernetesPodDiscovery.Targets([Pod("a")], null)).Port);
    }
}
