using Gateway.Actors.Resources;

namespace Gateway.Host.Kubernetes;

/// <summary>One RBAC rule the gateway needs: an API group, a resource (or resource/subresource) and a verb.</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Resource">Plural resource name, with "/status" for the status subresource.</param>
/// <param name="Verb">The RBAC verb (get, list, watch, create, update, delete).</param>
/// <param name="Why">Which code path needs it.</param>
public sealed record ApiPermission(string Group, string Resource, string Verb, string Why);

/// <summary>
/// Every API call the gateway makes, as RBAC rules: the single source of the least-privilege ClusterRole.
/// <see cref="KubernetesApi"/> asserts each call against this table before making it (a call not listed here is a
/// programming error and throws), and the manifest tests check k8s/rbac.yaml grants exactly these rules, no more.
/// Rules of the Akka cluster bootstrap (<see cref="DiscoveryPermissions"/>) are namespaced and listed apart.
/// </summary>
public static class KubernetesPermissions
{
    /// <summary>Verbs of <see cref="KubernetesSource"/>: the initial (paginated) list and the watch of every kind we read.</summary>
    public static readonly IReadOnlyList<string> ReadVerbs = ["list", "watch"];

    /// <summary>The cluster-wide rules.</summary>
    public static readonly IReadOnlyList<ApiPermission> Cluster = Build();

    /// <summary>
    /// Namespaced rules in the replicas' own namespace: cluster bootstrap (Cluster/KubernetesPodDiscovery) lists the
    /// pods matching the pod label selector to find its peers.
    /// </summary>
    public static readonly IReadOnlyList<ApiPermission> DiscoveryPermissions =
    [
        new("", "pods", "list", "KubernetesPodDiscovery: find the other replicas by pod label selector (cluster bootstrap)"),
    ];

    /// <summary>
    /// Namespaced rules in each namespace of --secret-namespaces: with it, Secrets are listed and watched per namespace,
    /// so a Role per namespace grants them and the ClusterRole (<see cref="ClusterWithoutSecrets"/>) has none.
    /// </summary>
    public static readonly IReadOnlyList<ApiPermission> SecretNamespacePermissions =
    [
        new("", "secrets", "list", "KubernetesSource: list then watch the Secrets of one --secret-namespaces namespace"),
        new("", "secrets", "watch", "KubernetesSource: list then watch the Secrets of one --secret-namespaces namespace"),
    ];

    /// <summary>The cluster-wide rules when Secrets are read per namespace (--secret-namespaces): <see cref="Cluster"/> without Secrets.</summary>
    public static readonly IReadOnlyList<ApiPermission> ClusterWithoutSecrets = [.. Cluster.Where(p => !(p.Group.Length == 0 && p.Resource == "secrets"))];

    /// <summary>Throws when (group, resource, verb) is not in <see cref="SecretNamespacePermissions"/>.</summary>
    public static void RequireInSecretNamespaces(string group, string resource, string verb)
    {
        if (!SecretNamespacePermissions.Any(p => p.Group == group && p.Resource == resource && p.Verb == verb))
            throw new InvalidOperationException($"RBAC: {verb} {(group.Length == 0 ? "" : group + "/")}{resource} in one namespace is not in KubernetesPermissions.SecretNamespacePermissions.");
    }

    /// <summary>Throws when (group, resource, verb) is not in <see cref="Cluster"/>.</summary>
    public static void Require(string group, string resource, string verb)
    {
        if (!Cluster.Any(p => p.Group == group && p.Resource == resource && p.Verb == verb))
            throw new InvalidOperationException($"RBAC: {verb} {(group.Length == 0 ? "" : group + "/")}{resource} is not in KubernetesPermissions; add it there and to k8s/rbac.yaml.");
    }

    /// <summary>Throws when (group, resource, verb) is not in <see cref="DiscoveryPermissions"/>.</summary>
    public static void RequireNamespaced(string group, string resource, string verb)
    {
        if (!DiscoveryPermissions.Any(p => p.Group == group && p.Resource == resource && p.Verb == verb))
            throw new InvalidOperationException($"RBAC: {verb} {(group.Length == 0 ? "" : group + "/")}{resource} is not in KubernetesPermissions.DiscoveryPermissions; add it there and to k8s/rbac.yaml.");
    }

    /// <summary>The plural resource name of a kind (gatewayclasses, backendtlspolicies, endpointslices ...).</summary>
    public static string PluralOf(KindInfo kind)
    {
        var lower = kind.Kind.ToLowerInvariant();
        // English plural as the API server's REST mapper forms it: consonant + y → ies (policies), vowel + y → ys (gateways).
        if (lower.EndsWith('y') && lower.Length > 1 && !"aeiou".Contains(lower[^2], StringComparison.Ordinal)) return lower[..^1] + "ies";
        if (lower.EndsWith('s') || lower.EndsWith("sh", StringComparison.Ordinal)) return lower + "es"; // xmeshes
        return lower + "s";
    }

    private static List<ApiPermission> Build()
    {
        var rules = new List<ApiPermission>();
        foreach (var kind in KindRegistry.All)
        {
            foreach (var verb in ReadVerbs) rules.Add(new(kind.Group, PluralOf(kind), verb, "KubernetesSource: list then watch"));
        }
        foreach (var kind in KindRegistry.All.Where(k => k.HasStatus))
        {
            rules.Add(new(kind.Group, PluralOf(kind) + "/status", "get", "KubernetesStatusSink: fresh read before every status write"));
            rules.Add(new(kind.Group, PluralOf(kind) + "/status", "update", "KubernetesStatusSink: PUT the merged status"));
        }
        rules.Add(new("", "services", "get", "GatewayServiceApplier: fresh read after a conflict"));
        rules.Add(new("", "services", "create", "GatewayServiceApplier: a Gateway's Service"));
        rules.Add(new("", "services", "update", "GatewayServiceApplier: ports, type, labels, annotations changed"));
        rules.Add(new("", "services", "delete", "GatewayServiceApplier: the Gateway is gone or no longer ours"));
        return rules;
    }
}
