using System.Net;
using Gateway.Actors.Resources;
using Gateway.Host.Hosting;
using Gateway.Tests.DataPlane;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The host started on a manifests folder that holds hostile files next to good ones: a symbolic link loop, a JSON
/// document nested 100,000 levels deep, a 50 MB file and an HTTPRoute with 10,000 hostnames. The good objects are
/// served, each hostile one is reported with its reason, and a change made afterwards is served too.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HostileManifestsEndToEndTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(15) };
    private GatewayHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        _dir.Dispose();
    }

    private static string RedirectRoute(string name, IEnumerable<string> hostnames) => $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{{name}}}, namespace: default}
        spec:
          parentRefs: [{name: g}]
          hostnames: [{{{string.Join(", ", hostnames)}}}]
          rules:
          - filters: [{type: RequestRedirect, requestRedirect: {hostname: {{{name}}}.target.example, statusCode: 302}}]
        """;

    private async Task<HttpStatusCode> GetAsync(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_address}:8080/");
        request.Headers.Host = host;
        using var response = await _client.SendAsync(request, Wait.Token());
        return response.StatusCode;
    }

    [Fact]
    public async Task Start_OnHostileManifests_ServesTheGoodObjectsReportsEachHostileOneAndTakesLaterChanges()
    {
        _dir.Write("m/gateway.yaml", Manifests.Join(Manifests.GatewayClass(), $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g, namespace: default}
            spec:
              gatewayClassName: gc
              addresses: [{type: IPAddress, value: "{{_address}}"}]
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            """));
        _dir.Write("m/good.yaml", RedirectRoute("good", ["good.example.com"]));
        _dir.Write("m/hostnames.yaml", RedirectRoute("wide", Enumerable.Range(0, 10_000).Select(i => $"h{i}.example.com")));
        _dir.Write("m/deep.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"data\":"
            + new string('[', 100_000) + new string(']', 100_000) + "}\n");
        var big = _dir.Combine("m", "big.yaml");
        using (var stream = File.Create(big)) stream.SetLength(50L * 1024 * 1024);
        Directory.CreateDirectory(_dir.Combine("m", "loop"));
        Directory.CreateSymbolicLink(_dir.Combine("m", "loop", "a"), _dir.Combine("m"));
        Directory.CreateSymbolicLink(_dir.Combine("m", "loop", "b"), _dir.Combine("m"));

        _host = await GatewayHost.StartAsync(new GatewayHostOptions
        {
            ManifestDirectories = [_dir.Combine("m")],
            StatusDirectory = _dir.Combine("status"),
            DataPlaneFactory = DefaultDataPlane.Create,
        }, Wait.Token());
        await _host.WaitUntilReadyAsync(Wait.Token());

        var reasons = _host.Diagnostics.Select(d => $"{Path.GetFileName(d.File)}: {d.Reason}").ToList();
        Assert.Contains(reasons, r => r.StartsWith("hostnames.yaml: HTTPRoute wide rejected: spec.hostnames: Too many: 10000: must have at most 16 items", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith($"deep.json: refused: nested deeper than {ManifestLimits.MaxDepth} levels", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("big.yaml: refused: ", StringComparison.Ordinal) && r.Contains("bytes are not read", StringComparison.Ordinal));
        Assert.Equal(2, reasons.Count(r => r.Contains("symbolic link loop", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Found, await GetAsync("good.example.com"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync("h0.example.com"));

        _dir.Write("m/later.yaml", RedirectRoute("later", ["later.example.com"]));
        await _host.Source.RescanAsync(Wait.Token());
        await _host.SyncAsync(Wait.Token());

        Assert.Equal(HttpStatusCode.Found, await GetAsync("later.example.com"));
    }
}
