using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Conformance.Tests.Suite;

/// <summary>
/// What every conformance tier's tests do with their catalog and runner: run one test and judge it, and write the
/// tier's ConformanceReport, failing when any test in it failed (so a report is never written green over a failure).
/// </summary>
internal static class ConformanceTier
{
    /// <summary>Runs catalog test <paramref name="name"/>; skips it when not judged or not supported, fails it unless it passed.</summary>
    public static async Task RunAsync(IReadOnlyList<CatalogTest> catalog, ConformanceRunner runner, string name, ITestOutputHelper output)
    {
        var test = catalog.Single(t => t.Name == name);
        Skip.If(test.NotJudged is not null, $"not judged: {test.NotJudged}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));

        var outcome = await runner.RunAsync(test, timeout.Token);

        foreach (var line in outcome.Details) output.WriteLine(line);
        Skip.If(outcome.Result == TestResultKind.NotSupported, string.Join("; ", outcome.Details));
        Assert.True(outcome.Result == TestResultKind.Passed, $"{name} failed:\n{string.Join("\n", outcome.Details.Where(d => d.StartsWith("FAILED", StringComparison.Ordinal)))}");
    }

    /// <summary>
    /// Runs whatever the theory has not run yet (each test runs once, so the report is complete in any order), writes
    /// the report (and its summary) to <paramref name="path"/>, and fails naming every failed test. A non-null
    /// <paramref name="gatewayApiVersion"/> replaces the report's gatewayAPIVersion.
    /// </summary>
    public static async Task WriteReportAsync(IReadOnlyList<CatalogTest> catalog, ConformanceRunner runner, string path, string? gatewayApiVersion, ITestOutputHelper output)
    {
        foreach (var test in catalog)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await runner.RunAsync(test, timeout.Token);
        }
        var outcomes = runner.Outcomes;
        var channel = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_CHANNEL") is { Length: > 0 } c ? c : "standard";
        var report = ConformanceReportBuilder.Build(outcomes, runner.SupportedFeatures, new ReportImplementation(), channel, DateTimeOffset.UtcNow, runner.Profiles);
        if (gatewayApiVersion is not null) report.GatewayApiVersion = gatewayApiVersion;
        var yaml = ConformanceReportBuilder.ToYaml(report);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, yaml);
        await File.WriteAllTextAsync(Path.ChangeExtension(path, ".summary.txt"), ConformanceReportBuilder.Summary(outcomes));
        output.WriteLine(yaml);
        output.WriteLine(ConformanceReportBuilder.Summary(outcomes));

        Assert.Equal(catalog.Count, outcomes.Count);
        var failed = outcomes.Where(o => o.Result == TestResultKind.Failed).Select(o => o.Test.Name).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} conformance test(s) failed: {string.Join(", ", failed)}");
    }
}
