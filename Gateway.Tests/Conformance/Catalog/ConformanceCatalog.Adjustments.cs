using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Catalog;

/// <summary>The hand-made part of the catalog: mid-test mutations and the tests not judged in file mode.</summary>
public static partial class ConformanceCatalog
{
    /// <summary>Tests not judged here, and why. They are reported as not judged, never as passed.</summary>
    public static IReadOnlyDictionary<string, string> NotJudgedReasons { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GatewayInfrastructure"] = "needs a real cluster: after Accepted it lists the ServiceAccount, Pod and Service labelled gateway.networking.k8s.io/gateway-name=<gateway> and checks they carry spec.infrastructure labels/annotations; file mode provisions no per-Gateway objects, so there is nothing honest to inspect",
    };

    /// <summary>Checks added by a mutation on top of the tsv count (the same assertion before and after a change).</summary>
    public static IReadOnlyDictionary<string, int> ExtraChecks { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BackendTLSPolicyObservedGenerationBump"] = 1,
        // The final status.addresses assertions (require.Contains/NotContains) are not status helpers.
        ["GatewayStaticAddresses"] = 1,
    };

    private const string ReconcileConfigMap = "tls-checks-ca-certificate-reconcile-test";

    // The reconcile-test policy's CA reference in tests/backendtlspolicy.yaml (the comment makes it unique).
    private const string ReconcileCaRef = "      # This will point to a test-specific ConfigMap\n      name: \"tls-checks-ca-certificate\"";

    // A PEM block whose body is not a certificate ("corrupted" in base64): what a corrupted ca.crt looks like.
    private const string CorruptedPem = "-----BEGIN CERTIFICATE-----\nY29ycnVwdGVk\n-----END CERTIFICATE-----\n";

    private static string ReconcileCa(string caPem) => YamlDocuments.Join([new k8s.Models.V1ConfigMap
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new k8s.Models.V1ObjectMeta { Name = ReconcileConfigMap, NamespaceProperty = Infra },
        Data = new Dictionary<string, string> { ["ca.crt"] = caPem },
    }]);

    /// <summary>
    /// Tests whose Go code starts with NamespacesMustBeReady(gateway-conformance-infra) (most because their manifest
    /// adds a Gateway that must be ready first). Read from the upstream tests; the ListenerSet tests all open this
    /// way. Tests that also call it mid-test place it in <see cref="Adjust"/>.
    /// </summary>
    public static IReadOnlySet<string> GatedAtStart { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "BackendTLSPolicyConflictResolution", "BackendTLSPolicyInvalidCACertificateRef", "BackendTLSPolicyInvalidKind",
        "BackendTLSPolicySANValidation", "GatewayHTTPListenerIsolation", "GatewayOptionalAddressValue", "GatewayTLSBackendClientCertificate",
        "HTTPRouteHostnameIntersection", "HTTPRouteListenerHostnameMatching", "HTTPRouteListenerPortMatching", "HTTPRouteObservedGenerationBump",
        "ListenerSetAllowedNamespaceNone", "ListenerSetAllowedNamespaceSame", "ListenerSetAllowedNamespaceSelector", "ListenerSetAllowedRoutesNamespaces",
        "ListenerSetDefaultNotAllowed", "ListenerSetDualParentRefIndependence",
        "ListenerSetGatewayParentSectionNameNotFound", "ListenerSetHTTPRouting", "ListenerSetHostnameConflict", "ListenerSetProtocolConflict",
        "ListenerSetReferenceGrant", "ListenerSetRouteStatusScopedToParentRef",
    };

    private static CheckStep Ready() => Check(new NamespacesMustBeReady([Infra]));

    private static IReadOnlyList<CatalogTest> Apply(IReadOnlyList<CatalogTest> drafted) => drafted.Select(t =>
    {
        var adjusted = Adjust(t);
        if (GatedAtStart.Contains(t.Name)) adjusted = adjusted with { Steps = [Ready(), .. adjusted.Steps] };
        return adjusted with { NotJudged = NotJudgedReasons.GetValueOrDefault(t.Name) };
    }).ToList();

    private static CatalogTest Adjust(CatalogTest t) => t.Name switch
    {
        // The suite adds listener "alternate" (HTTP:80, foo.com); every condition must carry the new generation.
        // The readiness gate runs before and after the patch ("ensure the generation and observedGeneration sync up").
        "GatewayObservedGenerationBump" => t with
        {
            Steps =
            [
                Ready(),
                Check(new MustHaveLatestConditions("Gateway", Infra, "gateway-observed-generation-bump")),
                new EditManifestStep(t.Manifests[0], "          from: All", "          from: All\n    - name: alternate\n      hostname: \"foo.com\"\n      port: 80\n      protocol: HTTP", "add listener alternate"),
                Ready(),
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
                Ready(),
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
                Ready(),
                t.Steps[0],
                new EditManifestStep(t.Manifests[0],
                    "        namespace: gateway-conformance-infra\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: http-route-1",
                    "        namespace: gateway-conformance-infra\n  - name: http\n    port: 80\n    protocol: HTTP\n    hostname: \"data.test.com\"\n    allowedRoutes:\n      namespaces:\n        from: All\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: http-route-1",
                    "add listener http to gateway-add-listener"),
                Ready(),
                t.Steps[1], t.Steps[2],
                Ready(),
                t.Steps[3],
                new EditManifestStep(t.Manifests[0],
                    "  name: gateway-remove-listener\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: \"{GATEWAY_CLASS_NAME}\"\n  listeners:\n  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: \"secure.test.com\"\n    allowedRoutes:\n      namespaces:\n        from: All\n    tls:\n      certificateRefs:\n      - group: \"\"\n        kind: Secret\n        name: tls-validity-checks-certificate\n        namespace: gateway-conformance-infra\n  - name: http\n    port: 80",
                    "  name: gateway-remove-listener\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: \"{GATEWAY_CLASS_NAME}\"\n  listeners:\n  - name: http\n    port: 80",
                    "remove listener https from gateway-remove-listener"),
                Ready(),
                t.Steps[4], t.Steps[5],
            ],
        },
        // Weighted distribution after an eventually consistent 200 (cases.json special: 500 samples, ±0.05, 10 runs).
        "HTTPRouteWeight" or "HTTPRouteRequestHeaderModifierBackendWeights" or "HTTPRouteRequestPercentageMirror" or "HTTPRouteRetry" or "HTTPRouteBackendProtocolWebSocket" => t with
        {
            Steps = [.. t.Steps.OfType<CheckStep>(), new SpecialRequestsStep()],
        },
        // Before the requests the suite patches the selector-less Services' EndpointSlices with infra-backend-v1's pod IPs.
        "HTTPRouteServiceTypes" => t with
        {
            Steps =
            [
                .. t.Steps.OfType<CheckStep>(),
                new PatchEndpointSlicesStep(t.Manifests[0], Infra, "infra-backend-v1", ["manual-endpointslices", "headless-manual-endpointslices"]),
                Requests(),
            ],
        },
        // The suite overlays its address pools on the placeholders (ConformanceWorkspace.Substitute), then removes the
        // invalid address, then the unusable one; the usable one must end up in status.addresses with its type.
        "GatewayStaticAddresses" => t with
        {
            Steps =
            [
                t.Steps[0], t.Steps[1],
                new EditManifestStep(t.Manifests[0], "  - type: \"test/fake-invalid-type\"\n    value: \"fake address teehee!\"\n", "", "remove the invalid address"),
                t.Steps[2], t.Steps[3], t.Steps[4],
                new EditManifestStep(t.Manifests[0], "  - value: \"PLACEHOLDER_UNUSABLE_ADDRS\"\n", "", "remove the unusable address"),
                t.Steps[5], t.Steps[6], t.Steps[7],
                Check(new MustHaveListeners("Gateway", Infra, "gateway-static-addresses", [L("http", ["HTTPRoute"], 0, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
                Check(new GatewayStatusAddressesMustBe(Infra, "gateway-static-addresses", "PLACEHOLDER_USABLE_ADDRS", "IPAddress", ["fake address teehee!", "PLACEHOLDER_UNUSABLE_ADDRS"])),
            ],
        },
        // Subtests in upstream order, each with its checks and requests; the reconcile subtest re-points reconcile-test
        // at a ConfigMap that does not exist yet, creates it, corrupts its ca.crt, restores it, and finally restores
        // the original reference.
        "BackendTLSPolicy" => t with
        {
            Steps =
            [
                Check(new NamespacesMustBeReady([Infra])),
                t.Steps[0], t.Steps[1], t.Steps[2], t.Steps[3],
                Requests(0),
                Check(new NamespacesMustBeReady([Infra])),
                t.Steps[4], t.Steps[5],
                t.Steps[6], t.Steps[7],
                Requests(1),
                t.Steps[8], t.Steps[9],
                Requests(2),
                t.Steps[10], t.Steps[11],
                Requests(3),
                t.Steps[12], t.Steps[13],
                new EditManifestStep(t.Manifests[0], ReconcileCaRef, ReconcileCaRef.Replace("\"tls-checks-ca-certificate\"", $"\"{ReconcileConfigMap}\"", StringComparison.Ordinal),
                    $"reconcile-test caCertificateRefs -> {ReconcileConfigMap} (does not exist yet)"),
                t.Steps[14], t.Steps[15],
                new WriteObjectStep(ReconcileConfigMap + ".yaml", c => ReconcileCa(c.Get(Infra, "tls-checks-ca-certificate").CertificatePem), $"create ConfigMap {ReconcileConfigMap}"),
                t.Steps[16], t.Steps[17],
                new WriteObjectStep(ReconcileConfigMap + ".yaml", _ => ReconcileCa(CorruptedPem), $"corrupt ca.crt of {ReconcileConfigMap}"),
                t.Steps[18], t.Steps[19],
                new WriteObjectStep(ReconcileConfigMap + ".yaml", c => ReconcileCa(c.Get(Infra, "tls-checks-ca-certificate").CertificatePem), $"restore ca.crt of {ReconcileConfigMap}"),
                t.Steps[20], t.Steps[21],
                new EditManifestStep(t.Manifests[0], ReconcileCaRef.Replace("\"tls-checks-ca-certificate\"", $"\"{ReconcileConfigMap}\"", StringComparison.Ordinal), ReconcileCaRef,
                    "reconcile-test caCertificateRefs restored"),
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
