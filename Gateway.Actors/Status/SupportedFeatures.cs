namespace Gateway.Actors.Status;

/// <summary>
/// The conformance feature names (pkg/features at v1.6.1) this implementation supports end to end, written to
/// GatewayClass status.supportedFeatures. When no features are passed on the command line the conformance suite runs
/// exactly the tests whose features are all listed here, so a name belongs in this list only once the data plane
/// proves it; claiming a feature we do not serve turns skipped tests into failures.
/// </summary>
public static class SupportedFeatures
{
    /// <summary>Supported feature names, sorted ordinally (the order the status lists them in).</summary>
    // Every feature of the five Gateway profiles (GATEWAY-HTTP, -GRPC, -TLS, -TCP, -UDP) whose conformance tests pass in
    // the in-repo conformance tier (Gateway.Conformance.Tests), plus GRPCRouteNamedRouteRule (in no profile at v1.6.1;
    // its one test passes there too). HTTPRouteRetryBackendTimeout and HTTPRouteRetryConnectionError (defined at
    // v1.6.1, tested on upstream main) and GRPCRouteRequestHeaderModifier, HTTPRouteBackendRequestRedirect and
    // HTTPRouteBackendURLRewrite (defined on upstream main only) pass in the upstream-main tier
    // (conformance/upstream-main); a v1.6.1 report lists none of the main-only names, as it lists only the features
    // its profiles define. Left out: GatewayInfrastructurePropagation (its test inspects per-Gateway ServiceAccounts and
    // Pods, which we do not create).
    public static readonly IReadOnlyList<string> Names = new[]
    {
        "BackendTLSPolicy",
        "BackendTLSPolicySANValidation",
        "GRPCRoute",
        "GRPCRouteNamedRouteRule",
        "GRPCRouteRequestHeaderModifier",
        "Gateway",
        "GatewayAddressEmpty",
        "GatewayBackendClientCertificate",
        "GatewayFrontendClientCertificateValidation",
        "GatewayFrontendClientCertificateValidationInsecureFallback",
        "GatewayHTTPListenerIsolation",
        "GatewayHTTPSListenerDetectMisdirectedRequests",
        "GatewayPort8080",
        "GatewayStaticAddresses",
        "HTTPRoute",
        "HTTPRoute303RedirectStatusCode",
        "HTTPRoute307RedirectStatusCode",
        "HTTPRoute308RedirectStatusCode",
        "HTTPRouteBackendProtocolH2C",
        "HTTPRouteBackendProtocolWebSocket",
        "HTTPRouteBackendRequestRedirect",
        "HTTPRouteBackendRequestHeaderModification",
        "HTTPRouteBackendTimeout",
        "HTTPRouteBackendURLRewrite",
        "HTTPRouteCORS",
        "HTTPRouteDestinationPortMatching",
        "HTTPRouteHostRewrite",
        "HTTPRouteMethodMatching",
        "HTTPRouteNamedRouteRule",
        "HTTPRouteParentRefPort",
        "HTTPRoutePathRedirect",
        "HTTPRoutePathRewrite",
        "HTTPRoutePortRedirect",
        "HTTPRouteQueryParamMatching",
        "HTTPRouteRequestMirror",
        "HTTPRouteRequestMultipleMirrors",
        "HTTPRouteRequestPercentageMirror",
        "HTTPRouteRequestTimeout",
        "HTTPRouteResponseHeaderModification",
        "HTTPRouteRetry",
        "HTTPRouteRetryBackendTimeout",
        "HTTPRouteRetryConnectionError",
        "HTTPRouteSchemeRedirect",
        "ListenerSet",
        "ReferenceGrant",
        "TCPRoute",
        "TLSRoute",
        "TLSRouteModeMixed",
        "TLSRouteModeTerminate",
        "UDPRoute",
    }.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The mesh conformance features (pkg/features at v1.6.1: Mesh, MeshClusterIPMatching, MeshConsumerRoute, ...)
    /// this implementation supports end to end, written to XMesh status.supportedFeatures, sorted ordinally. A name
    /// belongs here only once the mesh conformance tests that need it pass in the conformance tier (they need the
    /// mesh proxy, `--mode mesh`). Every name below has its tests passing in the mesh tier (MeshConformanceTests: the
    /// 22 v1.6.1 mesh tests, MESH-HTTP core and extended, MESH-GRPC, and the mesh tests of no profile, which need the
    /// HTTPRoute features listed here).
    /// </summary>
    public static readonly IReadOnlyList<string> MeshNames = new[]
    {
        "GRPCRoute",
        "HTTPRoute",
        "HTTPRoute303RedirectStatusCode",
        "HTTPRoute307RedirectStatusCode",
        "HTTPRoute308RedirectStatusCode",
        "HTTPRouteParentRefPort",
        "HTTPRouteResponseHeaderModification",
        "Mesh",
        "MeshClusterIPMatching",
        "MeshConsumerRoute",
        "MeshHTTPRouteBackendRequestHeaderModification",
        "MeshHTTPRouteNamedRouteRule",
        "MeshHTTPRouteQueryParamMatching",
        "MeshHTTPRouteRedirectPath",
        "MeshHTTPRouteRedirectPort",
        "MeshHTTPRouteRewritePath",
        "MeshHTTPRouteSchemeRedirect",
    }.Order(StringComparer.Ordinal).ToArray();
}
