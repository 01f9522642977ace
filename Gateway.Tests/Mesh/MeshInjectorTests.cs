using System.Diagnostics;
using Gateway.Emulators;
using Gateway.Host.Cli;
using Gateway.Host.Mesh.Inject;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Mesh;

/// <summary><c>Gateway.Host inject</c> on the example manifests of k8s/mesh/examples.</summary>
public sealed class MeshInjectorTests
{
    private static readonly string ClientExample = Path.Combine(TestPaths.RepoRoot, "k8s", "mesh", "examples", "client.yaml");

    [Fact]
    public void Inject_DeploymentAndPod_GetTheProxyAndTheInitContainerWithTheRedirectRules()
    {
        var output = MeshInjector.Inject(File.ReadAllText(ClientExample), new InjectOptions { Image = "gw:1", InitImage = "init:1" }, out var injected);

        var documents = Load(output);
        Assert.Equal(2, injected);
        var deployment = PodSpec(documents[0], "spec", "template", "spec");
        var pod = PodSpec(documents[2], "spec");
        foreach (var spec in new[] { deployment, pod })
        {
            var proxy = Assert.Single(Items(spec, "containers"), c => Text(c, "name") == MeshInjector.ProxyContainer);
            Assert.Equal("gw:1", Text(proxy, "image"));
            Assert.Equal(["--mode", "mesh", "--source", "kubernetes", "--mesh-port", "15001"], Items(proxy, "args").Select(a => ((YamlScalarNode)a).Value));
            Assert.Equal("1337", Text(Node(proxy, "securityContext"), "runAsUser"));
            var init = Items(spec, "initContainers")[0];
            Assert.Equal(MeshInjector.InitContainer, Text(init, "name"));
            Assert.Equal("init:1", Text(init, "image"));
            Assert.Equal("NET_ADMIN", ((YamlScalarNode)Items(Node(Node(init, "securityContext"), "capabilities"), "add")[0]).Value);
            var rules = Text(Items(init, "env")[0], "value");
            Assert.Contains("meta skuid 1337 return", rules, StringComparison.Ordinal);
            Assert.Contains("ip daddr 127.96.0.0/16 meta l4proto tcp redirect to :15001", rules, StringComparison.Ordinal);
        }
        // The workload's own containers stay first; the Pod's own init container runs after the rules are in place.
        Assert.Equal("client", Text(Items(deployment, "containers")[0], "name"));
        Assert.Equal("setup", Text(Items(pod, "initContainers")[1], "name"));
    }

    [Fact]
    public void Inject_Twice_GivesTheSameOutputAsOnce()
    {
        var once = MeshInjector.Inject(File.ReadAllText(ClientExample), new InjectOptions(), out _);

        var twice = MeshInjector.Inject(once, new InjectOptions(), out var injectedAgain);

        Assert.Equal(once, twice);
        Assert.Equal(0, injectedAgain);
    }

    [Fact]
    public void Inject_ServiceDocument_PassesUnchanged()
    {
        var output = MeshInjector.Inject(File.ReadAllText(ClientExample), new InjectOptions(), out _);

        var service = Load(output)[1];
        Assert.Equal("Service", Text(service, "kind"));
        Assert.False(((YamlMappingNode)Node(service, "spec")).Children.ContainsKey(new YamlScalarNode("template")));
        Assert.Equal("80", Text(Items(Node(service, "spec"), "ports")[0], "port"));
    }

    [Fact]
    public async Task InjectCommand_OnInvalidYaml_ExitsWith1AndSaysWhy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mesh-inject-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "kind: Deployment\nspec: [unclosed\n");
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();

            var code = await GatewayCommandLine.RunAsync(["inject", path], stdout, stderr);

            Assert.Equal(1, code);
            Assert.Contains("is not valid YAML", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task InjectCommand_ShippedProcess_PrintsTheInjectedManifests()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"), "inject", ClientExample, "--image", "gw:2"]) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("2 workload(s) injected", await stderr, StringComparison.Ordinal);
        Assert.Equal(MeshInjector.Inject(await File.ReadAllTextAsync(ClientExample), new InjectOptions { Image = "gw:2" }, out _), await stdout);
    }

    private static List<YamlNode> Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    private static YamlNode Node(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static YamlNode PodSpec(YamlNode node, params string[] path) => path.Aggregate(node, Node);

    private static IList<YamlNode> Items(YamlNode node, string key) => ((YamlSequenceNode)Node(node, key)).Children;

    private static string? Text(YamlNode node, string key) => ((YamlScalarNode)Node(node, key)).Value;
}
