using Gateway.Conformance.Tests.Catalog;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Gateway.Conformance.Tests.Harness;

public class ConformanceReportTests
{
    private static TestOutcome Outcome(string name, TestResultKind result) =>
        new(ConformanceCatalog.All.Single(t => t.Name == name), result, result == TestResultKind.Failed ? ["FAILED: something"] : [], TimeSpan.FromSeconds(1));

    private static readonly TestOutcome[] Outcomes =
    [
        Outcome("HTTPRouteSimpleSameNamespace", TestResultKind.Passed),          // core
        Outcome("HTTPRouteExactPathMatching", TestResultKind.Failed),            // core
        Outcome("HTTPRouteQueryParamMatching", TestResultKind.Passed),           // extended
        Outcome("HTTPRouteMethodMatching", TestResultKind.NotSupported),         // extended, counts nowhere
        Outcome("HTTPRouteWeight", TestResultKind.Skipped),                      // core, not judged
        Outcome("HTTPRouteNamedRule", TestResultKind.Passed),                    // extended, provisional
    ];

    private static ConformanceReport Report() => ConformanceReportBuilder.Build(Outcomes, new HashSet<string> { "Gateway", "HTTPRoute", "ReferenceGrant", "HTTPRouteQueryParamMatching", "HTTPRouteNamedRouteRule" },
        new ReportImplementation(), "standard", new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), [ConformanceProfiles.Get(ConformanceProfiles.GatewayHttp)]);

    [Fact]
    public void Build_Outcomes_CountsLikeUpstream()
    {
        var profile = Assert.Single(Report().Profiles);

        Assert.Equal("GATEWAY-HTTP", profile.Name);
        Assert.Equal((1, 1, 1), (profile.Core.Statistics.Passed, profile.Core.Statistics.Failed, profile.Core.Statistics.Skipped));
        Assert.Equal("failure", profile.Core.Result);
        Assert.Equal(["HTTPRouteExactPathMatching"], profile.Core.FailedTests);
        Assert.Equal(["HTTPRouteWeight"], profile.Core.SkippedTests);
        Assert.Equal((2, 0, 0), (profile.Extended!.Statistics.Passed, profile.Extended.Statistics.Failed, profile.Extended.Statistics.Skipped));
        Assert.Equal("success", profile.Extended.Result);
        Assert.Equal("Core tests failed with 1 test failures. Extended tests succeeded.", profile.Summary);
        Assert.Equal(["HTTPRouteNamedRouteRule", "HTTPRouteQueryParamMatching"], profile.Extended.SupportedFeatures);
        Assert.Contains("HTTPRouteMethodMatching", profile.Extended.UnsupportedFeatures!);
        Assert.Equal(["HTTPRouteNamedRule"], Report().SucceededProvisionalTests);
    }

    [Fact]
    public void ToYaml_Report_HasTheUpstreamShape()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(ConformanceReportBuilder.ToYaml(Report())));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        string S(YamlMappingNode n, string key) => ((YamlScalarNode)n[key]).Value!;

        Assert.Equal("gateway.networking.k8s.io/v1", S(root, "apiVersion"));
        Assert.Equal("ConformanceReport", S(root, "kind"));
        Assert.Equal("v1.6.1", S(root, "gatewayAPIVersion"));
        Assert.Equal("standard", S(root, "gatewayAPIChannel"));
        Assert.Equal("default", S(root, "mode"));
        Assert.Equal("2026-11-26T10:00:00+00:00", S(root, "date"));
        var implementation = (YamlMappingNode)root["implementation"];
        Assert.All(["organization", "project", "url", "version"], k => Assert.NotEmpty(S(implementation, k)));
        Assert.IsType<YamlSequenceNode>(implementation["contact"]);
        var profile = (YamlMappingNode)((YamlSequenceNode)root["profiles"])[0];
        Assert.Equal("GATEWAY-HTTP", S(profile, "name"));
        var core = (YamlMappingNode)profile["core"];
        Assert.Equal("failure", S(core, "result"));
        var statistics = (YamlMappingNode)core["statistics"];
        Assert.Equal(("1", "1", "1"), (S(statistics, "Passed"), S(statistics, "Failed"), S(statistics, "Skipped")));
        Assert.Equal("HTTPRouteExactPathMatching", ((YamlScalarNode)((YamlSequenceNode)core["failedTests"])[0]).Value);
        var extended = (YamlMappingNode)profile["extended"];
        Assert.IsType<YamlSequenceNode>(extended["supportedFeatures"]);
        Assert.IsType<YamlSequenceNode>(extended["unsupportedFeatures"]);
        Assert.False(extended.Children.ContainsKey(new YamlScalarNode("failedTests")));
    }

    [Fact]
    public void Summary_Outcomes_ListsFailureReasons()
    {
        var summary = ConformanceReportBuilder.Summary(Outcomes);
        Assert.Contains("HTTPRouteExactPathMatching: Failed (1.0s)\n  FAILED: something", summary);
        Assert.Contains("Passed: 3", summary);
    }
}
