namespace Gateway.Conformance.Tests.Catalog;

/// <summary>
/// The upstream-main tier: the Gateway-side tests kubernetes-sigs/gateway-api main adds after v1.6.1, at the commit
/// named in conformance/upstream-main/README.md, kept apart from the v1.6.1 catalog so the v1.6.1 report stays exact.
/// Same catalog format and loader as <see cref="ConformanceCatalog"/>.
/// </summary>
public static class UpstreamMainCatalog
{
    /// <summary>The upstream commit the material of conformance/upstream-main was taken from.</summary>
    public const string Commit = "4564255ac2c35d582249b3cdf261bdf51c8bca32";

    private static readonly Lazy<IReadOnlyList<CatalogTest>> Tests = new(() => CatalogLoader.LoadDirectory(Folder));

    /// <summary>conformance/upstream-main: base manifests, test manifests, tests.tsv, cases.json, catalog.</summary>
    public static string Dir => Path.Combine(TestPaths.RepoRoot, "conformance", "upstream-main");

    /// <summary>The catalog folder.</summary>
    public static string Folder => Path.Combine(Dir, "catalog");

    /// <summary>Every catalog test of the tier, in upstream's alphabetical order.</summary>
    public static IReadOnlyList<CatalogTest> All => Tests.Value;
}

/// <summary>
/// The Gateway profiles as upstream main defines them (conformance/utils/suite/profiles.go at
/// <see cref="UpstreamMainCatalog.Commit"/>): GATEWAY-HTTP's extended set gains HTTPRouteBackendURLRewrite and
/// HTTPRouteBackendRequestRedirect (pkg/features HTTPRouteExtendedFeatures); GATEWAY-TLS and GATEWAY-GRPC gain the
/// BackendTLSPolicy core and extended features. GRPCRouteRequestHeaderModifier is in GRPCRouteExtendedFeatures,
/// which no profile includes. Core sets are unchanged.
/// </summary>
public static class UpstreamMainProfiles
{
    /// <summary>The report's gatewayAPIVersion: upstream main at the commit the material was taken from.</summary>
    public static string ReportVersion => $"main@{UpstreamMainCatalog.Commit[..12]}";

    /// <summary>Feature names upstream main defines and v1.6.1 does not.</summary>
    public static readonly IReadOnlySet<string> MainOnlyFeatures = new SortedSet<string>(
        ["GRPCRouteRequestHeaderModifier", "HTTPRouteBackendRequestRedirect", "HTTPRouteBackendURLRewrite"], StringComparer.Ordinal);

    private static readonly string[] BackendTls = ["BackendTLSPolicy", "BackendTLSPolicySANValidation"];

    /// <summary>The five Gateway profiles, in upstream's report order.</summary>
    public static readonly IReadOnlyList<ConformanceProfile> All =
    [
        .. ConformanceProfiles.All.Select(p => p.Name switch
        {
            ConformanceProfiles.GatewayHttp => p with { Extended = Union(p.Extended, ["HTTPRouteBackendRequestRedirect", "HTTPRouteBackendURLRewrite"]) },
            ConformanceProfiles.GatewayTls or ConformanceProfiles.GatewayGrpc => p with { Extended = Union(p.Extended, BackendTls) },
            _ => p,
        }),
    ];

    /// <summary>Every feature of every Gateway profile at main.</summary>
    public static IReadOnlySet<string> AllFeatures => new SortedSet<string>(All.SelectMany(p => p.Core.Concat(p.Extended)), StringComparer.Ordinal);

    /// <summary>The profiles a test counts toward at main.</summary>
    public static IReadOnlyList<ConformanceProfile> Of(CatalogTest test) => All.Where(p => p.Contains(test)).ToList();

    private static SortedSet<string> Union(IEnumerable<string> a, IEnumerable<string> b) => new(a.Concat(b), StringComparer.Ordinal);
}
