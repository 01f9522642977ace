using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// The upstream-main catalog against its own tests.tsv and cases.json (the checks <see cref="ConformanceCatalogTests"/>
/// makes for v1.6.1), and the separation of the two tiers.
/// </summary>
public class UpstreamMainCatalogTests
{
    private sealed record TsvRow(string Name, string[] Features, string[] Manifests, bool Provisional, string[] Profiles, int StatusChecks, int RequestCases);

    private static readonly List<TsvRow> Rows = File.ReadAllLines(Path.Combine(UpstreamMainCatalog.Dir, "tests.tsv"))
        .Skip(1).Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('\t'))
        .Select(c => new TsvRow(c[0], c[1].Split(','), c[2].Split(','), c[4] == "yes", c[5].Split(','), int.Parse(c[7], System.Globalization.CultureInfo.InvariantCulture), int.Parse(c[8], System.Globalization.CultureInfo.InvariantCulture)))
        .ToList();

    [Fact]
    public void UpstreamMainCatalog_EveryTestMainAdds_PresentExactlyOnceWithItsFeaturesManifestsAndProfiles()
    {
        // The Gateway-side tests upstream main (conformance/tests at the README's commit) adds after v1.6.1.
        Assert.Equal(
            ["BackendTLSPolicyGRPCRoute", "BackendTLSPolicyTLSRouteTerminate", "GRPCRouteRequestHeaderModifier", "GatewayNameMaximumLength",
             "HTTPRouteBackendRequestRedirect", "HTTPRouteBackendURLRewrite", "HTTPRouteRetryConnectionError", "HTTPRouteRetryWithTimeouts"],
            UpstreamMainCatalog.All.Select(t => t.Name));
        Assert.Equal(Rows.Select(r => r.Name).Order(StringComparer.Ordinal), UpstreamMainCatalog.All.Select(t => t.Name));
        foreach (var row in Rows)
        {
            var test = Assert.Single(UpstreamMainCatalog.All, t => t.Name == row.Name);
            Assert.Equal(row.Features, test.Features);
            Assert.Equal(row.Manifests, test.Manifests);
            Assert.Equal(row.Provisional, test.Provisional);
            Assert.All(test.Manifests, m => Assert.True(File.Exists(Path.Combine(UpstreamMainCatalog.Dir, "manifests", m)), $"{test.Name}: {m} missing"));
            var profiles = UpstreamMainProfiles.Of(test).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            Assert.True(row.Profiles.Order(StringComparer.Ordinal).SequenceEqual(profiles.Count == 0 ? ["NONE"] : profiles),
                $"{test.Name}: tests.tsv says {string.Join(",", row.Profiles)}, main's profiles give {string.Join(",", profiles)}");
        }
        // No test of the tier is a v1.6.1 test: the v1.6.1 report stays exactly v1.6.1's.
        Assert.Empty(UpstreamMainCatalog.All.Select(t => t.Name).Intersect(ConformanceCatalog.All.Select(t => t.Name)));
    }

    [Fact]
    public void UpstreamMainCatalog_JudgedTests_EncodeEveryStatusAssertionOfTheirSection()
    {
        foreach (var test in UpstreamMainCatalog.All.Where(t => t.NotJudged is null))
        {
            var row = Rows.Single(r => r.Name == test.Name);
            var checks = test.Steps.OfType<CheckStep>().Count(s => s.Check is not (GatewayMustHaveAddress or NamespacesMustBeReady));
            Assert.True(row.StatusChecks + test.ExtraChecks == checks, $"{test.Name}: tests.tsv counts {row.StatusChecks} status checks, the catalog has {checks}");
        }
    }

    [Fact]
    public void UpstreamMainCatalog_JudgedTestsWithRequestCases_RunEveryCaseOfCasesJson()
    {
        var json = Path.Combine(UpstreamMainCatalog.Dir, "cases.json");
        var cases = HttpCaseLoader.Load(json);
        var grpc = GrpcCaseLoader.Load(json);
        var streams = StreamCaseLoader.Load(json);
        var specials = SpecialCaseLoader.Load(json);
        foreach (var test in UpstreamMainCatalog.All.Where(t => t.NotJudged is null))
        {
            var row = Rows.Single(r => r.Name == test.Name);
            var http = cases.GetValueOrDefault(test.Name)?.Count ?? 0;
            var rpc = grpc.GetValueOrDefault(test.Name)?.Count ?? 0;
            var stream = streams.GetValueOrDefault(test.Name)?.Count ?? 0;
            var retryProbes = specials.GetValueOrDefault(test.Name) is RetryCase r ? r.Probes.Count : 0;
            Assert.True(row.RequestCases == http + rpc + stream + retryProbes, $"{test.Name}: tests.tsv lists {row.RequestCases} request cases, cases.json gives {http + rpc + stream + retryProbes}");
            Assert.Equal(specials.ContainsKey(test.Name), test.Steps.Any(s => s is SpecialRequestsStep));
            // Each case index is run exactly once, by a step of its kind.
            Assert.Equal(Enumerable.Range(0, http), Indexes<RequestsStep>(test, http, s => s.Indexes));
            Assert.Equal(Enumerable.Range(0, rpc), Indexes<GrpcRequestsStep>(test, rpc, s => s.Indexes));
            Assert.Equal(Enumerable.Range(0, stream), Indexes<StreamsStep>(test, stream, s => s.Indexes));
        }

        static IEnumerable<int> Indexes<TStep>(CatalogTest test, int count, Func<TStep, IReadOnlyList<int>?> indexes) =>
            test.Steps.OfType<TStep>().SelectMany(s => indexes(s) ?? Enumerable.Range(0, count).ToList()).Order();
    }

    [Fact]
    public void UpstreamMainCasesJson_RetryTables_AreUpstreamsProbes()
    {
        var specials = SpecialCaseLoader.Load(Path.Combine(UpstreamMainCatalog.Dir, "cases.json"));

        var connection = Assert.IsType<RetryCase>(specials["HTTPRouteRetryConnectionError"]);
        Assert.Equal(["/retry/no-status-code-attempts-3?succeedAfter=2&uuid=u", "/retry/no-status-code-attempts-3?succeedAfter=4&uuid=u"], connection.Probes.Select(p => RetryProbes.PathAndQuery(p, "u")));
        Assert.Equal([[200], [500, 503]], connection.Probes.Select(p => p.ExpectStatuses.ToArray()));

        var timeouts = Assert.IsType<RetryCase>(specials["HTTPRouteRetryWithTimeouts"]);
        Assert.Equal([[200], [504], [200], [504]], timeouts.Probes.Select(p => p.ExpectStatuses.ToArray()));
        Assert.Equal("/retry/backend-request-timeout-200ms?delayRetry=300ms&responseCode=500&succeedAfter=2&uuid=u", RetryProbes.PathAndQuery(timeouts.Probes[0], "u"));
    }

    [Fact]
    public void UpstreamMainCasesJson_GrpcFailureCases_PassOnAnyCodeButOk()
    {
        var grpc = GrpcCaseLoader.Load(Path.Combine(UpstreamMainCatalog.Dir, "cases.json"))["BackendTLSPolicyGRPCRoute"];

        Assert.Equal([false, true, true], grpc.Select(c => c.ExpectFailure));
        Assert.Null(GrpcCaseJudge.Compare(grpc[1], new GrpcResult(Grpc.Core.StatusCode.Unavailable, null)));
        Assert.Equal("Request should have failed, but got status OK", GrpcCaseJudge.Compare(grpc[1], new GrpcResult(Grpc.Core.StatusCode.OK, null)));
        Assert.Equal(("abc.example.com", "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo"), (grpc[1].Authority, grpc[1].Method));
    }

    [Fact]
    public void UpstreamMainCatalog_EveryTest_Judged()
    {
        Assert.All(UpstreamMainCatalog.All, t => Assert.Null(t.NotJudged));
    }

    [Fact]
    public void GatewayClassClaims_EveryFeatureOfTheJudgedMainTests_AndOnlyNamesV161OrMainDefine()
    {
        var claimed = Gateway.Actors.Status.SupportedFeatures.Names;

        // Every judged test of the tier runs with the GatewayClass's own claims (none is skipped as not supported).
        Assert.All(UpstreamMainCatalog.All.Where(t => t.NotJudged is null), t => Assert.All(t.Features, f => Assert.Contains(f, claimed)));
        Assert.Subset(UpstreamMainProfiles.MainOnlyFeatures.ToHashSet(), claimed.Intersect(UpstreamMainProfiles.MainOnlyFeatures).ToHashSet());
        var known = ConformanceProfiles.AllFeatures.Concat(UpstreamMainProfiles.MainOnlyFeatures).Append("GRPCRouteNamedRouteRule").ToHashSet();
        Assert.All(claimed, f => Assert.Contains(f, known));
    }

    [Fact]
    public void V161Report_MainOnlyFeaturesClaimed_ListsOnlyV161FeatureNames()
    {
        // The GatewayClass claims main-only names too; the v1.6.1 report lists a profile's own v1.6.1 features only.
        var supported = new HashSet<string>(ConformanceProfiles.AllFeatures.Concat(UpstreamMainProfiles.MainOnlyFeatures), StringComparer.Ordinal);
        var outcomes = ConformanceCatalog.All.Select(t => new TestOutcome(t, TestResultKind.Passed, [], TimeSpan.Zero)).ToList();

        var report = ConformanceReportBuilder.Build(outcomes, supported, new ReportImplementation(), "standard", DateTimeOffset.UnixEpoch);

        var listed = report.Profiles.SelectMany(p => (p.Extended?.SupportedFeatures ?? []).Concat(p.Extended?.UnsupportedFeatures ?? [])).ToList();
        Assert.NotEmpty(listed);
        Assert.Empty(listed.Intersect(UpstreamMainProfiles.MainOnlyFeatures));
        Assert.Equal("v1.6.1", report.GatewayApiVersion);
    }

    [Fact]
    public void MainReport_BackendFiltersClaimed_ListedUnderGatewayHttpExtended()
    {
        var supported = new HashSet<string>(UpstreamMainProfiles.AllFeatures, StringComparer.Ordinal);
        var outcomes = UpstreamMainCatalog.All.Select(t => new TestOutcome(t, TestResultKind.Passed, [], TimeSpan.Zero)).ToList();

        var report = ConformanceReportBuilder.Build(outcomes, supported, new ReportImplementation(), "standard", DateTimeOffset.UnixEpoch, UpstreamMainProfiles.All);

        var http = report.Profiles.Single(p => p.Name == ConformanceProfiles.GatewayHttp);
        Assert.Contains("HTTPRouteBackendURLRewrite", http.Extended!.SupportedFeatures!);
        Assert.Contains("HTTPRouteBackendRequestRedirect", http.Extended.SupportedFeatures!);
        Assert.Contains("BackendTLSPolicy", report.Profiles.Single(p => p.Name == ConformanceProfiles.GatewayGrpc).Extended!.SupportedFeatures!);
    }
}
