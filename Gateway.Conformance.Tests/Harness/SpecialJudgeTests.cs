using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>The pure parts of the special-case judges, the cases.json loader and the timeout configuration.</summary>
public class SpecialJudgeTests
{
    private static readonly Dictionary<string, double> Weights = new() { ["infra-backend-v1"] = 0.7, ["infra-backend-v2"] = 0.3, ["infra-backend-v3"] = 0.0 };

    [Theory]
    [InlineData("infra-backend-v1-7b9c5d8f4-x2k7p", "infra-backend-v1")]
    [InlineData("web-backend-abc-def", "web-backend")]
    [InlineData("two-parts", "two-parts")]
    [InlineData("single", "single")]
    public void BackendName_PodName_DropsTheLastTwoSegments(string pod, string backend) =>
        Assert.Equal(backend, WeightedDistribution.BackendName(pod));

    [Fact]
    public void Evaluate_WithinTolerance_NoErrors()
    {
        Assert.Empty(WeightedDistribution.Evaluate(new Dictionary<string, int> { ["infra-backend-v1"] = 370, ["infra-backend-v2"] = 130 }, 500, Weights));
        Assert.Empty(WeightedDistribution.Evaluate(new Dictionary<string, int> { ["infra-backend-v1"] = 325, ["infra-backend-v2"] = 175 }, 500, Weights));
    }

    [Fact]
    public void Evaluate_WrongDistributions_NameEveryViolation()
    {
        var off = WeightedDistribution.Evaluate(new Dictionary<string, int> { ["infra-backend-v1"] = 250, ["infra-backend-v2"] = 250 }, 500, Weights);
        Assert.Equal(2, off.Count);
        Assert.Contains(off, e => e.StartsWith("backend \"infra-backend-v1\" weighted traffic of 0.5 not within tolerance 0.7", StringComparison.Ordinal));

        var zeroWeightHit = WeightedDistribution.Evaluate(new Dictionary<string, int> { ["infra-backend-v1"] = 350, ["infra-backend-v2"] = 149, ["infra-backend-v3"] = 1 }, 500, Weights);
        Assert.Contains("expected 2 backends to receive traffic, but got 3", zeroWeightHit);

        var missing = WeightedDistribution.Evaluate(new Dictionary<string, int> { ["infra-backend-v1"] = 500 }, 500, Weights);
        Assert.Contains("expect traffic to hit backend \"infra-backend-v2\" - but none was received", missing);
        Assert.Contains("expected 2 backends to receive traffic, but got 1", missing);
    }

    [Fact]
    public async Task RunAsync_FailedOrForeignSamples_FailEveryRunUntilTheRetriesAreUsedUp()
    {
        var calls = 0;
        var result = await WeightedDistribution.RunAsync(_ =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult("other-backend-abc-def");
        }, Weights, CancellationToken.None, totalRequests: 20, concurrency: 4, attempts: 3);
        Assert.False(result.Passed);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(60, calls);
        Assert.Contains("request was handled by an unexpected pod \"other-backend-abc-def\"", result.Detail);

        var failing = await WeightedDistribution.RunOnceAsync(_ => throw new SampleException("failed to roundtrip request: reset"), Weights, 10, 2, CancellationToken.None);
        Assert.Equal("error while sending requests: failed to roundtrip request: reset", failing);
    }

    [Fact]
    public async Task RunAsync_FirstRunOff_SecondRunRight_Passes()
    {
        var run = 0;
        var sample = 0;
        var result = await WeightedDistribution.RunAsync(_ =>
        {
            var n = Interlocked.Increment(ref sample);
            if (n == 1) Interlocked.Increment(ref run);
            // 10 samples per run: the first run is all v1, later runs 7:3.
            var inRun = (n - 1) % 10;
            return Task.FromResult(n <= 10 || inRun < 7 ? "infra-backend-v1-a-b" : "infra-backend-v2-a-b");
        }, Weights, CancellationToken.None, totalRequests: 10, concurrency: 1, attempts: 10);
        Assert.True(result.Passed, result.Detail);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public void Entropy_Draws_AllThreeKindsWithinUpstreamBounds()
    {
        var random = new Random(7);
        var draws = Enumerable.Range(0, 3000).Select(_ => Entropy.Next(random, TimeSpan.FromSeconds(1))).ToList();
        Assert.All(draws, d => Assert.InRange(d.Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(999)));
        Assert.All(draws.Where(d => d.Jitter is not null), d => Assert.InRange(int.Parse(d.Jitter!, System.Globalization.CultureInfo.InvariantCulture), 0, 9999));
        Assert.InRange(draws.Count(d => d.Jitter is null), 850, 1150);
        Assert.InRange(draws.Count(d => d.Delay == TimeSpan.Zero && d.Jitter is not null), 850, 1150);
    }

    [Fact]
    public void BackendFilterCheck_OneMatchingHeader_PassesOtherwiseFails()
    {
        static EchoCapture Echo(string pod, params string[] backend) => EchoCapture.Empty with
        {
            Pod = pod,
            Headers = backend.Length == 0 ? new Dictionary<string, IReadOnlyList<string>>() : new Dictionary<string, IReadOnlyList<string>> { ["Backend"] = backend },
        };
        Assert.Null(BackendFilterConsistency.Check(Echo("infra-backend-v2-a-b", "infra-backend-v2")));
        Assert.Contains("got 0", BackendFilterConsistency.Check(Echo("infra-backend-v2-a-b")));
        Assert.Contains("got 2", BackendFilterConsistency.Check(Echo("infra-backend-v2-a-b", "infra-backend-v2", "infra-backend-v1")));
        Assert.Contains("want \"infra-backend-v1\"", BackendFilterConsistency.Check(Echo("infra-backend-v2-a-b", "infra-backend-v1")));
    }

    [Theory]
    [InlineData(20, 100, true)]
    [InlineData(20, 74, true)]
    [InlineData(20, 73, false)]
    [InlineData(20, 127, false)]
    [InlineData(50, 250, true)]
    [InlineData(50, 216, false)]
    [InlineData(35, 0, false)]
    public void PercentageMirror_Count_JudgedAgainstThreeSigmas(int percent, int count, bool passes) =>
        Assert.Equal(passes, PercentageMirror.Evaluate("infra-backend-v2", count, 500, percent) is null);

    [Fact]
    public void PercentageMirror_BandAndRequestId_AsUpstream()
    {
        var (min, max) = PercentageMirror.Band(500, 20);
        Assert.Equal(100 - 3 * Math.Sqrt(80), min, 9);
        Assert.Equal(100 + 3 * Math.Sqrt(80), max, 9);
        Assert.Equal("/p?gateway-api-conformance-request-id=x", PercentageMirror.WithRequestId("/p", "x"));
        Assert.Equal("/p?a=b&gateway-api-conformance-request-id=x", PercentageMirror.WithRequestId("/p?a=b", "x"));
    }

    [Fact]
    public void RetryProbe_PathAndExpectation_SortedQueryAndFullPathOn200()
    {
        var probe = new RetryProbe("n", "/retry/code-500-attempts-3", new Dictionary<string, string> { ["succeedAfter"] = "2", ["responseCode"] = "500" }, 200, "infra-backend-v3");
        var path = RetryProbes.PathAndQuery(probe, "u-1");
        Assert.Equal("/retry/code-500-attempts-3?responseCode=500&succeedAfter=2&uuid=u-1", path);
        var expect = RetryProbes.Expectation(probe, path, "ns");
        Assert.Equal([200], expect.StatusCodes);
        Assert.Equal(path, expect.RequestPath);
        Assert.Equal("infra-backend-v3", expect.Backend);
    }

    [Fact]
    public void SpecialCaseLoader_CasesJson_GivesTheHttpGrpcTcpAndUdpSpecials()
    {
        var specials = SpecialCaseLoader.Load(Path.Combine(TestPaths.ConformanceDir, "cases.json"));

        var weight = Assert.IsType<WeightedDistributionCase>(specials["HTTPRouteWeight"]);
        Assert.Equal((500, 10, "/"), (weight.TotalRequests, weight.Concurrency, weight.Path));
        Assert.Equal(Weights, weight.ExpectedWeights);
        Assert.IsType<BackendFilterConsistencyCase>(specials["HTTPRouteRequestHeaderModifierBackendWeights"]);
        Assert.Equal("same-namespace", Assert.IsType<PercentageMirrorCase>(specials["HTTPRouteRequestPercentageMirror"]).Target.GatewayName);
        var retry = Assert.IsType<RetryCase>(specials["HTTPRouteRetry"]);
        Assert.Equal(11, retry.Probes.Count);
        Assert.All(retry.Probes, p => Assert.False(p.Query.ContainsKey("uuid")));
        Assert.Equal(["responseCode", "succeedAfter"], retry.Probes[0].Query.Keys.Order(StringComparer.Ordinal));
        var ws = Assert.IsType<WebSocketCase>(specials["HTTPRouteBackendProtocolWebSocket"]);
        Assert.Equal(("/ws", 80), (ws.Path, ws.Target.Port));
        var grpc = Assert.IsType<GrpcWeightedCase>(specials["GRPCRouteWeight"]);
        Assert.Equal(("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", 80, 0.0), (grpc.Method, grpc.Target.Port, grpc.ExpectedWeights["grpc-infra-backend-v3"]));
        var tcp = Assert.IsType<TcpWeightedCase>(specials["TCPRouteWeightedRouting"]);
        Assert.Equal(("tcp-weighted-gateway", 0, "tcp"), (tcp.Target.GatewayName, tcp.Target.Port, Assert.Single(tcp.Target.Listeners)));
        Assert.Equal(0.7, Assert.IsType<UdpWeightedCase>(specials["UDPRouteWeightedRouting"]).ExpectedWeights["udp-backend-v1"]);
        Assert.Equal("foo.bar.com.", Assert.IsType<UdpDnsCase>(specials["UDPRoute"]).QueryName);
        Assert.Equal(["udp-echo-by-port", "udp-echo-by-section", "udp-echo-by-section-and-port"],
            Assert.IsType<UdpEchoCase>(specials["UDPRouteParentRefPortAndSectionName"]).Probes.Select(p => p.Service));
        Assert.Equal(["udp-1", "udp-2", "udp-3"], Assert.IsType<UdpEchoCase>(specials["UDPRouteParentRefAttachAllListeners"]).Probes.Select(p => p.Listener));
        var grant = Assert.IsType<UdpEchoCase>(specials["UDPRouteReferenceGrant"]);
        Assert.Equal(("udp-gateway-reference-grant", null), (grant.Target.GatewayName, Assert.Single(grant.Probes).Service));
        var oldest = Assert.IsType<TcpOldestRouteWinsCase>(specials["TCPRouteMultipleRoutesAttachment"]);
        Assert.Equal((9310, "tcp-attach-backend-1-", 100), (oldest.Target.Port, oldest.OlderPrefix, oldest.Samples));
        // Mesh specials need a client inside the mesh.
        Assert.False(specials.ContainsKey("MeshHTTPRouteWeight"));

        var percents = HttpCaseLoader.Load(Path.Combine(TestPaths.ConformanceDir, "cases.json"))["HTTPRouteRequestPercentageMirror"]
            .Select(c => c.Expect.MirroredTo.Single().Percent).ToList();
        Assert.Equal([20, 50, 35], percents);
    }

    [Fact]
    public void Timeouts_Defaults_AreUpstreams()
    {
        var t = new ConformanceTimeouts();
        Assert.Equal((180, 180, 60, 60, 180, 60, 180), ((int)t.GatewayMustHaveAddress.TotalSeconds, (int)t.GatewayMustHaveCondition.TotalSeconds,
            (int)t.GatewayStatusMustHaveListeners.TotalSeconds, (int)t.GatewayListenersMustHaveConditions.TotalSeconds, (int)t.ListenerSetMustHaveCondition.TotalSeconds,
            (int)t.ListenerSetListenersMustHaveConditions.TotalSeconds, (int)t.GwcMustBeAccepted.TotalSeconds));
        Assert.Equal((60, 60, 60, 300, 60, 30, 10, 3), ((int)t.HttpRouteMustNotHaveParents.TotalSeconds, (int)t.HttpRouteMustHaveCondition.TotalSeconds,
            (int)t.RouteMustHaveParents.TotalSeconds, (int)t.NamespacesMustBeReady.TotalSeconds, (int)t.LatestObservedGenerationSet.TotalSeconds,
            (int)t.MaxTimeToConsistency.TotalSeconds, (int)t.RequestTimeout.TotalSeconds, t.RequiredConsecutiveSuccesses));
        Assert.Equal(TimeSpan.FromMilliseconds(100), t.DefaultPollInterval);
    }

    [Fact]
    public void Timeouts_OverridesAndCap_ShrinkWhatTheySay()
    {
        var t = new ConformanceTimeouts().WithOverrides("NamespacesMustBeReady:20; GatewayMustHaveCondition:15;RequiredConsecutiveSuccesses:2");
        Assert.Equal(TimeSpan.FromSeconds(20), t.NamespacesMustBeReady);
        Assert.Equal(TimeSpan.FromSeconds(15), t.GatewayMustHaveCondition);
        Assert.Equal(2, t.RequiredConsecutiveSuccesses);
        Assert.Equal(TimeSpan.FromSeconds(60), t.RouteMustHaveParents);
        Assert.Throws<ArgumentException>(() => new ConformanceTimeouts().WithOverrides("NamespaceMustBeReady:20"));
        Assert.Throws<ArgumentException>(() => new ConformanceTimeouts().WithOverrides("GatewayMustHaveCondition=20"));

        var capped = new ConformanceTimeouts().WithStatusCap(TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.FromSeconds(45), capped.NamespacesMustBeReady);
        Assert.Equal(TimeSpan.FromSeconds(45), capped.GatewayMustHaveAddress);
        Assert.Equal(TimeSpan.FromSeconds(30), capped.MaxTimeToConsistency);
    }
}
