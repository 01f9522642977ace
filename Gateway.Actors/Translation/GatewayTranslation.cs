using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

/// <summary>
/// Gateway and listener decisions (gateway_types.go): parameters, requested addresses, listener protocol, route kinds,
/// TLS certificate references, frontend client validation, backend client certificate, and conflicts between
/// listeners. Each function decides one object; nothing here looks at routes.
/// </summary>
internal static class GatewayTranslation
{
    public const string Group = KindRegistry.GatewayGroup;

    /// <summary>Route kinds each protocol can carry (ListenerStatus.supportedKinds), in status order.</summary>
    public static IReadOnlyList<string> KindsFor(ListenerProtocol protocol) => protocol switch
    {
        ListenerProtocol.Http or ListenerProtocol.Https => ["HTTPRoute", "GRPCRoute"],
        ListenerProtocol.Tls => ["TLSRoute"],
        ListenerProtocol.Tcp => ["TCPRoute"],
        _ => ["UDPRoute"],
    };

    /// <summary>The Gateway's own spec: parameters, addresses, TLS, listeners (conflicts are decided later).</summary>
    public static GatewayModel Translate(V1Gateway gateway, TranslationIndex index, TranslatorOptions options)
    {
        var key = KindRegistry.KeyOf(KindRegistry.Gateway, gateway);
        var model = new GatewayModel { Gateway = gateway, Key = key, Generation = Generation(gateway.Metadata) };

        // spec.infrastructure.parametersRef: we define no parameters kind, so any reference is one we cannot honour
        // (GatewayInfrastructure.ParametersRef: "If the referent cannot be found, refers to an unsupported kind ...
        // the Gateway SHOULD be rejected with Accepted=False/InvalidParameters").
        // In service-per-Gateway mode a core ConfigMap (same namespace: LocalParametersReference) configures the
        // Gateway's Service (GatewayServices.ParseParameters); anything else is InvalidParameters.
        if (gateway.Spec.Infrastructure?.ParametersRef is { } pr)
        {
            if (options.AddressMode != AddressMode.ServicePerGateway)
            {
                model.NotAccepted = GatewayConditions.InvalidParameters(
                    $"spec.infrastructure.parametersRef {pr.Group}/{pr.Kind} {pr.Name} is not supported: this implementation takes no Gateway parameters.");
            }
            else if (GatewayServices.ResolveParameters(index.Snapshot, pr.Group, pr.Kind, key.Namespace, pr.Name).Error is { } error)
            {
                model.NotAccepted = GatewayConditions.InvalidParameters($"spec.infrastructure.{error}");
            }
        }

        // spec.addresses (GatewaySpecAddress): only IPAddress is supported; a value must be an address this node can
        // bind (UsableStaticAddresses); an empty value asks for an assigned address (GatewayAddressEmpty).
        foreach (var a in gateway.Spec.Addresses ?? [])
        {
            var type = string.IsNullOrEmpty(a.Type) ? "IPAddress" : a.Type;
            if (type != "IPAddress")
            {
                model.NotAccepted ??= GatewayConditions.UnsupportedAddress($"Address type \"{type}\" is not supported; only IPAddress is.");
                continue;
            }
            if (string.IsNullOrEmpty(a.Value)) model.PoolAddressesWanted++;
            // Service mode: a requested IP is asked of the Service (externalIPs or clusterIP) and used once it carries it.
            else if (options.AddressMode == AddressMode.ServicePerGateway && IPAddress.TryParse(a.Value, out _)) model.StaticAddresses.Add(a.Value);
            else if (IPAddress.TryParse(a.Value, out _) && options.UsableStaticAddresses.Contains(a.Value)) model.StaticAddresses.Add(a.Value);
            else model.UnusableAddresses.Add(a.Value);
        }
        if ((gateway.Spec.Addresses?.Count ?? 0) == 0) model.PoolAddressesWanted = 1;

        var precedence = 0;
        foreach (var spec in gateway.Spec.Listeners ?? [])
        {
            var listener = new ListenerModel { Owner = key, Gateway = key, Spec = spec, Precedence = precedence++ };
            EvaluateListener(listener, "Gateway", key.Namespace, gateway, index);
            model.Listeners.Add(listener);
        }

        EvaluateBackendTls(model, index);
        if (gateway.Spec.Tls?.Frontend is { } fe && AllValidations(fe).Any(v => v?.Mode == "AllowInsecureFallback"))
        {
            model.InsecureFrontend = GatewayConditions.InsecureFrontendValidationMode(
                "spec.tls.frontend uses AllowInsecureFallback: clients without a valid certificate are still admitted.");
        }
        return model;
    }

    /// <summary>
    /// Decides one listener on its own: protocol, route kinds, certificate refs, frontend validation.
    /// <paramref name="ownerKind"/>/<paramref name="ownerNamespace"/> name the object holding the listener (Gateway
    /// or ListenerSet), which is the "from" side of any ReferenceGrant and the default namespace of its refs.
    /// </summary>
    public static void EvaluateListener(ListenerModel l, string ownerKind, string ownerNamespace, V1Gateway gateway, TranslationIndex index)
    {
        // Listener.Protocol: we serve HTTP, HTTPS, TLS, TCP, UDP; anything else is UnsupportedProtocol with empty
        // supportedKinds (conformance GatewayListenerUnsupportedProtocol).
        l.Protocol = l.Spec.Protocol switch
        {
            "HTTP" => ListenerProtocol.Http,
            "HTTPS" => ListenerProtocol.Https,
            "TLS" => ListenerProtocol.Tls,
            "TCP" => ListenerProtocol.Tcp,
            "UDP" => ListenerProtocol.Udp,
            _ => null,
        };
        if (l.Protocol is not { } protocol)
        {
            l.NotAccepted = ListenerConditions.UnsupportedProtocol(l.Spec.Protocol);
            return;
        }

        // AllowedRoutes.Kinds: keep the kinds this protocol can carry; any other kind makes ResolvedRefs False with
        // InvalidRouteKinds while the valid ones are still listed (ListenerStatus.SupportedKinds).
        var possible = KindsFor(protocol);
        var requested = l.Spec.AllowedRoutes?.Kinds;
        if (requested is not { Count: > 0 })
        {
            l.SupportedKinds.AddRange(possible);
        }
        else
        {
            var invalid = new List<string>();
            foreach (var k in requested)
            {
                var group = k.Group ?? Group;
                if (group == Group && possible.Contains(k.Kind))
                {
                    if (!l.SupportedKinds.Contains(k.Kind)) l.SupportedKinds.Add(k.Kind);
                }
                else invalid.Add(group.Length == 0 ? k.Kind : $"{group}/{k.Kind}");
            }
            if (invalid.Count > 0)
            {
                l.NotResolved = ListenerConditions.InvalidRouteKinds(
                    $"Route kinds not supported on a {l.Spec.Protocol} listener: {string.Join(", ", invalid)}.");
            }
        }

        // Listener.TLS: HTTPS and TLS/Terminate need certificateRefs to kubernetes.io/tls Secrets (core group, kind
        // Secret); a cross-namespace ref needs a ReferenceGrant (RefNotPermitted), anything unusable is
        // InvalidCertificateRef. TLS/Passthrough needs no certificate.
        var mode = l.Spec.Tls?.Mode is { Length: > 0 } m ? m : "Terminate";
        var terminates = protocol == ListenerProtocol.Https || (protocol == ListenerProtocol.Tls && mode == "Terminate");
        if (protocol == ListenerProtocol.Tls && mode == "Passthrough")
        {
            l.Tls = new ListenerTls([], Passthrough: true, ClientValidation: null);
        }
        else if (terminates)
        {
            EvaluateCertificates(l, ownerKind, ownerNamespace, index);
            if (protocol == ListenerProtocol.Https) EvaluateFrontendValidation(l, gateway, ownerNamespace, index);
        }
        else if (protocol == ListenerProtocol.Tls)
        {
            l.NotAccepted = ListenerConditions.UnsupportedValue($"TLS mode \"{mode}\" is not supported; use Terminate or Passthrough.");
        }
    }

    private static void EvaluateCertificates(ListenerModel l, string ownerKind, string ownerNamespace, TranslationIndex index)
    {
        var refs = l.Spec.Tls?.CertificateRefs ?? [];
        var certificates = new List<TlsCertificate>();
        ConditionSpec? problem = refs.Count == 0 ? ListenerConditions.InvalidCertificateRef("tls.certificateRefs is empty: a terminating listener needs a certificate.") : null;
        foreach (var r in refs)
        {
            var group = r.Group ?? "";
            var kind = r.Kind ?? "Secret";
            var ns = string.IsNullOrEmpty(r.Namespace) ? ownerNamespace : r.Namespace;
            if (group != "" || kind != "Secret")
            {
                problem ??= ListenerConditions.InvalidCertificateRef($"certificateRef {Describe(group, kind)} {r.Name} is not supported; only core Secrets are.");
                continue;
            }
            if (!index.ReferencePermitted(Group, ownerKind, ownerNamespace, "", "Secret", ns, r.Name))
            {
                // RefNotPermitted wins over other problems: the spec requires it whenever the reference is not allowed.
                problem = ListenerConditions.RefNotPermitted($"Secret {ns}/{r.Name} is in another namespace and no ReferenceGrant allows it.");
                continue;
            }
            var secret = index.Secret(ns, r.Name);
            if (secret is not null && secret.Type != "kubernetes.io/tls")
            {
                problem ??= ListenerConditions.InvalidCertificateRef($"Secret {ns}/{r.Name} has type \"{secret.Type}\", not kubernetes.io/tls.");
                continue;
            }
            var cert = index.TlsCertificate(ns, r.Name);
            if (cert.Certificate is null) problem ??= ListenerConditions.InvalidCertificateRef(cert.Error + ".");
            else certificates.Add(cert.Certificate);
        }
        if (problem is not null)
        {
            l.NotResolved = problem.Reason == "RefNotPermitted" || l.NotResolved is null ? problem : l.NotResolved;
            l.TlsUsable = false;
            return;
        }
        l.Tls = new ListenerTls([.. certificates], Passthrough: false, ClientValidation: null);
    }

    /// <summary>
    /// GatewaySpec.TLS.Frontend: the per-port validation for the listener's port, else the default. Each
    /// caCertificateRef must be a ConfigMap (or Secret) with a PEM "ca.crt"; otherwise ResolvedRefs is False
    /// (InvalidCACertificateRef / InvalidCACertificateKind / RefNotPermitted) and the listener is not accepted
    /// (NoValidCACertificate), exactly as the frontend-validation conformance tests expect.
    /// </summary>
    private static void EvaluateFrontendValidation(ListenerModel l, V1Gateway gateway, string ownerNamespace, TranslationIndex index)
    {
        var fe = gateway.Spec.Tls?.Frontend;
        if (fe is null) return;
        var validation = fe.PerPort?.FirstOrDefault(p => p.Port == l.Port)?.Tls?.Validation ?? fe.Default?.Validation;
        if (validation?.CaCertificateRefs is not { Count: > 0 } refs) return;
        var gatewayNs = gateway.Metadata.NamespaceProperty ?? "default";
        var cas = new List<string>();
        ConditionSpec? problem = null;
        foreach (var r in refs)
        {
            var group = r.Group ?? "";
            var kind = r.Kind ?? "ConfigMap";
            var ns = string.IsNullOrEmpty(r.Namespace) ? gatewayNs : r.Namespace;
            if (group != "" || kind is not ("ConfigMap" or "Secret"))
            {
                problem ??= ListenerConditions.InvalidCaCertificateKind($"caCertificateRef {Describe(group, kind)} {r.Name} is not a ConfigMap or Secret.");
                continue;
            }
            if (!index.ReferencePermitted(Group, "Gateway", gatewayNs, "", kind, ns, r.Name))
            {
                problem ??= ListenerConditions.RefNotPermitted($"{kind} {ns}/{r.Name} is in another namespace and no ReferenceGrant allows it.");
                continue;
            }
            var pem = kind == "ConfigMap"
                ? (index.ConfigMap(ns, r.Name)?.Data is { } data && data.TryGetValue("ca.crt", out var v) ? v : null)
                : index.Secret(ns, r.Name) is { } s ? TranslationIndex.SecretValue(s, "ca.crt") : null;
            if (pem is null)
            {
                problem ??= ListenerConditions.InvalidCaCertificateRef($"{kind} {ns}/{r.Name} does not exist or has no PEM certificate under \"ca.crt\".");
                continue;
            }
            if (PemCertificatesError(pem) is { } pemError)
            {
                problem ??= ListenerConditions.InvalidCaCertificateRef($"{kind} {ns}/{r.Name} has no PEM certificate under \"ca.crt\" ({pemError}).");
                continue;
            }
            cas.Add(pem);
        }
        if (problem is not null)
        {
            l.NotResolved = problem;
            l.NotAccepted ??= ListenerConditions.NoValidCaCertificate("No valid CA certificate for client certificate validation: " + problem.Message);
            return;
        }
        if (l.Tls is { } tls)
        {
            l.Tls = tls with { ClientValidation = new ClientCertificateValidation([.. cas], validation.Mode == "AllowInsecureFallback") };
        }
    }

    /// <summary>GatewaySpec.TLS.Backend.ClientCertificateRef: the certificate the Gateway presents to TLS backends.</summary>
    private static void EvaluateBackendTls(GatewayModel model, TranslationIndex index)
    {
        if (model.Gateway.Spec.Tls?.Backend?.ClientCertificateRef is not { } r) return;
        var group = r.Group ?? "";
        var kind = r.Kind ?? "Secret";
        var ns = string.IsNullOrEmpty(r.Namespace) ? model.Key.Namespace : r.Namespace;
        if (group != "" || kind != "Secret")
        {
            model.BackendTlsCondition = GatewayConditions.InvalidClientCertificateRef($"clientCertificateRef {Describe(group, kind)} {r.Name} is not a core Secret.");
            return;
        }
        if (!index.ReferencePermitted(Group, "Gateway", model.Key.Namespace, "", "Secret", ns, r.Name))
        {
            model.BackendTlsCondition = GatewayConditions.RefNotPermitted($"Secret {ns}/{r.Name} is in another namespace and no ReferenceGrant allows it.");
            return;
        }
        var cert = index.TlsCertificate(ns, r.Name);
        if (cert.Certificate is null)
        {
            model.BackendTlsCondition = GatewayConditions.InvalidClientCertificateRef(cert.Error + ".");
            return;
        }
        model.BackendClientCertificate = cert.Certificate;
        model.BackendTlsCondition = GatewayConditions.ResolvedRefs();
    }

    /// <summary>
    /// Conflicts among a Gateway's listeners (GatewaySpec.Listeners "Distinct Listeners" / "Handling indistinct
    /// Listeners"), decided per port in precedence order: the Gateway's own listeners first, then each ListenerSet's
    /// (oldest first). Listeners sharing a port must use compatible protocols: all HTTP, all HTTPS, or all TLS, each
    /// with a distinct hostname (HostnameConflict otherwise); TCP and UDP need the port to themselves. UDP uses another
    /// transport, so a UDP listener never conflicts with a TCP-based one. Among the Gateway's own listeners no winner
    /// is picked (every indistinct one is conflicted, as the spec requires); a ListenerSet listener that conflicts with
    /// an earlier one loses alone (GEP-1713 conflict resolution: the Gateway, then the older ListenerSet, wins).
    /// </summary>
    public static void ResolveConflicts(GatewayModel model)
    {
        var candidates = model.Listeners.Where(l => l.Accepted && l.Protocol is not null).OrderBy(l => l.Precedence).ToList();
        var kept = new List<ListenerModel>();
        foreach (var group in candidates.GroupBy(l => l.Owner).OrderBy(g => g.Min(l => l.Precedence)))
        {
            // First against listeners of earlier owners (they win), then among the survivors of this owner (nobody wins).
            var survivors = new List<ListenerModel>();
            foreach (var l in group)
            {
                var other = kept.FirstOrDefault(o => Conflicts(l, o));
                if (other is null) survivors.Add(l);
                else MarkConflicted(l, other);
            }
            foreach (var l in survivors)
            {
                var other = survivors.FirstOrDefault(o => !ReferenceEquals(o, l) && Conflicts(l, o));
                if (other is null) kept.Add(l);
                else MarkConflicted(l, other);
            }
        }

        // OverlappingTLSConfig (MUST detect overlapping hostnames): terminating listeners on one port whose hostnames
        // can both match one request name, which HTTP/2 connection coalescing can confuse.
        foreach (var l in kept.Where(l => l.Protocol is ListenerProtocol.Https || (l.Protocol == ListenerProtocol.Tls && l.Tls?.Passthrough != true)))
        {
            var other = kept.FirstOrDefault(o => !ReferenceEquals(o, l) && o.Port == l.Port && o.Protocol == l.Protocol && Overlaps(l.Hostname, o.Hostname));
            if (other is not null) l.OverlapWith = other.Name;
        }
    }

    private static bool Conflicts(ListenerModel l, ListenerModel other) =>
        Transport(other) == Transport(l) && other.Port == l.Port && ConflictReason(l, other) is not null;

    private static void MarkConflicted(ListenerModel l, ListenerModel other)
    {
        var reason = ConflictReason(l, other)!;
        var detail = $"Listener {l.Name} conflicts with listener {other.Name} on port {l.Port} ({reason}).";
        l.Conflict = ListenerConditions.Conflicted(reason, detail);
        l.NotAccepted = ListenerConditions.NotAcceptedConflict(reason, detail);
    }

    private static int Transport(ListenerModel l) => l.Protocol == ListenerProtocol.Udp ? 1 : 0;

    private static string? ConflictReason(ListenerModel l, ListenerModel other)
    {
        if (l.Protocol != other.Protocol) return "ProtocolConflict";
        if (l.Protocol is ListenerProtocol.Tcp or ListenerProtocol.Udp) return "ProtocolConflict";
        return string.Equals(l.Hostname ?? "", other.Hostname ?? "", StringComparison.OrdinalIgnoreCase) ? "HostnameConflict" : null;
    }

    private static bool Overlaps(string? a, string? b)
    {
        if (a is null || b is null) return true;
        return Hostnames.Intersect(a, b) is not null;
    }

    private static IEnumerable<V1FrontendTLSValidation?> AllValidations(V1FrontendTLSConfig fe) =>
        new[] { fe.Default?.Validation }.Concat(fe.PerPort?.Select(p => p.Tls?.Validation) ?? []);

    /// <summary>Why <paramref name="pem"/> is not a bundle of parseable certificates (the parser's words); null when it is.</summary>
    internal static string? PemCertificatesError(string pem)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            var count = collection.Count;
            foreach (var c in collection) c.Dispose();
            return count > 0 ? null : "no PEM certificate found";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return e.Message.TrimEnd('.');
        }
    }

    public static string Describe(string group, string kind) => group.Length == 0 ? kind : $"{group}/{kind}";

    /// <summary>metadata.generation, 1 when absent (the API server starts every object at generation 1).</summary>
    public static long Generation(k8s.Models.V1ObjectMeta meta) => meta.Generation ?? 1;
}
