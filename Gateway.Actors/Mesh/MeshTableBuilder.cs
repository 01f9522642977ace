using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Mesh;

/// <summary>
/// Builds the <see cref="MeshTable"/> of one translation from the snapshot's Services and the routes' accepted mesh
/// parents (<see cref="MeshAttachment"/>): per mesh Service port, the routes of the Service's namespace merged into
/// the producer table and each other namespace's routes into that namespace's consumer table (GEP-1294 "Producer and
/// consumer routes": "The merging of routes occurs only within groups of the same type of routes"), entries in the
/// precedence order Gateway listeners use (<c>EntryOrder.Http</c>), without hostnames; and the port's endpoints.
/// Pure; reads no route that has no mesh parent, so callers may pass only the routes that can have one.
/// </summary>
internal static class MeshTableBuilder
{
    /// <param name="index">The translation's index (its snapshot's Services and EndpointSlices).</param>
    /// <param name="routes">Routes; only those with an accepted mesh parent are read.</param>
    /// <param name="options">The translator's options.</param>
    /// <param name="assignments">Where the ClusterIP assignment over every Service is kept between calls: the caller clears it
    /// when a Service changed (it reads nothing else), so a route change does not allocate every Service again.</param>
    public static MeshTable Build(TranslationIndex index, IEnumerable<RouteModel> routes, TranslatorOptions options, ClusterIpAssignmentCache? assignments = null)
    {
        var snapshot = index.Snapshot;

        // (Service, port) → route namespace → routes, each route once however many of its parentRefs reach the port.
        var attached = new Dictionary<(ResourceKey Service, int Port), SortedDictionary<string, HashSet<RouteModel>>>();
        foreach (var route in routes)
        {
            foreach (var parent in route.Parents)
            {
                if (parent.Mesh is not { } mesh || !parent.Accepted.Status) continue;
                foreach (var port in mesh.Ports)
                {
                    // A port a GRPCRoute of the same group took from this HTTPRoute (MeshRouteTypes) does not serve it.
                    if (parent.MeshLostPorts.Contains(port)) continue;
                    if (!attached.TryGetValue((mesh.Service, port), out var byNamespace)) attached[(mesh.Service, port)] = byNamespace = new(StringComparer.Ordinal);
                    if (!byNamespace.TryGetValue(route.Key.Namespace, out var set)) byNamespace[route.Key.Namespace] = set = [];
                    set.Add(route);
                }
            }
        }

        if (!options.MeshPassthrough && attached.Count == 0) return MeshTable.Empty;
        var withRoutes = options.MeshPassthrough ? null : attached.Keys.Select(k => k.Service).ToHashSet();
        // Spec.clusterIPs give each Service its own addresses, independent of the others (and no problems): a gateway
        // replica then reads only the Services its mesh routes name, not every Service. Allocation reads every Service.
        ClusterIpAssignment assignment;
        if (withRoutes is not null && options.MeshClusterIpMode == MeshClusterIpMode.FromService)
        {
            assignment = ClusterIpAllocation.Assign(withRoutes.Select(snapshot.Get<k8s.Models.V1Service>).OfType<k8s.Models.V1Service>(),
                options.MeshClusterIpMode, options.MeshClusterIpRange);
        }
        else
        {
            assignment = assignments?.AllServices ?? ClusterIpAllocation.Assign(snapshot.Services, options.MeshClusterIpMode, options.MeshClusterIpRange);
            if (assignments is not null) assignments.AllServices = assignment;
        }
        var services = ImmutableArray.CreateBuilder<MeshService>();
        foreach (var (key, ips) in assignment.ClusterIPs)
        {
            if (withRoutes is not null && !withRoutes.Contains(key)) continue;
            var service = snapshot.Get<k8s.Models.V1Service>(key);
            if (service is null) continue;
            var ports = ImmutableArray.CreateBuilder<MeshServicePort>();
            foreach (var sp in service.Spec?.Ports ?? [])
            {
                // Only TCP ports carry mesh traffic (the proxy intercepts TCP); UDP and SCTP ports are left alone.
                if (sp.Protocol is not (null or "TCP")) continue;
                ListenerRouteTable? producer = null;
                var consumers = ImmutableSortedDictionary.CreateBuilder<string, ListenerRouteTable>(StringComparer.Ordinal);
                if (attached.TryGetValue((key, sp.Port), out var byNamespace))
                {
                    foreach (var (ns, set) in byNamespace)
                    {
                        var name = ns == key.Namespace ? $"mesh/{key.NamespacedName}:{sp.Port}" : $"mesh/{key.NamespacedName}:{sp.Port}/consumer/{ns}";
                        var table = Table(name, set);
                        if (ns == key.Namespace) producer = table;
                        else consumers[ns] = table;
                    }
                }
                ports.Add(new MeshServicePort(sp.Port, sp.Name, sp.AppProtocol, producer, consumers.ToImmutable(),
                    BackendResolution.Endpoints(index, key.Namespace, key.Name, sp)));
            }
            services.Add(new MeshService(key.Namespace, key.Name, ips, ports.ToImmutable()));
        }
        return new MeshTable(services.ToImmutable()) { Problems = assignment.Problems };
    }

    private static ListenerRouteTable Table(string name, IEnumerable<RouteModel> routes)
    {
        var entries = new List<SortableHttpEntry>();
        foreach (var route in routes) Translator.AddHttpEntries(route, null, entries);
        entries.Sort(EntryOrder.Http);
        return new ListenerRouteTable(name, null, null, [.. entries.Select(e => e.Entry)], []);
    }
}

/// <summary>
/// The ClusterIP assignment over every Service of the last snapshot a <see cref="MeshTableBuilder.Build"/> saw, for one
/// translator's options (range and mode). The assignment is a function of the Services alone, so it stays valid until
/// a Service changes; whoever holds this clears it then.
/// </summary>
internal sealed class ClusterIpAssignmentCache
{
    public ClusterIpAssignment? AllServices { get; set; }
}
