using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

/// <summary>
/// Binds a route's parentRefs to listeners (ParentReference docs, HTTPRouteSpec.Hostnames, Listener.AllowedRoutes).
/// For each parentRef that names one of our Gateways (or a ListenerSet on one), in this order:
/// <list type="number">
/// <item>sectionName and port select listeners; none selected → NoMatchingParent.</item>
/// <item>the listener must support the route kind and allow the route's namespace (Same / All / Selector over the
/// namespace's labels) → otherwise NotAllowedByListeners.</item>
/// <item>for routes with hostnames, route and listener hostnames must intersect → otherwise NoMatchingListenerHostname.</item>
/// </list>
/// A parentRef to a core Service is a mesh parent (GAMMA), bound by <see cref="Mesh.MeshAttachment"/>.
/// A parentRef to something that is not ours (unknown kind, missing Gateway, another controller's class) gets no
/// status entry: that entry belongs to whichever controller owns the parent.
/// </summary>
internal static class RouteAttachment
{
    public static void Attach(RouteModel route, string routeKind, bool usesHostnames,
        IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, IReadOnlyDictionary<ResourceKey, ListenerSetModel> listenerSets, TranslationIndex index)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pr in route.ParentRefs)
        {
            var group = pr.Group ?? KindRegistry.GatewayGroup;
            var kind = pr.Kind ?? "Gateway";
            var ns = string.IsNullOrEmpty(pr.Namespace) ? route.Key.Namespace : pr.Namespace;
            if (Mesh.MeshAttachment.IsServiceParent(pr))
            {
                if (seen.Add($"Service/{ns}/{pr.Name}/{pr.SectionName}/{pr.Port}")) route.AddParent(Mesh.MeshAttachment.Attach(route, pr, routeKind, ns, index));
                continue;
            }
            if (group != KindRegistry.GatewayGroup) continue;
            if (!seen.Add($"{kind}/{ns}/{pr.Name}/{pr.SectionName}/{pr.Port}")) continue;

            IEnumerable<ListenerModel> candidates;
            StatusParentRefs statusRefs;
            string ownerNamespace;
            string? notReady = null;
            if (kind == "Gateway")
            {
                if (!gateways.TryGetValue(new ResourceKey("Gateway", ns, pr.Name), out var gw)) continue;
                candidates = gw.Listeners.Where(l => l.Owner == gw.Key);
                ownerNamespace = gw.Key.Namespace;
                statusRefs = gw.StatusRefs;
                if (!gw.Accepted) notReady = $"Gateway {gw.Key.NamespacedName} is not accepted.";
            }
            else if (kind == "ListenerSet")
            {
                if (!listenerSets.TryGetValue(new ResourceKey("ListenerSet", ns, pr.Name), out var ls) || ls.Parent is null) continue;
                candidates = ls.Listeners;
                ownerNamespace = ls.Key.Namespace;
                statusRefs = ls.StatusRefs;
                if (!ls.Accepted) notReady = $"ListenerSet {ls.Key.NamespacedName} is not accepted.";
            }
            else continue;

            var result = new ParentResult { StatusRef = statusRefs.For(pr.SectionName, pr.Port) };
            route.AddParent(result);

            if (notReady is not null)
            {
                result.Accepted = RouteConditions.NoMatchingParent(notReady);
                continue;
            }

            var selected = candidates
                .Where(l => (pr.SectionName is null || l.Name == pr.SectionName) && (pr.Port is null || l.Port == pr.Port))
                .ToList();
            if (selected.Count == 0)
            {
                result.Accepted = RouteConditions.NoMatchingParent(NoMatchMessage(pr, kind));
                continue;
            }

            var allowed = selected.Where(l => l.SupportedKinds.Contains(routeKind) && NamespaceAllowed(l, route.Key.Namespace, ownerNamespace, index)).ToList();
            if (allowed.Count == 0)
            {
                result.Accepted = RouteConditions.NotAllowedByListeners(
                    $"No selected listener allows a {routeKind} from namespace {route.Key.Namespace} (kinds or allowedRoutes.namespaces).");
                continue;
            }

            foreach (var l in allowed)
            {
                var hostnames = usesHostnames ? Hostnames.Effective(l.Hostname, route.Hostnames) : [];
                if (hostnames is not null) result.Attach(l, hostnames);
            }
            if (result.Attached.Count == 0)
            {
                result.Accepted = RouteConditions.NoMatchingListenerHostname(
                    $"None of the route hostnames [{string.Join(", ", route.Hostnames)}] intersects a selected listener hostname.");
                continue;
            }

            if (!route.HasValidRules)
            {
                result.ClearAttached();
                result.Accepted = RouteConditions.UnsupportedValue("No rule is valid: " + string.Join(" ", route.DroppedRules));
            }
        }
    }

    private static string NoMatchMessage(V1GatewayParentReference pr, string kind) => (pr.SectionName, pr.Port) switch
    {
        ({ } s, { } p) => $"The {kind} has no listener named {s} on port {p}.",
        ({ } s, null) => $"The {kind} has no listener named {s}.",
        (null, { } p) => $"The {kind} has no listener on port {p}.",
        _ => $"The {kind} has no listeners.",
    };

    /// <summary>AllowedRoutes.Namespaces.From (default Same; Same means the namespace of the listener's owner).</summary>
    private static bool NamespaceAllowed(ListenerModel l, string routeNamespace, string ownerNamespace, TranslationIndex index)
    {
        var from = l.Spec.AllowedRoutes?.Namespaces?.From ?? "Same";
        return from switch
        {
            "All" => true,
            "Same" => routeNamespace == ownerNamespace,
            "Selector" => LabelSelectors.Matches(l.Spec.AllowedRoutes?.Namespaces?.Selector, index.NamespaceLabels(routeNamespace)),
            _ => false,
        };
    }
}
