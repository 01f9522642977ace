using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Conformance.Tests.Suite;

/// <summary>
/// The upstream-main tier: the Gateway-side tests upstream main adds after v1.6.1 (<see cref="UpstreamMainCatalog"/>),
/// one theory row each, judged as upstream judges them, against upstream main's base manifests. Not-judged and
/// not-supported tests are reported as skipped; nothing passes unless its checks and cases passed.
/// </summary>
[Collection(UpstreamMainConformanceCollection.Name)]
[Trait("Category", "Conformance")]
public sealed class UpstreamMainConformanceTests(UpstreamMainConformanceFixture fixture, ITestOutputHelper output)
{
    /// <summary>Every catalog test name of the tier (found from the catalog, not a hand-kept list).</summary>
    public static TheoryData<string> TestNames => [.. UpstreamMainCatalog.All.Select(t => t.Name)];

    [SkippableTheory]
    [MemberData(nameof(TestNames))]
    public Task UpstreamMain_ConformanceTest_Passes(string name)
        => ConformanceTier.RunAsync(UpstreamMainCatalog.All, fixture.Runner, name, output);

    /// <summary>
    /// Writes the tier's ConformanceReport (gatewayAPIVersion names the upstream commit; profiles as main defines
    /// them) and fails when any test in it failed.
    /// </summary>
    [Fact]
    public Task UpstreamMain_Report_WrittenAndNoTestFailed()
        => ConformanceTier.WriteReportAsync(UpstreamMainCatalog.All, fixture.Runner, UpstreamMainConformanceFixture.ReportPath, UpstreamMainProfiles.ReportVersion, output);
}
