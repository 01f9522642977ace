using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>How Gateways get their addresses (ARCHITECTURE "Gateway addresses").</summary>
public enum AddressMode
{
    /// <summary>File mode: each Gateway binds its own address from <see cref="TranslatorOptions.AddressPool"/>.</summary>
    Pool,

    /// <summary>
    /// Kubernetes mode: the controller provisions one Service per Gateway that selects the gateway replicas and maps
    /// each listener port to a container port it allocates; replicas bind <see cref="TranslatorOptions.ServiceBindAddress"/>
    /// on those container ports and status.addresses come from the Service.
    /// </summary>
    ServicePerGateway,
}

/// <summary>One port of a Gateway's Service: the transport (Service port protocol TCP or UDP) and the listener port.</summary>
public readonly record struct ServicePortKey(string Protocol, int Port) : IComparable<ServicePortKey>
{
    /// <summary>The Service port name, "tcp-80" / "udp-53" (unique per Service, a valid IANA_SVC_NAME for ports below 100000).</summary>
    public string Name => $"{Protocol.ToLowerInvariant()}-{Port.ToString(CultureInfo.InvariantCulture)}";

    public int CompareTo(ServicePortKey other)
    {
        var c = string.CompareOrdinal(Protocol, other.Protocol);
        return c != 0 ? c : Port.CompareTo(other.Port);
    }
}

/// <summary>Settings a GatewayClass or Gateway parameters ConfigMap gives the Gateway's Service.</summary>
/// <param name="ServiceType">ClusterIP, NodePort or LoadBalancer; null = not set here.</param>
/// <param name="Labels">Extra labels for the Service.</param>
/// <param name="Annotations">Extra annotations for the Service (cloud load balancer settings).</param>
/// <param name="ExternalTrafficPolicy">Cluster or Local; null = not set here.</param>
/// <param name="LoadBalancerClass">spec.loadBalancerClass for type LoadBalancer; null = not set here.</param>
public sealed record ServiceParameters(
    string? ServiceType,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string? ExternalTrafficPolicy,
    string? LoadBalancerClass)
{
    /// <summary>No settings.</summary>
    public static readonly ServiceParameters None = new(null, new Dictionary<string, string>(), new Dictionary<string, string>(), null, null);

    /// <summary><paramref name="over"/> wins field by field; maps merge key by key.</summary>
    public ServiceParameters With(ServiceParameters over) => new(
        over.ServiceType ?? ServiceType,
        Merge(Labels, over.Labels),
        Merge(Annotations, over.Annotations),
        over.ExternalTrafficPolicy ?? ExternalTrafficPolicy,
        over.LoadBalancerClass ?? LoadBalancerClass);

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        var result = new Dictionary<string, string>(a, StringComparer.Ordinal);
        foreach (var (k, v) in b) result[k] = v;
        return result;
    }
}

/// <summary>
/// The facts about per-Gateway Services that the translator (which reads them) and the controller that provisions them
/// (Gateway.Host/Kubernetes) must agree on: the Service's name and labels, its ports, how container ports are claimed,
/// where addresses come from, and the parameters ConfigMap format. Pure.
/// </summary>
public static class GatewayServices
{
    /// <summary>GEP-1762 (in-cluster Gateway deployments): resources created for a Gateway carry its name in this label.</summary>
    public const string GatewayNameLabel = "gateway.networking.k8s.io/gateway-name";

    /// <summary>The Gateway's namespace (the Service lives in the replicas' namespace, not necessarily the Gateway's).</summary>
    public const string GatewayNamespaceLabel = "akka-gateway.dev/gateway-namespace";

    /// <summary>The recommended managed-by label; with <see cref="ManagedByValue"/> it marks Services this controller owns.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>Value of <see cref="ManagedByLabel"/> on Services we provision.</summary>
    public const string ManagedByValue = "akka-gateway";

    /// <summary>Parameters ConfigMap keys (GatewayClass spec.parametersRef, Gateway spec.infrastructure.parametersRef).</summary>
    public const string ServiceTypeKey = "serviceType";

    /// <summary>A YAML map of extra Service labels.</summary>
    public const string LabelsKey = "labels";

    /// <summary>A YAML map of extra Service annotations.</summary>
    public const string AnnotationsKey = "annotations";

    /// <summary>Service spec.externalTrafficPolicy (Cluster or Local).</summary>
    public const string ExternalTrafficPolicyKey = "externalTrafficPolicy";

    /// <summary>Service spec.loadBalancerClass.</summary>
    public const string LoadBalancerClassKey = "loadBalancerClass";

    /// <summary>Every key a parameters ConfigMap may hold.</summary>
    public static readonly IReadOnlyList<string> ParameterKeys = [ServiceTypeKey, LabelsKey, AnnotationsKey, ExternalTrafficPolicyKey, LoadBalancerClassKey];

    /// <summary>Service types we provision.</summary>
    public static readonly IReadOnlyList<string> ServiceTypes = ["ClusterIP", "NodePort", "LoadBalancer"];

    /// <summary>The Service type when no parameters set one (ARCHITECTURE: LoadBalancer by default).</summary>
    public const string DefaultServiceType = "LoadBalancer";

    /// <summary>
    /// The Service name for a Gateway: "gw-&lt;namespace&gt;-&lt;name&gt;" cut to fit, plus 8 hex digits of SHA-256 of
    /// "namespace/name". The hash keeps names unique where the readable part is ambiguous ("a-b"/"c" vs "a"/"b-c") or
    /// cut; the result is a DNS-1035 label (Service names: lowercase alphanumerics and '-', a letter first, at most 63).
    /// </summary>
    public static string ServiceName(ResourceKey gateway)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(gateway.NamespacedName)))[..8];
        var readable = $"gw-{gateway.Namespace}-{gateway.Name}".Replace('.', '-');
        var sb = new StringBuilder();
        foreach (var c in readable) sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        var head = sb.ToString();
        if (head.Length > 63 - 9) head = head[..(63 - 9)];
        return $"{head.TrimEnd('-')}-{hash}";
    }

    /// <summary>True when <paramref name="service"/> carries our managed-by label.</summary>
    public static bool IsManaged(V1Service service) =>
        service.Metadata.Labels?.TryGetValue(ManagedByLabel, out var v) == true && v == ManagedByValue;

    /// <summary>The Gateway a managed Service belongs to (from its labels), or null.</summary>
    public static ResourceKey? GatewayOf(V1Service service)
    {
        if (!IsManaged(service)) return null;
        var labels = service.Metadata.Labels!;
        return labels.TryGetValue(GatewayNameLabel, out var name) && labels.TryGetValue(GatewayNamespaceLabel, out var ns) && name.Length > 0 && ns.Length > 0
            ? new ResourceKey("Gateway", ns, name)
            : null;
    }

    /// <summary>The managed Service of <paramref name="gateway"/> in <paramref name="serviceNamespace"/>, or null.</summary>
    public static V1Service? Find(Snapshot snapshot, string serviceNamespace, ResourceKey gateway) =>
        snapshot.Get<V1Service>(new ResourceKey("Service", serviceNamespace, ServiceName(gateway))) is { } svc && GatewayOf(svc) == gateway ? svc : null;

    /// <summary>The Service port a listener protocol needs: UDP listeners are UDP, every other protocol runs on TCP.</summary>
    public static string TransportOf(string? listenerProtocol) => listenerProtocol == "UDP" ? "UDP" : "TCP";

    /// <summary>
    /// The Service ports a Gateway needs: one per distinct (transport, port) of its listeners and of the listeners of
    /// ListenerSets naming it (whether admitted or not: an unused port costs nothing, a missing one drops traffic).
    /// </summary>
    public static IReadOnlyList<ServicePortKey> PortsOf(V1Gateway gateway, IEnumerable<V1ListenerSet> listenerSets)
    {
        var key = KindRegistry.KeyOf(KindRegistry.Gateway, gateway);
        var ports = new SortedSet<ServicePortKey>();
        foreach (var l in gateway.Spec.Listeners ?? []) AddPort(ports, l.Protocol, l.Port);
        foreach (var ls in listenerSets)
        {
            var parent = ls.Spec.ParentRef;
            var ns = string.IsNullOrEmpty(parent.Namespace) ? ls.Metadata.NamespaceProperty ?? "default" : parent.Namespace;
            if (parent.Name != key.Name || ns != key.Namespace) continue;
            foreach (var l in ls.Spec.Listeners ?? []) AddPort(ports, l.Protocol, l.Port);
        }
        return [.. ports];
    }

    private static void AddPort(SortedSet<ServicePortKey> ports, string? protocol, int port)
    {
        if (port is >= 1 and <= 65535) ports.Add(new ServicePortKey(TransportOf(protocol), port));
    }

    /// <summary>The container port (numeric targetPort) of every port of <paramref name="service"/> named as we name them.</summary>
    public static IReadOnlyDictionary<ServicePortKey, int> ContainerPorts(V1Service service)
    {
        var result = new Dictionary<ServicePortKey, int>();
        foreach (var p in service.Spec?.Ports ?? [])
        {
            var key = new ServicePortKey(string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol, p.Port);
            if (p.Name != key.Name || p.TargetPort is null) continue;
            if (int.TryParse(p.TargetPort.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var target) && target is >= 1 and <= 65535)
                result[key] = target;
        }
        return result;
    }

    /// <summary>
    /// Container ports claimed by managed Services, with clashes resolved: every Service selects the same replicas, so
    /// a container port can serve one Gateway port only. When two Services claim one (two owners allocating at once),
    /// the older Service (creationTimestamp, then namespace/name) keeps it and the younger's entry is left out here; its
    /// owner allocates another one. Every replica computes the same result from the same Services.
    /// </summary>
    public static IReadOnlyDictionary<ResourceKey, IReadOnlyDictionary<ServicePortKey, int>> ResolveClaims(IEnumerable<V1Service> services)
    {
        var ordered = services.Where(s => GatewayOf(s) is not null)
            .OrderBy(s => s.Metadata.CreationTimestamp is null)
            .ThenBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(s => KindRegistry.KeyOf(KindRegistry.Service, s));
        var taken = new HashSet<int>();
        var result = new Dictionary<ResourceKey, IReadOnlyDictionary<ServicePortKey, int>>();
        foreach (var svc in ordered)
        {
            var kept = new Dictionary<ServicePortKey, int>();
            foreach (var (key, port) in ContainerPorts(svc).OrderBy(p => p.Key))
            {
                if (taken.Add(port)) kept[key] = port;
            }
            result[KindRegistry.KeyOf(KindRegistry.Service, svc)] = kept;
        }
        return result;
    }

    /// <summary>
    /// Where a Gateway's addresses come from: for type LoadBalancer status.loadBalancer.ingress (ip as IPAddress,
    /// hostname as Hostname) once the load balancer has them; for ClusterIP and NodePort spec.clusterIPs (or clusterIP).
    /// spec.externalIPs come first for every type (they are set from Gateway spec.addresses).
    /// </summary>
    public static IReadOnlyList<V1GatewayStatusAddress> Addresses(V1Service service)
    {
        var result = new List<V1GatewayStatusAddress>();
        void Add(string type, string? value)
        {
            if (!string.IsNullOrEmpty(value) && value != "None" && !result.Any(a => a.Value == value)) result.Add(new V1GatewayStatusAddress { Type = type, Value = value });
        }
        foreach (var ip in service.Spec?.ExternalIPs ?? []) Add("IPAddress", ip);
        if ((service.Spec?.Type ?? "ClusterIP") == "LoadBalancer")
        {
            foreach (var ingress in service.Status?.LoadBalancer?.Ingress ?? [])
            {
                Add("IPAddress", ingress.Ip);
                Add("Hostname", ingress.Hostname);
            }
        }
        else
        {
            foreach (var ip in service.Spec?.ClusterIPs ?? []) Add("IPAddress", ip);
            Add("IPAddress", service.Spec?.ClusterIP);
        }
        return result;
    }

    /// <summary>
    /// Reads a parameters ConfigMap (keys <see cref="ParameterKeys"/>); unknown keys, an unknown serviceType or
    /// externalTrafficPolicy, and labels/annotations that are not a YAML map of strings are errors.
    /// </summary>
    public static (ServiceParameters? Parameters, string? Error) ParseParameters(V1ConfigMap configMap)
    {
        var data = configMap.Data ?? new Dictionary<string, string>();
        var name = $"ConfigMap {configMap.Metadata.NamespaceProperty}/{configMap.Metadata.Name}";
        var unknown = data.Keys.Where(k => !ParameterKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0) return (null, $"{name} has unknown keys {string.Join(", ", unknown)}; known keys are {string.Join(", ", ParameterKeys)}.");
        var type = Value(data, ServiceTypeKey);
        if (type is not null && !ServiceTypes.Contains(type)) return (null, $"{name}: serviceType \"{type}\" is not one of {string.Join(", ", ServiceTypes)}.");
        var policy = Value(data, ExternalTrafficPolicyKey);
        if (policy is not null && policy is not ("Cluster" or "Local")) return (null, $"{name}: externalTrafficPolicy \"{policy}\" is not Cluster or Local.");
        var (labels, labelError) = Map(data, LabelsKey, name);
        if (labelError is not null) return (null, labelError);
        var (annotations, annotationError) = Map(data, AnnotationsKey, name);
        if (annotationError is not null) return (null, annotationError);
        return (new ServiceParameters(type, labels!, annotations!, policy, Value(data, LoadBalancerClassKey)), null);
    }

    /// <summary>
    /// Resolves a parametersRef that must name a core ConfigMap: the parameters, or why they cannot be used (the
    /// message for InvalidParameters).
    /// </summary>
    public static (ServiceParameters? Parameters, string? Error) ResolveParameters(Snapshot snapshot, string? group, string? kind, string ns, string name)
    {
        if (!string.IsNullOrEmpty(group) || kind != "ConfigMap")
            return (null, $"parametersRef {(string.IsNullOrEmpty(group) ? kind : $"{group}/{kind}")} {name} is not supported; only a core ConfigMap is.");
        var cm = snapshot.Get<V1ConfigMap>(new ResourceKey("ConfigMap", ns, name));
        return cm is null ? (null, $"parametersRef ConfigMap {ns}/{name} does not exist.") : ParseParameters(cm);
    }

    /// <summary>True when <paramref name="value"/> is an IPv4 or IPv6 address.</summary>
    public static bool IsIp(string? value) => IPAddress.TryParse(value, out _);

    private static string? Value(IDictionary<string, string> data, string key) =>
        data.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private static (Dictionary<string, string>? Map, string? Error) Map(IDictionary<string, string> data, string key, string name)
    {
        var text = Value(data, key);
        if (text is null) return (new Dictionary<string, string>(StringComparer.Ordinal), null);
        try
        {
            var map = KubernetesYaml.Deserialize<Dictionary<string, string>>(text);
            return (new Dictionary<string, string>(map ?? [], StringComparer.Ordinal), null);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or FormatException)
        {
            return (null, $"{name}: \"{key}\" is not a YAML map of strings ({e.Message}).");
        }
    }
}
