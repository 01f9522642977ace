using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Conformance.Tests.Suite;

/// <summary>
/// The upstream Gateway-side conformance tests (GATEWAY-HTTP, -GRPC, -TLS, -TCP, -UDP and the two in no profile), one
/// theory row per catalog test, judged as upstream judges them. Not-judged and not-supported tests are reported as
/// skipped; nothing passes unless its checks and cases passed.
/// </summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Conformance")]
public sealed class GatewayConformanceTests(ConformanceFixture fixture, ITestOutputHelper output)
{
    /// <summary>Every catalog test name (found from the catalog, not a hand-kept list).</summary>
    public static TheoryData<string> TestNames => [.. ConformanceCatalog.All.Select(t => t.Name)];

    [SkippableTheory]
    [MemberData(nameof(TestNames))]
    public Task Gateway_ConformanceTest_Passes(string name)
        => ConformanceTier.RunAsync(ConformanceCatalog.All, fixture.Runner, name, output);

    /// <summary>
    /// Writes the ConformanceReport of the whole catalog and fails when any test in it failed, so a report is never
    /// written green over a failure (a theory row's failure fails this test too, naming every failed test).
    /// </summary>
    [Fact]
    public Task Gateway_Report_WrittenAndNoTestFailed()
        => ConformanceTier.WriteReportAsync(ConformanceCatalog.All, fixture.Runner, ConformanceFixture.ReportPath, null, output);
}
