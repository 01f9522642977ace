using Gateway.Actors.Model;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>A reference from one object to another that does not exist.</summary>
/// <param name="From">The referring object.</param>
/// <param name="Field">Where the reference sits (for example spec.rules[0].backendRefs[1]).</param>
/// <param name="Target">The object referred to.</param>
public sealed record DanglingReference(ResourceKey From, string Field, ResourceKey Target)
{
    public override string ToString() => $"{From}: {Field} refers to {Target.Kind} {Target.NamespacedName}, which does not exist";
}

/// <summary>
/// Finds references to objects that do not exist, so a source can point at the file that holds them. This is a
/// diagnostic only: such objects are still loaded, and the translator reports the consequences in status
/// (ResolvedRefs=False/BackendNotFound, Accepted=False/NoMatchingParent ...), as the spec requires. Only
/// references to kinds we read are checked; a reference to a kind we do not support is the translator's to report
/// (InvalidKind). Permission (ReferenceGrant) is not checked here either. Pure.
/// </summary>
public static class ReferenceChecker
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>Every dangling reference among <paramref name="objects"/>, in input order.</summary>
    public static IReadOnlyList<DanglingReference> Find(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, Func<ResourceKey, bool> exists)
    {
        var found = new List<DanglingReference>();
        foreach (var obj in objects)
        {
            var info = KindRegistry.ByName(obj.Kind);
            if (info is null) continue;
            var from = KindRegistry.KeyOf(info, obj);
            var refs = new List<(string Field, ResourceKey Target)>();
            Collect(obj, from, refs);
            foreach (var (field, target) in refs)
            {
                if (!exists(target)) found.Add(new DanglingReference(from, field, target));
            }
        }
        return found;
    }

    /// <summary>
    /// Every reference <paramref name="obj"/> (whose key is <paramref name="from"/>) makes to an object of a kind we
    /// read, in field order, whether or not the target exists.
    /// </summary>
    public static IReadOnlyList<(string Field, ResourceKey Target)> References(IKubernetesObject<V1ObjectMeta> obj, ResourceKey from)
    {
        var refs = new List<(string, ResourceKey)>();
        Collect(obj, from, refs);
        if (refs.Count == 0) return [];
        // An exact-size array (callers may hold it, e.g. DanglingReferenceIndex during a whole reset), and the field
        // paths interned, since they repeat across objects and are few (their indexes are bounded by the CRDs' maxItems).
        var compact = new (string Field, ResourceKey Target)[refs.Count];
        for (var i = 0; i < compact.Length; i++) compact[i] = (string.Intern(refs[i].Item1), refs[i].Item2);
        return compact;
    }

    private static void Collect(IKubernetesObject<V1ObjectMeta> obj, ResourceKey from, List<(string, ResourceKey)> refs)
    {
        var ns = from.Namespace;
        switch (obj)
        {
            case V1Gateway g:
                if (!string.IsNullOrEmpty(g.Spec.GatewayClassName))
                    refs.Add(("spec.gatewayClassName", new ResourceKey("GatewayClass", "", g.Spec.GatewayClassName)));
                Listeners(g.Spec.Listeners, ns, refs);
                if (g.Spec.Tls?.Backend?.ClientCertificateRef is { } client) Secret("spec.tls.backend.clientCertificateRef", client, ns, refs);
                if (g.Spec.Tls?.Frontend is { } frontend)
                {
                    CaRefs("spec.tls.frontend.default.validation.caCertificateRefs", frontend.Default.Validation?.CaCertificateRefs, ns, refs);
                    for (var i = 0; i < (frontend.PerPort?.Count ?? 0); i++)
                        CaRefs($"spec.tls.frontend.perPort[{i}].tls.validation.caCertificateRefs", frontend.PerPort![i].Tls.Validation?.CaCertificateRefs, ns, refs);
                }
                break;
            case V1ListenerSet ls:
                if (IsGatewayGroup(ls.Spec.ParentRef.Group) && (ls.Spec.ParentRef.Kind ?? "Gateway") == "Gateway" && ls.Spec.ParentRef.Name.Length > 0)
                    refs.Add(("spec.parentRef", new ResourceKey("Gateway", ls.Spec.ParentRef.Namespace ?? ns, ls.Spec.ParentRef.Name)));
                Listeners(ls.Spec.Listeners, ns, refs);
                break;
            case V1HTTPRoute r:
                ParentRefs(r.Spec.ParentRefs, ns, refs);
                for (var i = 0; i < (r.Spec.Rules?.Count ?? 0); i++)
                {
                    var rule = r.Spec.Rules![i];
                    HttpFilters($"spec.rules[{i}].filters", rule.Filters, ns, refs);
                    for (var j = 0; j < (rule.BackendRefs?.Count ?? 0); j++)
                    {
                        Backend($"spec.rules[{i}].backendRefs[{j}]", rule.BackendRefs![j], ns, refs);
                        HttpFilters($"spec.rules[{i}].backendRefs[{j}].filters", rule.BackendRefs[j].Filters, ns, refs);
                    }
                }
                break;
            case V1GRPCRoute r:
                ParentRefs(r.Spec.ParentRefs, ns, refs);
                for (var i = 0; i < (r.Spec.Rules?.Count ?? 0); i++)
                {
                    var rule = r.Spec.Rules![i];
                    GrpcFilters($"spec.rules[{i}].filters", rule.Filters, ns, refs);
                    for (var j = 0; j < (rule.BackendRefs?.Count ?? 0); j++)
                    {
                        Backend($"spec.rules[{i}].backendRefs[{j}]", rule.BackendRefs![j], ns, refs);
                        GrpcFilters($"spec.rules[{i}].backendRefs[{j}].filters", rule.BackendRefs[j].Filters, ns, refs);
                    }
                }
                break;
            case V1TLSRoute r:
                ParentRefs(r.Spec.ParentRefs, ns, refs);
                L4Rules(r.Spec.Rules, ns, refs);
                break;
            case V1TCPRoute r:
                ParentRefs(r.Spec.ParentRefs, ns, refs);
                L4Rules(r.Spec.Rules, ns, refs);
                break;
            case V1UDPRoute r:
                ParentRefs(r.Spec.ParentRefs, ns, refs);
                L4Rules(r.Spec.Rules, ns, refs);
                break;
            case V1BackendTLSPolicy p:
                for (var i = 0; i < (p.Spec.TargetRefs?.Count ?? 0); i++)
                {
                    var t = p.Spec.TargetRefs![i];
                    if (t.Group.Length == 0 && t.Kind == "Service" && t.Name.Length > 0)
                        refs.Add(($"spec.targetRefs[{i}]", new ResourceKey("Service", ns, t.Name)));
                }
                for (var i = 0; i < (p.Spec.Validation.CaCertificateRefs?.Count ?? 0); i++)
                {
                    var c = p.Spec.Validation.CaCertificateRefs![i];
                    if (string.IsNullOrEmpty(c.Group) && c.Kind is "ConfigMap" or "Secret" && c.Name.Length > 0)
                        refs.Add(($"spec.validation.caCertificateRefs[{i}]", new ResourceKey(c.Kind, ns, c.Name)));
                }
                break;
            case V1EndpointSlice s:
                // discovery.k8s.io/v1: a Service's endpoints are the slices of its namespace carrying this label.
                if (s.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var service) == true && service.Length > 0)
                    refs.Add(($"metadata.labels[{ServiceNameLabel}]", new ResourceKey("Service", ns, service)));
                break;
        }
    }

    private static bool IsGatewayGroup(string? group) => group is null || group == KindRegistry.GatewayGroup;

    private static bool IsCore(string? group) => string.IsNullOrEmpty(group);

    private static void Listeners(IList<V1Listener>? listeners, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (listeners?.Count ?? 0); i++)
        {
            var certs = listeners![i].Tls?.CertificateRefs;
            for (var j = 0; j < (certs?.Count ?? 0); j++) Secret($"spec.listeners[{i}].tls.certificateRefs[{j}]", certs![j], ns, refs);
        }
    }

    private static void Secret(string field, V1SecretObjectReference r, string ns, List<(string, ResourceKey)> refs)
    {
        if (IsCore(r.Group) && (r.Kind ?? "Secret") == "Secret" && r.Name.Length > 0)
            refs.Add((field, new ResourceKey("Secret", r.Namespace ?? ns, r.Name)));
    }

    private static void CaRefs(string field, IList<V1GatewayObjectReference>? list, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var r = list![i];
            if (IsCore(r.Group) && r.Kind is "ConfigMap" or "Secret" && r.Name.Length > 0)
                refs.Add(($"{field}[{i}]", new ResourceKey(r.Kind, r.Namespace ?? ns, r.Name)));
        }
    }

    private static void ParentRefs(IList<V1GatewayParentReference>? parents, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (parents?.Count ?? 0); i++)
        {
            var p = parents![i];
            if (!IsGatewayGroup(p.Group) || p.Name.Length == 0) continue;
            var kind = p.Kind ?? "Gateway";
            if (kind is "Gateway" or "ListenerSet") refs.Add(($"spec.parentRefs[{i}]", new ResourceKey(kind, p.Namespace ?? ns, p.Name)));
        }
    }

    private static void Backend(string field, V1BackendObjectReference b, string ns, List<(string, ResourceKey)> refs)
    {
        if (IsCore(b.Group) && (b.Kind ?? "Service") == "Service" && b.Name.Length > 0)
            refs.Add((field, new ResourceKey("Service", b.Namespace ?? ns, b.Name)));
    }

    private static void L4Rules(IList<V1L4RouteRule>? rules, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            for (var j = 0; j < (rules![i].BackendRefs?.Count ?? 0); j++) Backend($"spec.rules[{i}].backendRefs[{j}]", rules[i].BackendRefs![j], ns, refs);
        }
    }

    private static void HttpFilters(string field, IList<V1HTTPRouteFilter>? filters, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (filters?.Count ?? 0); i++)
        {
            if (filters![i].RequestMirror is { } mirror) Backend($"{field}[{i}].requestMirror.backendRef", mirror.BackendRef, ns, refs);
        }
    }

    private static void GrpcFilters(string field, IList<V1GRPCRouteFilter>? filters, string ns, List<(string, ResourceKey)> refs)
    {
        for (var i = 0; i < (filters?.Count ?? 0); i++)
        {
            if (filters![i].RequestMirror is { } mirror) Backend($"{field}[{i}].requestMirror.backendRef", mirror.BackendRef, ns, refs);
        }
    }
}
