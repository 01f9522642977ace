using System.Net;
using Akka.Actor;
using Gateway.Emulators;
using Gateway.Host.Cluster;
using Gateway.Host.Hosting;
using Gateway.Tests.Host;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Gateway.Tests.MultiNode;

/// <summary>
/// Two in-process replicas forming one cluster; one is cut off (downed by the other, as the split-brain resolver would
/// on the far side of a partition) and must keep serving its last routing table from its own data plane.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class PartitionTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private readonly int _poolBase = Random.Shared.Next(100, 250);
    private readonly List<GatewayHost> _hosts = [];
    private EchoServer? _echo;

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-pod")) { HttpPort = 0 });
        _dir.Write("m/all.yaml", Manifests.Join(
            Manifests.GatewayClass(),
            Manifests.Gateway("g", port: _gatewayPort),
            Manifests.EchoService("echo", _echo.HttpEndpoint.Port),
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: default}
            spec:
              parentRefs: [{name: g}]
              rules:
              - backendRefs: [{name: echo, port: 8080}]
            """));
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) await host.DisposeAsync();
        if (_echo is not null) await _echo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task CutOffReplica_KeepsServingItsLastRoutingTable()
    {
        var ports = new[] { ReplicaProcess.FreePort(), ReplicaProcess.FreePort() };
        for (var i = 0; i < 2; i++)
        {
            var host = GatewayHost.CreateBuilder(new GatewayHostOptions
            {
                ManifestDirectories = [_dir.Combine("m")],
                StatusDirectory = _dir.Combine("status"),
                AddressPool = $"127.{_poolBase}.{i + 1}.0/24",
                DataPlaneFactory = DefaultDataPlane.Create,
                Cluster = new GatewayClusterOptions
                {
                    NodeName = $"p{i + 1}",
                    ManagementPort = ports[i],
                    Discovery = ClusterDiscovery.Config,
                    Peers = [.. ports.Select(p => $"127.0.0.1:{p}")],
                },
            }).Build();
            _hosts.Add(host);
        }
        await Task.WhenAll(_hosts.Select(h => h.StartAsync(Wait.Token())));
        var clusters = _hosts.Select(h => Akka.Cluster.Cluster.Get(h.Services.GetRequiredService<ActorSystem>())).ToList();
        await Wait.UntilAsync(() => _hosts.All(h => h.IsReady) && clusters.All(c => c.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2),
            "two ready replicas in one cluster", TimeSpan.FromSeconds(40));

        var cutOff = _hosts[1];
        var address = Assert.Single(ClusterInspection.LiveTables(cutOff.Pipeline.DataPlane as Gateway.Host.DataPlane.DataPlane)).Addresses.Single();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = new Uri($"http://{address}:{_gatewayPort}/anything");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);

        // The other side downs it: it is no longer a member of the cluster.
        clusters[0].Down(clusters[1].SelfAddress);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (clusters[0].State.Members.Count != 1)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the replica was not downed and removed: the other sees {string.Join(", ", clusters[0].State.Members.Select(m => $"{m.Address.Port}={m.Status}"))}, it sees itself {clusters[1].SelfMember.Status}");
            await Task.Delay(50);
        }

        // Its data plane goes on serving from its own snapshot, request after request, while its own side of the cluster
        // notices (the removed replica stops hearing from the other, and its split-brain resolver acts within seconds),
        // and it reports itself alive and ready throughout.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
        var served = 0;
        while (DateTime.UtcNow < until)
        {
            served++;
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("echo-pod", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await Task.Delay(50);
        }
        Assert.True(served > 20);
        var health = cutOff.Services.GetRequiredService<ClusterInspection>().Health();
        Assert.True(health.Alive);
        Assert.True(health.Ready);
        Assert.False(cutOff.Services.GetRequiredService<ActorSystem>().WhenTerminated.IsCompleted);
    }
}
