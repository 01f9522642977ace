using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Mesh;

/// <summary>
/// GEP-1294 "Route types": "If multiple routes with different types both bind to the same Service and Port pair, only
/// a single route type should be applied. The rejected routes should be ignored and have the RouteConditionAccepted
/// status set to the (new) reason RouteReasonConflicted", with GRPCRoute first in the specificity order. Of the kinds
/// the mesh serves (HTTPRoute and GRPCRoute; TCP/TLS/UDP routes are refused on Service parents) a GRPCRoute therefore
/// always wins: an HTTPRoute's accepted mesh parent loses every Service port that a GRPCRoute of the same group is
/// attached to.
/// <para>
/// The group is the set of routes that are merged and applied together (GEP-1294 "The merging of routes occurs only
/// within groups of the same type of routes"): the producer routes (the Service's namespace), or one consumer
/// namespace's routes. Routes of different groups never apply to the same request, so they cannot conflict: a consumer
/// namespace may route a Service port with HTTPRoutes for its own clients while the producer serves it with GRPCRoutes.
/// </para>
/// <para>
/// A parentRef that selects several ports keeps those no GRPCRoute took: it stays Accepted (its message names the
/// lost ports) and is served there; one that lost every port is Accepted=False/Conflicted and serves nothing. The
/// outcome is a function of the accepted mesh parents alone, so both translators run this after attachment over every
/// route and get the same result.
/// </para>
/// </summary>
internal static class MeshRouteTypes
{
    /// <summary>
    /// Sets <see cref="ParentResult.MeshLostPorts"/> and <see cref="ParentResult.MeshConflict"/> on every mesh parent of
    /// <paramref name="routes"/> and returns the routes whose outcome differs from what those fields held before (their
    /// status must be composed again).
    /// </summary>
    public static List<ResourceKey> Resolve(IEnumerable<RouteModel> routes)
    {
        var meshRoutes = routes.Where(r => r.Parents.Any(p => p.Mesh is not null)).ToList();

        // (Service, port, group namespace) → the GRPCRoutes attached there, in key order for a stable message.
        var grpc = new Dictionary<(ResourceKey Service, int Port, string Group), SortedSet<ResourceKey>>();
        foreach (var route in meshRoutes.Where(r => r.Key.Kind == "GRPCRoute"))
        {
            foreach (var parent in route.Parents)
            {
                if (parent.Mesh is not { } mesh || !parent.Accepted.Status) continue;
                foreach (var port in mesh.Ports)
                {
                    var at = (mesh.Service, port, route.Key.Namespace);
                    if (!grpc.TryGetValue(at, out var set)) grpc[at] = set = [];
                    set.Add(route.Key);
                }
            }
        }

        var changed = new List<ResourceKey>();
        foreach (var route in meshRoutes)
        {
            var routeChanged = false;
            foreach (var parent in route.Parents)
            {
                var (lost, condition) = route.Key.Kind == "HTTPRoute" && parent.Mesh is { } mesh && parent.Accepted.Status
                    ? Outcome(mesh, route.Key.Namespace, grpc)
                    : ([], null);
                if (!lost.SequenceEqual(parent.MeshLostPorts) || condition != parent.MeshConflict) routeChanged = true;
                parent.MeshLostPorts = lost;
                parent.MeshConflict = condition;
            }
            if (routeChanged) changed.Add(route.Key);
        }
        return changed;
    }

    private static (ImmutableArray<int> Lost, ConditionSpec? Condition) Outcome(MeshParent mesh, string group,
        Dictionary<(ResourceKey Service, int Port, string Group), SortedSet<ResourceKey>> grpc)
    {
        var lost = ImmutableArray.CreateBuilder<int>();
        var winners = new SortedSet<ResourceKey>();
        foreach (var port in mesh.Ports)
        {
            if (!grpc.TryGetValue((mesh.Service, port, group), out var routes)) continue;
            lost.Add(port);
            winners.UnionWith(routes);
        }
        if (lost.Count == 0) return ([], null);
        var ports = string.Join(", ", lost);
        var by = string.Join(", ", winners.Select(k => k.NamespacedName));
        var detail = $"GRPCRoute {by} is attached to Service {mesh.Service.NamespacedName} port {ports}; a GRPCRoute takes precedence over an HTTPRoute on the same Service port (GEP-1294 route types).";
        return lost.Count == mesh.Ports.Length
            ? ([.. lost], RouteConditions.Conflicted(detail))
            : ([.. lost], RouteConditions.Accepted() with { Message = $"The route is accepted on the other ports of the Service. Not applied on port {ports}: {detail}" });
    }
}
