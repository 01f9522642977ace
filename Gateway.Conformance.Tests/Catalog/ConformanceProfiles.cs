namespace Gateway.Conformance.Tests.Catalog;

/// <summary>One conformance profile: its name and its core and extended features.</summary>
public sealed record ConformanceProfile(string Name, IReadOnlySet<string> Core, IReadOnlySet<string> Extended)
{
    /// <summary>
    /// A test counts toward the profile only when every feature it needs is a core or extended feature of the profile
    /// (upstream's per-profile report filter), so e.g. GRPCRouteNamedRule counts toward none.
    /// </summary>
    public bool Contains(CatalogTest test) => test.Features.All(f => Core.Contains(f) || Extended.Contains(f));

    /// <summary>Extended when any feature is not core (upstream's isTestExtended).</summary>
    public bool IsExtended(CatalogTest test) => test.Features.Any(f => !Core.Contains(f));
}

/// <summary>The Gateway conformance profiles of v1.6.1 (conformance/utils/suite/profiles.go, features.md).</summary>
public static class ConformanceProfiles
{
    public const string GatewayHttp = "GATEWAY-HTTP";
    public const string GatewayGrpc = "GATEWAY-GRPC";
    public const string GatewayTls = "GATEWAY-TLS";
    public const string GatewayTcp = "GATEWAY-TCP";
    public const string GatewayUdp = "GATEWAY-UDP";

    // Every Gateway profile's extended set holds the Gateway extended features (GatewayExtendedFeatures).
    private static readonly string[] GatewayExtended =
    [
        "GatewayAddressEmpty", "GatewayBackendClientCertificate", "GatewayFrontendClientCertificateValidation",
        "GatewayFrontendClientCertificateValidationInsecureFallback", "GatewayHTTPListenerIsolation",
        "GatewayHTTPSListenerDetectMisdirectedRequests", "GatewayInfrastructurePropagation", "GatewayPort8080",
        "GatewayStaticAddresses", "ListenerSet",
    ];

    private static SortedSet<string> Set(params IEnumerable<string>[] parts) => new(parts.SelectMany(p => p), StringComparer.Ordinal);

    /// <summary>GATEWAY-HTTP core features: a profile run enables them implicitly.</summary>
    public static readonly IReadOnlySet<string> GatewayHttpCore = Set(["Gateway", "HTTPRoute", "ReferenceGrant"]);

    /// <summary>GATEWAY-HTTP extended features.</summary>
    public static readonly IReadOnlySet<string> GatewayHttpExtended = Set(GatewayExtended,
    [
        "BackendTLSPolicy", "BackendTLSPolicySANValidation", "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode",
        "HTTPRoute308RedirectStatusCode", "HTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolWebSocket",
        "HTTPRouteBackendRequestHeaderModification", "HTTPRouteBackendTimeout", "HTTPRouteCORS", "HTTPRouteDestinationPortMatching",
        "HTTPRouteHostRewrite", "HTTPRouteMethodMatching", "HTTPRouteNamedRouteRule", "HTTPRouteParentRefPort", "HTTPRoutePathRedirect",
        "HTTPRoutePathRewrite", "HTTPRoutePortRedirect", "HTTPRouteQueryParamMatching", "HTTPRouteRequestMirror",
        "HTTPRouteRequestMultipleMirrors", "HTTPRouteRequestPercentageMirror", "HTTPRouteRequestTimeout",
        "HTTPRouteResponseHeaderModification", "HTTPRouteRetry", "HTTPRouteRetryBackendTimeout", "HTTPRouteRetryConnectionError",
        "HTTPRouteSchemeRedirect",
    ]);

    /// <summary>The five Gateway profiles, in upstream's report order.</summary>
    public static readonly IReadOnlyList<ConformanceProfile> All =
    [
        new(GatewayHttp, GatewayHttpCore, GatewayHttpExtended),
        new(GatewayTls, Set(["Gateway", "ReferenceGrant", "TLSRoute"]), Set(GatewayExtended, ["TLSRouteModeMixed", "TLSRouteModeTerminate"])),
        // TCPRoute is the only member of TCPRouteExtendedFeatures and also GATEWAY-TCP's core feature.
        new(GatewayTcp, Set(["Gateway", "ReferenceGrant", "TCPRoute"]), Set(GatewayExtended, ["TCPRoute"])),
        new(GatewayUdp, Set(["Gateway", "ReferenceGrant", "UDPRoute"]), Set(GatewayExtended, ["UDPRoute"])),
        // GRPCRouteNamedRouteRule is in no profile at v1.6.1.
        new(GatewayGrpc, Set(["GRPCRoute", "Gateway", "ReferenceGrant"]), Set(GatewayExtended)),
    ];

    /// <summary>The profile named <paramref name="name"/>.</summary>
    public static ConformanceProfile Get(string name) => All.Single(p => p.Name == name);

    /// <summary>Every feature of every Gateway profile (what GATEWAY_CONFORMANCE_FEATURES lists to run them all).</summary>
    public static IReadOnlySet<string> AllFeatures => Set(All.SelectMany(p => p.Core.Concat(p.Extended)));

    /// <summary>The profiles a test counts toward (none for GRPCRouteNamedRule and HTTPRouteDisallowedKind).</summary>
    public static IReadOnlyList<ConformanceProfile> Of(CatalogTest test) => All.Where(p => p.Contains(test)).ToList();

    /// <summary>A test belongs to GATEWAY-HTTP when every feature it needs is a core or extended feature of it.</summary>
    public static bool InGatewayHttp(CatalogTest test) => Get(GatewayHttp).Contains(test);

    /// <summary>Extended in GATEWAY-HTTP when any feature is not core (upstream's isTestExtended).</summary>
    public static bool IsExtended(CatalogTest test) => Get(GatewayHttp).IsExtended(test);
}
