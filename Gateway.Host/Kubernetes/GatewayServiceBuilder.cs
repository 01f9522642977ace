using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Host.Kubernetes;

/// <summary>Settings of the per-Gateway Services (command line: --service-namespace, --pod-selector, --container-port-range).</summary>
public sealed record GatewayServiceOptions
{
    /// <summary>The default label selecting the gateway replicas (the StatefulSet's pod label).</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultPodSelector = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "akka-gateway" };

    /// <summary>The replicas' namespace: every Gateway's Service lives here (a Service selects pods of its own namespace only).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Labels selecting the gateway replicas.</summary>
    public IReadOnlyDictionary<string, string> PodSelector { get; init; } = DefaultPodSelector;

    /// <summary>First container port handed out (inclusive).</summary>
    public int PortRangeStart { get; init; } = 20000;

    /// <summary>Last container port handed out (inclusive).</summary>
    public int PortRangeEnd { get; init; } = 29999;
}

/// <summary>
/// Gateway + parameters + the existing Service → the desired Service (pure). The Service lives in
/// <see cref="GatewayServiceOptions.Namespace"/>, is named <see cref="GatewayServices.ServiceName"/>, carries the
/// gateway-name label (GEP-1762), our gateway-namespace and managed-by labels, and an owner reference to the Gateway
/// when both share a namespace (Kubernetes forbids cross-namespace owners; otherwise the applier deletes it itself).
/// It selects the replicas and maps each listener port to a container port:
/// <list type="bullet">
/// <item>allocations the Service already holds validly (in range, not lost to an older Service, see
/// <see cref="GatewayServices.ResolveClaims"/>) are kept, so a Gateway's traffic never moves when another changes;</item>
/// <item>new ones come from the configured range: SHA-256 of "namespace/name/protocol/port" picks a home port, then the
/// next free one (linear probing), deterministic so concurrent owners rarely pick the same port.</item>
/// </list>
/// Labels and annotations: GatewayClass parameters, then Gateway parameters, then spec.infrastructure (GatewayInfrastructure:
/// "Labels/Annotations that SHOULD be applied to any resources created in response to this Gateway"), then ours. Keys we set
/// are remembered in two annotations so that keys removed from the Gateway are removed from the Service while keys other
/// writers add (cloud controllers) stay. Fields the API server sets (clusterIP, node ports, health check port) are kept.
/// </summary>
public static class GatewayServiceBuilder
{
    /// <summary>Comma-separated label keys this controller set from parameters and spec.infrastructure.</summary>
    public const string OwnedLabelsAnnotation = "akka-gateway.dev/owned-labels";

    /// <summary>Comma-separated annotation keys this controller set from parameters and spec.infrastructure.</summary>
    public const string OwnedAnnotationsAnnotation = "akka-gateway.dev/owned-annotations";

    /// <summary>The desired Service.</summary>
    /// <param name="gateway">The Gateway (its uid goes into the owner reference).</param>
    /// <param name="parameters">Class parameters overlaid with Gateway parameters.</param>
    /// <param name="ports">The ports the Gateway needs (<see cref="GatewayServices.PortsOf"/>).</param>
    /// <param name="existing">The Service as last read, or null.</param>
    /// <param name="kept">Container ports <paramref name="existing"/> validly holds (<see cref="GatewayServices.ResolveClaims"/>).</param>
    /// <param name="taken">Container ports other Services claim (validly or not): new allocations avoid them.</param>
    /// <param name="options">Namespace, pod selector, port range.</param>
    public static V1Service Build(V1Gateway gateway, ServiceParameters parameters, IReadOnlyList<ServicePortKey> ports, V1Service? existing,
        IReadOnlyDictionary<ServicePortKey, int> kept, IReadOnlySet<int> taken, GatewayServiceOptions options)
    {
        var key = KindRegistry.KeyOf(KindRegistry.Gateway, gateway);
        var service = existing is null ? new V1Service() : ObjectCopy.Clone(existing);
        service.ApiVersion = "v1";
        service.Kind = "Service";
        service.Metadata ??= new V1ObjectMeta();
        service.Metadata.Name = GatewayServices.ServiceName(key);
        service.Metadata.NamespaceProperty = options.Namespace;
        service.Status = null;

        // Labels and annotations: drop what we set last time, then apply the layers.
        var infra = gateway.Spec.Infrastructure;
        var ownLabels = Layer(parameters.Labels, infra?.Labels);
        var ownAnnotations = Layer(parameters.Annotations, infra?.Annotations);
        var required = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GatewayServices.ManagedByLabel] = GatewayServices.ManagedByValue,
            [GatewayServices.GatewayNameLabel] = key.Name,
            [GatewayServices.GatewayNamespaceLabel] = key.Namespace,
        };
        var previousAnnotations = service.Metadata.Annotations ?? new Dictionary<string, string>();
        var labels = Without(service.Metadata.Labels, Owned(previousAnnotations, OwnedLabelsAnnotation));
        foreach (var (k, v) in ownLabels) labels[k] = v;
        foreach (var (k, v) in required) labels[k] = v;
        var annotations = Without(previousAnnotations, Owned(previousAnnotations, OwnedAnnotationsAnnotation));
        foreach (var (k, v) in ownAnnotations) annotations[k] = v;
        SetOrRemove(annotations, OwnedLabelsAnnotation, string.Join(",", ownLabels.Keys.Where(k => !required.ContainsKey(k)).Order(StringComparer.Ordinal)));
        SetOrRemove(annotations, OwnedAnnotationsAnnotation, string.Join(",", ownAnnotations.Keys.Order(StringComparer.Ordinal)));
        service.Metadata.Labels = labels;
        service.Metadata.Annotations = annotations.Count == 0 ? null : annotations;

        // ownerReferences must name an owner in the same namespace; a Gateway elsewhere is cleaned up by the applier.
        var others = (service.Metadata.OwnerReferences ?? []).Where(o => !(o.Kind == "Gateway" && o.ApiVersion.StartsWith(KindRegistry.GatewayGroup + "/", StringComparison.Ordinal))).ToList();
        if (key.Namespace == options.Namespace && !string.IsNullOrEmpty(gateway.Metadata.Uid))
        {
            others.Add(new V1OwnerReference
            {
                ApiVersion = $"{KindRegistry.GatewayGroup}/v1", Kind = "Gateway", Name = key.Name, Uid = gateway.Metadata.Uid, Controller = true,
            });
        }
        service.Metadata.OwnerReferences = others.Count == 0 ? null : others;

        var spec = service.Spec ??= new V1ServiceSpec();
        var type = parameters.ServiceType ?? GatewayServices.DefaultServiceType;
        var exposed = type is "LoadBalancer" or "NodePort";
        spec.Type = type;
        spec.Selector = new Dictionary<string, string>(options.PodSelector, StringComparer.Ordinal);
        var allocation = ContainerPortAllocator.Allocate(key, ports, kept, taken, options.PortRangeStart, options.PortRangeEnd);
        var previousPorts = (spec.Ports ?? []).Where(p => p.Name is not null).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        spec.Ports = ports.Where(allocation.ContainsKey).Select(p => new V1ServicePort
        {
            Name = p.Name,
            Protocol = p.Protocol,
            Port = p.Port,
            TargetPort = allocation[p],
            // The API server allocated the node port; keeping it avoids moving it on every update.
            NodePort = exposed && previousPorts.TryGetValue(p.Name, out var old) ? old.NodePort : null,
        }).ToList();

        // Requested spec.addresses (GatewaySpec.Addresses, IPAddress): externalIPs for exposed types, the clusterIP for
        // ClusterIP (immutable, so only on create).
        var requested = (gateway.Spec.Addresses ?? []).Where(a => (string.IsNullOrEmpty(a.Type) || a.Type == "IPAddress") && GatewayServices.IsIp(a.Value)).Select(a => a.Value!).ToList();
        spec.ExternalIPs = exposed && requested.Count > 0 ? requested : null;
        if (!exposed && existing is null && requested.Count > 0) spec.ClusterIP = requested[0];

        if (exposed)
        {
            spec.ExternalTrafficPolicy = parameters.ExternalTrafficPolicy ?? spec.ExternalTrafficPolicy;
            spec.LoadBalancerClass = type == "LoadBalancer" ? parameters.LoadBalancerClass ?? spec.LoadBalancerClass : null;
            if (spec.ExternalTrafficPolicy != "Local") spec.HealthCheckNodePort = null;
        }
        else
        {
            // Fields only LoadBalancer/NodePort may carry (API validation rejects them on ClusterIP).
            spec.ExternalTrafficPolicy = null;
            spec.HealthCheckNodePort = null;
            spec.LoadBalancerClass = null;
            spec.AllocateLoadBalancerNodePorts = null;
        }
        return service;
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> agree on everything the builder manages.</summary>
    public static bool SameManagedFields(V1Service a, V1Service b) => Managed(a) == Managed(b);

    /// <summary>The canonical form of what the builder manages in <paramref name="s"/> (compared, and fingerprinted by provisioning plans).</summary>
    public static string Managed(V1Service s) => CanonicalForm.Of(new
    {
        s.Metadata.Name,
        s.Metadata.NamespaceProperty,
        Labels = s.Metadata.Labels ?? new Dictionary<string, string>(),
        Annotations = s.Metadata.Annotations ?? new Dictionary<string, string>(),
        OwnerReferences = s.Metadata.OwnerReferences ?? [],
        s.Spec?.Type,
        Selector = s.Spec?.Selector ?? new Dictionary<string, string>(),
        Ports = (s.Spec?.Ports ?? []).Select(p => new { p.Name, p.Protocol, p.Port, Target = p.TargetPort?.Value }),
        ExternalIPs = s.Spec?.ExternalIPs ?? [],
        s.Spec?.ExternalTrafficPolicy,
        s.Spec?.LoadBalancerClass,
    });

    private static Dictionary<string, string> Layer(IReadOnlyDictionary<string, string> first, IDictionary<string, string>? second)
    {
        var result = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (k, v) in second ?? new Dictionary<string, string>()) result[k] = v;
        return result;
    }

    private static HashSet<string> Owned(IDictionary<string, string> annotations, string key) =>
        annotations.TryGetValue(key, out var list) ? list.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) : [];

    private static Dictionary<string, string> Without(IDictionary<string, string>? map, HashSet<string> keys) =>
        (map ?? new Dictionary<string, string>()).Where(p => !keys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static void SetOrRemove(Dictionary<string, string> map, string key, string value)
    {
        if (value.Length == 0) map.Remove(key);
        else map[key] = value;
    }
}

/// <summary>
/// Container ports for a Gateway's Service ports: kept ones stay, new ones are found by hashing
/// "namespace/name/protocol/port" into the range and probing upward past ports that are taken (pure, deterministic).
/// A port is left out when the range is exhausted; the translator then reports its listeners Pending.
/// </summary>
public static class ContainerPortAllocator
{
    /// <summary>The container port of every Service port that has one.</summary>
    public static IReadOnlyDictionary<ServicePortKey, int> Allocate(ResourceKey gateway, IReadOnlyList<ServicePortKey> ports,
        IReadOnlyDictionary<ServicePortKey, int> kept, IReadOnlySet<int> taken, int start, int end)
    {
        var result = new Dictionary<ServicePortKey, int>();
        // Kept ports were already checked against other Services' valid claims (GatewayServices.ResolveClaims), so a
        // younger Service's stale claim on the same port cannot take it away; taken only steers new allocations.
        var used = new HashSet<int>();
        foreach (var p in ports)
        {
            if (kept.TryGetValue(p, out var port) && port >= start && port <= end && used.Add(port)) result[p] = port;
        }
        used.UnionWith(taken);
        var size = end - start + 1;
        foreach (var p in ports.Where(p => !result.ContainsKey(p)))
        {
            if (size <= 0) break;
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{gateway.NamespacedName}/{p.Protocol}/{p.Port}"));
            var home = (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)size);
            for (var i = 0; i < size; i++)
            {
                var candidate = start + (home + i) % size;
                if (!used.Add(candidate)) continue;
                result[p] = candidate;
                break;
            }
        }
        return result;
    }
}
