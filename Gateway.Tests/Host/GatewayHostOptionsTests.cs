using Gateway.Host.Hosting;
using Gateway.Host.Kubernetes;
using Gateway.Host.Pipeline;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>The one set of option rules the command line and the host builder share.</summary>
public sealed class GatewayHostOptionsTests
{
    [Fact]
    public void Errors_DefaultsWithAManifestDirectory_None()
    {
        Assert.Empty(new GatewayHostOptions { ManifestDirectories = ["m"] }.Errors());
    }

    [Fact]
    public void Errors_SeveralInvalidSettings_EveryOneNamedByItsFlag()
    {
        var options = new GatewayHostOptions
        {
            AddressPool = "fd00::/64",
            ControllerName = "nopath",
            Coalescing = new CoalescingOptions { Window = TimeSpan.FromMilliseconds(-1), MaxDelay = TimeSpan.FromSeconds(1) },
            RescanInterval = TimeSpan.Zero,
            ShutdownTimeout = TimeSpan.FromSeconds(-1),
            Kubernetes = new KubernetesHostOptions
            {
                ServiceBindAddress = "any",
                Services = new GatewayServiceOptions { PortRangeStart = 0, PortRangeEnd = 10, PodSelector = new Dictionary<string, string>(), Namespace = " " },
                StatusWriteAttempts = 0,
            },
            Cluster = new Gateway.Host.Cluster.GatewayClusterOptions
            {
                Port = -1, ManagementPort = 70000, Hostname = "", Peers = ["nohost"], RequiredContactPoints = 0, NodeName = "a b",
                Discovery = Gateway.Host.Cluster.ClusterDiscovery.Config,
            },
        };

        var settings = options.Errors().Select(e => e.Setting).ToList();

        Assert.Equal([
            "--controller-name", "--address-pool", "--coalesce-window", "--rescan-interval", "--shutdown-timeout",
            "--container-port-range", "--pod-selector", "--service-namespace", "--service-bind-address", "StatusWriteAttempts",
            "--cluster-port", "--management-port", "--cluster-host", "--peer", "--required-contact-points", "--node-name",
        ], settings);
    }

    [Fact]
    public void Errors_DiscoveryWithoutManagementEndpoint_NamesTheManagementPort()
    {
        var options = new GatewayHostOptions { ManifestDirectories = ["m"] };
        options.Cluster.Discovery = Gateway.Host.Cluster.ClusterDiscovery.Config;
        options.Cluster.Peers.Add("127.0.0.1:8558");

        var error = Assert.Single(options.Errors());

        Assert.Equal("--management-port", error.Setting);
        Assert.Contains("needs the management endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_StandaloneWithDiscovery_OneErrorNamingDiscovery()
    {
        var options = new GatewayHostOptions { ManifestDirectories = ["m"] };
        options.Cluster.Standalone = true;
        options.Cluster.Discovery = Gateway.Host.Cluster.ClusterDiscovery.Config;

        var error = Assert.Single(options.Errors());

        Assert.Equal("--discovery", error.Setting);
        Assert.Contains("--no-cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_StandaloneAlone_None()
    {
        var options = new GatewayHostOptions { ManifestDirectories = ["m"] };
        options.Cluster.Standalone = true;

        Assert.Empty(options.Errors());
    }

    [Fact]
    public void Validate_InvalidSettings_OneExceptionListingEveryError()
    {
        var options = new GatewayHostOptions { AddressPool = "x", ControllerName = "y" };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(
            "--manifests: at least one manifest directory is required; --controller-name: \"y\" is not a domain-prefixed path (example: " +
            "akka-gateway.dev/controller); --address-pool: \"x\" is not a CIDR (example: 127.10.0.0/16)",
            error.Message);
    }
}
