using Gateway.Actors.Resources;
using Gateway.Host.Cli;
using Gateway.Host.Kubernetes;
using Xunit;

namespace Gateway.Tests.Kubernetes;

/// <summary>The Kubernetes flags of the command line, and the kubeconfig path to a real (fake) API server.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesCommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("k8s-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_SourceKubernetes_NoManifestsNeeded_DefaultsApplied()
    {
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--source", "kubernetes", "--service-namespace", "gw-system"]));
        var k = Assert.IsType<KubernetesHostOptions>(request.Options.Kubernetes);
        Assert.Empty(request.Options.ManifestDirectories);
        Assert.Null(k.KubeconfigPath);
        Assert.Equal("gw-system", k.Services.Namespace);
        Assert.Equal(GatewayServiceOptions.DefaultPodSelector, k.Services.PodSelector);
        Assert.Equal((20000, 29999), (k.Services.PortRangeStart, k.Services.PortRangeEnd));
        Assert.Equal("0.0.0.0", k.ServiceBindAddress);
    }

    [Fact]
    public void Parse_SecretFlags_DefaultTlsOnlyInEveryNamespace_FlagsAndVariablesMapped()
    {
        var defaults = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--source", "kubernetes"])).Options.Kubernetes!.Source;
        Assert.Equal(["kubernetes.io/tls"], defaults.SecretTypes);
        Assert.Empty(defaults.SecretNamespaces);

        var flags = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(
            ["--source", "kubernetes", "--secret-types", "kubernetes.io/tls", "--secret-types", "Opaque", "--secret-namespaces", "a"])).Options.Kubernetes!.Source;
        Assert.Equal(["kubernetes.io/tls", "Opaque"], flags.SecretTypes);
        Assert.Equal(["a"], flags.SecretNamespaces);

        var variables = new Dictionary<string, string> { ["AKKA_GATEWAY_SECRET_TYPES"] = "kubernetes.io/tls,Opaque", ["AKKA_GATEWAY_SECRET_NAMESPACES"] = "a,b" };
        var fromEnvironment = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--source", "kubernetes"], v => variables.GetValueOrDefault(v))).Options.Kubernetes!.Source;
        Assert.Equal(["kubernetes.io/tls", "Opaque"], fromEnvironment.SecretTypes);
        Assert.Equal(["a", "b"], fromEnvironment.SecretNamespaces);
    }

    [Theory]
    [InlineData("--secret-types", "type=Opaque")]
    [InlineData("--secret-types", "a,b")]
    [InlineData("--secret-namespaces", "Not_A_Namespace")]
    public void Parse_BadSecretFlag_UsageErrorNamingIt(string flag, string value)
    {
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--source", "kubernetes", flag, value]));

        Assert.Contains(error.Errors, e => e.StartsWith(flag + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AllKubernetesFlags_MappedOntoOptions()
    {
        var kubeconfig = Path.Combine(_dir, "config");
        File.WriteAllText(kubeconfig, "apiVersion: v1\nkind: Config\n");
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse([
            "--source", "kubernetes", "--kubeconfig", kubeconfig, "--pod-selector", "app=gw,tier=edge", "--container-port-range", "30000-30010",
            "--service-bind-address", "127.0.0.1",
        ]));
        var k = request.Options.Kubernetes!;
        Assert.Equal(kubeconfig, k.KubeconfigPath);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "gw", ["tier"] = "edge" }, k.Services.PodSelector);
        Assert.Equal((30000, 30010), (k.Services.PortRangeStart, k.Services.PortRangeEnd));
        Assert.Equal("127.0.0.1", k.ServiceBindAddress);
    }

    [Theory]
    [InlineData("--source", "etcd", "etcd")]
    [InlineData("--pod-selector", "no-equals", "--pod-selector")]
    [InlineData("--pod-selector", "a=b c", "--pod-selector")]
    [InlineData("--container-port-range", "30000-20000", "--container-port-range")]
    [InlineData("--container-port-range", "0-10", "--container-port-range")]
    [InlineData("--service-bind-address", "any", "--service-bind-address")]
    [InlineData("--kubeconfig", "/does/not/exist", "--kubeconfig")]
    public void Parse_BadKubernetesValue_UsageError(string flag, string value, string mentioned)
    {
        string[] args = flag == "--source" ? [flag, value] : ["--source", "kubernetes", flag, value];
        var error = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(args));
        Assert.Contains(error.Errors, e => e.Contains(mentioned, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_KubernetesSourceWithoutManifests_NoEmbeddedExamples()
    {
        var serve = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--source", "kubernetes"]));
        Assert.Empty(serve.Options.ManifestDirectories);
        Assert.False(serve.DemoBackends);
    }

    [Fact]
    public async Task Help_ListsKubernetesFlags()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, await GatewayCommandLine.RunAsync(["--help"], stdout, stderr));
        foreach (var flag in new[] { "--source", "--kubeconfig", "--service-namespace", "--pod-selector", "--container-port-range", "--service-bind-address" })
            Assert.Contains(flag, stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubeconfigFile_PointsClientAtApiServer()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Apply(K8sObjects.Namespace("from-kubeconfig"));
        var path = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: fake
              cluster:
                server: {server.BaseAddress}
            contexts:
            - name: test
              context:
                cluster: fake
                user: tester
            users:
            - name: tester
              user:
                token: not-a-secret
            """);
        var api = new KubernetesApi(KubernetesClientFactory.Create(path));
        var page = await api.ListAsync(KindRegistry.Namespace, "v1", null, 10, CancellationToken.None);
        Assert.Equal("from-kubeconfig", Assert.Single(page.Items).Metadata.Name);
    }
}
