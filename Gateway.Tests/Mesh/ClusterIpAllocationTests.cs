using System.Net;
using Gateway.Actors.Mesh;
using Gateway.Actors.Resources;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary>
/// <see cref="ClusterIpAllocation"/>: file mode allocates deterministically from the range (older Services first, a
/// spec.clusterIP in the range honoured, others reported); Kubernetes mode takes spec.clusterIPs; headless and
/// ExternalName Services get none.
/// </summary>
public class ClusterIpAllocationTests
{
    private const string Range = "127.96.0.0/16";

    private static V1Service Service(string name, string? clusterIp = null, DateTime? created = null, string? type = null, IList<string>? clusterIps = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "mesh", CreationTimestamp = created },
        Spec = new V1ServiceSpec { ClusterIP = clusterIp, ClusterIPs = clusterIps, Type = type, Ports = [new V1ServicePort { Port = 80 }] },
    };

    private static ResourceKey Key(string name) => new("Service", "mesh", name);

    [Fact]
    public void Assign_SameServicesInAnyOrder_GivesTheSameAddressesInTheRange()
    {
        var services = Enumerable.Range(0, 50).Select(i => Service($"s{i}", created: new DateTime(2024, 1, 1).AddMinutes(i))).ToList();
        var a = ClusterIpAllocation.Assign(services, MeshClusterIpMode.Allocate, Range);
        var b = ClusterIpAllocation.Assign(Enumerable.Reverse(services), MeshClusterIpMode.Allocate, Range);
        Assert.Equal(50, a.ClusterIPs.Count);
        Assert.Equal(a.ClusterIPs.Select(p => $"{p.Key}={p.Value.Single()}"), b.ClusterIPs.Select(p => $"{p.Key}={p.Value.Single()}"));
        Assert.Equal(50, a.ClusterIPs.Values.Select(v => v.Single()).Distinct().Count());
        Assert.All(a.ClusterIPs.Values, v => Assert.StartsWith("127.96.", v.Single().ToString(), StringComparison.Ordinal));
        Assert.Empty(a.Problems);
    }

    [Fact]
    public void Assign_AddingAYoungerServiceToAFullRange_NeverMovesAnOlderOne()
    {
        // 127.96.0.0/30 has two usable addresses: the younger third Service is the one left without.
        var old = new[] { Service("a", created: new DateTime(2024, 1, 1)), Service("b", created: new DateTime(2024, 1, 2)) };
        var before = ClusterIpAllocation.Assign(old, MeshClusterIpMode.Allocate, "127.96.0.0/30");
        var after = ClusterIpAllocation.Assign([.. old, Service("0-younger", created: new DateTime(2024, 1, 3))], MeshClusterIpMode.Allocate, "127.96.0.0/30");
        Assert.Equal(before.ClusterIPs[Key("a")].Single(), after.ClusterIPs[Key("a")].Single());
        Assert.Equal(before.ClusterIPs[Key("b")].Single(), after.ClusterIPs[Key("b")].Single());
        Assert.False(after.ClusterIPs.ContainsKey(Key("0-younger")));
        Assert.Contains(after.Problems, p => p.Contains("mesh/0-younger", StringComparison.Ordinal) && p.Contains("exhausted", StringComparison.Ordinal));
    }

    [Fact]
    public void Assign_ClusterIpInsideRange_IsHonouredAndNeverAllocatedToAnother()
    {
        var result = ClusterIpAllocation.Assign([Service("pinned", "127.96.0.1"), Service("free")], MeshClusterIpMode.Allocate, "127.96.0.0/30");
        Assert.Equal(IPAddress.Parse("127.96.0.1"), result.ClusterIPs[Key("pinned")].Single());
        Assert.Equal(IPAddress.Parse("127.96.0.2"), result.ClusterIPs[Key("free")].Single());
    }

    [Theory]
    [InlineData("10.96.0.10")]
    [InlineData("not-an-address")]
    [InlineData("fd00::1")]
    public void Assign_ClusterIpOutsideRangeOrNotIPv4_IsAProblemAndTheServiceGetsNone(string clusterIp)
    {
        var result = ClusterIpAllocation.Assign([Service("pinned", clusterIp)], MeshClusterIpMode.Allocate, Range);
        Assert.Empty(result.ClusterIPs);
        var problem = Assert.Single(result.Problems);
        Assert.Contains("mesh/pinned", problem, StringComparison.Ordinal);
        Assert.Contains(clusterIp, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_HeadlessAndExternalNameServices_GetNoClusterIpAndNoProblem()
    {
        var result = ClusterIpAllocation.Assign([Service("headless", "None"), Service("external", type: "ExternalName")], MeshClusterIpMode.Allocate, Range);
        Assert.Empty(result.ClusterIPs);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Assign_RangeThatIsNotACidr_IsOneProblemAndNoAddresses()
    {
        var result = ClusterIpAllocation.Assign([Service("a")], MeshClusterIpMode.Allocate, "127.96.0.0");
        Assert.Empty(result.ClusterIPs);
        Assert.Contains("127.96.0.0", Assert.Single(result.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_FromServiceMode_TakesSpecClusterIpsAndSkipsServicesWithoutOne()
    {
        var result = ClusterIpAllocation.Assign(
            [Service("dual", "10.96.0.10", clusterIps: ["10.96.0.10", "fd00::10"]), Service("single", "10.96.0.11"), Service("unassigned")],
            MeshClusterIpMode.FromService, Range);
        Assert.Equal([IPAddress.Parse("10.96.0.10"), IPAddress.Parse("fd00::10")], result.ClusterIPs[Key("dual")].ToArray());
        Assert.Equal([IPAddress.Parse("10.96.0.11")], result.ClusterIPs[Key("single")].ToArray());
        Assert.False(result.ClusterIPs.ContainsKey(Key("unassigned")));
        Assert.Empty(result.Problems);
    }
}
