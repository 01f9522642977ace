using System.Net;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Emulators;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using k8s;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.RateLimiting;

/// <summary>The shipped executable in file mode, one replica: a RateLimitPolicy read from the manifests folder limits its route.</summary>
[Trait("Category", "EndToEnd")]
public sealed class RateLimitEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private readonly int _managementPort = ReplicaProcess.FreePort();
    private EchoServer? _echo;
    private ReplicaProcess? _replica;

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-pod")) { HttpPort = 0 });
        _dir.Write("m/all.yaml", Manifests.Join(
            Manifests.GatewayClass(),
            Manifests.Gateway("g", port: _gatewayPort),
            Manifests.EchoService("echo", _echo.HttpEndpoint.Port),
            Route("limited", "/limited"),
            Route("free", "/free"),
            """
            apiVersion: gateway.akka-gateway.dev/v1alpha1
            kind: RateLimitPolicy
            metadata: {name: five, namespace: default}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: limited}]
              rules:
              - limit: {requests: 5, interval: 1m}
                key: {type: Global}
            """));
        var pool = Random.Shared.Next(100, 250);
        _replica = new ReplicaProcess("n1", _managementPort,
        [
            "--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("status"), "--address-pool", $"127.{pool}.7.0/24",
            "--management-port", _managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Warning",
        ]);
        _replica.Start();
    }

    internal static string Route(string name, string path) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: default}
        spec:
          parentRefs: [{name: g}]
          rules:
          - matches:
            - path:
                type: PathPrefix
                value: "{{path}}"
            backendRefs: [{name: echo, port: 8080}]
        """;

    public async Task DisposeAsync()
    {
        if (_replica is not null)
        {
            output.WriteLine(_replica.Tail);
            await _replica.DisposeAsync();
        }
        if (_echo is not null) await _echo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task OverTheLimit_429WithRetryAfterAndRateLimitFields_OtherRouteUnaffected_PolicyAccepted()
    {
        var statusPath = StatusPaths.PathFor(_dir.Combine("status"), new ResourceKey("RateLimitPolicy", "default", "five"));
        string? address = null;
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    if (File.Exists(statusPath) && (await _replica!.LiveAddressesAsync(cts.Token)) is [var a]) { address = a; break; }
                }
                catch (HttpRequestException)
                {
                    // Not up yet.
                }
                await Task.Delay(200, CancellationToken.None);
            }
        }
        Assert.True(address is not null, "the replica serves the Gateway and wrote the policy's status within 60 s");

        var policy = KubernetesYaml.Deserialize<V1Alpha1RateLimitPolicy>(await File.ReadAllTextAsync(statusPath));
        var ancestor = Assert.Single(policy.Status!.Ancestors!);
        Assert.Equal("g", ancestor.AncestorRef.Name);
        var accepted = Assert.Single(ancestor.Conditions!);
        Assert.Equal(("Accepted", "True", "Accepted"), (accepted.Type, accepted.Status, accepted.Reason));

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var limited = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++) limited.Add(await client.GetAsync(new Uri($"http://{address}:{_gatewayPort}/limited")));
        var free = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var r = await client.GetAsync(new Uri($"http://{address}:{_gatewayPort}/free"));
            free.Add(r.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)), limited.Select(r => r.StatusCode));
        Assert.All(free, s => Assert.Equal(HttpStatusCode.OK, s));
        foreach (var refused in limited.Skip(5))
        {
            var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 60);
            Assert.Equal("\"default/five/0\";q=5;w=60", Assert.Single(refused.Headers.GetValues("RateLimit-Policy")));
            Assert.Equal($"\"default/five/0\";r=0;t={retryAfter}", Assert.Single(refused.Headers.GetValues("RateLimit")));
        }
        foreach (var r in limited) r.Dispose();
    }
}
