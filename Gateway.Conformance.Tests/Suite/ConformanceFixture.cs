using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Harness;
using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Suite;

/// <summary>
/// One running gateway plus emulated backends for the whole conformance collection (the suite runs one
/// implementation for all tests). Settings come from the environment so CI can shrink waits where allowed:
/// GATEWAY_CONFORMANCE_REPORT (report path), GATEWAY_CONFORMANCE_FEATURES (comma list; default: GatewayClass status;
/// "all" = every feature of the five Gateway profiles plus GRPCRouteNamedRouteRule, i.e. every feature a catalog test
/// needs), GATEWAY_CONFORMANCE_PROFILES (comma list; default: the five
/// Gateway profiles),
/// GATEWAY_CONFORMANCE_CONSISTENCY_SECONDS (MaxTimeToConsistency), GATEWAY_CONFORMANCE_STATUS_SECONDS (caps every status
/// wait; upstream defaults are 60 s to 300 s), GATEWAY_CONFORMANCE_TIMEOUTS (upstream's timeout-overrides format,
/// "Name:seconds;Name:seconds" with TimeoutConfig field names), GATEWAY_CONFORMANCE_CHANNEL, and
/// GATEWAY_CONFORMANCE_GATEWAY_POOL / GATEWAY_CONFORMANCE_BACKEND_POOL / GATEWAY_CONFORMANCE_USABLE_ADDRESS (loopback
/// CIDRs and an address, so two runs on one machine, e.g. two worktrees, do not bind the same addresses).
/// </summary>
public class ConformanceFixture : IAsyncLifetime
{
    private ConformanceRunner? _runner;

    /// <summary>Why the gateway could not be started (e.g. a port or address that cannot be bound); every test then fails with it.</summary>
    public Exception? StartFailure { get; private set; }

    public ConformanceRunner Runner => _runner ?? throw new InvalidOperationException("conformance run not started: " + StartFailure?.Message, StartFailure);

    /// <summary>Where the report is written: GATEWAY_CONFORMANCE_REPORT, else the test output folder.</summary>
    public static string ReportPath => Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_REPORT") is { Length: > 0 } p
        ? p
        : Path.Combine(AppContext.BaseDirectory, "conformance", "conformance-report.yaml");

    /// <summary>The upstream material this fixture runs (base manifests, test manifests, cases.json).</summary>
    protected virtual string ConformanceDir => TestPaths.ConformanceDir;

    /// <summary>The profiles of the upstream release (GATEWAY_CONFORMANCE_PROFILES names are looked up here).</summary>
    protected virtual IReadOnlyList<ConformanceProfile> KnownProfiles => ConformanceProfiles.All;

    /// <summary>What GATEWAY_CONFORMANCE_FEATURES=all enables: every profile feature and every feature a catalog test needs.</summary>
    protected virtual IEnumerable<string> AllFeatures => ConformanceProfiles.AllFeatures.Union(ConformanceCatalog.All.SelectMany(t => t.Features));

    /// <summary>The environment variable names of the address settings, and their defaults (see <see cref="ConformanceRunOptions"/>).</summary>
    protected virtual (string GatewayPool, string BackendPool, string UsableAddress) AddressVariables =>
        ("GATEWAY_CONFORMANCE_GATEWAY_POOL", "GATEWAY_CONFORMANCE_BACKEND_POOL", "GATEWAY_CONFORMANCE_USABLE_ADDRESS");

    /// <summary>The run options before the environment's settings apply (the address pools of this fixture).</summary>
    protected virtual ConformanceRunOptions DefaultOptions => new();

    public async Task InitializeAsync()
    {
        var timeouts = new ConformanceTimeouts();
        if (int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_CONSISTENCY_SECONDS"), out var seconds) && seconds > 0)
        {
            timeouts = timeouts with { MaxTimeToConsistency = TimeSpan.FromSeconds(seconds) };
        }
        if (int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_STATUS_SECONDS"), out var statusSeconds) && statusSeconds > 0)
        {
            timeouts = timeouts.WithStatusCap(TimeSpan.FromSeconds(statusSeconds));
        }
        timeouts = timeouts.WithOverrides(Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_TIMEOUTS"));
        var features = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_FEATURES") switch
        {
            "all" => AllFeatures.ToHashSet(StringComparer.Ordinal),
            { Length: > 0 } list => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
            _ => null,
        };
        var profiles = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_PROFILES") is { Length: > 0 } names
            ? names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => KnownProfiles.FirstOrDefault(p => p.Name == n) ?? throw new ArgumentException($"GATEWAY_CONFORMANCE_PROFILES: unknown profile {n} (known: {string.Join(", ", KnownProfiles.Select(p => p.Name))})"))
                .ToList()
            : KnownProfiles;
        using var setup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            var options = DefaultOptions with { Timeouts = timeouts, SupportedFeatures = features, Profiles = profiles };
            var (gatewayVariable, backendVariable, usableVariable) = AddressVariables;
            if (Environment.GetEnvironmentVariable(gatewayVariable) is { Length: > 0 } gatewayPool) options = options with { GatewayAddressPool = gatewayPool };
            if (Environment.GetEnvironmentVariable(backendVariable) is { Length: > 0 } backendPool) options = options with { BackendAddressPool = backendPool };
            if (Environment.GetEnvironmentVariable(usableVariable) is { Length: > 0 } usable) options = options with { UsableAddresses = [usable] };
            _runner = await ConformanceRunner.StartAsync(options, ConformanceDir, setup.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or IOException)
        {
            StartFailure = e;
        }
    }

    public async Task DisposeAsync()
    {
        if (_runner is not null) await _runner.DisposeAsync();
    }
}

/// <summary>The conformance collection: tests in it run sequentially on the shared fixture.</summary>
[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceFixture>
{
    public const string Name = "Conformance";
}
