using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Mesh;

// The mesh (GAMMA) half of the translator's output: what a mesh proxy (`--mode mesh`) needs to route a connection
// whose original destination is a Service's ClusterIP. Pure data like the rest of the route-table IR: routes are the
// same ListenerRouteTable the Gateway data plane compiles (entries sorted by RoutePrecedence, backends resolved with
// endpoints, filters compiled), so the proxy reuses the data plane's compiler and request pipeline unchanged.
// Records holding ImmutableArray compare by reference; compare by their canonical YAML (MeshTableYaml).

/// <summary>
/// Every mesh parent of one snapshot: each Service that has a ClusterIP (headless and ExternalName Services are not
/// mesh parents, GEP-1294 "Service as parentRef"), with per port the producer route table, the consumer route tables
/// by client namespace and the ready endpoints for passthrough. <see cref="Services"/> are sorted by namespace/name.
/// The lookup index from (ClusterIP, port) is built once, when the table is created.
/// </summary>
public sealed class MeshTable
{
    /// <summary>No Services: every lookup misses.</summary>
    public static readonly MeshTable Empty = new([]);

    private readonly FrozenDictionary<(IPAddress Address, int Port), (MeshService Service, MeshServicePort Port)> _byFrontend;

    /// <summary>
    /// Builds the table and its index. Two Services claiming the same (ClusterIP, port) cannot come out of the
    /// translator (the allocator and the API server give each ClusterIP to one Service); if a hand-built table has
    /// them, the first in <paramref name="services"/> order wins.
    /// </summary>
    public MeshTable(ImmutableArray<MeshService> services)
    {
        Services = services.IsDefault ? [] : services;
        var index = new Dictionary<(IPAddress, int), (MeshService, MeshServicePort)>();
        foreach (var s in Services)
        {
            foreach (var ip in s.ClusterIPs)
            {
                foreach (var p in s.Ports) index.TryAdd((Normalize(ip), p.Port), (s, p));
            }
        }
        _byFrontend = index.ToFrozenDictionary();
    }

    /// <summary>The mesh Services, sorted by namespace then name.</summary>
    public ImmutableArray<MeshService> Services { get; }

    /// <summary>
    /// Services that should be in the mesh and are not, one line each naming the Service and why (file mode: a
    /// spec.clusterIP outside the mesh ClusterIP range or taken by another Service, the range exhausted). Shown by
    /// the translate command; empty when there is nothing to report.
    /// </summary>
    public ImmutableArray<string> Problems { get; init; } = [];

    /// <summary>
    /// What the mesh proxy does with a connection from a client in <paramref name="clientNamespace"/> whose original
    /// destination is <paramref name="clusterIp"/>:<paramref name="port"/> (GEP-1294 "Producer and consumer routes"):
    /// <list type="number">
    /// <item>not a Service ClusterIP and port of this table: null (the proxy forwards to the original destination
    /// unchanged: it is not mesh traffic);</item>
    /// <item>the client's namespace has consumer routes for that Service port (routes in that namespace whose
    /// parentRef names the Service in another namespace): those, and only those (the producer's routes do not merge
    /// with them: "Requests from a namespace with consumer routes will utilize the (possibly merged) set of routes in
    /// the consumer namespace");</item>
    /// <item>else the producer routes (routes in the Service's namespace), which apply to clients of every namespace;</item>
    /// <item>else no route: <see cref="MeshDestination.Routes"/> is null and the proxy passes the connection through to
    /// <see cref="MeshServicePort.Endpoints"/> unchanged (plain Kubernetes behaviour, TCP passthrough).</item>
    /// </list>
    /// Pure: no allocation beyond the result record.
    /// </summary>
    public MeshDestination? Lookup(IPAddress clusterIp, int port, string clientNamespace)
    {
        if (!_byFrontend.TryGetValue((Normalize(clusterIp), port), out var hit)) return null;
        var (service, servicePort) = hit;
        if (clientNamespace != service.Namespace && servicePort.ConsumerRoutes.TryGetValue(clientNamespace, out var consumer))
            return new MeshDestination(service, servicePort, consumer, MeshRouteScope.Consumer);
        return servicePort.ProducerRoutes is { } producer
            ? new MeshDestination(service, servicePort, producer, MeshRouteScope.Producer)
            : new MeshDestination(service, servicePort, null, MeshRouteScope.Passthrough);
    }

    /// <summary>An IPv4-mapped IPv6 address (how a dual-stack socket reports IPv4 peers) is looked up as IPv4.</summary>
    private static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
}

/// <summary>
/// One mesh parent Service: its namespace and name, its ClusterIPs (Kubernetes mode: spec.clusterIPs; file mode:
/// allocated from <c>TranslatorOptions.MeshClusterIpRange</c> or spec.clusterIP when it lies in that range) and its
/// ports in spec order.
/// </summary>
public sealed record MeshService(string Namespace, string Name, ImmutableArray<IPAddress> ClusterIPs, ImmutableArray<MeshServicePort> Ports)
{
    /// <summary>The Service's key.</summary>
    public ResourceKey Key => new("Service", Namespace, Name);
}

/// <summary>
/// One port of a mesh Service.
/// <para>
/// <see cref="ProducerRoutes"/>: the HTTPRoutes and GRPCRoutes in the Service's namespace attached to this port
/// (parentRef to the Service with no port and no sectionName, or naming this port by number and/or name), merged into
/// one listener table (entries in precedence order, hostnames ignored: GEP-1294 "hostnames field"); null when there is
/// none. <see cref="ConsumerRoutes"/>: the same for routes of other namespaces, one table per route namespace, applied
/// only to clients of that namespace. <see cref="Endpoints"/>: the port's ready endpoints (address and resolved
/// targetPort from the EndpointSlices, terminating-but-serving ones when none is ready), for traffic no route takes.
/// </para>
/// <para>
/// The tables are <see cref="ListenerRouteTable"/>s with no hostname and no TLS, named
/// <c>mesh/NAMESPACE/SERVICE:PORT</c> (producer) or <c>mesh/NAMESPACE/SERVICE:PORT/consumer/CLIENTNAMESPACE</c>: hand
/// them to the data plane's listener compiler like a Gateway listener's. When GRPCRoutes and HTTPRoutes both attach to
/// the same port, the GRPCRoutes win and the HTTPRoutes are refused with reason Conflicted (GEP-1294 "Route types").
/// </para>
/// </summary>
public sealed record MeshServicePort(
    int Port,
    string? Name,
    string? AppProtocol,
    ListenerRouteTable? ProducerRoutes,
    ImmutableSortedDictionary<string, ListenerRouteTable> ConsumerRoutes,
    ImmutableArray<BackendEndpoint> Endpoints);

/// <summary>Which routes a <see cref="MeshTable.Lookup"/> picked.</summary>
public enum MeshRouteScope
{
    /// <summary>The Service's own namespace's routes (apply to every client).</summary>
    Producer,

    /// <summary>The client namespace's routes for that Service (apply only to clients in that namespace).</summary>
    Consumer,

    /// <summary>No route: forward the connection unchanged to the port's endpoints.</summary>
    Passthrough,
}

/// <summary>
/// The answer of <see cref="MeshTable.Lookup"/>: the Service and port a connection was sent to and the route table to
/// apply, or null <see cref="Routes"/> for passthrough to <see cref="MeshServicePort.Endpoints"/>.
/// </summary>
public sealed record MeshDestination(MeshService Service, MeshServicePort Port, ListenerRouteTable? Routes, MeshRouteScope Scope);

/// <summary>Where mesh Services' ClusterIPs come from (<c>TranslatorOptions.MeshClusterIpMode</c>).</summary>
public enum MeshClusterIpMode
{
    /// <summary>
    /// File mode: there is no API server to assign ClusterIPs, so every Service whose spec.clusterIP is empty gets one
    /// from <c>TranslatorOptions.MeshClusterIpRange</c> (deterministic, older Services first); a given spec.clusterIP
    /// is honoured when it lies in the range; "None" is headless (not a mesh parent).
    /// </summary>
    Allocate,

    /// <summary>Kubernetes mode: spec.clusterIPs (or spec.clusterIP) as the API server assigned them.</summary>
    FromService,
}
