using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Harness;
using Xunit;

namespace Gateway.Conformance.Tests.Suite;

/// <summary>
/// The gateway plus emulated backends of the upstream-main tier: upstream main's base manifests
/// (conformance/upstream-main), its own loopback pools (Gateways 127.32.0.0/24, backends 127.22.0.0/16, usable
/// address 127.33.0.10) so it never binds an address of the v1.6.1 fixture, and its own report file. Address settings
/// come from GATEWAY_CONFORMANCE_MAIN_GATEWAY_POOL / GATEWAY_CONFORMANCE_MAIN_BACKEND_POOL /
/// GATEWAY_CONFORMANCE_MAIN_USABLE_ADDRESS and the report path from GATEWAY_CONFORMANCE_MAIN_REPORT; the other
/// GATEWAY_CONFORMANCE_* settings (features, profiles, timeouts, channel) are read as by <see cref="ConformanceFixture"/>.
/// </summary>
public sealed class UpstreamMainConformanceFixture : ConformanceFixture
{
    /// <summary>Where the report is written: GATEWAY_CONFORMANCE_MAIN_REPORT, else the test output folder.</summary>
    public static new string ReportPath => Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_MAIN_REPORT") is { Length: > 0 } p
        ? p
        : Path.Combine(AppContext.BaseDirectory, "conformance", "conformance-report-main.yaml");

    protected override string ConformanceDir => UpstreamMainCatalog.Dir;

    protected override IReadOnlyList<ConformanceProfile> KnownProfiles => UpstreamMainProfiles.All;

    protected override IEnumerable<string> AllFeatures => UpstreamMainProfiles.AllFeatures.Union(UpstreamMainCatalog.All.SelectMany(t => t.Features));

    protected override (string GatewayPool, string BackendPool, string UsableAddress) AddressVariables =>
        ("GATEWAY_CONFORMANCE_MAIN_GATEWAY_POOL", "GATEWAY_CONFORMANCE_MAIN_BACKEND_POOL", "GATEWAY_CONFORMANCE_MAIN_USABLE_ADDRESS");

    protected override ConformanceRunOptions DefaultOptions => new()
    {
        GatewayAddressPool = "127.32.0.0/24",
        BackendAddressPool = "127.22.0.0/16",
        UsableAddresses = ["127.33.0.10"],
    };
}

/// <summary>
/// The upstream-main collection. It does not run beside other collections, so its gateway and backends never share
/// the machine with the v1.6.1 tier's (their addresses differ as well).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UpstreamMainConformanceCollection : ICollectionFixture<UpstreamMainConformanceFixture>
{
    public const string Name = "Conformance upstream main";
}
