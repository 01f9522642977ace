using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Catalog;

/// <summary>The hand-made part of the catalog: mid-test mutations and the tests not judged in file mode.</summary>
public static partial class ConformanceCatalog
{
    /// <summary>Tests not judged here, and why. They are reported as not judged, never as passed.</summary>
    public static IReadOnlyDictionary<string, string> NotJudgedReasons { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GatewayInfrastructure"] = "needs a real cluster: inspects the ServiceAccount, Pod and Service generated per Gateway",
        ["GatewayStaticAddresses"] = "needs caller-provided usable/unusable address pools (PLACEHOLDER_USABLE_ADDRS/PLACEHOLDER_UNUSABLE_ADDRS), not supplied by the harness yet",
        ["HTTPRouteHTTPSListenerDetectMisdirectedRequests"] = "needs HTTP/2 requests whose SNI differs from :authority; HttpClient derives SNI from the Host header, so a custom HTTP/2 client is needed",
        ["HTTPRouteServiceTypes"] = "needs the selector-less EndpointSlices (IPv4 and IPv6) patched with pod IPs mid-test; that step and IPv6 pod addresses are not emulated yet",
        ["BackendTLSPolicy"] = "its reconcile subtest (re-pointing caCertificateRefs, creating and corrupting a ConfigMap mid-test) is not encoded yet",
        ["HTTPRouteWeight"] = "weighted-distribution judge (500 samples, ±0.05) not implemented yet",
        ["HTTPRouteRequestHeaderModifierBackendWeights"] = "backend-filter-consistency judge (repeated round trips checking the per-backend header) not implemented yet",
        ["HTTPRouteRequestPercentageMirror"] = "percentage-mirror statistical judge not implemented yet",
        ["HTTPRouteRetry"] = "retry judge (fresh uuid per probe, succeedAfter/responseCode table) not implemented yet",
        ["HTTPRouteBackendProtocolWebSocket"] = "WebSocket frame judge not implemented yet",
    };

    /// <summary>Checks added by a mutation on top of the tsv count (the same assertion before and after a change).</summary>
    public static IReadOnlyDictionary<string, int> ExtraChecks { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BackendTLSPolicyObservedGenerationBump"] = 1,
    };

    private static IReadOnlyList<CatalogTest> Apply(IReadOnlyList<CatalogTest> drafted) =>
        drafted.Select(t => Adjust(t) with { NotJudged = NotJudgedReasons.GetValueOrDefault(t.Name) }).ToList();

    private static CatalogTest Adjust(CatalogTest t) => t.Name switch
    {
        // The suite adds listener "alternate" (HTTP:80, foo.com); every condition must carry the new generation.
        "GatewayObservedGenerationBump" => t with
        {
            Steps =
            [
                Check(new MustHaveLatestConditions("Gateway", Infra, "gateway-observed-generation-bump")),
                new EditManifestStep(t.Manifests[0], "          from: All", "          from: All\n    - name: alternate\n      hostname: \"foo.com\"\n      port: 80\n      protocol: HTTP", "add listener alternate"),
                Check(new MustHaveLatestConditions("Gateway", Infra, "gateway-observed-generation-bump")),
            ],
        },
        // The suite moves the backendRef to infra-backend-v2.
        "HTTPRouteObservedGenerationBump" => t with
        {
            Steps =
            [
                Check(new MustHaveLatestConditions("HTTPRoute", Infra, "observed-generation-bump")),
                Check(new RouteMustHaveCondition(Infra, "observed-generation-bump", Infra, "same-namespace", C("Accepted", "True", null))),
                Check(new RouteMustHaveCondition(Infra, "observed-generation-bump", Infra, "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
                new EditManifestStep(t.Manifests[0], "infra-backend-v1", "infra-backend-v2", "backendRef to infra-backend-v2"),
                Check(new MustHaveLatestConditions("HTTPRoute", Infra, "observed-generation-bump")),
            ],
        },
        // The suite sets spec.description to "new".
        "GatewayClassObservedGenerationBump" => t with
        {
            Steps =
            [
                Check(new GatewayClassMustHaveAcceptedAny("gatewayclass-observed-generation-bump")),
                Check(new MustHaveLatestConditions("GatewayClass", "", "gatewayclass-observed-generation-bump")),
                new EditManifestStep(t.Manifests[0], "description: \"old\"", "description: \"new\"", "description old -> new"),
                Check(new GatewayClassMustHaveAcceptedAny("gatewayclass-observed-generation-bump")),
                Check(new MustHaveLatestConditions("GatewayClass", "", "gatewayclass-observed-generation-bump")),
            ],
        },
        // The suite changes validation.hostname to foo.example.com; ancestor conditions must be re-stamped.
        "BackendTLSPolicyObservedGenerationBump" => t with
        {
            Steps =
            [
                t.Steps.OfType<CheckStep>().Single(),
                new EditManifestStep(t.Manifests[0], "hostname: \"abc.example.com\"", "hostname: \"foo.example.com\"", "validation.hostname -> foo.example.com"),
                t.Steps.OfType<CheckStep>().Single(),
            ],
        },
        // Subtest 1 adds listener http (data.test.com) to gateway-add-listener; subtest 2 removes https from gateway-remove-listener.
        "GatewayModifyListeners" => t with
        {
            Steps =
            [
                t.Steps[0],
                new EditManifestStep(t.Manifests[0],
                    "        namespace: gateway-conformance-infra\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: http-route-1",
                    "        namespace: gateway-conformance-infra\n  - name: http\n    port: 80\n    protocol: HTTP\n    hostname: \"data.test.com\"\n    allowedRoutes:\n      namespaces:\n        from: All\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: http-route-1",
                    "add listener http to gateway-add-listener"),
                t.Steps[1], t.Steps[2], t.Steps[3],
                new EditManifestStep(t.Manifests[0],
                    "  name: gateway-remove-listener\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: \"{GATEWAY_CLASS_NAME}\"\n  listeners:\n  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: \"secure.test.com\"\n    allowedRoutes:\n      namespaces:\n        from: All\n    tls:\n      certificateRefs:\n      - group: \"\"\n        kind: Secret\n        name: tls-validity-checks-certificate\n        namespace: gateway-conformance-infra\n  - name: http\n    port: 80",
                    "  name: gateway-remove-listener\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: \"{GATEWAY_CLASS_NAME}\"\n  listeners:\n  - name: http\n    port: 80",
                    "remove listener https from gateway-remove-listener"),
                t.Steps[4], t.Steps[5],
            ],
        },
        // The first case runs with the ReferenceGrant, the second after the suite deletes it (traffic must turn to 500).
        "HTTPRouteReferenceGrant" => t with
        {
            Steps =
            [
                .. t.Steps.OfType<CheckStep>(),
                Requests(0),
                new DeleteObjectStep(t.Manifests[0], "ReferenceGrant", "gateway-conformance-web-backend", "reference-grant"),
                Requests(1),
            ],
        },
        _ => t,
    };
}
