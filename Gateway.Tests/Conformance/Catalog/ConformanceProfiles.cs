namespace Gateway.Tests.Conformance.Catalog;

/// <summary>The GATEWAY-HTTP conformance profile of v1.6.1 (conformance/utils/suite/profiles.go, features.md).</summary>
public static class ConformanceProfiles
{
    public const string GatewayHttp = "GATEWAY-HTTP";

    /// <summary>Core features: a profile run enables them implicitly.</summary>
    public static readonly IReadOnlySet<string> GatewayHttpCore = new SortedSet<string>(StringComparer.Ordinal) { "Gateway", "HTTPRoute", "ReferenceGrant" };

    /// <summary>Extended features.</summary>
    public static readonly IReadOnlySet<string> GatewayHttpExtended = new SortedSet<string>(StringComparer.Ordinal)
    {
        "BackendTLSPolicy", "BackendTLSPolicySANValidation", "GatewayAddressEmpty", "GatewayBackendClientCertificate",
        "GatewayFrontendClientCertificateValidation", "GatewayFrontendClientCertificateValidationInsecureFallback",
        "GatewayHTTPListenerIsolation", "GatewayHTTPSListenerDetectMisdirectedRequests", "GatewayInfrastructurePropagation",
        "GatewayPort8080", "GatewayStaticAddresses", "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode",
        "HTTPRoute308RedirectStatusCode", "HTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolWebSocket",
        "HTTPRouteBackendRequestHeaderModification", "HTTPRouteBackendTimeout", "HTTPRouteCORS", "HTTPRouteDestinationPortMatching",
        "HTTPRouteHostRewrite", "HTTPRouteMethodMatching", "HTTPRouteNamedRouteRule", "HTTPRouteParentRefPort", "HTTPRoutePathRedirect",
        "HTTPRoutePathRewrite", "HTTPRoutePortRedirect", "HTTPRouteQueryParamMatching", "HTTPRouteRequestMirror",
        "HTTPRouteRequestMultipleMirrors", "HTTPRouteRequestPercentageMirror", "HTTPRouteRequestTimeout",
        "HTTPRouteResponseHeaderModification", "HTTPRouteRetry", "HTTPRouteRetryBackendTimeout", "HTTPRouteRetryConnectionError",
        "HTTPRouteSchemeRedirect", "ListenerSet",
    };

    /// <summary>A test belongs to the profile when every feature it needs is a core or extended feature of it.</summary>
    public static bool InGatewayHttp(CatalogTest test) => test.Features.All(f => GatewayHttpCore.Contains(f) || GatewayHttpExtended.Contains(f));

    /// <summary>Extended when any feature is not core (upstream's isTestExtended).</summary>
    public static bool IsExtended(CatalogTest test) => test.Features.Any(f => !GatewayHttpCore.Contains(f));
}
