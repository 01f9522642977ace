using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Catalog;

/// <summary>
/// The tests of the GATEWAY-GRPC, GATEWAY-TLS, GATEWAY-TCP and GATEWAY-UDP profiles at v1.6.1 (tests.tsv), plus the
/// two Gateway-side tests that belong to no profile (GRPCRouteNamedRule, HTTPRouteDisallowedKind). Status checks are
/// hand-encoded from each test's section of status-checks.md, steps placed in the order of the upstream Go test
/// (subtests, mid-test creates and deletes, the readiness gate where the test opens with it); request, stream and
/// special cases come from cases.json at run time.
/// </summary>
public static partial class ConformanceCatalog
{
    private const string WebBackend = "gateway-conformance-web-backend";
    private const string AppBackend = "gateway-conformance-app-backend";

    private static IReadOnlyList<CatalogTest> ProtocolTests =>
    [
        // ---- GATEWAY-GRPC (and GRPCRouteNamedRule, in no profile) ----
        new("GRPCExactMethodMatching", ["Gateway", "GRPCRoute"], ["tests/grpcroute-exact-method-matching.yaml"], Provisional: false)
        {
            Steps = [Check(Accepted("GRPCRoute", "same-namespace", "exact-matching")), Grpc()],
        },
        new("GRPCRouteHeaderMatching", ["Gateway", "GRPCRoute"], ["tests/grpcroute-header-matching.yaml"], Provisional: false)
        {
            Steps = [Check(Accepted("GRPCRoute", "same-namespace", "grpc-header-matching")), Grpc()],
        },
        new("GRPCRouteListenerHostnameMatching", ["Gateway", "GRPCRoute"], ["tests/grpcroute-listener-hostname-matching.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(Accepted("GRPCRoute", "grpcroute-listener-hostname-matching", "backend-v1")),
                Check(Accepted("GRPCRoute", "grpcroute-listener-hostname-matching", "backend-v2")),
                Check(Accepted("GRPCRoute", "grpcroute-listener-hostname-matching", "backend-v3")),
                Grpc(),
            ],
        },
        new("GRPCRouteNamedRule", ["Gateway", "GRPCRoute", "GRPCRouteNamedRouteRule"], ["tests/grpcroute-named-rule.yaml"], Provisional: true)
        {
            Steps = [Check(Accepted("GRPCRoute", "same-namespace", "grpc-named-rules")), Grpc()],
        },
        new("GRPCRouteWeight", ["Gateway", "GRPCRoute"], ["tests/grpcroute-weight.yaml"], Provisional: false)
        {
            Steps = [Check(Accepted("GRPCRoute", "same-namespace", "weighted-backends")), new SpecialRequestsStep()],
        },

        // ---- GATEWAY-TCP ----
        new("TCPRouteInvalidBackendRefNonexistent", ["Gateway", "TCPRoute"], ["tests/tcproute-invalid-backendref-nonexistent.yaml"], Provisional: true)
        {
            Steps = [Check(RouteCondition("TCPRoute", "tcp-route-invalid-backend-ref-nonexistent", "tcp-gateway-invalid-backend", C("ResolvedRefs", "False", "BackendNotFound")))],
        },
        new("TCPRouteInvalidCrossNamespaceBackendRef", ["Gateway", "TCPRoute", "ReferenceGrant"], ["tests/tcproute-invalid-cross-namespace-backend-ref.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Accepted("TCPRoute", "tcp-invalid-cross-namespace-backend-ref-gateway", "tcp-invalid-cross-namespace-backend-ref")),
                Check(RouteCondition("TCPRoute", "tcp-invalid-cross-namespace-backend-ref", "tcp-invalid-cross-namespace-backend-ref-gateway", C("ResolvedRefs", "False", "RefNotPermitted"))),
            ],
        },
        new("TCPRouteInvalidNonTCPListener", ["Gateway", "TCPRoute"], ["tests/tcproute-invalid-non-tcp-listener.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(RouteCondition("TCPRoute", "tcp-route", "tcp-mixed-protocol-gateway", C("Accepted", "False", "NotAllowedByListeners"))),
                Check(new GatewayMustHaveZeroRoutes(Infra, "tcp-mixed-protocol-gateway")),
            ],
        },
        // The test creates the newer route itself, a second after the older one is accepted (creationTimestamp has
        // second precision), then expects both Accepted, attachedRoutes 2, and traffic only to the older route's backend.
        new("TCPRouteMultipleRoutesAttachment", ["Gateway", "TCPRoute"], ["tests/tcproute-multiple-routes-attachment.yaml"], Provisional: false)
        {
            Steps =
            [
                Ready(),
                Check(Accepted("TCPRoute", "tcp-multi-route-attach-gateway", "tcproute-attach-older")),
                new WaitStep(TimeSpan.FromSeconds(1), "the newer route must be strictly newer by creationTimestamp"),
                new WriteObjectStep("tcproute-attach-newer.yaml", _ => NewerRoute("TCPRoute", "tcproute-attach-newer", "tcp-multi-route-attach-gateway", "tcp", "tcp-attach-backend-2", 3000),
                    "create TCPRoute tcproute-attach-newer on listener tcp"),
                Check(RouteCondition("TCPRoute", "tcproute-attach-older", "tcp-multi-route-attach-gateway", C("Accepted", "True", "Accepted"))),
                Check(RouteCondition("TCPRoute", "tcproute-attach-newer", "tcp-multi-route-attach-gateway", C("Accepted", "True", "Accepted"))),
                Check(new MustHaveListeners("Gateway", Infra, "tcp-multi-route-attach-gateway", [L("tcp", ["TCPRoute"], 2, [C("Accepted", "True", "Accepted")])])),
                Streams(),
                new SpecialRequestsStep(),
            ],
        },
        new("TCPRouteParentRefAttachAll", ["Gateway", "TCPRoute"], ["tests/tcproute-parentref-attach-all.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Parents("TCPRoute", "tcp-route-attach-all", "tcp-attach-all-gateway")),
                Check(new GatewayMustHaveAddress(Infra, "tcp-attach-all-gateway")),
                Streams(),
            ],
        },
        new("TCPRouteParentRefPortAndSectionName", ["Gateway", "TCPRoute"], ["tests/tcproute-parentref-port-and-section-name.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(new GatewayMustHaveAddress(Infra, "tcp-multi-listener-gateway")),
                Check(Parents("TCPRoute", "tcp-route-by-port", "tcp-multi-listener-gateway")),
                Check(Parents("TCPRoute", "tcp-route-by-section", "tcp-multi-listener-gateway")),
                Check(Parents("TCPRoute", "tcp-route-by-section-and-port", "tcp-multi-listener-gateway")),
                Streams(),
            ],
        },
        // Traffic while the ReferenceGrant exists; then the suite deletes it and the route must lose its reference.
        new("TCPRouteReferenceGrant", ["Gateway", "TCPRoute", "ReferenceGrant"], ["tests/tcproute-reference-grant.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Accepted("TCPRoute", "tcp-reference-grant-gateway", "tcp-reference-grant")),
                Streams(),
                new DeleteObjectStep("tests/tcproute-reference-grant.yaml", "ReferenceGrant", WebBackend, "tcp-reference-grant"),
                Check(RouteCondition("TCPRoute", "tcp-reference-grant", "tcp-reference-grant-gateway", C("ResolvedRefs", "False", "RefNotPermitted"))),
            ],
        },
        new("TCPRouteWeightedRouting", ["Gateway", "TCPRoute"], ["tests/tcproute-weighted-routing.yaml"], Provisional: true)
        {
            Steps = [Ready(), Check(Accepted("TCPRoute", "tcp-weighted-gateway", "tcp-weighted-route")), new SpecialRequestsStep()],
        },

        // ---- GATEWAY-TLS ----
        new("ListenerSetAllowedRoutesSupportedKinds", ["Gateway", "ListenerSet", "TLSRoute"], ["tests/listenerset-allowed-routes-supported-kinds.yaml"], Provisional: false)
        {
            Steps =
            [
                Ready(),
                Check(new GatewayMustHaveCondition(Infra, "gateway-with-listener-sets-test-supported-route-kinds", C("Accepted", "True", null))),
                Check(new ListenersMustHaveConditions("ListenerSet", Infra, "listenerset-test-allowed-routes-supported-kinds", ["listener-set-listener-allowed-routes-tls-only"], [C("ResolvedRefs", "False", "InvalidRouteKinds")])),
            ],
        },
        // Four subtests, one per Gateway: accepted routes with resolved references, HTTPS through passthrough to
        // tls-backend(-2) for the intersecting hostnames, and a refused handshake for a hostname outside them.
        new("TLSRouteHostnameIntersection", ["Gateway", "TLSRoute"], ["tests/tlsroute-hostname-intersection.yaml"], Provisional: false)
        {
            Steps =
            [
                Ready(),
                Check(Accepted("TLSRoute", "gw-tlsroute-exact-hostname-x-1", "tlsroute-more-specific-wc-hostname-x-1")),
                Check(RouteCondition("TLSRoute", "tlsroute-more-specific-wc-hostname-x-1", "gw-tlsroute-exact-hostname-x-1", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Requests(0),
                Streams(0),
                Check(Accepted("TLSRoute", "gw-tlsroute-more-specific-wc-hostname-x-2", "tlsroute-exact-hostname-x-2", "tlsroute-less-specific-wc-hostname-x-2")),
                Check(RouteCondition("TLSRoute", "tlsroute-exact-hostname-x-2", "gw-tlsroute-more-specific-wc-hostname-x-2", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Check(RouteCondition("TLSRoute", "tlsroute-less-specific-wc-hostname-x-2", "gw-tlsroute-more-specific-wc-hostname-x-2", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Requests(1, 2),
                Streams(1),
                Check(Accepted("TLSRoute", "gw-tlsroute-less-specific-wc-hostname-x-3", "tlsroute-exact-hostname-x-3", "tlsroute-more-specific-wc-hostname-x-3")),
                Check(RouteCondition("TLSRoute", "tlsroute-exact-hostname-x-3", "gw-tlsroute-less-specific-wc-hostname-x-3", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Check(RouteCondition("TLSRoute", "tlsroute-more-specific-wc-hostname-x-3", "gw-tlsroute-less-specific-wc-hostname-x-3", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Requests(3, 4),
                Streams(2),
                Check(Accepted("TLSRoute", "gw-tlsroute-empty-hostname-x-4", "tlsroute-exact-hostname-x-4", "tlsroute-less-specific-wc-hostname-x-4")),
                Check(RouteCondition("TLSRoute", "tlsroute-exact-hostname-x-4", "gw-tlsroute-empty-hostname-x-4", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Check(RouteCondition("TLSRoute", "tlsroute-less-specific-wc-hostname-x-4", "gw-tlsroute-empty-hostname-x-4", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Requests(5, 6),
                Streams(3),
            ],
        },
        new("TLSRouteInvalidBackendRefNonexistent", ["Gateway", "TLSRoute"], ["tests/tlsroute-invalid-backendref-nonexistent.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(Accepted("TLSRoute", "gateway-tlsroute-invalid-backend-ref-nonexistent", "invalid-backend-ref-nonexistent")),
                Check(RouteCondition("TLSRoute", "invalid-backend-ref-nonexistent", "gateway-tlsroute-invalid-backend-ref-nonexistent", C("ResolvedRefs", "False", "BackendNotFound"))),
                Streams(),
            ],
        },
        new("TLSRouteInvalidBackendRefUnknownKind", ["Gateway", "TLSRoute"], ["tests/tlsroute-invalid-backendref-unknown-kind.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(Accepted("TLSRoute", "gateway-tlsroute-invalid-backend-ref-unknown-kind", "invalid-backend-ref-unknown-kind")),
                Check(RouteCondition("TLSRoute", "invalid-backend-ref-unknown-kind", "gateway-tlsroute-invalid-backend-ref-unknown-kind", C("ResolvedRefs", "False", "InvalidKind"))),
                Streams(),
            ],
        },
        new("TLSRouteInvalidNoMatchingListener", ["Gateway", "TLSRoute"], ["tests/tlsroute-invalid-no-matching-listener.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(RouteCondition("TLSRoute", "tlsroute-not-allowed-protocol-http", "gateway-tlsroute-http-only", C("Accepted", "False", "NotAllowedByListeners"))),
                Check(RouteCondition("TLSRoute", "tlsroute-not-allowed-protocol-https", "gateway-tlsroute-https-only", C("Accepted", "False", "NotAllowedByListeners"))),
                Check(RouteCondition("TLSRoute", "tlsroute-no-matching-section-name", "gateway-tlsroute-tls-passthrough-only", C("Accepted", "False", "NoMatchingParent"))),
                Check(NoAcceptedParents("TLSRoute", "tlsroute-not-allowed-protocol-http")),
                Check(NoAcceptedParents("TLSRoute", "tlsroute-not-allowed-protocol-https")),
                Check(NoAcceptedParents("TLSRoute", "tlsroute-no-matching-section-name")),
                Check(new GatewayMustHaveZeroRoutes(Infra, "gateway-tlsroute-http-only")),
                Check(new GatewayMustHaveZeroRoutes(Infra, "gateway-tlsroute-https-only")),
            ],
        },
        new("TLSRouteInvalidNoMatchingListenerHostname", ["Gateway", "TLSRoute"], ["tests/tlsroute-invalid-no-matching-listener-hostname.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(RouteCondition("TLSRoute", "tlsroute-hostname-mismatch-1", "gateway-tls-exact-hostname", C("Accepted", "False", "NoMatchingListenerHostname"))),
                Check(RouteCondition("TLSRoute", "tlsroute-hostname-mismatch-2", "gateway-tls-wildcard-hostname", C("Accepted", "False", "NoMatchingListenerHostname"))),
                Check(NoAcceptedParents("TLSRoute", "tlsroute-hostname-mismatch-1")),
                Check(NoAcceptedParents("TLSRoute", "tlsroute-hostname-mismatch-2")),
                Check(new GatewayMustHaveZeroRoutes(Infra, "gateway-tls-exact-hostname")),
                Check(new GatewayMustHaveZeroRoutes(Infra, "gateway-tls-wildcard-hostname")),
            ],
        },
        new("TLSRouteInvalidReferenceGrant", ["Gateway", "TLSRoute", "ReferenceGrant"], ["tests/tlsroute-invalid-reference-grant.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(Accepted("TLSRoute", "gateway-tlsroute-referencegrant", "gateway-conformance-infra-test")),
                Check(RouteCondition("TLSRoute", "gateway-conformance-infra-test", "gateway-tlsroute-referencegrant", C("ResolvedRefs", "False", "RefNotPermitted"))),
            ],
        },
        new("TLSRouteListenerMixedTerminationNotSupported", ["Gateway", "TLSRoute", "TLSRouteModeTerminate"], ["tests/tlsroute-listener-mixed-termination-not-supported.yaml"], Provisional: false)
        {
            BodySkippedWhenSupported = ["TLSRouteModeMixed"],
            Steps =
            [
                Check(new MustHaveListeners("Gateway", Infra, "gateway-tlsroute-mixed-termination-not-supported",
                [
                    L("tls-terminate", [], 0, [C("Accepted", "False", "ProtocolConflict")]),
                    L("tls-passthrough", [], 0, [C("Accepted", "False", "ProtocolConflict")]),
                ])),
            ],
        },
        new("TLSRouteListenerPassthroughSupportedKinds", ["Gateway", "TLSRoute"], ["tests/tlsroute-listener-passthrough-supported-kinds.yaml"], Provisional: false)
        {
            Steps = [Check(new MustHaveListeners("Gateway", Infra, "gateway-tlsroute-passthrough-supported-kind", [L("tls-passthrough", ["TLSRoute"], 0, [C("ResolvedRefs", "False", "InvalidRouteKinds")])]))],
        },
        new("TLSRouteListenerTerminateNotSupported", ["Gateway", "TLSRoute"], ["tests/tlsroute-listener-terminate-not-supported.yaml"], Provisional: false)
        {
            BodySkippedWhenSupported = ["TLSRouteModeTerminate"],
            Steps = [Check(new MustHaveListeners("Gateway", Infra, "gateway-tlsroute-terminate-unsupported", [L("tls-terminate", [], 0, [C("Accepted", "False", "UnsupportedValue")])]))],
        },
        new("TLSRouteListenerTerminateSupportedKinds", ["Gateway", "TLSRoute", "TLSRouteModeTerminate"], ["tests/tlsroute-listener-terminate-supported-kinds.yaml"], Provisional: false)
        {
            Steps = [Check(new MustHaveListeners("Gateway", Infra, "gateway-tlsroute-terminate-supported", [L("tls-terminate", ["TLSRoute"], 0, [C("Accepted", "True", "Accepted")])]))],
        },
        new("TLSRouteMixedTerminationSameNamespace", ["Gateway", "TLSRoute", "TLSRouteModeTerminate", "TLSRouteModeMixed"], ["tests/tlsroute-mixed-termination-same-namespace.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Accepted("TLSRoute", "gateway-tlsroute-mixed-termination", "gateway-conformance-mixed-passthroughroute")),
                Check(new MustHaveListeners("Gateway", Infra, "gateway-tlsroute-mixed-termination",
                [
                    L("tls-terminate", ["TLSRoute"], 1, [C("Accepted", "True", "Accepted")]),
                    L("tls-passthrough", ["TLSRoute"], 1, [C("Accepted", "True", "Accepted")]),
                ])),
                Check(Accepted("TLSRoute", "gateway-tlsroute-mixed-termination", "gateway-conformance-mixed-terminateroute")),
                Streams(),
            ],
        },
        new("TLSRouteSimpleSameNamespace", ["Gateway", "TLSRoute"], ["tests/tlsroute-simple-same-namespace.yaml"], Provisional: false)
        {
            Steps = [Check(Accepted("TLSRoute", "gateway-tlsroute", "gateway-conformance-infra-test")), Streams()],
        },
        new("TLSRouteTerminateSimpleSameNamespace", ["Gateway", "TLSRoute", "TLSRouteModeTerminate"], ["tests/tlsroute-terminate-simple-same-namespace.yaml"], Provisional: true)
        {
            Steps = [Check(Accepted("TLSRoute", "gateway-tlsroute-terminate", "tlsroute-terminated-test")), Streams()],
        },

        // ---- GATEWAY-UDP ----
        new("UDPRoute", ["UDPRoute", "Gateway"], ["tests/udproute-simple.yaml"], Provisional: true)
        {
            Steps = [Check(Accepted("UDPRoute", "udp-gateway", "udp-coredns")), new SpecialRequestsStep()],
        },
        new("UDPRouteInvalidBackendRefNonexistent", ["Gateway", "UDPRoute"], ["tests/udproute-invalid-backendref-nonexistent.yaml"], Provisional: true)
        {
            Steps = [Check(RouteCondition("UDPRoute", "udp-route-invalid-backend-ref-nonexistent", "udp-gateway-invalid-backend", C("ResolvedRefs", "False", "BackendNotFound")))],
        },
        new("UDPRouteInvalidCrossNamespaceBackendRef", ["Gateway", "UDPRoute", "ReferenceGrant"], ["tests/udproute-invalid-cross-namespace-backend-ref.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Accepted("UDPRoute", "udp-gateway-invalid-cross-namespace-backend-ref", "udp-route-invalid-cross-namespace-backend-ref")),
                Check(RouteCondition("UDPRoute", "udp-route-invalid-cross-namespace-backend-ref", "udp-gateway-invalid-cross-namespace-backend-ref", C("ResolvedRefs", "False", "RefNotPermitted"))),
            ],
        },
        // Like the TCP twin: the suite creates the newer route a second later; both Accepted, attachedRoutes 2.
        new("UDPRouteMultipleRoutesAttachment", ["Gateway", "UDPRoute"], ["tests/udproute-multiple-routes-attachment.yaml"], Provisional: true)
        {
            Steps =
            [
                Ready(),
                Check(Accepted("UDPRoute", "udp-multi-route-attach-gateway", "udproute-attach-older")),
                new WaitStep(TimeSpan.FromSeconds(1), "the newer route must be strictly newer by creationTimestamp"),
                new WriteObjectStep("udproute-attach-newer.yaml", _ => NewerRoute("UDPRoute", "udproute-attach-newer", "udp-multi-route-attach-gateway", "udp", "udp-attach-backend-2", 8080),
                    "create UDPRoute udproute-attach-newer on listener udp"),
                Check(RouteCondition("UDPRoute", "udproute-attach-older", "udp-multi-route-attach-gateway", C("Accepted", "True", "Accepted"))),
                Check(RouteCondition("UDPRoute", "udproute-attach-newer", "udp-multi-route-attach-gateway", C("Accepted", "True", "Accepted"))),
                Check(new MustHaveListeners("Gateway", Infra, "udp-multi-route-attach-gateway", [L("udp", ["UDPRoute"], 2, [C("Accepted", "True", "Accepted")])])),
            ],
        },
        new("UDPRouteNotAllowedByListeners", ["Gateway", "UDPRoute"], ["tests/udproute-not-allowed-by-listeners.yaml"], Provisional: true)
        {
            // The non-UDP listener it uses is a TLS listener, so the body runs only when TLSRoute is supported.
            BodySkippedUnlessSupported = ["TLSRoute"],
            Steps =
            [
                Check(RouteCondition("UDPRoute", "udproute-not-allowed-by-listeners", "udproute-tls-only-gateway", C("Accepted", "False", "NotAllowedByListeners"))),
                Check(new GatewayMustHaveZeroRoutes(Infra, "udproute-tls-only-gateway")),
            ],
        },
        new("UDPRouteParentRefAttachAllListeners", ["Gateway", "UDPRoute"], ["tests/udproute-parentref-attach-all-listeners.yaml"], Provisional: true)
        {
            Steps =
            [
                Check(Parents("UDPRoute", "udp-route-attach-all", "udp-attach-all-listeners-gateway")),
                Check(new MustHaveListeners("Gateway", Infra, "udp-attach-all-listeners-gateway",
                [
                    L("udp-1", ["UDPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]),
                    L("udp-2", ["UDPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]),
                    L("udp-3", ["UDPRoute"], 1, [C("Accepted", "True", null), C("ResolvedRefs", "True", null)]),
                ])),
                Check(new GatewayMustHaveAddress(Infra, "udp-attach-all-listeners-gateway")),
                new SpecialRequestsStep(),
            ],
        },
        new("UDPRouteParentRefPortAndSectionName", ["Gateway", "UDPRoute"], ["tests/udproute-parentref-port-and-section-name.yaml"], Provisional: true)
        {
            Steps =
            [
                Ready(),
                Check(Parents("UDPRoute", "udp-route-by-port", "udp-multi-listener-gateway")),
                Check(Parents("UDPRoute", "udp-route-by-section", "udp-multi-listener-gateway")),
                Check(Parents("UDPRoute", "udp-route-by-section-and-port", "udp-multi-listener-gateway")),
                Check(new GatewayMustHaveAddress(Infra, "udp-multi-listener-gateway")),
                new SpecialRequestsStep(),
            ],
        },
        // Traffic while the ReferenceGrant exists; then the suite deletes it and the route must lose its reference.
        new("UDPRouteReferenceGrant", ["Gateway", "UDPRoute", "ReferenceGrant"], ["tests/udproute-reference-grant.yaml"], Provisional: true)
        {
            Steps =
            [
                Ready(),
                Check(Accepted("UDPRoute", "udp-gateway-reference-grant", "udp-route-reference-grant")),
                Check(RouteCondition("UDPRoute", "udp-route-reference-grant", "udp-gateway-reference-grant", C("ResolvedRefs", "True", "ResolvedRefs"))),
                new SpecialRequestsStep(),
                new DeleteObjectStep("tests/udproute-reference-grant.yaml", "ReferenceGrant", AppBackend, "udp-reference-grant"),
                Check(RouteCondition("UDPRoute", "udp-route-reference-grant", "udp-gateway-reference-grant", C("ResolvedRefs", "False", "RefNotPermitted"))),
            ],
        },
        new("UDPRouteWeightedRouting", ["Gateway", "UDPRoute"], ["tests/udproute-weighted-routing.yaml"], Provisional: true)
        {
            Steps = [Ready(), Check(Accepted("UDPRoute", "udp-weighted-gateway", "udp-weighted-route")), new SpecialRequestsStep()],
        },

        // ---- no profile (needs HTTPRoute and TLSRoute) ----
        new("HTTPRouteDisallowedKind", ["Gateway", "HTTPRoute", "TLSRoute"], ["tests/httproute-disallowed-kind.yaml"], Provisional: false)
        {
            Steps =
            [
                Check(RouteCondition("HTTPRoute", "disallowed-kind", "tlsroutes-only", C("ResolvedRefs", "True", "ResolvedRefs"))),
                Check(RouteCondition("HTTPRoute", "disallowed-kind", "tlsroutes-only", C("Accepted", "False", "NotAllowedByListeners"))),
                Check(NoAcceptedParents("HTTPRoute", "disallowed-kind")),
                Check(new GatewayMustHaveZeroRoutes(Infra, "tlsroutes-only")),
            ],
        },
    ];

    /// <summary>Gateway{GRPC,TLS,TCP,UDP}RoutesMustBeAccepted on a Gateway of gateway-conformance-infra.</summary>
    private static ParentAndRoutesMustBeAccepted Accepted(string kind, string gateway, params string[] routes) =>
        new("Gateway", Infra, gateway, [.. routes.Select(r => (Infra, r))]) { RouteKind = kind };

    /// <summary>{Kind}MustHaveCondition on a route and Gateway of gateway-conformance-infra.</summary>
    private static RouteMustHaveCondition RouteCondition(string kind, string route, string gateway, ExpectedCondition condition) =>
        new(Infra, route, Infra, gateway, condition) { RouteKind = kind };

    /// <summary>{Kind}MustHaveParents: the Gateway as an accepted parent (group/kind written, our controller), namespace not required.</summary>
    private static RouteMustHaveParents Parents(string kind, string route, string gateway) =>
        new(Infra, route, [new ExpectedParent("Gateway", Infra, gateway, [C("Accepted", "True", "Accepted")])], NamespaceRequired: false) { RouteKind = kind };

    private static RouteMustHaveNoAcceptedParents NoAcceptedParents(string kind, string route) => new(Infra, route) { RouteKind = kind };

    private static GrpcRequestsStep Grpc(params int[] indexes) => new(indexes.Length == 0 ? null : indexes);

    private static StreamsStep Streams(params int[] indexes) => new(indexes.Length == 0 ? null : indexes);

    /// <summary>The route the multiple-attachment tests create mid-test, as the upstream test builds it.</summary>
    private static string NewerRoute(string kind, string name, string gateway, string sectionName, string backend, int port) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: {kind}
        metadata:
          name: {name}
          namespace: {Infra}
        spec:
          parentRefs:
          - name: {gateway}
            sectionName: {sectionName}
          rules:
          - backendRefs:
            - name: {backend}
              port: {port}

        """;
}
