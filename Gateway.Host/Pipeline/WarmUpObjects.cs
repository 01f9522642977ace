using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Pipeline;

/// <summary>
/// What the warm-ups change: a route together with the Service its first rule sends to and that Service's
/// EndpointSlices, because an added route usually comes with them, and the first real addition otherwise runs their
/// code cold.
/// </summary>
public static class WarmUpObjects
{
    /// <summary>
    /// <paramref name="route"/> with its first backend Service (when <paramref name="get"/> has it) and the
    /// EndpointSlices among <paramref name="slices"/> labelled with that Service's name in its namespace, each with its key.
    /// </summary>
    public static List<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> RouteAndBackends(IKubernetesObject<V1ObjectMeta> route,
        Func<ResourceKey, IKubernetesObject<V1ObjectMeta>?> get, IEnumerable<V1EndpointSlice> slices)
    {
        var objects = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)> { (KindRegistry.KeyOf(KindRegistry.ByName(route.Kind)!, route), route) };
        if (FirstBackendService(route) is not { } serviceKey || get(serviceKey) is not { } service) return objects;
        objects.Add((serviceKey, service));
        foreach (var slice in slices)
        {
            if (slice.Metadata.NamespaceProperty == serviceKey.Namespace && slice.Metadata.Labels is { } labels
                && labels.TryGetValue("kubernetes.io/service-name", out var name) && name == serviceKey.Name)
                objects.Add((KindRegistry.KeyOf(KindRegistry.EndpointSlice, slice), slice));
        }
        return objects;
    }

    /// <summary>The Service the first backendRef of the route's first rule names, or null (no rule, no backend, another kind).</summary>
    public static ResourceKey? FirstBackendService(IKubernetesObject<V1ObjectMeta> route)
    {
        V1BackendRef? backend = route switch
        {
            V1HTTPRoute http => http.Spec?.Rules?.FirstOrDefault()?.BackendRefs?.FirstOrDefault(),
            V1GRPCRoute grpc => grpc.Spec?.Rules?.FirstOrDefault()?.BackendRefs?.FirstOrDefault(),
            _ => null,
        };
        if (backend?.Name is null || !string.IsNullOrEmpty(backend.Group) || backend.Kind is not (null or "Service")) return null;
        return new ResourceKey(KindRegistry.Service.Kind, backend.Namespace ?? route.Metadata.NamespaceProperty, backend.Name);
    }
}
