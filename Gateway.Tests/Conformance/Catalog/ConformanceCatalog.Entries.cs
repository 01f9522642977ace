using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Catalog;

/// <summary>
/// The tests of the GATEWAY-HTTP profile at v1.6.1 (tests.tsv), with their status checks encoded from their section of
/// status-checks.md (first drafted from that file's "Expected" lines, then reviewed and edited by hand: mutations
/// placed where the upstream Go test makes them, not-judged reasons added). Request cases come from cases.json at run
/// time; a test whose requests are in cases.json "special" only has a not-judged reason until its judge exists.
/// </summary>
public static partial class ConformanceCatalog
{
    private const string Infra = "gateway-conformance-infra";

    private static readonly Lazy<IReadOnlyList<CatalogTest>> AllTests = new(() =>
        Apply([.. HttpTests, .. ProtocolTests]).OrderBy(t => t.Name, StringComparer.Ordinal).ToList());

    /// <summary>
    /// Every Gateway-side test of v1.6.1: the GATEWAY-HTTP tests below and the GRPC/TLS/TCP/UDP ones (with the two that
    /// belong to no profile) of ConformanceCatalog.Protocols.cs, in upstream's alphabetical order.
    /// </summary>
    public static IReadOnlyList<CatalogTest> All => AllTests.Value;

    private static IReadOnlyList<CatalogTest> HttpTests =>
    [
        new("BackendTLSPolicy", ["Gateway", "HTTPRoute", "BackendTLSPolicy"], ["tests/backendtlspolicy.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace-with-https-listener", [("gateway-conformance-infra", "backendtlspolicy-reencrypt")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backendtlspolicy-reencrypt", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "normative-test", "gateway-conformance-infra", "same-namespace-with-https-listener", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "normative-test", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backendtlspolicy")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backendtlspolicy", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "normative-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "normative-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "host-mismatch", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "host-mismatch", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "cert-mismatch", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "cert-mismatch", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoValidCACertificate"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidCACertificateRef"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoValidCACertificate"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidCACertificateRef"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "reconcile-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("BackendTLSPolicyConflictResolution", ["Gateway", "HTTPRoute", "BackendTLSPolicy"], ["tests/backendtlspolicy-conflict-resolution.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backendtlspolicy-conflict-resolution")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backendtlspolicy-conflict-resolution", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "conflicted-without-section-name-1", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "conflicted-without-section-name-2", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "Conflicted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "conflicted-with-section-name-1", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "conflicted-with-section-name-2", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "Conflicted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "not-conflicted-with-section-name", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "not-conflicted-without-section-name", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Requests(),
            ],
        },
        new("BackendTLSPolicyInvalidCACertificateRef", ["Gateway", "HTTPRoute", "BackendTLSPolicy"], ["tests/backendtlspolicy-invalid-ca-certificate-ref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backendtlspolicy-invalid-ca-certificate-ref")])),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "nonexistent-ca-certificate-ref", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoValidCACertificate"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "malformed-ca-certificate-ref", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoValidCACertificate"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "nonexistent-ca-certificate-ref", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidCACertificateRef"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "malformed-ca-certificate-ref", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidCACertificateRef"))),
            Requests(),
            ],
        },
        new("BackendTLSPolicyInvalidKind", ["Gateway", "HTTPRoute", "BackendTLSPolicy"], ["tests/backendtlspolicy-invalid-kind.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backendtlspolicy-invalid-kind-test")])),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "invalid-kind", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoValidCACertificate"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "invalid-kind", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidKind"))),
            Requests(),
            ],
        },
        new("BackendTLSPolicyObservedGenerationBump", ["Gateway", "HTTPRoute", "BackendTLSPolicy"], ["tests/backendtlspolicy-observed-generation-bump.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "observed-generation-bump", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", null))),
            Requests(),
            ],
        },
        new("BackendTLSPolicySANValidation", ["Gateway", "HTTPRoute", "BackendTLSPolicy", "BackendTLSPolicySANValidation"], ["tests/backendtlspolicy-san.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backendtlspolicy-san-test")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backendtlspolicy-san-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "san-dns", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "san-dns-mismatch", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "san-uri", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "san-uri-mismatch", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "multiple-sans", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "multiple-mismatch-sans", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", "Accepted"))),
            Requests(),
            ],
        },
        new("GatewayClassObservedGenerationBump", ["Gateway"], ["tests/gatewayclass-observed-generation-bump.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayClassMustHaveAcceptedAny("gatewayclass-observed-generation-bump")),
            Check(new MustHaveLatestConditions("GatewayClass", "", "gatewayclass-observed-generation-bump")),
            Check(new GatewayClassMustHaveAcceptedAny("gatewayclass-observed-generation-bump")),
            Check(new MustHaveLatestConditions("GatewayClass", "", "gatewayclass-observed-generation-bump")),
            Requests(),
            ],
        },
        new("GatewayFrontendClientCertificateValidation", ["Gateway", "HTTPRoute", "GatewayFrontendClientCertificateValidation"], ["tests/gateway-with-clientcertificate-validation.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "client-validation-default", [("gateway-conformance-infra", "client-certificate-validation-https-test"), ("gateway-conformance-infra", "client-certificate-validation-https-test-no-hostname")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "client-certificate-validation-https-test", "gateway-conformance-infra", "client-validation-default", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "client-certificate-validation-https-test-no-hostname", "gateway-conformance-infra", "client-validation-default", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("GatewayFrontendClientCertificateValidationInsecureFallback", ["Gateway", "HTTPRoute", "GatewayFrontendClientCertificateValidation", "GatewayFrontendClientCertificateValidationInsecureFallback"], ["tests/gateway-with-clientcertificate-validation-insecure-fallback.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "client-validation-insecure-fallback", [("gateway-conformance-infra", "client-cert-validation-insecure-fallback-test"), ("gateway-conformance-infra", "client-cert-validation-insecure-fallback-test-no-hostname")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "client-cert-validation-insecure-fallback-test", "gateway-conformance-infra", "client-validation-insecure-fallback", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "client-cert-validation-insecure-fallback-test-no-hostname", "gateway-conformance-infra", "client-validation-insecure-fallback", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "client-validation-insecure-fallback", C("InsecureFrontendValidationMode", "True", "ConfigurationChanged"))),
            Requests(),
            ],
        },
        new("GatewayFrontendInvalidDefaultClientCertificateValidation", ["Gateway", "HTTPRoute", "GatewayFrontendClientCertificateValidation"], ["tests/gateway-invalid-default-frontend-client-certificate-validation.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveAddress("gateway-conformance-infra", "invalid-default-client-validation-config")),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "invalid-default-client-validation-config", ["http"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "invalid-default-client-validation-config", ["https"], [C("ResolvedRefs", "False", "InvalidCACertificateRef"), C("Accepted", "False", "NoValidCACertificate"), C("Programmed", "False", null)])),
            Requests(),
            ],
        },
        new("GatewayHTTPListenerIsolation", ["Gateway", "GatewayHTTPListenerIsolation", "HTTPRoute"], ["tests/gateway-http-listener-isolation.yaml", "tests/gateway-http-listener-isolation-with-hostname-intersection.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "http-listener-isolation", [("gateway-conformance-infra", "attaches-to-empty-hostname"), ("gateway-conformance-infra", "attaches-to-wildcard-example-com"), ("gateway-conformance-infra", "attaches-to-wildcard-foo-example-com"), ("gateway-conformance-infra", "attaches-to-abc-foo-example-com")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-empty-hostname", "gateway-conformance-infra", "http-listener-isolation", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-wildcard-example-com", "gateway-conformance-infra", "http-listener-isolation", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-wildcard-foo-example-com", "gateway-conformance-infra", "http-listener-isolation", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-abc-foo-example-com", "gateway-conformance-infra", "http-listener-isolation", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "http-listener-isolation-with-hostname-intersection", [("gateway-conformance-infra", "attaches-to-empty-hostname-with-hostname-intersection"), ("gateway-conformance-infra", "attaches-to-wildcard-example-com-with-hostname-intersection"), ("gateway-conformance-infra", "attaches-to-wildcard-foo-example-com-with-hostname-intersection"), ("gateway-conformance-infra", "attaches-to-abc-foo-example-com-with-hostname-intersection")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-empty-hostname-with-hostname-intersection", "gateway-conformance-infra", "http-listener-isolation-with-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-wildcard-example-com-with-hostname-intersection", "gateway-conformance-infra", "http-listener-isolation-with-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-wildcard-foo-example-com-with-hostname-intersection", "gateway-conformance-infra", "http-listener-isolation-with-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "attaches-to-abc-foo-example-com-with-hostname-intersection", "gateway-conformance-infra", "http-listener-isolation-with-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("GatewayInfrastructure", ["Gateway", "GatewayInfrastructurePropagation"], ["tests/gateway-infrastructure.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-with-infrastructure-metadata")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-with-infrastructure-metadata", C("Accepted", "True", null))),
            Requests(),
            ],
        },
        new("GatewayInvalidFrontendClientCertificateValidation", ["Gateway", "HTTPRoute", "ReferenceGrant", "GatewayFrontendClientCertificateValidation"], ["tests/gateway-with-invalid-clientcertificate-validation.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-invalid-client-cert-validation", ["https"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-invalid-client-cert-validation", ["https-unresolved"], [C("ResolvedRefs", "False", "InvalidCACertificateRef"), C("Accepted", "False", "NoValidCACertificate"), C("Programmed", "False", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-invalid-client-cert-validation", ["https-invalid-kind"], [C("ResolvedRefs", "False", "InvalidCACertificateKind"), C("Accepted", "False", "NoValidCACertificate"), C("Programmed", "False", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-invalid-client-cert-validation", ["https-grant-missing"], [C("ResolvedRefs", "False", "RefNotPermitted"), C("Accepted", "False", "NoValidCACertificate"), C("Programmed", "False", null)])),
            Requests(),
            ],
        },
        new("GatewayInvalidParametersRef", ["Gateway"], ["tests/gateway-invalid-parameters-ref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-invalid-parameters-ref")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-invalid-parameters-ref", C("Accepted", "False", "InvalidParameters"))),
            Requests(),
            ],
        },
        new("GatewayInvalidRouteKind", ["Gateway"], ["tests/gateway-invalid-route-kind.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-only-invalid-route-kind", [L("http", [], 0, [C("ResolvedRefs", "False", "InvalidRouteKinds")])])),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-supported-and-invalid-route-kind", [L("http", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "InvalidRouteKinds")])])),
            Requests(),
            ],
        },
        new("GatewayInvalidTLSBackendConfiguration", ["Gateway", "GatewayBackendClientCertificate", "HTTPRoute", "BackendTLSPolicy"], ["tests/gateway-invalid-tls-backend-configuration.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-client-certificate-nonexistent-secret")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-client-certificate-unsupported-group")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-client-certificate-unsupported-kind")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-client-certificate-malformed-secret")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-client-certificate-missing-reference-grant")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-nonexistent-secret", C("ResolvedRefs", "False", "InvalidClientCertificateRef"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-unsupported-group", C("ResolvedRefs", "False", "InvalidClientCertificateRef"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-unsupported-kind", C("ResolvedRefs", "False", "InvalidClientCertificateRef"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-malformed-secret", C("ResolvedRefs", "False", "InvalidClientCertificateRef"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-missing-reference-grant", C("ResolvedRefs", "False", "RefNotPermitted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-nonexistent-secret", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-unsupported-group", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-unsupported-kind", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-malformed-secret", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-client-certificate-missing-reference-grant", C("Accepted", "True", "Accepted"))),
            Requests(),
            ],
        },
        new("GatewayInvalidTLSConfiguration", ["Gateway"], ["tests/gateway-invalid-tls-configuration.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-certificate-nonexistent-secret", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "InvalidCertificateRef")])])),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-certificate-unsupported-group", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "InvalidCertificateRef")])])),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-certificate-unsupported-kind", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "InvalidCertificateRef")])])),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-certificate-malformed-secret", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "InvalidCertificateRef")])])),
            Requests(),
            ],
        },
        new("GatewayListenerUnsupportedProtocol", ["Gateway"], ["tests/gateway-invalid-listeners-unsupported-protocol.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-only-unsupported-protocols")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-only-unsupported-protocols", C("Accepted", "False", "ListenersNotValid"))),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-only-unsupported-protocols", [L("invalid", [], 0, [C("Accepted", "False", "UnsupportedProtocol")])])),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-supported-and-unsupported-protocols")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-supported-and-unsupported-protocols", C("Accepted", "True", "ListenersNotValid"))),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-supported-and-unsupported-protocols", [L("http", ["HTTPRoute"], 0, [C("Accepted", "True", "Accepted")]), L("invalid", [], 0, [C("Accepted", "False", "UnsupportedProtocol")])])),
            Requests(),
            ],
        },
        new("GatewayModifyListeners", ["Gateway"], ["tests/gateway-modify-listeners.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-add-listener")),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-add-listener", [L("https", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]), L("http", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-add-listener")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-remove-listener")),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-remove-listener", [L("http", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-remove-listener")),
            Requests(),
            ],
        },
        new("GatewayObservedGenerationBump", ["Gateway"], ["tests/gateway-observed-generation-bump.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-observed-generation-bump")),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-observed-generation-bump")),
            Requests(),
            ],
        },
        new("GatewayOptionalAddressValue", ["Gateway", "GatewayAddressEmpty"], ["tests/gateway-optional-address-value.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-without-address-value")),
            Check(new GatewayMustHaveAddress("gateway-conformance-infra", "gateway-without-address-value")),
            Requests(),
            ],
        },
        new("GatewaySecretInvalidReferenceGrant", ["Gateway", "ReferenceGrant"], ["tests/gateway-secret-invalid-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-secret-invalid-reference-grant", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "RefNotPermitted")])])),
            Requests(),
            ],
        },
        new("GatewaySecretMissingReferenceGrant", ["Gateway", "ReferenceGrant"], ["tests/gateway-secret-missing-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-secret-missing-reference-grant", [L("https", ["HTTPRoute"], 0, [C("ResolvedRefs", "False", "RefNotPermitted")])])),
            Requests(),
            ],
        },
        new("GatewaySecretReferenceGrantAllInNamespace", ["Gateway", "ReferenceGrant"], ["tests/gateway-secret-reference-grant-all-in-namespace.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-secret-reference-grant-all-in-namespace", [L("https", ["HTTPRoute"], 0, [C("Programmed", "True", "Programmed"), C("ResolvedRefs", "True", null)])])),
            Requests(),
            ],
        },
        new("GatewaySecretReferenceGrantSpecific", ["Gateway", "ReferenceGrant"], ["tests/gateway-secret-reference-grant-specific.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-secret-reference-grant-specific", [L("https", ["HTTPRoute"], 0, [C("Programmed", "True", "Programmed"), C("ResolvedRefs", "True", null)])])),
            Requests(),
            ],
        },
        new("GatewayStaticAddresses", ["Gateway", "GatewayStaticAddresses"], ["tests/gateway-static-addresses.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-static-addresses")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-static-addresses", C("Accepted", "False", "UnsupportedAddress"))),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-static-addresses")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-static-addresses", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-static-addresses", C("Programmed", "False", "AddressNotUsable"))),
            Check(new MustHaveLatestConditions("Gateway", "gateway-conformance-infra", "gateway-static-addresses")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-static-addresses", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-static-addresses", C("Programmed", "True", "Programmed"))),
            // GatewayStatusMustHaveListeners(gateway-conformance-infra/gateway-static-addresses) => <finalExpectedListenerState>
            Requests(),
            ],
        },
        new("GatewayTLSBackendClientCertificate", ["Gateway", "GatewayBackendClientCertificate", "HTTPRoute", "BackendTLSPolicy"], ["tests/gateway-tls-backend-client-certificate.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "gateway-tls-backend-client-certificate", [("gateway-conformance-infra", "gateway-tls-backend-client-certificate")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "gateway-tls-backend-client-certificate", "gateway-conformance-infra", "gateway-tls-backend-client-certificate", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new BackendTlsPolicyMustHaveCondition("gateway-conformance-infra", "gateway-tls-backend-client-certificate-test", "gateway-conformance-infra", "gateway-tls-backend-client-certificate", C("Accepted", "True", "Accepted"))),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-tls-backend-client-certificate", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("GatewayWithAttachedRoutes", ["Gateway", "HTTPRoute"], ["tests/gateway-with-attached-routes.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-with-one-attached-route", [L("http", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-with-two-attached-routes", [L("http", ["HTTPRoute"], 2, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-route-not-accepted", "gateway-conformance-infra", "gateway-with-two-attached-routes", C("Accepted", "False", "NoMatchingListenerHostname"))),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "unresolved-gateway-with-one-attached-unresolved-route", [L("tls", ["HTTPRoute"], 1, [C("Programmed", "False", null), C("ResolvedRefs", "False", null)])])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-route-4", "gateway-conformance-infra", "unresolved-gateway-with-one-attached-unresolved-route", C("ResolvedRefs", "False", null))),
            Requests(),
            ],
        },
        new("GatewayWithAttachedRoutesWithPort8080", ["Gateway", "GatewayPort8080", "HTTPRoute"], ["tests/gateway-with-attached-routes-with-port-8080.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "gateway-with-two-listeners-and-one-attached-route", [L("http-unattached", ["HTTPRoute"], 0, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]), L("http", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Requests(),
            ],
        },
        new("HTTPRoute303Redirect", ["Gateway", "HTTPRoute", "HTTPRoute303RedirectStatusCode"], ["tests/httproute-303-redirect.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "303-redirect")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "303-redirect", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRoute307Redirect", ["Gateway", "HTTPRoute", "HTTPRoute307RedirectStatusCode"], ["tests/httproute-307-redirect.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "307-redirect")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "307-redirect", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRoute308Redirect", ["Gateway", "HTTPRoute", "HTTPRoute308RedirectStatusCode"], ["tests/httproute-308-redirect.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "308-redirect")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "308-redirect", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteBackendProtocolH2C", ["Gateway", "HTTPRoute", "HTTPRouteBackendProtocolH2C"], ["tests/httproute-backend-protocol-h2c.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backend-protocol-h2c")])),
            Requests(),
            ],
        },
        new("HTTPRouteBackendProtocolWebSocket", ["Gateway", "HTTPRoute", "HTTPRouteBackendProtocolWebSocket"], ["tests/httproute-backend-protocol-websocket.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backend-protocol-ws")])),
            Requests(),
            ],
        },
        new("HTTPRouteBackendRequestHeaderModifier", ["Gateway", "HTTPRoute", "HTTPRouteBackendRequestHeaderModification"], ["tests/httproute-request-header-modifier-backend.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-header-modifier")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "request-header-modifier", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteCORS", ["Gateway", "HTTPRoute", "HTTPRouteCORS"], ["tests/httproute-cors.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "cors-multiple-origins-methods-headers"), ("gateway-conformance-infra", "cors-wildcard-methods")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "cors-multiple-origins-methods-headers", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "cors-wildcard-methods", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "cors-wildcard-origin", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "cors-wildcard-methods-headers", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteCrossNamespace", ["Gateway", "HTTPRoute"], ["tests/httproute-cross-namespace.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "backend-namespaces", [("gateway-conformance-web-backend", "cross-namespace")])),
            Check(new RouteMustHaveCondition("gateway-conformance-web-backend", "cross-namespace", "gateway-conformance-infra", "backend-namespaces", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteExactPathMatching", ["Gateway", "HTTPRoute"], ["tests/httproute-exact-path-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "exact-matching")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "exact-matching", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteHTTPSListener", ["Gateway", "HTTPRoute"], ["tests/httproute-https-listener.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace-with-https-listener", [("gateway-conformance-infra", "httproute-https-test"), ("gateway-conformance-infra", "httproute-https-test-no-hostname")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-https-test", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-https-test-no-hostname", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteHTTPSListenerDetectMisdirectedRequests", ["Gateway", "GatewayHTTPSListenerDetectMisdirectedRequests", "HTTPRoute"], ["tests/httproute-https-listener-detect-misdirected-requests.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace-with-https-listener", [("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-1"), ("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-2"), ("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-3"), ("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-4")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-1", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-2", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-3", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "https-listener-detect-misdirected-requests-test-4", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteHeaderMatching", ["Gateway", "HTTPRoute"], ["tests/httproute-header-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "header-matching")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "header-matching", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteHostnameIntersection", ["Gateway", "HTTPRoute"], ["tests/httproute-hostname-intersection.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-hostname-intersection", [("gateway-conformance-infra", "specific-host-matches-listener-specific-host"), ("gateway-conformance-infra", "specific-host-matches-listener-wildcard-host"), ("gateway-conformance-infra", "wildcard-host-matches-listener-specific-host"), ("gateway-conformance-infra", "wildcard-host-matches-listener-wildcard-host")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "specific-host-matches-listener-specific-host", "gateway-conformance-infra", "httproute-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "specific-host-matches-listener-wildcard-host", "gateway-conformance-infra", "httproute-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "wildcard-host-matches-listener-specific-host", "gateway-conformance-infra", "httproute-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "wildcard-host-matches-listener-wildcard-host", "gateway-conformance-infra", "httproute-hostname-intersection", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-hostname-intersection", [])),
            Check(new RouteMustHaveParents("gateway-conformance-infra", "no-intersecting-hosts", [new ExpectedParent("Gateway", "gateway-conformance-infra", "httproute-hostname-intersection", [C("Accepted", "False", "NoMatchingListenerHostname")])], true)),
            Check(new MustHaveListeners("Gateway", "gateway-conformance-infra", "httproute-hostname-intersection", [L("listener-1", ["HTTPRoute"], 2, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]), L("listener-2", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]), L("listener-3", ["HTTPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)])])),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-hostname-intersection-all", [("gateway-conformance-infra", "httproute-hostname-intersection-all")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-hostname-intersection-all", "gateway-conformance-infra", "httproute-hostname-intersection-all", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidBackendRefUnknownKind", ["Gateway", "HTTPRoute"], ["tests/httproute-invalid-backendref-unknown-kind.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "invalid-backend-ref-unknown-kind")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "invalid-backend-ref-unknown-kind", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "InvalidKind"))),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidCrossNamespaceBackendRef", ["Gateway", "HTTPRoute", "ReferenceGrant"], ["tests/httproute-invalid-cross-namespace-backend-ref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "invalid-cross-namespace-backend-ref")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "invalid-cross-namespace-backend-ref", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "RefNotPermitted"))),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidCrossNamespaceParentRef", ["Gateway", "HTTPRoute"], ["tests/httproute-invalid-cross-namespace-parent-ref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new RouteMustHaveCondition("gateway-conformance-web-backend", "invalid-cross-namespace-parent-ref", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-web-backend", "invalid-cross-namespace-parent-ref", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NotAllowedByListeners"))),
            Check(new RouteMustHaveNoAcceptedParents("gateway-conformance-web-backend", "invalid-cross-namespace-parent-ref")),
            Check(new GatewayMustHaveZeroRoutes("gateway-conformance-infra", "same-namespace")),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidNonExistentBackendRef", ["Gateway", "HTTPRoute"], ["tests/httproute-invalid-nonexistent-backendref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "invalid-nonexistent-backend-ref")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "invalid-nonexistent-backend-ref", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "BackendNotFound"))),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidParentRefNotMatchingListenerPort", ["Gateway", "HTTPRoute", "HTTPRouteDestinationPortMatching"], ["tests/httproute-invalid-parentref-not-matching-listener-port.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-listener-not-matching-route-port", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-listener-not-matching-route-port", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoMatchingParent"))),
            Check(new RouteMustHaveNoAcceptedParents("gateway-conformance-infra", "httproute-listener-not-matching-route-port")),
            Check(new GatewayMustHaveZeroRoutes("gateway-conformance-infra", "same-namespace")),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidParentRefNotMatchingSectionName", ["Gateway", "HTTPRoute"], ["tests/httproute-invalid-parentref-not-matching-section-name.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-listener-not-matching-section-name", "gateway-conformance-infra", "same-namespace", C("Accepted", "False", "NoMatchingParent"))),
            Check(new RouteMustHaveNoAcceptedParents("gateway-conformance-infra", "httproute-listener-not-matching-section-name")),
            Check(new GatewayMustHaveZeroRoutes("gateway-conformance-infra", "same-namespace")),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidParentRefSectionNameNotMatchingPort", ["Gateway", "HTTPRoute", "HTTPRouteParentRefPort"], ["tests/httproute-invalid-parentref-section-name-not-matching-port.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "httproute-listener-section-name-not-matching-port", "gateway-conformance-infra", "gateway-with-one-not-matching-port-and-section-name-route", C("Accepted", "False", "NoMatchingParent"))),
            Check(new RouteMustHaveNoAcceptedParents("gateway-conformance-infra", "httproute-listener-section-name-not-matching-port")),
            Check(new GatewayMustHaveZeroRoutes("gateway-conformance-infra", "gateway-with-one-not-matching-port-and-section-name-route")),
            Requests(),
            ],
        },
        new("HTTPRouteInvalidReferenceGrant", ["Gateway", "HTTPRoute", "ReferenceGrant"], ["tests/httproute-invalid-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "reference-grant")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "reference-grant", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "RefNotPermitted"))),
            Requests(),
            ],
        },
        new("HTTPRouteListenerHostnameMatching", ["Gateway", "HTTPRoute"], ["tests/httproute-listener-hostname-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-hostname-matching", [("gateway-conformance-infra", "backend-v1")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v1", "gateway-conformance-infra", "httproute-listener-hostname-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-hostname-matching", [("gateway-conformance-infra", "backend-v2")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v2", "gateway-conformance-infra", "httproute-listener-hostname-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-hostname-matching", [("gateway-conformance-infra", "backend-v3")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v3", "gateway-conformance-infra", "httproute-listener-hostname-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteListenerPortMatching", ["Gateway", "HTTPRoute", "HTTPRouteParentRefPort"], ["tests/httproute-listener-port-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-port-matching", [("gateway-conformance-infra", "backend-v1")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v1", "gateway-conformance-infra", "httproute-listener-port-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-port-matching", [("gateway-conformance-infra", "backend-v2")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v2", "gateway-conformance-infra", "httproute-listener-port-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "httproute-listener-port-matching", [("gateway-conformance-infra", "backend-v3")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-v3", "gateway-conformance-infra", "httproute-listener-port-matching", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteMatching", ["Gateway", "HTTPRoute"], ["tests/httproute-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "matching")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "matching", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteMatchingAcrossRoutes", ["Gateway", "HTTPRoute"], ["tests/httproute-matching-across-routes.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "matching-part1"), ("gateway-conformance-infra", "matching-part2")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "matching-part1", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "matching-part2", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteMethodMatching", ["Gateway", "HTTPRoute", "HTTPRouteMethodMatching"], ["tests/httproute-method-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "method-matching")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "method-matching", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteMultipleGateways", ["Gateway", "HTTPRoute"], ["tests/httproute-multiple-gateways.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "multiple-gateways-shared-route"), ("gateway-conformance-infra", "same-namespace-dedicated-route")])),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "all-namespaces", [("gateway-conformance-infra", "multiple-gateways-shared-route"), ("gateway-conformance-infra", "all-namespaces-dedicated-route")])),
            Requests(),
            ],
        },
        new("HTTPRouteNamedRule", ["Gateway", "HTTPRoute", "HTTPRouteNamedRouteRule"], ["tests/httproute-named-rule.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "http-named-rules")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-named-rules", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteNoBackendRefs", ["Gateway", "HTTPRoute"], ["tests/httproute-omitted-backendrefs.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "omitted-backendrefs")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "omitted-backendrefs", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteObservedGenerationBump", ["Gateway", "HTTPRoute"], ["tests/httproute-observed-generation-bump.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new MustHaveLatestConditions("HTTPRoute", "gateway-conformance-infra", "observed-generation-bump")),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "observed-generation-bump", "gateway-conformance-infra", "same-namespace", C("Accepted", "True", null))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "observed-generation-bump", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new MustHaveLatestConditions("HTTPRoute", "gateway-conformance-infra", "observed-generation-bump")),
            Requests(),
            ],
        },
        new("HTTPRoutePartiallyInvalidViaInvalidReferenceGrant", ["Gateway", "HTTPRoute", "ReferenceGrant"], ["tests/httproute-partially-invalid-via-invalid-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "invalid-reference-grant")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "invalid-reference-grant", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "False", "RefNotPermitted"))),
            Requests(),
            ],
        },
        new("HTTPRoutePathMatchOrder", ["Gateway", "HTTPRoute"], ["tests/httproute-path-match-order.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "path-matching-order")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "path-matching-order", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteQueryParamMatching", ["Gateway", "HTTPRoute", "HTTPRouteQueryParamMatching"], ["tests/httproute-query-param-matching.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "query-param-matching")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "query-param-matching", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRedirectHostAndStatus", ["Gateway", "HTTPRoute"], ["tests/httproute-redirect-host-and-status.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "redirect-host-and-status")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "redirect-host-and-status", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRedirectPath", ["Gateway", "HTTPRoute", "HTTPRoutePathRedirect"], ["tests/httproute-redirect-path.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "redirect-path")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "redirect-path", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRedirectPort", ["Gateway", "HTTPRoute", "HTTPRoutePortRedirect"], ["tests/httproute-redirect-port.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "redirect-port")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "redirect-port", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRedirectPortAndScheme", ["Gateway", "HTTPRoute", "HTTPRoutePortRedirect", "GatewayPort8080"], ["tests/httproute-redirect-port-and-scheme.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "http-route-for-listener-on-port-80")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-route-for-listener-on-port-80", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace-with-http-listener-on-8080", [("gateway-conformance-infra", "http-route-for-listener-on-port-8080")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-route-for-listener-on-port-8080", "gateway-conformance-infra", "same-namespace-with-http-listener-on-8080", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace-with-https-listener", [("gateway-conformance-infra", "http-route-for-listener-on-port-443")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "http-route-for-listener-on-port-443", "gateway-conformance-infra", "same-namespace-with-https-listener", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRedirectScheme", ["Gateway", "HTTPRoute", "HTTPRouteSchemeRedirect"], ["tests/httproute-redirect-scheme.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "redirect-scheme")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "redirect-scheme", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteReferenceGrant", ["Gateway", "HTTPRoute", "ReferenceGrant"], ["tests/httproute-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "reference-grant")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "reference-grant", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRequestHeaderModifier", ["Gateway", "HTTPRoute"], ["tests/httproute-request-header-modifier.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-header-modifier")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "request-header-modifier", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRequestHeaderModifierBackendWeights", ["Gateway", "HTTPRouteBackendRequestHeaderModification", "HTTPRoute"], ["tests/httproute-request-header-modifier-backend-weights.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-header-modifier-backend-weights")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "request-header-modifier-backend-weights", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRequestMirror", ["Gateway", "HTTPRoute", "HTTPRouteRequestMirror"], ["tests/httproute-request-mirror.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-mirror")])),
            Requests(),
            ],
        },
        new("HTTPRouteRequestMultipleMirrors", ["Gateway", "HTTPRoute", "HTTPRouteRequestMirror", "HTTPRouteRequestMultipleMirrors"], ["tests/httproute-request-multiple-mirrors.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-multiple-mirrors")])),
            Requests(),
            ],
        },
        new("HTTPRouteRequestPercentageMirror", ["Gateway", "HTTPRoute", "HTTPRouteRequestPercentageMirror"], ["tests/httproute-request-percentage-mirror.yaml"], Provisional: true)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-percentage-mirror")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "request-percentage-mirror", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteResponseHeaderModifier", ["Gateway", "HTTPRoute", "HTTPRouteResponseHeaderModification"], ["tests/httproute-response-header-modifier.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "response-header-modifier")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "response-header-modifier", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRetry", ["Gateway", "HTTPRoute", "HTTPRouteRetry"], ["tests/httproute-retry.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "retries")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "retries", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRewriteHost", ["Gateway", "HTTPRoute", "HTTPRouteHostRewrite"], ["tests/httproute-rewrite-host.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "rewrite-host")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "rewrite-host", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteRewritePath", ["Gateway", "HTTPRoute", "HTTPRoutePathRewrite"], ["tests/httproute-rewrite-path.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "rewrite-path")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "rewrite-path", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteServiceTypes", ["Gateway", "HTTPRoute"], ["tests/httproute-service-types.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "service-types")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "service-types", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteSimpleSameNamespace", ["Gateway", "HTTPRoute"], ["tests/httproute-simple-same-namespace.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "gateway-conformance-infra-test")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "gateway-conformance-infra-test", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteTimeoutBackendRequest", ["Gateway", "HTTPRoute", "HTTPRouteBackendTimeout"], ["tests/httproute-timeout-backend-request.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "backend-request-timeout")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "backend-request-timeout", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteTimeoutRequest", ["Gateway", "HTTPRoute", "HTTPRouteRequestTimeout"], ["tests/httproute-timeout-request.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "request-timeout")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "request-timeout", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("HTTPRouteWeight", ["Gateway", "HTTPRoute"], ["tests/httproute-weight.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "same-namespace", [("gateway-conformance-infra", "weighted-backends")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "weighted-backends", "gateway-conformance-infra", "same-namespace", C("ResolvedRefs", "True", "ResolvedRefs"))),
            Requests(),
            ],
        },
        new("ListenerSetAllowedNamespaceNone", ["Gateway", "ListenerSet"], ["tests/listenerset-allowed-namespace-none.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-does-not-allow-listenerset", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-does-not-allow-listenerset", 0)),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-not-allowed", C("Accepted", "False", "NotAllowed"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-not-allowed", C("Programmed", "False", "NotAllowed"))),
            Requests(),
            ],
        },
        new("ListenerSetAllowedNamespaceSame", ["Gateway", "ListenerSet"], ["tests/listenerset-allowed-namespace-same.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-allows-listenerset-in-same-namespace", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-allows-listenerset-in-same-namespace", 1)),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-in-same-namespace", C("Accepted", "True", "Accepted"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-in-same-namespace", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-in-same-namespace", ["listenerset-in-same-namespace-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-not-allowed-ns", "listenerset-in-different-namespace", C("Accepted", "False", "NotAllowed"))),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-not-allowed-ns", "listenerset-in-different-namespace", C("Programmed", "False", "NotAllowed"))),
            Requests(),
            ],
        },
        new("ListenerSetAllowedNamespaceSelector", ["Gateway", "ListenerSet"], ["tests/listenerset-allowed-namespace-selector.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-allows-listenerset-in-selected-namespace", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-allows-listenerset-in-selected-namespace", 1)),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-selector-allowed-ns", "listenerset-in-selected-namespace", C("Accepted", "True", "Accepted"))),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-selector-allowed-ns", "listenerset-in-selected-namespace", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-api-listenerset-selector-allowed-ns", "listenerset-in-selected-namespace", ["listenerset-in-selected-namespace-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-selector-not-allowed-ns", "listenerset-not-in-selected-namespace", C("Accepted", "False", "NotAllowed"))),
            Check(new ListenerSetMustHaveCondition("gateway-api-listenerset-selector-not-allowed-ns", "listenerset-not-in-selected-namespace", C("Programmed", "False", "NotAllowed"))),
            Requests(),
            ],
        },
        new("ListenerSetAllowedRoutesNamespaces", ["Gateway", "ListenerSet", "HTTPRoute", "ReferenceGrant"], ["tests/listenerset-allowed-routes-namespaces.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveAddress("gateway-conformance-infra", "gateway-with-listener-sets-test-allowed-routes")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-with-listener-sets-test-allowed-routes", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-with-listener-sets-test-allowed-routes", 2)),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "listenerset-test-allowed-routes-namespaces", [("gateway-conformance-infra", "route-in-same-namespace"), ("gateway-api-routes-allowed-ns", "route-in-selected-namespace"), ("gateway-api-routes-not-allowed-ns", "route-not-in-selected-namespace")])),
            Check(new MustHaveListeners("ListenerSet", "gateway-conformance-infra", "listenerset-test-allowed-routes-namespaces", [L("listener-set-listener-allowed-routes-all", ["HTTPRoute"], 3, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)]), L("listener-set-listener-allowed-routes-same", ["HTTPRoute"], 1, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)]), L("listener-set-listener-allowed-routes-selector", ["HTTPRoute"], 1, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-api-ls-cross-ns", "listenerset-test-allowed-routes-cross-ns", [("gateway-api-ls-cross-ns", "route-in-listenerset-namespace")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-in-gateway-namespace", "gateway-api-ls-cross-ns", "listenerset-test-allowed-routes-cross-ns", C("Accepted", "False", "NotAllowedByListeners"))),
            Check(new MustHaveListeners("ListenerSet", "gateway-api-ls-cross-ns", "listenerset-test-allowed-routes-cross-ns", [L("listener-set-listener-allowed-routes-cross-ns-same", ["HTTPRoute"], 1, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Requests(),
            ],
        },
        new("ListenerSetDefaultNotAllowed", ["Gateway", "ListenerSet"], ["tests/listenerset-default-not-allowed.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-default-does-not-allow-listenerset", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-default-does-not-allow-listenerset", 0)),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-default-not-allowed", C("Accepted", "False", "NotAllowed"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-default-not-allowed", C("Programmed", "False", "NotAllowed"))),
            Requests(),
            ],
        },
        new("ListenerSetDualParentRefIndependence", ["Gateway", "ListenerSet", "HTTPRoute"], ["tests/listenerset-dual-parentref-independence.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveAddress("gateway-conformance-infra", "gateway-dual-parentref")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-dual-parentref", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-dual-parentref", 1)),
            Check(new MustHaveListeners("ListenerSet", "gateway-conformance-infra", "ls-dual-parentref", [L("ls-dual-parentref-listener", ["HTTPRoute"], 2, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-dual-parentref-both", "gateway-conformance-infra", "gateway-dual-parentref", C("Accepted", "True", null))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-dual-parentref-both", "gateway-conformance-infra", "ls-dual-parentref", C("Accepted", "True", null))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-dual-parentref-one", "gateway-conformance-infra", "gateway-dual-parentref", C("Accepted", "False", "NoMatchingParent"))),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-dual-parentref-one", "gateway-conformance-infra", "ls-dual-parentref", C("Accepted", "True", null))),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "ls-dual-parentref", [("gateway-conformance-infra", "route-dual-parentref-one")])),
            Requests(),
            ],
        },
        new("ListenerSetGatewayParentSectionNameNotFound", ["Gateway", "ListenerSet", "HTTPRoute"], ["tests/listenerset-gateway-parent-section-name-not-found.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveAddress("gateway-conformance-infra", "gateway-section-name")),
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-section-name", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-section-name", 1)),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "listenerset-section-name", [("gateway-conformance-infra", "route-via-listenerset")])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-via-gateway", "gateway-conformance-infra", "gateway-section-name", C("Accepted", "False", "NoMatchingParent"))),
            Requests(),
            ],
        },
        new("ListenerSetHTTPRouting", ["Gateway", "ListenerSet", "HTTPRoute"], ["tests/listenerset-http-routing.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new ParentAndRoutesMustBeAccepted("Gateway", "gateway-conformance-infra", "gateway-with-listener-sets-http-routing", [("gateway-conformance-infra", "attaches-to-all-listeners"), ("gateway-conformance-infra", "gateway-route"), ("gateway-conformance-infra", "gateway-section-route")])),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-with-listener-sets-http-routing", 2)),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "listener-set-http-routing-1", [("gateway-conformance-infra", "attaches-to-all-listeners"), ("gateway-conformance-infra", "listener-set-http-routing-1-route"), ("gateway-conformance-infra", "listener-set-http-routing-1-section-route")])),
            Check(new MustHaveListeners("ListenerSet", "gateway-conformance-infra", "listener-set-http-routing-1", [L("listener-set-http-routing-1-listener-1", ["HTTPRoute"], 3, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)]), L("listener-set-http-routing-1-listener-2", ["HTTPRoute"], 2, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "listener-set-http-routing-2", [("gateway-conformance-infra", "attaches-to-all-listeners"), ("gateway-conformance-infra", "listener-set-http-routing-2-route")])),
            Check(new MustHaveListeners("ListenerSet", "gateway-conformance-infra", "listener-set-http-routing-2", [L("listener-set-http-routing-2-listener-1", ["HTTPRoute"], 2, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)]), L("listener-set-http-routing-2-listener-2", ["HTTPRoute"], 2, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Requests(),
            ],
        },
        new("ListenerSetHostnameConflict", ["Gateway", "ListenerSet"], ["tests/listenerset-hostname-conflict.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-with-listenerset-hostname-conflict", C("Accepted", "True", null))),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-listenerset-hostname-conflict", ["gateway-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-listenerset-hostname-conflict", ["hostname-conflict-with-gateway-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-with-listenerset-hostname-conflict", 2)),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-1", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-1", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-1", ["listener-set-1-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-1", ["hostname-conflict-with-gateway-listener"], [C("Accepted", "False", "HostnameConflict"), C("Programmed", "False", "HostnameConflict"), C("Conflicted", "True", "HostnameConflict")])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-1", ["hostname-conflict-with-listener-set-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-2", C("Accepted", "False", "ListenersNotValid"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-2", C("Programmed", "False", "ListenersNotValid"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-gateway-2", ["hostname-conflict-with-gateway-listener"], [C("Accepted", "False", "HostnameConflict"), C("Programmed", "False", "HostnameConflict"), C("Conflicted", "True", "HostnameConflict")])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-1", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-1", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-1", ["listener-set-2-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-1", ["hostname-conflict-with-listener-set-listener"], [C("Accepted", "False", "HostnameConflict"), C("Programmed", "False", "HostnameConflict"), C("Conflicted", "True", "HostnameConflict")])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-2", C("Accepted", "False", "ListenersNotValid"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-2", C("Programmed", "False", "ListenersNotValid"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-hostname-conflict-with-listener-set-2", ["hostname-conflict-with-listener-set-listener"], [C("Accepted", "False", "HostnameConflict"), C("Programmed", "False", "HostnameConflict"), C("Conflicted", "True", "HostnameConflict")])),
            Requests(),
            ],
        },
        new("ListenerSetProtocolConflict", ["Gateway", "ListenerSet"], ["tests/listenerset-protocol-conflict.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-with-listenerset-protocol-conflict", C("Accepted", "True", null))),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-listenerset-protocol-conflict", ["gateway-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("Gateway", "gateway-conformance-infra", "gateway-with-listenerset-protocol-conflict", ["protocol-conflict-with-gateway-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-with-listenerset-protocol-conflict", 2)),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-1", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-1", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-1", ["listener-set-1-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-1", ["protocol-conflict-with-gateway-listener"], [C("Accepted", "False", "ProtocolConflict"), C("Programmed", "False", "ProtocolConflict"), C("Conflicted", "True", "ProtocolConflict")])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-1", ["protocol-conflict-with-listener-set-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-2", C("Accepted", "False", "ListenersNotValid"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-2", C("Programmed", "False", "ListenersNotValid"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-gateway-2", ["protocol-conflict-with-gateway-listener"], [C("Accepted", "False", "ProtocolConflict"), C("Programmed", "False", "ProtocolConflict"), C("Conflicted", "True", "ProtocolConflict")])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-1", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-1", C("Programmed", "True", "Programmed"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-1", ["listener-set-2-listener"], [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-1", ["protocol-conflict-with-listener-set-listener"], [C("Accepted", "False", "ProtocolConflict"), C("Programmed", "False", "ProtocolConflict"), C("Conflicted", "True", "ProtocolConflict")])),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-2", C("Accepted", "False", "ListenersNotValid"))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-2", C("Programmed", "False", "ListenersNotValid"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-protocol-conflict-with-listener-set-2", ["protocol-conflict-with-listener-set-listener"], [C("Accepted", "False", "ProtocolConflict"), C("Programmed", "False", "ProtocolConflict"), C("Conflicted", "True", "ProtocolConflict")])),
            Requests(),
            ],
        },
        new("ListenerSetReferenceGrant", ["Gateway", "ListenerSet", "ReferenceGrant"], ["tests/listenerset-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-with-listener-sets-test-reference-grant", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-reference-grant", C("Accepted", "True", null))),
            Check(new ListenerSetMustHaveCondition("gateway-conformance-infra", "listenerset-with-reference-grant", C("Programmed", "True", null))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-conformance-infra", "listenerset-with-reference-grant", ["listenerset-with-reference-grant-listener"], [C("ResolvedRefs", "True", null)])),
            Check(new ListenerSetMustHaveCondition("gateway-api-listener-sets-test-reference-grant-ns", "listenerset-without-reference-grant", C("Accepted", "False", "ListenersNotValid"))),
            Check(new ListenerSetMustHaveCondition("gateway-api-listener-sets-test-reference-grant-ns", "listenerset-without-reference-grant", C("Programmed", "False", "ListenersNotValid"))),
            Check(new ListenersMustHaveConditions("ListenerSet", "gateway-api-listener-sets-test-reference-grant-ns", "listenerset-without-reference-grant", ["listenerset-without-reference-grant-listener"], [C("ResolvedRefs", "False", "RefNotPermitted")])),
            Requests(),
            ],
        },
        new("ListenerSetRouteStatusScopedToParentRef", ["Gateway", "ListenerSet", "HTTPRoute"], ["tests/listenerset-route-status-scoped-to-parentref.yaml"], Provisional: false)
        {
            Steps =
            [
            Check(new GatewayMustHaveCondition("gateway-conformance-infra", "gateway-parentref", C("Accepted", "True", null))),
            Check(new GatewayMustHaveAttachedListeners("gateway-conformance-infra", "gateway-parentref", 1)),
            Check(new MustHaveListeners("ListenerSet", "gateway-conformance-infra", "listenerset-parentref", [L("listenerset-parentref-listener", ["HTTPRoute"], 1, [C("ResolvedRefs", "True", null), C("Accepted", "True", null), C("Programmed", "True", null)])])),
            Check(new RouteMustHaveCondition("gateway-conformance-infra", "route-parentref-gwonly", "gateway-conformance-infra", "gateway-parentref", C("Accepted", "True", null))),
            Check(new RouteMustHaveParents("gateway-conformance-infra", "route-parentref-gwonly", [new ExpectedParent("Gateway", "gateway-conformance-infra", "gateway-parentref", [C("Accepted", "True", null)])], true)),
            Check(new ParentAndRoutesMustBeAccepted("ListenerSet", "gateway-conformance-infra", "listenerset-parentref", [("gateway-conformance-infra", "route-parentref-lsonly")])),
            Check(new RouteMustHaveParents("gateway-conformance-infra", "route-parentref-lsonly", [new ExpectedParent("ListenerSet", "gateway-conformance-infra", "listenerset-parentref", [C("Accepted", "True", null)])], true)),
            Requests(),
            ],
        },
    ];

    private static CheckStep Check(StatusCheck check) => new(check);

    private static RequestsStep Requests(params int[] indexes) => new(indexes.Length == 0 ? null : indexes);

    private static ExpectedCondition C(string type, string? status, string? reason) => new(type, status, reason);

    private static ExpectedListener L(string name, IReadOnlyList<string> kinds, int attached, IReadOnlyList<ExpectedCondition> conditions) => new(name, kinds, attached, conditions);
}
