using System.Collections.Concurrent;
using System.Reflection;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// Deep copies through KubernetesClient's JSON serializer. Objects inside a snapshot are never mutated, so anything
/// that stamps metadata or sets status works on a copy.
/// </summary>
public static class ObjectCopy
{
    private static readonly ConcurrentDictionary<Type, Func<string, object>> Deserializers = new();
    private static readonly ConcurrentDictionary<Type, Func<string, object>> YamlDeserializers = new();

    /// <summary>
    /// A deep copy of <paramref name="value"/>, of the same runtime type. A copied route parent or policy ancestor status
    /// shares the interned instances of its reference's group, kind, namespace, name and section and of its controller
    /// name (<see cref="InternStatusReferences"/>): the entities keep one merged copy per object.
    /// </summary>
    public static T Clone<T>(T value) where T : class
    {
        var copy = (T)FromJson(value.GetType(), ToJsonBytes(value));
        InternStatusReferences(copy);
        return copy;
    }

    /// <summary>
    /// Replaces the parent or ancestor reference strings and the controller name of a route or policy status (or one
    /// entry of it) with their interned instances; other values are left alone. Every route's status repeats its
    /// Gateway's group, kind, namespace and name and the controller name, a bounded set (the same values
    /// <see cref="InternCommonStrings"/> interns on the routes' parentRefs), while the JSON copy would make new ones per
    /// route.
    /// </summary>
    public static void InternStatusReferences(object? status)
    {
        switch (status)
        {
            case Model.V1RouteStatus route:
                foreach (var parent in route.Parents ?? []) InternStatusReferences(parent);
                break;
            case Model.V1PolicyStatus policy:
                foreach (var ancestor in policy.Ancestors ?? []) InternStatusReferences(ancestor);
                break;
            case Model.V1RouteParentStatus parent:
                if (parent.ControllerName is { } parentController) parent.ControllerName = string.Intern(parentController);
                InternParent(parent.ParentRef);
                break;
            case Model.V1PolicyAncestorStatus ancestor:
                if (ancestor.ControllerName is { } ancestorController) ancestor.ControllerName = string.Intern(ancestorController);
                InternParent(ancestor.AncestorRef);
                break;
        }
    }

    /// <summary>
    /// KubernetesJson's own serializer options (it exposes them only through AddJsonOptions, which hands them to a
    /// callback): read, never changed. Serializing and deserializing through them with UTF-8 bytes gives what
    /// KubernetesJson.Serialize and Deserialize give through strings, without the transcoding to and from UTF-16.
    /// </summary>
    public static readonly System.Text.Json.JsonSerializerOptions KubernetesJsonOptions = CaptureKubernetesJsonOptions();

    private static System.Text.Json.JsonSerializerOptions CaptureKubernetesJsonOptions()
    {
        System.Text.Json.JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = o);
        return options ?? throw new InvalidOperationException("KubernetesJson did not hand over its options");
    }

    /// <summary><paramref name="value"/> as KubernetesJson.Serialize writes it (by its runtime type), as UTF-8.</summary>
    public static byte[] ToJsonBytes(object value) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, KubernetesJsonOptions.GetTypeInfo(value.GetType()));

    /// <summary>Deserializes UTF-8 <paramref name="json"/> as <paramref name="type"/> with KubernetesClient's settings.</summary>
    public static object FromJson(Type type, ReadOnlySpan<byte> json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, KubernetesJsonOptions.GetTypeInfo(type))
        ?? throw new InvalidOperationException($"empty {type.Name}");

    /// <summary>Deserializes <paramref name="json"/> as <paramref name="type"/> with KubernetesClient's settings.</summary>
    public static object FromJson(Type type, string json) => Deserializers.GetOrAdd(type, static t =>
    {
        // KubernetesJson only offers a generic Deserialize<T>; bind it once per type.
        var method = typeof(ObjectCopy).GetMethod(nameof(DeserializeAs), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(t);
        return method.CreateDelegate<Func<string, object>>();
    })(json);

    /// <summary>Deserializes YAML <paramref name="yaml"/> as <paramref name="type"/> with KubernetesClient's settings.</summary>
    public static object FromYaml(Type type, string yaml) => YamlDeserializers.GetOrAdd(type, static t =>
    {
        var method = typeof(ObjectCopy).GetMethod(nameof(DeserializeYamlAs), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(t);
        return method.CreateDelegate<Func<string, object>>();
    })(yaml);

    /// <summary>
    /// Replaces apiVersion, kind, namespace and label keys with their interned instances: every object repeats them, and
    /// one string each instead of one per object saves a few hundred bytes per route. The sets are small (kinds, API
    /// versions, namespaces and label keys in use), so interning for the process lifetime costs nothing that grows.
    /// </summary>
    public static void InternCommonStrings(IKubernetesObject<V1ObjectMeta> obj)
    {
        if (obj.ApiVersion is { } apiVersion) obj.ApiVersion = string.Intern(apiVersion);
        if (obj.Kind is { } kind) obj.Kind = string.Intern(kind);
        if (obj.Metadata is not { } meta) return;
        if (meta.NamespaceProperty is { } ns) meta.NamespaceProperty = string.Intern(ns);
        if (meta.Labels is { Count: > 0 } labels) meta.Labels = CompactStringDictionary.Of(labels, string.Intern);
        InternReferences(obj);
        FixLists(obj);
    }

    /// <summary>
    /// Holds the lists of the kinds there are thousands of (routes, Services, EndpointSlices) as exact arrays
    /// (<see cref="KeptLists.Fixed{T}"/>): the JSON reader fills a list one item at a time, so a list of one (most
    /// parentRefs, hostnames, rules, matches, backendRefs, ports, endpoints and addresses) keeps room for four behind a
    /// list object, about 500 bytes per route with its Service and EndpointSlice, for as long as the object is kept.
    /// Port lists and endpoint conditions that other Services and slices spell the same way are shared
    /// (<see cref="SharedParts"/>). Other kinds are few and left as they are.
    /// </summary>
    private static void FixLists(IKubernetesObject<V1ObjectMeta> obj)
    {
        switch (obj)
        {
            case Model.V1HTTPRoute { Spec: { } spec }:
                foreach (var rule in spec.Rules ?? [])
                {
                    foreach (var match in rule.Matches ?? [])
                    {
                        match.Headers = KeptLists.Fixed(match.Headers);
                        match.QueryParams = KeptLists.Fixed(match.QueryParams);
                    }
                    (rule.Matches, rule.Filters, rule.BackendRefs) = (KeptLists.Fixed(rule.Matches), KeptLists.Fixed(rule.Filters), KeptLists.Fixed(rule.BackendRefs));
                }
                (spec.ParentRefs, spec.Hostnames, spec.Rules) = (KeptLists.Fixed(spec.ParentRefs), KeptLists.Fixed(spec.Hostnames), KeptLists.Fixed(spec.Rules));
                break;
            case Model.V1GRPCRoute { Spec: { } spec }:
                foreach (var rule in spec.Rules ?? [])
                {
                    (rule.Matches, rule.Filters, rule.BackendRefs) = (KeptLists.Fixed(rule.Matches), KeptLists.Fixed(rule.Filters), KeptLists.Fixed(rule.BackendRefs));
                }
                (spec.ParentRefs, spec.Hostnames, spec.Rules) = (KeptLists.Fixed(spec.ParentRefs), KeptLists.Fixed(spec.Hostnames), KeptLists.Fixed(spec.Rules));
                break;
            case V1Service { Spec: { } spec }:
                (spec.Ports, spec.ClusterIPs, spec.IpFamilies) = (SharedParts.ServicePorts(KeptLists.Fixed(spec.Ports)), KeptLists.Fixed(spec.ClusterIPs), KeptLists.Fixed(spec.IpFamilies));
                break;
            case V1EndpointSlice slice:
                foreach (var endpoint in slice.Endpoints ?? [])
                {
                    if (endpoint is null) continue;
                    endpoint.Addresses = KeptLists.Fixed(endpoint.Addresses);
                    endpoint.Conditions = SharedParts.Conditions(endpoint.Conditions);
                }
                (slice.Endpoints, slice.Ports) = (KeptLists.Fixed(slice.Endpoints), SharedParts.SlicePorts(KeptLists.Fixed(slice.Ports)));
                break;
        }
    }

    // Every route repeats its parent's group, kind, namespace and name (the Gateway), its backends' group and kind, its
    // path match type; every EndpointSlice its address type and port names and protocols. Those are enum values or
    // names of Gateways and ports: few distinct ones, so interning them is bounded like the keys above. Values that
    // are unique per object (route names, hostnames, paths, addresses) are left alone: interning would keep them for
    // the process lifetime after the object is gone.
    private static void InternReferences(IKubernetesObject<V1ObjectMeta> obj)
    {
        switch (obj)
        {
            case Model.V1HTTPRoute r:
                InternParents(r.Spec?.ParentRefs);
                foreach (var rule in r.Spec?.Rules ?? [])
                {
                    foreach (var match in rule.Matches ?? [])
                    {
                        if (match.Path is { Type: { } type } path) path.Type = string.Intern(type);
                    }
                    foreach (var backend in rule.BackendRefs ?? []) InternBackend(backend);
                }
                break;
            case Model.V1GRPCRoute r:
                InternParents(r.Spec?.ParentRefs);
                foreach (var rule in r.Spec?.Rules ?? [])
                {
                    foreach (var backend in rule.BackendRefs ?? []) InternBackend(backend);
                }
                break;
            case Model.V1TLSRoute r:
                InternParents(r.Spec?.ParentRefs);
                break;
            case Model.V1TCPRoute r:
                InternParents(r.Spec?.ParentRefs);
                break;
            case Model.V1UDPRoute r:
                InternParents(r.Spec?.ParentRefs);
                break;
            case V1EndpointSlice slice:
                if (slice.AddressType is { } addressType) slice.AddressType = string.Intern(addressType);
                foreach (var port in slice.Ports ?? [])
                {
                    if (port.Name is { } name) port.Name = string.Intern(name);
                    if (port.Protocol is { } protocol) port.Protocol = string.Intern(protocol);
                }
                break;
            case V1Service service:
                foreach (var port in service.Spec?.Ports ?? [])
                {
                    if (port.Name is { } name) port.Name = string.Intern(name);
                    if (port.Protocol is { } protocol) port.Protocol = string.Intern(protocol);
                }
                break;
        }
    }

    private static void InternParents(IList<Model.V1GatewayParentReference>? parents)
    {
        foreach (var p in parents ?? []) InternParent(p);
    }

    private static void InternParent(Model.V1GatewayParentReference? p)
    {
        if (p is null) return;
        if (p.Group is { } group) p.Group = string.Intern(group);
        if (p.Kind is { } kind) p.Kind = string.Intern(kind);
        if (p.Namespace is { } ns) p.Namespace = string.Intern(ns);
        if (p.Name is { } name) p.Name = string.Intern(name);
        if (p.SectionName is { } section) p.SectionName = string.Intern(section);
    }

    private static void InternBackend(Model.V1BackendObjectReference backend)
    {
        if (backend.Group is { } group) backend.Group = string.Intern(group);
        if (backend.Kind is { } kind) backend.Kind = string.Intern(kind);
        if (backend.Namespace is { } ns) backend.Namespace = string.Intern(ns);
    }

    /// <summary>Treats an unspecified DateTime (as YAML and JSON readers produce) as UTC, the API server's zone.</summary>
    public static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    /// <summary>Truncates to whole seconds: Kubernetes timestamps (metav1.Time) are RFC 3339 with second precision.</summary>
    public static DateTime ToSeconds(DateTime value)
    {
        var utc = AsUtc(value);
        return new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    private static object DeserializeYamlAs<T>(string yaml) =>
        KubernetesYaml.Deserialize<T>(yaml) ?? throw new InvalidOperationException($"empty {typeof(T).Name}");

    private static object DeserializeAs<T>(string json) =>
        KubernetesJson.Deserialize<T>(json) ?? throw new InvalidOperationException($"empty {typeof(T).Name}");
}
