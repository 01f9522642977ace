using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Host.Hosting;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s;
using Xunit;

namespace Gateway.Tests.EndToEnd;

/// <summary>The real translator and file status sink together, driven through files like a user would.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ListenerChangeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private GatewayHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        _dir.Dispose();
    }

    private const string Class = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: gc}
        spec: {controllerName: akka-gateway.dev/controller}
        """;

    private static string Gateway(params (string Name, int Port)[] listeners) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: g, namespace: default}
        spec:
          gatewayClassName: gc
          listeners:
        {{string.Join("\n", listeners.Select(l => $"  - {{name: {l.Name}, port: {l.Port}, protocol: HTTP}}"))}}
        """;

    [Fact]
    public async Task ListenerRemoved_GatewayStatusListsOnlyTheRemainingListener()
    {
        _dir.Write("m/class.yaml", Class);
        _dir.Write("m/gateway.yaml", Gateway(("a", 18080), ("b", 18081)));
        var status = _dir.Combine("status");
        _host = await GatewayHost.StartAsync(new GatewayHostOptions { ManifestDirectories = [_dir.Combine("m")], StatusDirectory = status }, Wait.Token());
        await _host.WaitUntilReadyAsync(Wait.Token());
        var key = new ResourceKey("Gateway", "default", "g");
        Assert.Equal(["a", "b"], Read(status, key).Status!.Listeners!.Select(l => l.Name));

        _dir.Write("m/gateway.yaml", Gateway(("b", 18081)));
        await _host.SyncAsync(Wait.Token());

        var after = Read(status, key);
        Assert.Equal(2, after.Metadata.Generation);
        Assert.Equal(["b"], after.Status!.Listeners!.Select(l => l.Name));
    }

    private static V1Gateway Read(string statusDir, ResourceKey key) =>
        KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(StatusPaths.PathFor(statusDir, key)));
}
