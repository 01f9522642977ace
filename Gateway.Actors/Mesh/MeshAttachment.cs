using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Mesh;

/// <summary>An accepted mesh parent: the Service and the ports of it (spec.ports[].port) the parentRef attaches to.</summary>
internal sealed record MeshParent(ResourceKey Service, ImmutableArray<int> Ports);

/// <summary>
/// Binds a route's parentRef to a core Service (group "", kind Service: the GAMMA mesh parent, GEP-1294), in this
/// order; the route gets a parent status entry with our controllerName for every such parentRef:
/// <list type="number">
/// <item>only HTTPRoute and GRPCRoute are served in the mesh: other kinds → Accepted=False/UnsupportedValue;</item>
/// <item>the Service must exist → else NoMatchingParent (it is the parent, not a backend, so not BackendNotFound);</item>
/// <item>it must have a ClusterIP: headless (clusterIP None) and ExternalName Services are not mesh parents
/// (GEP-1294 "Service as parentRef") → NoMatchingParent;</item>
/// <item>parentRef.port selects the Service port with that number and sectionName the one with that name (both must
/// match when both are given; ParentReference.SectionName "Service: Port name"); neither selects every port
/// (GEP-1294 "Ports") → none selected: NoMatchingParent;</item>
/// <item>a route with no valid rule → UnsupportedValue, as for Gateway parents.</item>
/// </list>
/// A Service in the route's namespace makes it a producer route, one in another namespace a consumer route
/// (ParentReference.Namespace); neither needs a ReferenceGrant, for the parent or for backendRefs
/// (GEP-1294 "Routes of either type can send traffic to backendRefs in any namespace ... without a ReferenceGrant").
/// Route hostnames are ignored (GEP-1294 "hostnames field": implementations "SHOULD NOT infer any functionality").
/// </summary>
internal static class MeshAttachment
{
    /// <summary>True for a parentRef naming a core Service.</summary>
    public static bool IsServiceParent(V1GatewayParentReference pr) => pr.Group == "" && pr.Kind == "Service";

    /// <summary>True when every parentRef of the route names a core Service: its backendRefs need no ReferenceGrant.</summary>
    public static bool MeshOnly(IReadOnlyList<V1GatewayParentReference> parentRefs) => parentRefs.Count > 0 && parentRefs.All(IsServiceParent);

    public static ParentResult Attach(RouteModel route, V1GatewayParentReference pr, string routeKind, string ns, TranslationIndex index)
    {
        var result = new ParentResult
        {
            StatusRef = new V1GatewayParentReference { Group = "", Kind = "Service", Namespace = ns, Name = pr.Name, SectionName = pr.SectionName, Port = pr.Port },
        };
        if (routeKind is not ("HTTPRoute" or "GRPCRoute"))
        {
            result.Accepted = RouteConditions.UnsupportedValue($"A {routeKind} cannot have a Service parent here: the mesh serves HTTPRoute and GRPCRoute only.");
            return result;
        }
        var service = index.Service(ns, pr.Name);
        if (service is null)
        {
            result.Accepted = RouteConditions.NoMatchingParent($"Service {ns}/{pr.Name} does not exist.");
            return result;
        }
        if (!ClusterIpAllocation.IsMeshParent(service, out var whyNot))
        {
            result.Accepted = RouteConditions.NoMatchingParent($"Service {ns}/{pr.Name} is not a mesh parent: {whyNot}.");
            return result;
        }
        var ports = (service.Spec?.Ports ?? [])
            .Where(p => (pr.Port is null || p.Port == pr.Port) && (pr.SectionName is null || p.Name == pr.SectionName))
            .Select(p => p.Port)
            .Distinct()
            .ToImmutableArray();
        if (ports.IsEmpty)
        {
            result.Accepted = RouteConditions.NoMatchingParent((pr.SectionName, pr.Port) switch
            {
                ({ } s, { } p) => $"Service {ns}/{pr.Name} has no port named {s} with port {p}.",
                ({ } s, null) => $"Service {ns}/{pr.Name} has no port named {s}.",
                (null, { } p) => $"Service {ns}/{pr.Name} has no port {p}.",
                _ => $"Service {ns}/{pr.Name} has no ports.",
            });
            return result;
        }
        if (!route.HasValidRules)
        {
            result.Accepted = RouteConditions.UnsupportedValue("No rule is valid: " + string.Join(" ", route.DroppedRules));
            return result;
        }
        result.Mesh = new MeshParent(new ResourceKey("Service", ns, pr.Name), ports);
        return result;
    }
}
