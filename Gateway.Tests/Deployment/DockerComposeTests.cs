using Gateway.Actors.Resources;
using Gateway.Host.Cli;
using Gateway.Host.Cluster;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Deployment;

/// <summary>
/// docker-compose.yml checked without Docker (no engine runs on these machines): it parses, every replica's command is
/// a valid command line that forms one cluster with the others, the mounted manifests load without a problem, and the
/// load balancer in front lists every replica.
/// </summary>
public sealed class DockerComposeTests
{
    private static readonly string Root = TestPaths.RepoRoot;

    private static YamlMappingNode Compose()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));
        // Compose files share settings through YAML merge keys (<<: *gateway); resolve them as Compose does.
        stream.Load(new YamlDotNet.Core.MergingParser(new YamlDotNet.Core.Parser(reader)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Services() => (YamlMappingNode)Compose()["services"];

    private static IReadOnlyList<(string Name, YamlMappingNode Service)> Gateways() =>
        Services().Children.Where(c => ((YamlScalarNode)c.Key).Value!.StartsWith("gateway-", StringComparison.Ordinal))
            .Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)).ToList();

    private static string[] Command(YamlMappingNode service) =>
        ((YamlSequenceNode)service["command"]).Children.Select(n => ((YamlScalarNode)n).Value!).ToArray();

    [Fact]
    public void Compose_ThreeReplicas_EachCommandParsesAndListsEveryReplicaAsPeer()
    {
        var gateways = Gateways();
        Assert.Equal(3, gateways.Count);
        var managementEndpoints = new List<string>();
        foreach (var (name, service) in gateways)
        {
            // The container paths do not exist here: point --manifests at the folder the volume mounts, and the token
            // file at the file the compose secret mounts.
            var args = Command(service).Select(a => a switch
            {
                "/manifests" => Path.Combine(Root, "examples", "compose", "manifests"),
                "/run/secrets/management-token" => Path.Combine(Root, "examples", "compose", "management-token"),
                _ => a,
            }).ToArray();
            var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args));
            Assert.True(serve.DemoBackends, $"{name}: demo backends");
            var cluster = serve.Options.Cluster;
            Assert.False(cluster.Standalone);
            Assert.Equal(ClusterDiscovery.Config, cluster.Discovery);
            Assert.Equal(name, cluster.NodeName);
            Assert.Equal(name, cluster.Hostname);
            managementEndpoints.Add($"{cluster.ManagementHostname}:{cluster.ManagementPort}");
            Assert.Equal(3, cluster.Peers.Count);
            // Inspection through Docker's port mapping does not come from loopback: it needs the token.
            Assert.Equal(Path.Combine(Root, "examples", "compose", "management-token"), cluster.ManagementTokenFile);
        }
        foreach (var (_, service) in gateways)
        {
            Assert.Equal(managementEndpoints.Order(), Command(service).Where((a, i) => i > 0 && Command(service)[i - 1] == "--peer").Order());
        }
    }

    [Fact]
    public void Compose_MountedManifests_LoadWithoutProblemsAndBindEveryAddress()
    {
        var gateway = Gateways()[0].Service;
        var volumes = ((YamlSequenceNode)gateway["volumes"]).Children.Select(v => ((YamlScalarNode)v).Value!).ToList();
        var manifests = volumes.Single(v => v.Split(':')[1] == "/manifests").Split(':')[0];
        var dir = Path.GetFullPath(Path.Combine(Root, manifests));
        Assert.True(Directory.Exists(dir), dir);

        var parsed = Directory.EnumerateFiles(dir, "*.yaml").Select(f => ManifestParser.Parse(f, File.ReadAllText(f))).ToList();

        Assert.Empty(parsed.SelectMany(p => p.Diagnostics));
        var gw = parsed.SelectMany(p => p.Objects).Select(o => o.Object).OfType<Gateway.Actors.Model.V1Gateway>().Single();
        // Published ports and the load balancer reach the listener only on the container's own addresses.
        Assert.Equal("0.0.0.0", Assert.Single(gw.Spec.Addresses!).Value);
        Assert.Contains(gw.Spec.Listeners!, l => l.Port == 8080);
    }

    [Fact]
    public void Compose_LoadBalancer_ListsEveryReplicaAndRetriesTheNext()
    {
        var nginx = File.ReadAllText(Path.Combine(Root, "examples", "compose", "nginx.conf"));

        foreach (var (name, _) in Gateways()) Assert.Contains($"server {name}:8080", nginx);
        Assert.Contains("proxy_next_upstream error timeout", nginx);
        Assert.Contains("8080:8080", string.Join(",", ((YamlSequenceNode)((YamlMappingNode)Services()["lb"])["ports"]).Children.Select(p => ((YamlScalarNode)p).Value)));
    }
}
