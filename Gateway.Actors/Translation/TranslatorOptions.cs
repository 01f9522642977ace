namespace Gateway.Actors.Translation;

/// <summary>A listener socket: an address and a port.</summary>
public readonly record struct ListenerSocket(string Address, int Port);

/// <summary>
/// Everything besides the snapshot that the translator needs, as plain data so translation stays pure.
/// Facts about the node (which static addresses it can bind, which sockets failed to bind) are gathered by the host
/// and passed in; the translator never touches the network.
/// </summary>
public sealed record TranslatorOptions
{
    /// <summary>The default GatewayClass controllerName this instance owns.</summary>
    public const string DefaultControllerName = "akka-gateway.dev/controller";

    /// <summary>The default loopback pool Gateways take their addresses from in file mode.</summary>
    public const string DefaultAddressPool = "127.10.0.0/16";

    /// <summary>The default loopback range mesh Services take their ClusterIPs from in file mode.</summary>
    public const string DefaultMeshClusterIpRange = "127.96.0.0/16";

    /// <summary>GatewayClasses with this spec.controllerName are ours.</summary>
    public string ControllerName { get; init; } = DefaultControllerName;

    /// <summary>IPv4 CIDR from which each Gateway gets its own address, deterministically from its namespace/name.</summary>
    public string AddressPool { get; init; } = DefaultAddressPool;

    /// <summary>
    /// Where mesh Services' ClusterIPs come from: <see cref="Gateway.Actors.Mesh.MeshClusterIpMode.Allocate"/> (file mode) gives every
    /// non-headless Service an address from <see cref="MeshClusterIpRange"/>; <see cref="Gateway.Actors.Mesh.MeshClusterIpMode.FromService"/>
    /// (Kubernetes) takes spec.clusterIPs as the API server assigned them.
    /// </summary>
    public Mesh.MeshClusterIpMode MeshClusterIpMode { get; init; } = Mesh.MeshClusterIpMode.Allocate;

    /// <summary>IPv4 CIDR file mode allocates mesh Service ClusterIPs from (Gateway.Actors/Mesh/ClusterIpAllocation).</summary>
    public string MeshClusterIpRange { get; init; } = DefaultMeshClusterIpRange;

    /// <summary>
    /// True: the mesh table lists every Service with a ClusterIP (what a mesh proxy needs: a Service without routes is
    /// passed through to its endpoints). False (a gateway replica, which serves no mesh traffic): only the Services
    /// mesh routes attach to, and nothing at all while no route has a Service parent, so a change of a Service does not
    /// cost a walk over every Service.
    /// </summary>
    public bool MeshPassthrough { get; init; } = true;

    /// <summary>spec.addresses values this node can bind (checked by the host); others are AddressNotUsable.</summary>
    public IReadOnlySet<string> UsableStaticAddresses { get; init; } = new HashSet<string>();

    /// <summary>Sockets the data plane failed to bind on its last apply; their listeners report PortUnavailable.</summary>
    public IReadOnlySet<ListenerSocket> UnavailableSockets { get; init; } = new HashSet<ListenerSocket>();

    /// <summary>Where Gateway addresses come from: the pool (file mode, the default) or one Service per Gateway.</summary>
    public AddressMode AddressMode { get; init; } = AddressMode.Pool;

    /// <summary>
    /// <see cref="AddressMode.ServicePerGateway"/>: the namespace of the gateway replicas, where every Gateway's Service
    /// lives (a Service can only select pods of its own namespace).
    /// </summary>
    public string ServiceNamespace { get; init; } = "default";

    /// <summary><see cref="AddressMode.ServicePerGateway"/>: the address replicas bind the allocated container ports on.</summary>
    public string ServiceBindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// Tests only (internal, never set by the host): called with the step name and the object's key at the start of
    /// every per-object step that runs inside a guard, and with <see cref="Translator.Steps.ListenerSetListener"/> after
    /// each listener of a ListenerSet is evaluated (a fault part-way through an object). An exception it throws is
    /// handled exactly like a bug in that object's translation, which is how tests prove that such a fault is reported
    /// and contained.
    /// </summary>
    internal Action<string, Gateway.Actors.Resources.ResourceKey>? FaultInjection { get; init; }
}
