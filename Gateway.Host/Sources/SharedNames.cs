using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Sources;

/// <summary>
/// Makes freshly stamped objects share the name strings the catalog already holds, instead of each keeping its own
/// equal copy: an object's metadata.name shares its key's name, and a Service's name is shared by the EndpointSlices
/// that label themselves with it (<c>kubernetes.io/service-name</c>) and by the route backendRefs that name it. A
/// stamped object is read from JSON (by the parser, or as a stamped copy), so without this a route with its Service and
/// EndpointSlice kept the Service's name four times and every object its own name twice. Only sharing: every value stays equal to what it
/// was (ordinal), so nothing that reads the objects can tell. Runs on copies stamped in the current pass, before they
/// are handed out (stamped objects are never modified afterwards).
/// </summary>
internal static class SharedNames
{
    /// <summary>The label an EndpointSlice carries with the name of its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>
    /// Shares names on <paramref name="stamped"/> (this pass's own copies, with their keys); Services are looked up in
    /// <paramref name="entries"/>, the catalog's table after the pass.
    /// </summary>
    public static void Share(IReadOnlyList<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> stamped, IReadOnlyDictionary<ResourceKey, CatalogEntry> entries)
    {
        foreach (var (key, obj) in stamped)
        {
            var meta = obj.Metadata;
            if (string.Equals(meta.Name, key.Name, StringComparison.Ordinal)) meta.Name = key.Name;
            switch (obj)
            {
                case V1EndpointSlice when meta.Labels is { } labels && labels.TryGetValue(ServiceNameLabel, out var service)
                    && ServiceName(entries, key.Namespace, service) is { } shared:
                    labels[ServiceNameLabel] = shared;
                    break;
                case V1HTTPRoute route:
                    foreach (var rule in route.Spec?.Rules ?? [])
                    {
                        foreach (var backend in rule.BackendRefs ?? []) Share(backend, key.Namespace, entries);
                    }
                    break;
                case V1GRPCRoute route:
                    foreach (var rule in route.Spec?.Rules ?? [])
                    {
                        foreach (var backend in rule.BackendRefs ?? []) Share(backend, key.Namespace, entries);
                    }
                    break;
                case V1TLSRoute route:
                    Share(route.Spec?.Rules, key.Namespace, entries);
                    break;
                case V1TCPRoute route:
                    Share(route.Spec?.Rules, key.Namespace, entries);
                    break;
                case V1UDPRoute route:
                    Share(route.Spec?.Rules, key.Namespace, entries);
                    break;
            }
        }
    }

    private static void Share(IList<V1L4RouteRule>? rules, string routeNamespace, IReadOnlyDictionary<ResourceKey, CatalogEntry> entries)
    {
        foreach (var rule in rules ?? [])
        {
            foreach (var backend in rule.BackendRefs ?? []) Share(backend, routeNamespace, entries);
        }
    }

    // A backendRef names a Service when its group is the core group and its kind Service (both defaulted when absent).
    private static void Share(V1BackendObjectReference backend, string routeNamespace, IReadOnlyDictionary<ResourceKey, CatalogEntry> entries)
    {
        if (backend.Group is { Length: > 0 } || backend.Kind is not (null or "Service")) return;
        if (ServiceName(entries, backend.Namespace ?? routeNamespace, backend.Name) is { } shared) backend.Name = shared;
    }

    private static string? ServiceName(IReadOnlyDictionary<ResourceKey, CatalogEntry> entries, string ns, string name) =>
        entries.TryGetValue(new ResourceKey(KindRegistry.Service.Kind, ns, name), out var entry) && entry.Object.Metadata.Name is { } shared
            && string.Equals(shared, name, StringComparison.Ordinal) ? shared : null;
}
