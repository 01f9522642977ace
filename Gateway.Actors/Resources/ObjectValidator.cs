using System.Text.RegularExpressions;
using Gateway.Actors.Model;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// The admission checks the API server would apply before an object is stored: metadata rules and the
/// CRD schema's required fields and structural rules (v1.6.1 CRDs). An object failing them never reaches a
/// snapshot, exactly as kubectl apply would have been refused. Counts, lengths, patterns, enums and CEL rules come
/// from the CRDs themselves (<see cref="CrdSchema"/>, a table generated from them); the checks written here are those
/// the typed object states more plainly (names, listener combinations). Semantic problems (a reference to nothing, an
/// unsupported value) are not admission errors: they are reported in status by the translator.
/// </summary>
public static partial class ObjectValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1123Label();

    /// <summary>
    /// Every problem found (empty when the object is admissible): the checks below on the typed object, then, when
    /// the document it was read from is given, the CRD rules of <paramref name="apiVersion"/> (<see cref="CrdSchema"/>:
    /// item counts, lengths, patterns, enums, CEL rules) on that document, with the schema defaults applied.
    /// </summary>
    public static IReadOnlyList<string> Validate(KindInfo kind, IKubernetesObject<V1ObjectMeta> obj, string? apiVersion = null,
        Dictionary<string, object?>? document = null)
    {
        var errors = ValidateTyped(kind, obj);
        if (document is not null && apiVersion is not null && kind.Group is KindRegistry.GatewayGroup or KindRegistry.OwnGroup)
        {
            var version = apiVersion[(apiVersion.LastIndexOf('/') + 1)..];
            foreach (var error in CrdSchema.Validate(kind.Kind, version, document))
            {
                if (!errors.Contains(error)) errors.Add(error);
            }
        }
        return errors;
    }

    private static List<string> ValidateTyped(KindInfo kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        var errors = new List<string>();
        var name = obj.Metadata?.Name;
        if (string.IsNullOrEmpty(name)) errors.Add("metadata.name is required");
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name)) errors.Add($"metadata.name \"{name}\" is not a valid DNS subdomain name");
        var ns = obj.Metadata?.NamespaceProperty;
        if (kind.Namespaced && ns is not null && (ns.Length > 63 || !Dns1123Label().IsMatch(ns)))
            errors.Add($"metadata.namespace \"{ns}\" is not a valid DNS label");

        switch (obj)
        {
            case V1GatewayClass gc:
                if (string.IsNullOrEmpty(gc.Spec?.ControllerName)) errors.Add("spec.controllerName is required");
                break;
            case V1Gateway g:
                ValidateGateway(g, errors);
                break;
            case V1HTTPRoute r:
                ValidateParentRefs(r.Spec?.ParentRefs, errors);
                break;
            case V1GRPCRoute r:
                ValidateParentRefs(r.Spec?.ParentRefs, errors);
                break;
            case V1TLSRoute r:
                ValidateParentRefs(r.Spec?.ParentRefs, errors);
                break;
            case V1TCPRoute r:
                ValidateParentRefs(r.Spec?.ParentRefs, errors);
                break;
            case V1UDPRoute r:
                ValidateParentRefs(r.Spec?.ParentRefs, errors);
                break;
            case V1ReferenceGrant rg:
                if (rg.Spec?.From is not { Count: > 0 }) errors.Add("spec.from must have at least one entry");
                if (rg.Spec?.To is not { Count: > 0 }) errors.Add("spec.to must have at least one entry");
                break;
            case V1ListenerSet ls:
                if (string.IsNullOrEmpty(ls.Spec?.ParentRef?.Name)) errors.Add("spec.parentRef.name is required");
                if (ls.Spec?.Listeners is not { Count: > 0 }) errors.Add("spec.listeners must have at least one entry");
                else ValidateListeners(ls.Spec.Listeners, "spec.listeners", errors);
                break;
            case V1BackendTLSPolicy p:
                if (p.Spec?.TargetRefs is not { Count: > 0 }) errors.Add("spec.targetRefs must have at least one entry");
                if (p.Spec?.Validation is null) errors.Add("spec.validation is required");
                break;
            case V1Alpha1RateLimitPolicy p:
                RateLimitPolicyValidation.Validate(p, errors);
                break;
            case V1Service s:
                if (s.Spec is null) errors.Add("spec is required");
                break;
        }
        return errors;
    }

    private static void ValidateGateway(V1Gateway g, List<string> errors)
    {
        if (g.Spec is null) { errors.Add("spec is required"); return; }
        if (string.IsNullOrEmpty(g.Spec.GatewayClassName)) errors.Add("spec.gatewayClassName is required");
        if (g.Spec.Listeners is not { Count: > 0 }) errors.Add("spec.listeners must have at least one entry");
        else ValidateListeners(g.Spec.Listeners, "spec.listeners", errors);
    }

    private static void ValidateListeners(IList<V1Listener> listeners, string path, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var combos = new HashSet<(int, string, string)>();
        for (var i = 0; i < listeners.Count; i++)
        {
            var l = listeners[i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(l.Name)) errors.Add($"{at}.name is required");
            else if (!names.Add(l.Name)) errors.Add($"{at}: Listener name must be unique within the Gateway");
            if (l.Port is < 1 or > 65535) errors.Add($"{at}.port must be between 1 and 65535");
            if (string.IsNullOrEmpty(l.Protocol)) errors.Add($"{at}.protocol is required");
            var proto = l.Protocol?.ToUpperInvariant() ?? "";
            if (!combos.Add((l.Port, l.Protocol ?? "", l.Hostname ?? "")))
                errors.Add($"{at}: Combination of port, protocol and hostname must be unique for each listener");
            // CEL rules on GatewaySpec.Listeners (gateway_types.go).
            if (proto is "HTTP" or "TCP" or "UDP" && l.Tls is not null) errors.Add($"{at}: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
            if (proto == "HTTPS" && l.Tls?.Mode is { Length: > 0 } mode && mode != "Terminate") errors.Add($"{at}: tls mode must be Terminate for protocol HTTPS");
            if (proto == "TLS" && string.IsNullOrEmpty(l.Tls?.Mode)) errors.Add($"{at}: tls mode must be set for protocol TLS");
            if (proto is "TCP" or "UDP" && !string.IsNullOrEmpty(l.Hostname)) errors.Add($"{at}: hostname must not be specified for protocols ['TCP', 'UDP']");
            if (l.Tls is { } tls && (tls.Mode ?? "Terminate") == "Terminate" && tls.CertificateRefs is not { Count: > 0 } && tls.Options is not { Count: > 0 })
                errors.Add($"{at}.tls: certificateRefs or options must be specified when mode is Terminate");
        }
    }

    private static void ValidateParentRefs(IList<V1GatewayParentReference>? parentRefs, List<string> errors)
    {
        if (parentRefs is null) return;
        for (var i = 0; i < parentRefs.Count; i++)
        {
            if (string.IsNullOrEmpty(parentRefs[i].Name)) errors.Add($"spec.parentRefs[{i}].name is required");
        }
    }
}
