using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Host.Kubernetes;

/// <summary>
/// One Service to create, update or delete. <see cref="Build"/> turns the Service as read (the snapshot's, or a fresh
/// read after a conflict) into the desired one; null means the Service must go.
/// </summary>
/// <param name="Gateway">The Gateway the Service belongs to: its owner decides (ownership seam).</param>
/// <param name="Namespace">The Service's namespace.</param>
/// <param name="Name">The Service's name.</param>
/// <param name="Existing">The Service in the snapshot, or null.</param>
/// <param name="Build">Existing → desired (null: delete).</param>
/// <param name="Orphaned">The Gateway is gone or no longer ours: no node owns it any more, so any node may delete the
/// Service (deletes carry the Service's uid as a precondition, so concurrent deletes are harmless).</param>
public sealed record ServiceChange(ResourceKey Gateway, string Namespace, string Name, V1Service? Existing, Func<V1Service?, V1Service?> Build, bool Orphaned = false)
{
    /// <summary>The Service's key.</summary>
    public ResourceKey ServiceKey => new("Service", Namespace, Name);
}

/// <summary>
/// Snapshot → the Service changes needed (pure): every Gateway of a GatewayClass of ours gets its Service; managed
/// Services whose Gateway is gone or no longer ours are deleted. A Gateway whose parameters cannot be resolved keeps its
/// Service as it is (the translator reports InvalidParameters; tearing down a working load balancer over a typo in a
/// ConfigMap would be worse). A same-named Service without our managed-by label is never touched.
/// Services already as desired produce no change, so a steady state makes no API calls.
/// </summary>
public static class GatewayServicePlanner
{
    /// <summary>The changes for <paramref name="snapshot"/>.</summary>
    public static IReadOnlyList<ServiceChange> Plan(Snapshot snapshot, string controllerName, GatewayServiceOptions options)
    {
        var managed = snapshot.Services.Where(s => (s.Metadata.NamespaceProperty ?? "default") == options.Namespace && GatewayServices.IsManaged(s)).ToList();
        var claims = GatewayServices.ResolveClaims(managed);
        var claimedBy = managed.ToDictionary(s => KindRegistry.KeyOf(KindRegistry.Service, s), s => GatewayServices.ContainerPorts(s).Values.ToHashSet());
        var classes = snapshot.GatewayClasses.Where(c => c.Spec.ControllerName == controllerName).ToDictionary(c => c.Metadata.Name, StringComparer.Ordinal);
        var keep = new HashSet<ResourceKey>();
        var changes = new List<ServiceChange>();

        foreach (var gateway in snapshot.Gateways)
        {
            if (!classes.TryGetValue(gateway.Spec.GatewayClassName, out var gatewayClass)) continue;
            var key = KindRegistry.KeyOf(KindRegistry.Gateway, gateway);
            var serviceKey = new ResourceKey("Service", options.Namespace, GatewayServices.ServiceName(key));
            keep.Add(serviceKey);
            var existing = snapshot.Get<V1Service>(serviceKey);
            if (existing is not null && GatewayServices.GatewayOf(existing) != key) continue;
            var parameters = Parameters(snapshot, gatewayClass, gateway);
            if (parameters is null) continue;

            var ports = GatewayServices.PortsOf(gateway, snapshot.ListenerSets);
            var kept = claims.GetValueOrDefault(serviceKey) ?? new Dictionary<ServicePortKey, int>();
            var taken = claimedBy.Where(p => p.Key != serviceKey).SelectMany(p => p.Value).ToHashSet();
            V1Service? Build(V1Service? current) =>
                current is not null && GatewayServices.GatewayOf(current) is { } owner && owner != key
                    ? current
                    : GatewayServiceBuilder.Build(gateway, parameters, ports, current, current is null ? new Dictionary<ServicePortKey, int>() : kept, taken, options);

            if (existing is not null && GatewayServiceBuilder.SameManagedFields(Build(existing)!, existing)) continue;
            changes.Add(new ServiceChange(key, options.Namespace, serviceKey.Name, existing, Build));
        }

        foreach (var service in managed)
        {
            var serviceKey = KindRegistry.KeyOf(KindRegistry.Service, service);
            if (keep.Contains(serviceKey) || GatewayServices.GatewayOf(service) is not { } gateway) continue;
            changes.Add(new ServiceChange(gateway, serviceKey.Namespace, serviceKey.Name, service, _ => null, Orphaned: true));
        }
        return changes;
    }

    /// <summary>Class parameters overlaid with the Gateway's; null when either reference cannot be resolved.</summary>
    public static ServiceParameters? Parameters(Snapshot snapshot, V1GatewayClass gatewayClass, V1Gateway gateway)
    {
        var result = ServiceParameters.None;
        if (gatewayClass.Spec.ParametersRef is { } cr)
        {
            var (p, error) = GatewayServices.ResolveParameters(snapshot, cr.Group, cr.Kind, cr.Namespace ?? "", cr.Name);
            if (error is not null) return null;
            result = result.With(p!);
        }
        if (gateway.Spec.Infrastructure?.ParametersRef is { } gr)
        {
            var (p, error) = GatewayServices.ResolveParameters(snapshot, gr.Group, gr.Kind, gateway.Metadata.NamespaceProperty ?? "default", gr.Name);
            if (error is not null) return null;
            result = result.With(p!);
        }
        return result;
    }
}
