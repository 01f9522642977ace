using System.Net;
using Gateway.Emulators;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.RateLimiting;

/// <summary>
/// Three real replicas in one cluster sharing one Gateway address (one address pool, listener sockets with
/// SO_REUSEPORT), as users run them behind one virtual IP: each request opens its own connection, the kernel spreads the
/// connections over the replicas, and each replica's /metrics shows its share. Cluster scope: the replicas lease
/// tokens from the counter's sharded owner, so the limit holds across the cluster; a replica killed mid-run leaves
/// enforcement to the survivors (README "Rate limiting": a move forgives at most one interval's worth).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed partial class RateLimitMultiNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Per hour, so that no window ends during the run: with a connection per request on a loaded machine the 180
    // requests of the steady phase can take more than a minute, and a new window would rightly admit another limit.
    private const int Limit = 60;
    private readonly TempDir _dir = new();
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private readonly int _poolBase = Random.Shared.Next(100, 250);
    private EchoServer? _echo;

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-pod")) { HttpPort = 0 });
        _dir.Write("m/all.yaml", Manifests.Join(
            Manifests.GatewayClass(),
            Manifests.Gateway("g", port: _gatewayPort),
            Manifests.EchoService("echo", _echo.HttpEndpoint.Port),
            RateLimitEndToEndTests.Route("steady", "/steady"),
            RateLimitEndToEndTests.Route("failover", "/failover"),
            Policy("steady-limit", "steady"),
            Policy("failover-limit", "failover")));
        var ports = Enumerable.Range(0, 3).Select(_ => ReplicaProcess.FreePort()).ToList();
        for (var i = 0; i < 3; i++)
        {
            _replicas.Add(new ReplicaProcess($"n{i + 1}", ports[i],
            [
                "--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("status"), "--address-pool", $"127.{_poolBase}.1.0/24",
                "--management-port", ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", $"n{i + 1}",
                .. ports.SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" }),
                "--log-level", "Warning", "--shutdown-timeout", "5s",
            ]));
        }
    }

    private static string Policy(string name, string route) => $$"""
        apiVersion: gateway.akka-gateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: {{name}}, namespace: default}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: {{route}}}]
          rules:
          - limit: {requests: {{Limit}}, interval: 1h}
            key: {type: Global}
            scope: Cluster
        """;

    public async Task DisposeAsync()
    {
        await ReplicaProcess.DisposeAllAsync(_replicas, output);
        if (_echo is not null) await _echo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task ThreeReplicasOnOneAddress_OneClusterLimit_AdmitAtMostTheLimit_AndAfterAKillSurvivorsEnforceWithin429Only()
    {
        foreach (var replica in _replicas) replica.Start();
        var addresses = new string?[3];
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while (addresses.Any(a => a is null))
            {
                cts.Token.ThrowIfCancellationRequested();
                for (var i = 0; i < 3; i++)
                {
                    try
                    {
                        var members = (await _replicas[i].GetJsonAsync("cluster/members", cts.Token)).GetProperty("members").GetArrayLength();
                        if (members == 3 && (await _replicas[i].LiveAddressesAsync(cts.Token)) is [var a]) addresses[i] = a;
                    }
                    catch (HttpRequestException)
                    {
                        // Not up yet.
                    }
                }
                await Task.Delay(250, CancellationToken.None);
            }
        }
        // One pool, one Gateway: every replica serves the same address.
        Assert.Single(addresses.Distinct());
        var address = addresses[0]!;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<HttpStatusCode> Get(string path)
        {
            // A connection per request, so the kernel picks a replica per request.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{address}:{_gatewayPort}{path}"));
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        // Steady: 180 requests to the shared address.
        var served = await SettledServedAsync(_replicas);
        var steady = new List<HttpStatusCode>();
        for (var i = 0; i < 3 * Limit; i++) steady.Add(await Get("/steady"));
        var steadySpread = await SpreadAsync(_replicas, served, steady.Count);
        var steadyAdmitted = steady.Count(s => s == HttpStatusCode.OK);
        output.WriteLine($"steady: {steadyAdmitted} admitted of {steady.Count}; requests per replica {string.Join(", ", steadySpread)}");
        Assert.All(steady, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {(int)s}"));
        // The kernel spread the connections: every replica served some of them (the chance that one of three gets
        // none of 180 connections is about 3 x (2/3)^180).
        Assert.All(steadySpread, n => Assert.True(n > 0, $"a replica served none of the requests: {string.Join(", ", steadySpread)}"));
        Assert.Equal(steady.Count, steadySpread.Sum());
        // Never above the limit (the owner leases at most the limit per window); below it only by tokens stranded in
        // leases when the run ends (the last leases shrink to a token or two per replica).
        Assert.InRange(steadyAdmitted, Limit - 6, Limit);

        // Failover: a third of the limit, then replica n3 is killed, then three limits' worth to the shared address,
        // which only the survivors serve now.
        var before = new List<HttpStatusCode>();
        for (var i = 0; i < Limit / 3; i++) before.Add(await Get("/failover"));
        _replicas[2].Kill();
        var survivors = _replicas.Take(2).ToList();
        served = await SettledServedAsync(survivors);
        var after = new List<HttpStatusCode>();
        for (var i = 0; i < 3 * Limit; i++) after.Add(await Get("/failover"));
        var afterSpread = await SpreadAsync(survivors, served, after.Count);
        var admitted = before.Concat(after).Count(s => s == HttpStatusCode.OK);
        output.WriteLine($"failover: {admitted} admitted of {before.Count + after.Count}; after the kill {after.Count(s => s == HttpStatusCode.OK)} admitted, {after.Count(s => s == HttpStatusCode.TooManyRequests)} refused; requests per survivor {string.Join(", ", afterSpread)}");

        Assert.All(before.Concat(after), s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {(int)s}"));
        Assert.All(afterSpread, n => Assert.True(n > 0, $"a survivor served none of the requests: {string.Join(", ", afterSpread)}"));
        Assert.Equal(after.Count, afterSpread.Sum());
        // A move forgives at most one interval's worth: never more than twice the limit in the interval.
        Assert.InRange(admitted, Limit / 3, 2 * Limit);
        // Enforcement continues on the survivors: the tail of the run is refused.
        Assert.All(after.TakeLast(10), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    /// <summary>
    /// Requests each replica served since <paramref name="before"/>, read until they add up to <paramref name="sent"/>
    /// (at most 15 s): a request is recorded once its response has ended, after the client has it, and the Prometheus
    /// exporter answers a scrape from a cache for 300 ms.
    /// </summary>
    private static async Task<long[]> SpreadAsync(IReadOnlyList<ReplicaProcess> replicas, long[] before, int sent)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            long[] spread = [.. (await ServedAsync(replicas)).Zip(before, (a, b) => a - b)];
            if (spread.Sum() >= sent || cts.IsCancellationRequested) return spread;
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>
    /// <see cref="ServedAsync"/> after the previous requests have settled: longer than the exporter's 300 ms scrape cache
    /// and the recording of the last response, so the counts include everything sent before. A wait, not a measurement.
    /// </summary>
    private static async Task<long[]> SettledServedAsync(IReadOnlyList<ReplicaProcess> replicas)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
        return await ServedAsync(replicas);
    }

    /// <summary>Data-plane requests each replica has served so far (the count of its http_server_request_duration_seconds).</summary>
    private static async Task<long[]> ServedAsync(IReadOnlyList<ReplicaProcess> replicas)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var counts = new long[replicas.Count];
        for (var i = 0; i < replicas.Count; i++)
        {
            var (status, text) = await replicas[i].GetAsync("metrics", cts.Token);
            Assert.Equal(HttpStatusCode.OK, status);
            counts[i] = (long)RequestCount().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        return counts;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^http_server_request_duration_seconds_count(?:\{[^}]*\})? (\S+)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex RequestCount();
}
