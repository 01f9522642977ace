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
    public async Task UpstreamMain_ConformanceTest_Passes(string name)
    {
        var test = UpstreamMainCatalog.All.Single(t => t.Name == name);
        Skip.If(test.NotJudged is not null, $"not judged: {test.NotJudged}");
        var runner = fixture.Runner;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));

        var outcome = await runner.RunAsync(test, timeout.Token);

        foreach (var line in outcome.Details) output.WriteLine(line);
        Skip.If(outcome.Result == TestResultKind.NotSupported, string.Join("; ", outcome.Details));
        Assert.True(outcome.Result == TestResultKind.Passed, $"{name} failed:\n{string.Join("\n", outcome.Details.Where(d => d.StartsWith("FAILED", StringComparison.Ordinal)))}");
    }

    /// <summary>
    /// Writes the tier's ConformanceReport (gatewayAPIVersion names the upstream commit; profiles as main defines
    /// them) and fails when any test in it failed.
    /// </summary>
    [Fact]
    public async Task UpstreamMain_Report_WrittenAndNoTestFailed()
    {
        var runner = fixture.Runner;
        foreach (var test in UpstreamMainCatalog.All)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await runner.RunAsync(test, timeout.Token);
        }
        var outcomes = runner.Outcomes;
        var channel = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_CHANNEL") is { Length: > 0 } c ? c : "standard";
        var report = ConformanceReportBuilder.Build(outcomes, runner.SupportedFeatures, new ReportImplementation(), channel, DateTimeOffset.UtcNow, runner.Profiles);
        report.GatewayApiVersion = UpstreamMainProfiles.ReportVersion;
        var yaml = ConformanceReportBuilder.ToYaml(report);
        var path = UpstreamMainConformanceFixture.ReportPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, yaml);
        await File.WriteAllTextAsync(Path.ChangeExtension(path, ".summary.txt"), ConformanceReportBuilder.Summary(outcomes));
        output.WriteLine(yaml);
        output.WriteLine(ConformanceReportBuilder.Summary(outcomes));

        Assert.Equal(UpstreamMainCatalog.All.Count, outcomes.Count);
        var failed = outcomes.Where(o => o.Result == TestResultKind.Failed).Select(o => o.Test.Name).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} conformance test(s) failed: {string.Join(", ", failed)}");
    }
}
