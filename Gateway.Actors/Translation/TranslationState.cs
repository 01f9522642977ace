using Gateway.Actors.Resources;

namespace Gateway.Actors.Translation;

/// <summary>
/// Every model one translation decided, kept by <see cref="IncrementalTranslator"/> between snapshots: the
/// Gateway-level models (steps 1-7) and what they read, each route's model with the Services it read and the listeners
/// its entries sit on, and the last result. Listener models hold their entries in precedence order, their shadowed
/// routes and their table slices; Gateway models their last tables.
/// </summary>
internal sealed class TranslationState(Snapshot snapshot, TranslatorOptions options)
{
    public Snapshot Snapshot { get; set; } = snapshot;
    public TranslatorOptions Options { get; } = options;
    public TranslationIndex Index { get; } = new(snapshot);
    public Dictionary<ResourceKey, GatewayModel> Gateways { get; } = [];
    public Dictionary<ResourceKey, ListenerSetModel> ListenerSets { get; } = [];

    /// <summary>Services (as Service keys, also standing for their EndpointSlices) read by steps 1-7.</summary>
    public HashSet<ResourceKey> GatewayReads { get; } = [];

    public Dictionary<ResourceKey, RouteModel> Routes { get; } = [];

    /// <summary>Service key → the routes whose translation read it.</summary>
    public ResourceKeyMultiMap RoutesReading { get; } = new();

    /// <summary>
    /// The routes with a parentRef naming a core Service: a superset of the routes with a mesh parent, which are all
    /// that GEP-1294's route-type rule and the mesh table read, so a change runs those over this set instead of every
    /// route (both ignore a route without an accepted mesh parent).
    /// </summary>
    public Dictionary<ResourceKey, RouteModel> MeshRoutes { get; } = [];

    /// <summary>The mesh ClusterIP assignment over every Service, cleared when a Service changes.</summary>
    public Mesh.ClusterIpAssignmentCache MeshAssignments { get; } = new();

    public TranslationResult Result { get; set; } = null!;

    /// <summary>Keeps <paramref name="route"/> (replacing none: remove the old model first) and indexes what it read.</summary>
    public RouteModel AddRoute(RouteModel route)
    {
        Routes[route.Key] = route;
        foreach (var read in route.Reads) RoutesReading.Add(read, route.Key);
        if (route.ParentRefs.Any(Mesh.MeshAttachment.IsServiceParent)) MeshRoutes[route.Key] = route;
        return route;
    }

    /// <summary>
    /// Gives back the room the per-route tables grew into while a full translation filled them from nothing
    /// (<see cref="KeptLists.TrimTable{TKey,TValue}"/>): the state is kept until the next full translation.
    /// </summary>
    public void TrimTables()
    {
        KeptLists.TrimTable(Routes);
        KeptLists.TrimTable(MeshRoutes);
        RoutesReading.TrimTable();
        Index.TrimTables();
        foreach (var listener in Gateways.Values.SelectMany(g => g.Listeners).Concat(ListenerSets.Values.SelectMany(l => l.Listeners)))
        {
            KeptLists.TrimTable(listener.ByRoute);
            KeptLists.TrimTable(listener.BySignature);
            KeptLists.TrimTable(listener.ShadowedRoutes);
        }
    }

    /// <summary>Forgets a route and its reads; the caller takes its entries off the listeners.</summary>
    public RouteModel? RemoveRoute(ResourceKey key)
    {
        if (!Routes.Remove(key, out var route)) return null;
        foreach (var read in route.Reads) RoutesReading.Remove(read, key);
        MeshRoutes.Remove(key);
        return route;
    }
}
