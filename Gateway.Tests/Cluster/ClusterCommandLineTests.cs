using Gateway.Host.Cli;
using Gateway.Host.Cluster;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The cluster flags of the command line.</summary>
public sealed class ClusterCommandLineTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void Parse_NoClusterFlags_OneNodeClusterWithManagementOn8558()
    {
        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path]));

        Assert.False(serve.Options.Cluster.Standalone);
        Assert.Equal(ClusterDiscovery.None, serve.Options.Cluster.Discovery);
        Assert.Equal((0, 8558), (serve.Options.Cluster.Port, serve.Options.Cluster.ManagementPort!.Value));
    }

    [Fact]
    public void Parse_Peers_ConfigDiscoveryWithEveryPeer()
    {
        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(
            ["--manifests", _dir.Path, "--peer", "127.0.0.1:8561", "--peer", "127.0.0.1:8562", "--node-name", "n1", "--management-port", "8561", "--cluster-port", "4053"]));

        var cluster = serve.Options.Cluster;
        Assert.Equal(ClusterDiscovery.Config, cluster.Discovery);
        Assert.Equal(["127.0.0.1:8561", "127.0.0.1:8562"], cluster.Peers);
        Assert.Equal(("n1", 8561, 4053), (cluster.EffectiveNodeName, cluster.ManagementPort!.Value, cluster.Port));
    }

    [Theory]
    [InlineData("--peer", "nohost")]
    [InlineData("--cluster-port", "70000")]
    [InlineData("--discovery", "dns")]
    [InlineData("--node-name", "")]
    public void Parse_BadClusterFlag_UsageError(string flag, string value)
    {
        Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, flag, value]));
    }

    [Theory]
    [InlineData(null, 5000.0)]
    [InlineData("750ms", 750.0)]
    [InlineData("2m", 120000.0)]
    [InlineData("off", null)]
    public void Parse_RouteEntityIdle_DurationOrOff_FiveSecondsByDefault(string? value, double? milliseconds)
    {
        string[] args = value is null ? ["--manifests", _dir.Path] : ["--manifests", _dir.Path, "--route-entity-idle", value];

        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args));

        Assert.Equal(milliseconds, serve.Options.Cluster.RouteEntityIdle?.TotalMilliseconds);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    [InlineData("never")]
    public void Parse_RouteEntityIdle_NotAPositiveDurationOrOff_UsageErrorNamingIt(string value)
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, "--route-entity-idle", value]));

        Assert.Contains(error.Errors, e => e.Contains("--route-entity-idle", StringComparison.Ordinal) && e.Contains("is not a positive duration", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_PeersWithoutManagement_UsageError()
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, "--peer", "127.0.0.1:8561", "--management-port", "0"]));

        Assert.Contains(error.Errors, e => e.Contains("management", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RemotingTlsFromEnvironment_AbsolutePathsOfCertificateKeyAndCa()
    {
        var files = new[] { "tls.crt", "tls.key", "ca.crt" }.Select(f => _dir.Write(f, "x")).ToArray();
        var variables = new Dictionary<string, string>
        {
            ["AKKA_GATEWAY_REMOTING_TLS_CERTIFICATE"] = files[0],
            ["AKKA_GATEWAY_REMOTING_TLS_KEY"] = files[1],
            ["AKKA_GATEWAY_REMOTING_TLS_CA"] = files[2],
        };

        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path], v => variables.GetValueOrDefault(v)));

        var cluster = serve.Options.Cluster;
        Assert.Equal(files, new[] { cluster.RemotingTlsCertificate, cluster.RemotingTlsKey, cluster.RemotingTlsCa });
    }

    [Fact]
    public void Parse_RemotingTlsCertificateWithoutCa_UsageErrorNamingTheCaFlag()
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(
            ["--manifests", _dir.Path, "--remoting-tls-certificate", _dir.Write("tls.crt", "x"), "--remoting-tls-key", _dir.Write("tls.key", "x")]));

        Assert.Contains(error.Errors, e => e.StartsWith("--remoting-tls-ca:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--remoting-tls-key")]
    [InlineData("--remoting-tls-ca")]
    [InlineData("--remoting-tls-password")]
    public void Parse_RemotingTlsSettingWithoutCertificate_UsageErrorNamingIt(string flag)
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, flag, _dir.Write("f", "x")]));

        Assert.Contains(error.Errors, e => e.StartsWith(flag + ": needs --remoting-tls-certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RemotingTlsCertificateThatDoesNotExist_UsageError()
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(
            ["--manifests", _dir.Path, "--remoting-tls-certificate", _dir.Combine("missing.crt"), "--remoting-tls-ca", _dir.Write("ca.crt", "x")]));

        Assert.Contains(error.Errors, e => e.StartsWith("--remoting-tls-certificate: file", StringComparison.Ordinal));
    }

    [Fact]
    public void RemotingTlsOptions_CaFileWithoutCertificates_ArgumentExceptionNamingTheFlag()
    {
        var cluster = new GatewayClusterOptions { RemotingTlsCertificate = _dir.Write("tls.crt", "x"), RemotingTlsKey = _dir.Write("tls.key", "x"), RemotingTlsCa = _dir.Write("ca.crt", "x") };

        var e = Assert.Throws<ArgumentException>(() => RemotingTls.Options(cluster));

        Assert.StartsWith("--remoting-tls-certificate:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoCluster_StandaloneOnLoopbackWithoutDiscoveryOrManagement()
    {
        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, "--no-cluster"]));

        var cluster = serve.Options.Cluster;
        Assert.True(cluster.Standalone);
        Assert.Equal((ClusterDiscovery.None, "127.0.0.1", 0), (cluster.Discovery, cluster.Hostname, cluster.Port));
        Assert.Null(cluster.ManagementPort);
    }

    [Fact]
    public void Parse_NoClusterVariableWithManagementPort_StandaloneServingManagementThere()
    {
        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path],
            name => name switch { "AKKA_GATEWAY_NO_CLUSTER" => "true", "AKKA_GATEWAY_MANAGEMENT_PORT" => "8600", _ => null }));

        Assert.True(serve.Options.Cluster.Standalone);
        Assert.Equal(8600, serve.Options.Cluster.ManagementPort);
    }

    [Theory]
    [InlineData("--peer", "127.0.0.1:8561", "--peer: --no-cluster runs a one-node cluster that joins no other replica")]
    [InlineData("--discovery", "kubernetes", "--discovery: --no-cluster runs a one-node cluster that joins no other replica")]
    [InlineData("--discovery", "config", "--discovery: --no-cluster runs a one-node cluster that joins no other replica")]
    [InlineData("--required-contact-points", "2", "--required-contact-points: --no-cluster runs a one-node cluster that joins no other replica")]
    [InlineData("--cluster-host", "10.0.0.5", "--cluster-host: \"10.0.0.5\" is not a loopback address")]
    public void Parse_NoClusterWithAWayToOtherReplicas_OneUsageErrorNamingTheFlag(string flag, string value, string error)
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, "--no-cluster", flag, value]));

        Assert.StartsWith(error, Assert.Single(request.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoClusterVariableWithPeerVariable_UsageErrorNamingThePeerVariable()
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path],
            name => name switch { "AKKA_GATEWAY_NO_CLUSTER" => "1", "AKKA_GATEWAY_PEER" => "127.0.0.1:8561", _ => null }));

        Assert.StartsWith("AKKA_GATEWAY_PEER: --no-cluster", Assert.Single(request.Errors), StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
