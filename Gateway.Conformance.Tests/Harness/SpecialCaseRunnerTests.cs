using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Emulators;
using Gateway.Conformance.Tests.Judges;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// The special-case judges against real echo servers on loopback, with a small stand-in for the gateway (it picks a
/// backend, adds headers, retries or mirrors) so each judge is shown to pass a right answer and fail a wrong one.
/// </summary>
[Trait("Category", "EndToEnd")]
public class SpecialCaseRunnerTests
{
    private const string Ns = "gateway-conformance-infra";

    private static readonly ConformanceTimeouts Tiny = new()
    {
        MaxTimeToConsistency = TimeSpan.FromSeconds(2),
        DelayAfterFailure = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    private static readonly HttpCaseTarget Target = new(Ns, "same-namespace", 80, "http");

    private static SpecialCaseRunner Runner(IRoundTripper gateway, IPodLogSource? logs = null, IConformanceClock? clock = null) =>
        new(gateway, Tiny, clock ?? SystemConformanceClock.Instance, Certificate, logs, new Random(11)) { MaxEntropyDelay = TimeSpan.Zero };

    private static X509Certificate2 Certificate(string namespacedName)
    {
        var parts = namespacedName.Split('/');
        return SharedCertificates.Value.Get(parts[0], parts[1]).Certificate;
    }

    private static Task<EchoServer> Echo(string address, string pod, bool retry = false) =>
        EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(address), new EchoIdentity(Ns, pod)) { HttpPort = 0, RetrySupport = retry });

    private static HttpCase RootCase(string path = "/") =>
        new("root", new HttpCaseRequest { Path = path }, new HttpCaseExpectation { Namespace = Ns, RequestPath = path, RequestMethod = "GET" }, Target, null, CaseCheck.EventuallyConsistent);

    [Fact]
    public async Task Weighted_GatewaySplitting70To30_PassesAndSplitting50To50_Fails()
    {
        await using var v1 = await Echo("127.24.0.1", "infra-backend-v1-7b9c5d8f4-x2k7p");
        await using var v2 = await Echo("127.24.0.2", "infra-backend-v2-7b9c5d8f4-x2k7p");
        await using var v3 = await Echo("127.24.0.3", "infra-backend-v3-7b9c5d8f4-x2k7p");
        var special = new WeightedDistributionCase("HTTPRouteWeight", Target, "/", new Dictionary<string, double> { ["infra-backend-v1"] = 0.7, ["infra-backend-v2"] = 0.3, ["infra-backend-v3"] = 0.0 }, 500, 10);

        var right = await Runner(new FakeGateway(Weighted(new Random(1), (v1, 70), (v2, 30), (v3, 0)))).RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);
        Assert.True(Assert.Single(right).Result.Passed, right[0].Result.Detail);
        Assert.True(v1.RequestCount > 300 && v2.RequestCount > 100 && v3.RequestCount == 0, $"{v1.RequestCount}/{v2.RequestCount}/{v3.RequestCount}");

        var wrong = await Runner(new FakeGateway(Weighted(new Random(2), (v1, 50), (v2, 49), (v3, 1)))).RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);
        Assert.False(wrong[0].Result.Passed);
        Assert.Equal(WeightedDistribution.MaxTestRetries, wrong[0].Result.Attempts);
        Assert.Contains("weighted traffic", wrong[0].Result.Detail);
    }

    [Fact]
    public async Task Weighted_SamplesCarryJitterHeaderSometimes()
    {
        await using var v1 = await Echo("127.24.0.4", "infra-backend-v1-a-b");
        var seen = new List<bool>();
        var gateway = new FakeGateway(_ => v1.HttpEndpoint, (r, _) =>
        {
            lock (seen) seen.Add(r.Headers.Any(h => h.Key == Entropy.Header));
            return r;
        });
        var special = new WeightedDistributionCase("t", Target, "/", new Dictionary<string, double> { ["infra-backend-v1"] = 1.0 }, 60, 10);

        var result = await Runner(gateway).RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);

        Assert.True(result[0].Result.Passed, result[0].Result.Detail);
        var samples = seen.Skip(3).ToList(); // the first three are the eventually consistent pre-check
        Assert.Equal(60, samples.Count);
        Assert.Contains(true, samples);
        Assert.Contains(false, samples);
    }

    [Fact]
    public async Task BackendFilter_HeaderNamingTheChosenBackend_PassesOtherwiseFails()
    {
        await using var v1 = await Echo("127.24.0.5", "infra-backend-v1-a-b");
        await using var v2 = await Echo("127.24.0.6", "infra-backend-v2-a-b");
        var special = new BackendFilterConsistencyCase("t", Target, "/");
        var pick = Weighted(new Random(3), (v1, 50), (v2, 50));
        string Name(IPEndPoint e) => e.Equals(v1.HttpEndpoint) ? "infra-backend-v1" : "infra-backend-v2";

        var right = await Runner(new FakeGateway(pick, (r, e) => WithHeader(r, "Backend", Name(e)))).RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);
        Assert.True(right[0].Result.Passed, right[0].Result.Detail);
        Assert.Contains("infra-backend-v1, infra-backend-v2", right[0].Result.Detail);

        // A filter applied for the wrong backend (the other backendRef's header) fails as soon as it shows.
        var crossed = await Runner(new FakeGateway(pick, (r, e) => WithHeader(r, "Backend", Name(e) == "infra-backend-v1" ? "infra-backend-v2" : "infra-backend-v1")))
            .RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);
        Assert.False(crossed[0].Result.Passed);
        Assert.Contains("sent the request to the correct pod", crossed[0].Result.Detail);

        // Both backendRefs' filters applied: HttpClient folds the two values into one header line, as a proxy adding
        // to an existing header would; either way no single value names the answering pod, and the first round trip fails.
        var both = await Runner(new FakeGateway(pick, (r, _) => WithHeader(WithHeader(r, "Backend", "infra-backend-v1"), "Backend", "infra-backend-v2")))
            .RunAsync(special, [RootCase()], IPAddress.Loopback, CancellationToken.None);
        Assert.False(both[0].Result.Passed);
        Assert.StartsWith("round trip 1:", both[0].Result.Detail);
    }

    [Theory]
    [InlineData(20, true)]
    [InlineData(0, false)]
    [InlineData(100, false)]
    public async Task PercentageMirror_GatewayMirroringAtARate_PassesOnlyAtThePercentOfTheCase(int gatewayPercent, bool passes)
    {
        await using var primary = await Echo("127.24.0.7", "infra-backend-v1-a-b");
        await using var mirror = await Echo("127.24.0.8", "infra-backend-v2-a-b");
        var random = new Random(4);
        var gateway = new FakeGateway(_ => primary.HttpEndpoint, mirrorTo: mirror.HttpEndpoint, mirrorPercent: gatewayPercent, random: random);
        var logs = new MirrorLogs(mirror);
        var c = RootCase("/percent-mirror") with { Expect = RootCase("/percent-mirror").Expect with { Backend = "infra-backend-v1", MirroredTo = [new MirrorTarget(Ns, "infra-backend-v2", 20)] } };

        // The fake clock makes the 2 s pauses between failed checks free; requests still go over loopback.
        var results = await Runner(gateway, logs, new ThreadSafeFakeClock()).RunAsync(new PercentageMirrorCase("t", Target), [c], IPAddress.Loopback, CancellationToken.None);

        var result = Assert.Single(results).Result;
        Assert.True(result.Passed == passes, result.Detail);
        if (!passes) Assert.Contains("check 5/5", result.Detail);
    }

    [Fact]
    public async Task Retry_GatewayRetryingAsTheRouteSays_PassesAndOneThatDoesNot_Fails()
    {
        await using var v3 = await Echo("127.24.0.9", "infra-backend-v3-a-b", retry: true);
        var table = Assert.IsType<RetryCase>(SpecialCaseLoader.Load(Path.Combine(TestPaths.ConformanceDir, "cases.json"))["HTTPRouteRetry"]);

        var right = await Runner(new FakeGateway(_ => v3.HttpEndpoint, retry: RouteRetryPolicy)).RunAsync(table, [], IPAddress.Loopback, CancellationToken.None);
        Assert.Equal(11, right.Count);
        Assert.All(right, r => Assert.True(r.Result.Passed, $"{r.Name}: {r.Result.Detail}"));

        var none = await Runner(new FakeGateway(_ => v3.HttpEndpoint)).RunAsync(table, [], IPAddress.Loopback, CancellationToken.None);
        Assert.All(none.Where(r => r.Name.Contains("succeeds", StringComparison.Ordinal)), r => Assert.False(r.Result.Passed, r.Name));
        Assert.Contains("expected status code to be one of [200], got 500", none.First(r => r.Name.Contains("succeeds after 2 retries", StringComparison.Ordinal)).Result.Detail);
        // Without retries the echo's own failure is what comes back, which the "fails when ..." probes expect.
        Assert.All(none.Where(r => r.Name.Contains("fails when", StringComparison.Ordinal) || r.Name.Contains("does not retry", StringComparison.Ordinal)), r => Assert.True(r.Result.Passed, r.Name));
    }

    [Fact]
    public async Task Retry_BackendResettingTheConnection_IsATransportFailureUnlessTheGatewayRetries()
    {
        await using var v3 = await Echo("127.24.0.10", "infra-backend-v3-a-b", retry: true);
        // No responseCode: the echo resets the TCP connection on the failing attempts (HTTPRouteRetryConnectionError's mode).
        var reset = new RetryCase("t", Target, [new RetryProbe("succeeds after a reset", "/retry/code-all-attempts-2", new Dictionary<string, string> { ["succeedAfter"] = "1" }, 200, "infra-backend-v3")]);

        var noRetry = await Runner(new FakeGateway(_ => v3.HttpEndpoint)).RunAsync(reset, [], IPAddress.Loopback, CancellationToken.None);
        Assert.False(noRetry[0].Result.Passed);
        Assert.Contains("request failed, not ready yet", noRetry[0].Result.Detail);

        var retried = await Runner(new FakeGateway(_ => v3.HttpEndpoint, retry: (_, _) => 2)).RunAsync(reset, [], IPAddress.Loopback, CancellationToken.None);
        Assert.True(retried[0].Result.Passed, retried[0].Result.Detail);
    }

    [Fact]
    public async Task WebSocket_EchoingBackend_PassesAndOthersFail()
    {
        await using var echo = await Echo("127.24.0.11", "infra-backend-v1-a-b");
        var special = new WebSocketCase("HTTPRouteBackendProtocolWebSocket", new HttpCaseTarget(Ns, "same-namespace", echo.HttpEndpoint.Port, "ws"), "/ws");
        var runner = Runner(new HttpClientRoundTripper());

        var right = await runner.RunAsync(special, [], echo.HttpEndpoint.Address, CancellationToken.None);
        Assert.True(right[0].Result.Passed, right[0].Result.Detail);

        // An HTTP answer instead of an upgrade.
        var notUpgraded = await runner.RunAsync(special with { Path = "/not-ws" }, [], echo.HttpEndpoint.Address, CancellationToken.None);
        Assert.False(notUpgraded[0].Result.Passed);
        Assert.Contains("failed to dial", notUpgraded[0].Result.Detail);

        // A WebSocket server that answers with something else than what it got.
        await using var wrong = await WrongEchoServer.StartAsync(IPAddress.Parse("127.24.0.12"));
        var mangled = await runner.WebSocketAttemptAsync(new Uri($"ws://127.24.0.12:{wrong.Port}/ws"), "ws://gateway/t", CancellationToken.None);
        Assert.Contains("unexpected reply", mangled);
    }

    /// <summary>The retry policy of tests/httproute-retry.yaml: attempts allowed for a response status on a path.</summary>
    private static int RouteRetryPolicy(RoundTripRequest request, int status) => request.PathAndQuery switch
    {
        var p when p.StartsWith("/retry/code-500-attempts-3", StringComparison.Ordinal) => status == 500 ? 3 : 1,
        var p when p.StartsWith("/retry/code-all-attempts-2", StringComparison.Ordinal) => status is 500 or 502 or 503 or 504 ? 2 : 1,
        _ => 1,
    };

    private static Func<RoundTripRequest, IPEndPoint> Weighted(Random random, params (EchoServer Server, int Weight)[] backends)
    {
        var total = backends.Sum(b => b.Weight);
        return _ =>
        {
            int roll;
            lock (random) roll = random.Next(total);
            foreach (var (server, weight) in backends)
            {
                if (roll < weight) return server.HttpEndpoint;
                roll -= weight;
            }
            throw new InvalidOperationException("unreachable");
        };
    }

    private static RoundTripRequest WithHeader(RoundTripRequest r, string name, string value) => r with { Headers = [.. r.Headers, KeyValuePair.Create(name, value)] };

    /// <summary>
    /// Stands in for a gateway in front of echo servers: picks the backend endpoint, may rewrite the request, retries
    /// as many attempts as <c>retry</c> allows for the status (or connection failure, status 0) it got, and mirrors a
    /// share of the requests to another echo server before answering. Requests go over real loopback sockets.
    /// </summary>
    private sealed class FakeGateway(
        Func<RoundTripRequest, IPEndPoint> pick,
        Func<RoundTripRequest, IPEndPoint, RoundTripRequest>? rewrite = null,
        Func<RoundTripRequest, int, int>? retry = null,
        IPEndPoint? mirrorTo = null,
        int mirrorPercent = 0,
        Random? random = null) : IRoundTripper
    {
        private readonly HttpClientRoundTripper _inner = new();

        public async Task<CapturedResponse> RoundTripAsync(RoundTripRequest request, CancellationToken ct)
        {
            var endpoint = pick(request);
            var forwarded = (rewrite?.Invoke(request, endpoint) ?? request) with { Endpoint = endpoint };
            for (var attempt = 1; ; attempt++)
            {
                CapturedResponse? response = null;
                RoundTripException? failure = null;
                try
                {
                    response = await _inner.RoundTripAsync(forwarded, ct);
                }
                catch (RoundTripException e)
                {
                    failure = e;
                }
                if (attempt < (retry?.Invoke(request, response?.StatusCode ?? 0) ?? 1)) continue;
                if (failure is not null) throw failure;
                if (mirrorTo is not null)
                {
                    bool mirror;
                    lock (random!) mirror = random.Next(100) < mirrorPercent;
                    if (mirror) await _inner.RoundTripAsync(forwarded with { Endpoint = mirrorTo }, ct);
                }
                return response!;
            }
        }
    }

    /// <summary>The mirror pods' logs: the mirror echo server's request log.</summary>
    private sealed class MirrorLogs(EchoServer mirror) : IPodLogSource
    {
        public IReadOnlyList<string> LinesSince(string ns, string service, DateTimeOffset since) =>
            service == "infra-backend-v2" ? mirror.LogSince(since).Select(l => l.Line).ToList() : [];
    }

    /// <summary>A clock whose waits return at once (thread-safe: the judges wait from parallel requests).</summary>
    private sealed class ThreadSafeFakeClock : IConformanceClock
    {
        private long _ticks;

        public TimeSpan Now => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public Task DelayAsync(TimeSpan delay, CancellationToken ct)
        {
            Interlocked.Add(ref _ticks, delay.Ticks);
            return Task.CompletedTask;
        }
    }

    /// <summary>A WebSocket endpoint that answers every frame with other bytes than it received.</summary>
    private sealed class WrongEchoServer(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port { get; } = port;

        public static async Task<WrongEchoServer> StartAsync(IPAddress address)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(address, 0));
            var app = builder.Build();
            app.UseWebSockets();
            app.Run(async context =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[1024];
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                await socket.SendAsync(Encoding.UTF8.GetBytes("something else"), received.MessageType, true, context.RequestAborted);
            });
            await app.StartAsync();
            var url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
            return new WrongEchoServer(app, new Uri(url).Port);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
