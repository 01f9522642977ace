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
    public static readonly IReadOnlyList<string> Names = new[]
    {
        "Gateway",
        "GatewayPort8080",
        "HTTPRoute",
        "HTTPRoute303RedirectStatusCode",
        "HTTPRoute307RedirectStatusCode",
        "HTTPRoute308RedirectStatusCode",
        "HTTPRouteHostRewrite",
        "HTTPRouteMethodMatching",
        "HTTPRoutePathRedirect",
        "HTTPRoutePathRewrite",
        "HTTPRoutePortRedirect",
        "HTTPRouteQueryParamMatching",
        "HTTPRouteResponseHeaderModification",
        "HTTPRouteSchemeRedirect",
        "ReferenceGrant",
    }.Order(StringComparer.Ordinal).ToArray();
}
