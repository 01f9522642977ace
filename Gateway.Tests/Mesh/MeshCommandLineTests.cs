using Gateway.Host.Cli;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary>The mesh flags of the command line: <c>--mode</c>, <c>--mesh-port</c>, <c>--mesh-address</c>, <c>--mesh-namespace</c>.</summary>
public sealed class MeshCommandLineTests
{
    private static readonly string Manifests = Path.GetTempPath();

    private static CommandLineRequest Parse(string[] args, Dictionary<string, string>? environment = null) =>
        GatewayCommandLine.Parse(["--manifests", Manifests, .. args], name => environment?.GetValueOrDefault(name));

    [Fact]
    public void ModeMesh_WithNamespace_IsAMeshProxyOnTheDefaultPortInALoneCluster()
    {
        var request = Assert.IsType<ServeRequest>(Parse(["--mode", "mesh", "--mesh-namespace", "client"]));

        Assert.Equal("client", request.Mesh!.Namespace);
        Assert.Equal(15001, request.Mesh.ListenPort);
        Assert.Equal("127.0.0.1", request.Mesh.ListenAddress.ToString());
        Assert.True(request.Options.Cluster.Standalone);
        Assert.Null(request.Options.Cluster.ManagementPort);
    }

    [Fact]
    public void ModeMesh_NamespaceFromPodNamespaceVariable_WhenNoFlag()
    {
        var request = Assert.IsType<ServeRequest>(Parse(["--mode", "mesh", "--mesh-port", "15006", "--mesh-address", "::1"],
            new Dictionary<string, string> { ["POD_NAMESPACE"] = "from-downward-api" }));

        Assert.Equal("from-downward-api", request.Mesh!.Namespace);
        Assert.Equal(15006, request.Mesh.ListenPort);
        Assert.Equal("::1", request.Mesh.ListenAddress.ToString());
    }

    [Fact]
    public void DefaultMode_IsTheGateway()
    {
        var request = Assert.IsType<ServeRequest>(Parse([]));

        Assert.Null(request.Mesh);
    }

    [Theory]
    [InlineData(new[] { "--mode", "mesh" }, "--mesh-namespace: is required with --mode mesh")]
    [InlineData(new[] { "--mode", "mesh", "--mesh-namespace", "Not_A_Label" }, "--mesh-namespace: \"Not_A_Label\" is not a namespace name")]
    [InlineData(new[] { "--mode", "sidecar" }, "--mode: is not one of gateway, mesh")]
    [InlineData(new[] { "--mode", "mesh", "--mesh-namespace", "a", "--mesh-port", "70000" }, "--mesh-port: is not a port")]
    [InlineData(new[] { "--mode", "mesh", "--mesh-namespace", "a", "--mesh-address", "localhost" }, "--mesh-address: is not an IP address")]
    public void BadMeshFlags_AreUsageErrorsNamingTheFlag(string[] args, string message)
    {
        var error = Assert.IsType<UsageErrorRequest>(Parse(args));

        Assert.Contains(error.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }
}
