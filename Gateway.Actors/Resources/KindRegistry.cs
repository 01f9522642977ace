using Gateway.Actors.Model;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>What we know about one kind we read: its CLR type, API group, served versions and scope.</summary>
public sealed record KindInfo(string Kind, string Group, Type ClrType, bool Namespaced, bool HasStatus, IReadOnlyList<string> ServedVersions)
{
    /// <summary>The storage/preferred version (first served version).</summary>
    public string PreferredApiVersion => Group.Length == 0 ? ServedVersions[0] : $"{Group}/{ServedVersions[0]}";
}

/// <summary>
/// The kinds this controller reads, by apiVersion and kind. Versions follow the v1.6.1 CRDs: the standard channel's
/// served versions plus the deprecated versions the experimental channel still serves (VERSION.md).
/// </summary>
public static class KindRegistry
{
    public const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>The API group of our own kinds (k8s/crds).</summary>
    public const string OwnGroup = "gateway.akka-gateway.dev";

    public static readonly KindInfo GatewayClass = new("GatewayClass", GatewayGroup, typeof(V1GatewayClass), false, true, ["v1", "v1beta1"]);
    public static readonly KindInfo Gateway = new("Gateway", GatewayGroup, typeof(V1Gateway), true, true, ["v1", "v1beta1"]);
    public static readonly KindInfo HTTPRoute = new("HTTPRoute", GatewayGroup, typeof(V1HTTPRoute), true, true, ["v1", "v1beta1"]);
    public static readonly KindInfo GRPCRoute = new("GRPCRoute", GatewayGroup, typeof(V1GRPCRoute), true, true, ["v1"]);
    public static readonly KindInfo TLSRoute = new("TLSRoute", GatewayGroup, typeof(V1TLSRoute), true, true, ["v1", "v1alpha3", "v1alpha2"]);
    public static readonly KindInfo TCPRoute = new("TCPRoute", GatewayGroup, typeof(V1TCPRoute), true, true, ["v1", "v1alpha2"]);
    public static readonly KindInfo UDPRoute = new("UDPRoute", GatewayGroup, typeof(V1UDPRoute), true, true, ["v1", "v1alpha2"]);
    public static readonly KindInfo ReferenceGrant = new("ReferenceGrant", GatewayGroup, typeof(V1ReferenceGrant), true, false, ["v1beta1", "v1"]);
    public static readonly KindInfo BackendTLSPolicy = new("BackendTLSPolicy", GatewayGroup, typeof(V1BackendTLSPolicy), true, true, ["v1", "v1alpha3"]);
    public static readonly KindInfo ListenerSet = new("ListenerSet", GatewayGroup, typeof(V1ListenerSet), true, true, ["v1"]);
    public const string ExperimentalGroup = "gateway.networking.x-k8s.io";

    public static readonly KindInfo XMesh = new("XMesh", ExperimentalGroup, typeof(V1Alpha1XMesh), false, true, ["v1alpha1"]);
    public static readonly KindInfo RateLimitPolicy = new("RateLimitPolicy", OwnGroup, typeof(V1Alpha1RateLimitPolicy), true, true, ["v1alpha1"]);
    public static readonly KindInfo Namespace = new("Namespace", "", typeof(V1Namespace), false, false, ["v1"]);
    public static readonly KindInfo Service = new("Service", "", typeof(V1Service), true, false, ["v1"]);
    public static readonly KindInfo EndpointSlice = new("EndpointSlice", "discovery.k8s.io", typeof(V1EndpointSlice), true, false, ["v1"]);
    public static readonly KindInfo Secret = new("Secret", "", typeof(V1Secret), true, false, ["v1"]);
    public static readonly KindInfo ConfigMap = new("ConfigMap", "", typeof(V1ConfigMap), true, false, ["v1"]);

    /// <summary>Every kind we read, in a fixed order.</summary>
    public static readonly IReadOnlyList<KindInfo> All =
    [
        GatewayClass, Gateway, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute, ReferenceGrant, BackendTLSPolicy,
        ListenerSet, Namespace, Service, EndpointSlice, Secret, ConfigMap, XMesh, RateLimitPolicy,
    ];

    /// <summary>Route kinds, in the order listeners report supportedKinds.</summary>
    public static readonly IReadOnlyList<KindInfo> RouteKinds = [HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute];

    private static readonly Dictionary<string, KindInfo> ByKind = All.ToDictionary(k => k.Kind, StringComparer.Ordinal);

    /// <summary>
    /// Kinds that appear in ordinary manifests (the conformance suite ships Deployments and Pods) and that we
    /// deliberately do not use: they are skipped without a diagnostic.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob", "ServiceAccount", "Role",
        "RoleBinding", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PodDisruptionBudget",
        "Endpoints", "Ingress", "IngressClass", "NetworkPolicy", "HorizontalPodAutoscaler", "Kustomization",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "XBackendTrafficPolicy", "XBackend",
    };

    /// <summary>Looks a kind up by name only.</summary>
    public static KindInfo? ByName(string kind) => ByKind.GetValueOrDefault(kind);

    /// <summary>Resolves apiVersion + kind; null when the kind is unknown or the version is not served.</summary>
    public static KindInfo? Resolve(string? apiVersion, string? kind)
    {
        if (kind is null || apiVersion is null || !ByKind.TryGetValue(kind, out var info)) return null;
        var slash = apiVersion.LastIndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        return group == info.Group && info.ServedVersions.Contains(version) ? info : null;
    }

    /// <summary>Key of an object of a known kind.</summary>
    public static ResourceKey KeyOf(KindInfo info, IKubernetesObject<V1ObjectMeta> obj) =>
        new(info.Kind, info.Namespaced ? obj.Metadata.NamespaceProperty ?? "default" : "", obj.Metadata.Name);
}
