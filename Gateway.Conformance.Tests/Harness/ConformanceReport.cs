using System.Globalization;
using System.Text;
using Gateway.Conformance.Tests.Catalog;
using YamlDotNet.Serialization;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>Who ran the report (conformance/apis/v1 Implementation).</summary>
public sealed record ReportImplementation
{
    [YamlMember(Alias = "organization")] public string Organization { get; init; } = "akka-gateway";
    [YamlMember(Alias = "project")] public string Project { get; init; } = "akka-gateway";
    [YamlMember(Alias = "url")] public string Url { get; init; } = "https://example.invalid/gateway";
    [YamlMember(Alias = "version")] public string Version { get; init; } = "dev";
    [YamlMember(Alias = "contact")] public IReadOnlyList<string> Contact { get; init; } = ["@akka-gateway/maintainers"];
}

/// <summary>Statistics: Go marshals the untagged fields with their Go names.</summary>
public sealed class ReportStatistics
{
    [YamlMember(Alias = "Failed")] public int Failed { get; set; }
    [YamlMember(Alias = "Passed")] public int Passed { get; set; }
    [YamlMember(Alias = "Skipped")] public int Skipped { get; set; }
}

/// <summary>Status of one support level (Core, or the inline part of Extended).</summary>
public class ReportStatus
{
    [YamlMember(Alias = "result")] public string Result { get; set; } = "success";
    [YamlMember(Alias = "statistics")] public ReportStatistics Statistics { get; set; } = new();
    [YamlMember(Alias = "skippedTests")] public List<string>? SkippedTests { get; set; }
    [YamlMember(Alias = "failedTests")] public List<string>? FailedTests { get; set; }
}

/// <summary>Extended status with the feature lists.</summary>
public sealed class ReportExtendedStatus : ReportStatus
{
    [YamlMember(Alias = "supportedFeatures")] public List<string>? SupportedFeatures { get; set; }
    [YamlMember(Alias = "unsupportedFeatures")] public List<string>? UnsupportedFeatures { get; set; }
}

/// <summary>One profile's report.</summary>
public sealed class ReportProfile
{
    [YamlMember(Alias = "name")] public string Name { get; set; } = "";
    [YamlMember(Alias = "summary")] public string Summary { get; set; } = "";
    [YamlMember(Alias = "core")] public ReportStatus Core { get; set; } = new();
    [YamlMember(Alias = "extended")] public ReportExtendedStatus? Extended { get; set; }
}

/// <summary>The upstream ConformanceReport (gateway.networking.k8s.io/v1, conformance/apis/v1/conformancereport.go).</summary>
public sealed class ConformanceReport
{
    [YamlMember(Alias = "apiVersion")] public string ApiVersion { get; set; } = "gateway.networking.k8s.io/v1";
    [YamlMember(Alias = "kind")] public string Kind { get; set; } = "ConformanceReport";
    [YamlMember(Alias = "implementation")] public ReportImplementation Implementation { get; set; } = new();
    [YamlMember(Alias = "date")] public string Date { get; set; } = "";
    [YamlMember(Alias = "gatewayAPIVersion")] public string GatewayApiVersion { get; set; } = "v1.6.1";
    [YamlMember(Alias = "mode")] public string Mode { get; set; } = "default";
    [YamlMember(Alias = "gatewayAPIChannel")] public string GatewayApiChannel { get; set; } = "standard";
    [YamlMember(Alias = "profiles")] public List<ReportProfile> Profiles { get; set; } = [];
    [YamlMember(Alias = "succeededProvisionalTests")] public List<string>? SucceededProvisionalTests { get; set; }
}

/// <summary>
/// Builds the report the way conformance/utils/suite/reports.go does: per profile (a test counts toward a profile only
/// when all its features are the profile's core or extended features), each test is core unless one of its
/// features is extended; passed/failed/skipped count, not-supported tests count nowhere; result failure &gt; partial
/// (skips) &gt; success; summary "Core tests succeeded. Extended tests ...". Not-judged tests are reported as skipped.
/// </summary>
public static class ConformanceReportBuilder
{
    public static ConformanceReport Build(IReadOnlyList<TestOutcome> outcomes, IReadOnlySet<string> supportedFeatures, ReportImplementation implementation, string channel, DateTimeOffset date,
        IReadOnlyList<ConformanceProfile>? profiles = null)
    {
        var reports = (profiles ?? ConformanceProfiles.All).Select(p => Profile(p, outcomes, supportedFeatures)).ToList();
        var provisional = outcomes.Where(o => o.Test.Provisional && o.Result == TestResultKind.Passed).Select(o => o.Test.Name).Order(StringComparer.Ordinal).ToList();
        return new ConformanceReport
        {
            Implementation = implementation,
            Date = date.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
            GatewayApiChannel = channel,
            Profiles = reports,
            SucceededProvisionalTests = provisional.Count > 0 ? provisional : null,
        };
    }

    private static ReportProfile Profile(ConformanceProfile definition, IReadOnlyList<TestOutcome> outcomes, IReadOnlySet<string> supportedFeatures)
    {
        var profile = new ReportProfile { Name = definition.Name };
        foreach (var outcome in outcomes.Where(o => definition.Contains(o.Test)).OrderBy(o => o.Test.Name, StringComparer.Ordinal))
        {
            ReportStatus status = profile.Core;
            if (definition.IsExtended(outcome.Test)) status = profile.Extended ??= new ReportExtendedStatus();
            switch (outcome.Result)
            {
                case TestResultKind.Passed:
                    status.Statistics.Passed++;
                    break;
                case TestResultKind.Failed:
                    status.Statistics.Failed++;
                    (status.FailedTests ??= []).Add(outcome.Test.Name);
                    break;
                case TestResultKind.Skipped:
                    status.Statistics.Skipped++;
                    (status.SkippedTests ??= []).Add(outcome.Test.Name);
                    break;
            }
        }
        profile.Core.Result = Result(profile.Core);
        var summary = $"Core tests {Summary(profile.Core)}";
        if (profile.Extended is { } extended)
        {
            extended.Result = Result(extended);
            summary += $". Extended tests {Summary(extended)}";
            // Extended features are the profile's own, not its core ones (TCPRoute/UDPRoute are both in their profiles).
            var own = definition.Extended.Where(f => !definition.Core.Contains(f)).ToList();
            var supported = own.Where(supportedFeatures.Contains).ToList();
            var unsupported = own.Where(f => !supportedFeatures.Contains(f)).ToList();
            extended.SupportedFeatures = supported.Count > 0 ? supported : null;
            extended.UnsupportedFeatures = unsupported.Count > 0 ? unsupported : null;
        }
        profile.Summary = summary + ".";
        return profile;
    }

    /// <summary>The report as YAML.</summary>
    public static string ToYaml(ConformanceReport report) =>
        new SerializerBuilder().ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).DisableAliases().Build().Serialize(report);

    /// <summary>A per-test human summary: result, duration and the reason of every failure.</summary>
    public static string Summary(IReadOnlyList<TestOutcome> outcomes)
    {
        var text = new StringBuilder();
        foreach (var group in outcomes.GroupBy(o => o.Result).OrderBy(g => g.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"{group.Key}: {group.Count()}\n");
        }
        foreach (var o in outcomes.OrderBy(o => o.Test.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{o.Test.Name}: {o.Result} ({o.Duration.TotalSeconds:0.0}s)\n");
            foreach (var d in o.Result == TestResultKind.Passed ? [] : o.Details) text.Append("  ").Append(d).Append('\n');
        }
        return text.ToString();
    }

    private static string Result(ReportStatus s) => s.Statistics.Failed > 0 ? "failure" : s.Statistics.Skipped > 0 ? "partial" : "success";

    private static string Summary(ReportStatus s) => s.Result switch
    {
        "success" => "succeeded",
        "partial" => $"partially succeeded with {s.Statistics.Skipped} test skips",
        _ => $"failed with {s.Statistics.Failed} test failures",
    };
}
