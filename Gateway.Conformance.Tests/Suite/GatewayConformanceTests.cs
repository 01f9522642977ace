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
    public async Task Gateway_ConformanceTest_Passes(string name)
    {
        var test = ConformanceCatalog.All.Single(t => t.Name == name);
        Skip.If(test.NotJudged is not null, $"not judged: {test.NotJudged}");
        var runner = fixture.Runner;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));

        var outcome = await runner.RunAsync(test, timeout.Token);

        foreach (var line in outcome.Details) output.WriteLine(line);
        Skip.If(outcome.Result == TestResultKind.NotSupported, string.Join("; ", outcome.Details));
        Assert.True(outcome.Result == TestResultKind.Passed, $"{name} failed:\n{string.Join("\n", outcome.Details.Where(d => d.StartsWith("FAILED", StringComparison.Ordinal)))}");
    }

    /// <summary>
    /// Writes the ConformanceReport of the whole catalog and fails when any test in it failed, so a report is never
    /// written green over a failure (a theory row's failure fails this test too, naming every failed test).
    /// </summary>
    [Fact]
    public async Task Gateway_Report_WrittenAndNoTestFailed()
    {
        var runner = fixture.Runner;
        // Runs whatever the theory has not run yet (each test runs once), so the report is complete in any order.
        foreach (var test in ConformanceCatalog.All)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await runner.RunAsync(test, timeout.Token);
        }
        var outcomes = runner.Outcomes;
        var channel = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_CHANNEL") is { Length: > 0 } c ? c : "standard";
        var report = ConformanceReportBuilder.Build(outcomes, runner.SupportedFeatures, new ReportImplementation(), channel, DateTimeOffset.UtcNow, runner.Profiles);
        var yaml = ConformanceReportBuilder.ToYaml(report);
        var path = ConformanceFixture.ReportPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, yaml);
        await File.WriteAllTextAsync(Path.ChangeExtension(path, ".summary.txt"), ConformanceReportBuilder.Summary(outcomes));
        output.WriteLine(yaml);
        output.WriteLine(ConformanceReportBuilder.Summary(outcomes));

        Assert.Equal(ConformanceCatalog.All.Count, outcomes.Count);
        var failed = outcomes.Where(o => o.Result == TestResultKind.Failed).Select(o => o.Test.Name).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} conformance test(s) failed: {string.Join(", ", failed)}");
    }
}
