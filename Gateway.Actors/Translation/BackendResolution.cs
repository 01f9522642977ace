using Gateway.Actors.Model;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

/// <summary>
/// Resolves one backendRef (BackendObjectReference) to a weighted backend with endpoints. A ref that cannot be
/// resolved still yields a backend with Valid=false and its weight, so its share of requests gets a 500
/// (HTTPBackendRef: "requests that would have been sent to an invalid backend MUST receive a 500"), plus the
/// ResolvedRefs condition explaining why.
/// </summary>
internal static class BackendResolution
{
    /// <summary>
    /// Resolves <c>r</c> for a route of kind <c>routeKind</c> in <c>routeNamespace</c> (the "from" of a
    /// ReferenceGrant). <c>forceH2c</c>: GRPCRoute backends speak HTTP/2 cleartext unless the Service says otherwise.
    /// <c>layer4</c>: TLS/TCP/UDP routes, where appProtocol is not interpreted and BackendTLSPolicy does not apply
    /// (GEP-1897 "How a client behaves": TLS origination is for HTTPRoute, implementation-dependent for GRPCRoute,
    /// which we also do, and not done for L4 routes here). <c>policyUses</c> (the route) collects the BackendTLSPolicy targets
    /// about the resolved Service port, for the policies' ancestor status. <c>layer4Tls</c> (TLSRoute): the policy
    /// applies to a layer-4 backend too; TLS is originated to it behind a terminating TLS listener (not behind a
    /// passthrough one, which forwards the client's own TLS).
    /// </summary>
    public static (WeightedBackend Backend, ConditionSpec? Problem) Resolve(
        V1BackendObjectReference r, int? weight, string routeKind, string routeNamespace, bool forceH2c, TranslationIndex index,
        HeaderModifier? requestHeaders = null, HeaderModifier? responseHeaders = null, bool layer4 = false,
        RouteModel? policyUses = null, bool layer4Tls = false)
    {
        var group = r.Group ?? "";
        var kind = r.Kind ?? "Service";
        var ns = string.IsNullOrEmpty(r.Namespace) ? routeNamespace : r.Namespace;
        var w = weight ?? 1;
        var id = $"{ns}/{r.Name}:{r.Port?.ToString() ?? "-"}";
        WeightedBackend Invalid() => new($"invalid/{id}", w, false, [], BackendProtocol.Http1, requestHeaders, responseHeaders, null);

        // BackendObjectReference: only core Services are supported backends.
        if (group != "" || kind != "Service")
            return (Invalid(), RouteConditions.InvalidKind($"backendRef {GatewayTranslation.Describe(group, kind)} {r.Name} is not a supported backend kind (only core Service)."));
        if (!index.ReferencePermitted(KindRegistryGroup, routeKind, routeNamespace, "", "Service", ns, r.Name))
            return (Invalid(), RouteConditions.RefNotPermitted($"backendRef Service {ns}/{r.Name} is in another namespace and no ReferenceGrant allows it."));
        var service = index.Service(ns, r.Name);
        if (service is null)
            return (Invalid(), RouteConditions.BackendNotFound($"Service {ns}/{r.Name} does not exist."));
        if (r.Port is not { } port)
            return (Invalid(), RouteConditions.BackendNotFound($"backendRef Service {ns}/{r.Name} has no port (port is required for Services)."));
        var servicePort = service.Spec?.Ports?.FirstOrDefault(p => p.Port == port);
        if (servicePort is null)
            return (Invalid(), RouteConditions.BackendNotFound($"Service {ns}/{r.Name} has no port {port}."));

        // BackendTLSPolicy (GEP-1897): "if a Service matches a BackendTLSPolicy, then assume the connection is TLS",
        // whatever appProtocol says about the HTTP version (ALPN settles that over TLS).
        // layer4Tls: a TLSRoute, whose terminating listeners originate TLS to a backend a policy covers.
        var policy = layer4 && !layer4Tls ? null : index.BackendTls.Lookup(ns, r.Name, servicePort, policyUses);

        // Service port appProtocol (GEP-1911): h2c and WebSocket are supported; plain HTTP when unset. "https" (the
        // IANA service name, in either case, as the BackendTLSPolicy conformance Services spell it) and
        // kubernetes.io/wss say the port speaks TLS: served only with a policy that tells us how to verify the backend
        // (GEP-1911 lists wss for HTTPRoute as "Conditional: only if there is a corresponding BackendTLSPolicy");
        // without one we cannot send "using the specified protocol", so the ref is UnsupportedProtocol (GEP-1911
        // "Supporting Protocols"). Layer-4 routes forward bytes: the application protocol is not ours to interpret.
        BackendProtocol protocol;
        switch (layer4 ? null : servicePort.AppProtocol)
        {
            case null or "" or "http" or "HTTP" or "kubernetes.io/http":
                protocol = forceH2c ? BackendProtocol.H2c : BackendProtocol.Http1;
                break;
            case "kubernetes.io/h2c" or "h2c" or "grpc":
                protocol = BackendProtocol.H2c;
                break;
            case "kubernetes.io/ws" or "ws":
                protocol = BackendProtocol.WebSocket;
                break;
            case "https" or "HTTPS" or "kubernetes.io/wss" when policy is not null:
                protocol = BackendProtocol.Tls;
                break;
            case "https" or "HTTPS" or "kubernetes.io/wss":
                return (Invalid(), RouteConditions.UnsupportedProtocol(
                    $"Service {ns}/{r.Name} port {port} has appProtocol \"{servicePort.AppProtocol}\" (TLS), but no BackendTLSPolicy applies to it; TLS to a backend needs one (GEP-1897)."));
            default:
                return (Invalid(), RouteConditions.UnsupportedProtocol($"Service {ns}/{r.Name} port {port} has appProtocol \"{servicePort.AppProtocol}\", which is not supported."));
        }
        if (policy is not null) protocol = BackendProtocol.Tls;

        // A policy that applies but cannot be honoured (invalid, or no valid CA certificate) fails this backend's
        // share of requests (BackendTLSPolicyValidation.CACertificateRefs: such connections "MUST fail" with a 5xx)
        // rather than falling back to cleartext; the route's refs are fine, the reason is on the policy's status.
        if (policy is { Settings: null })
            return (new WeightedBackend($"invalid/{id}", w, false, [], BackendProtocol.Tls, requestHeaders, responseHeaders, null), null);

        var endpoints = Endpoints(index, ns, r.Name, servicePort);
        var protocolSuffix = layer4 ? "l4" : protocol switch { BackendProtocol.H2c => "h2c", BackendProtocol.WebSocket => "ws", BackendProtocol.Tls => "tls", _ => "http" };
        var backend = new WeightedBackend($"{ns}/{r.Name}:{port}/{protocolSuffix}", w, true,
            endpoints, protocol, requestHeaders, responseHeaders, policy?.Settings);
        return (backend, null);
    }

    /// <summary>
    /// The endpoints of one Service port, by address then port: the ready ones when there is one; otherwise the
    /// serving endpoints that are terminating (KEP-1669, as kube-proxy and Envoy Gateway do), so that a rolling update
    /// whose old pods still serve while they drain does not turn into 503s. "terminating" is only ever set with
    /// ready=false.
    /// </summary>
    internal static System.Collections.Immutable.ImmutableArray<BackendEndpoint> Endpoints(TranslationIndex index, string ns, string service, k8s.Models.V1ServicePort servicePort)
    {
        var endpoints = new SortedSet<(string, int)>();
        SortedSet<(string, int)>? terminating = null;
        foreach (var slice in index.EndpointSlices(ns, service))
        {
            // The slice port that carries this Service port has the Service port's name ("" when unnamed).
            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == (servicePort.Name ?? ""));
            if (slicePort?.Port is not { } target) continue;
            foreach (var ep in slice.Endpoints ?? [])
            {
                // EndpointConditions.ready: "nil should be interpreted as true".
                if (ep.Conditions?.Ready != false)
                {
                    foreach (var address in ep.Addresses ?? []) endpoints.Add((address, target));
                }
                // serving: "If nil, consumers should defer to the ready condition"; terminating: nil means false.
                else if (ep.Conditions.Terminating == true && ep.Conditions.Serving == true)
                {
                    terminating ??= [];
                    foreach (var address in ep.Addresses ?? []) terminating.Add((address, target));
                }
            }
        }
        if (endpoints.Count == 0 && terminating is not null) endpoints = terminating;
        return [.. endpoints.Select(e => new BackendEndpoint(e.Item1, e.Item2))];
    }

    private const string KindRegistryGroup = Resources.KindRegistry.GatewayGroup;
}
