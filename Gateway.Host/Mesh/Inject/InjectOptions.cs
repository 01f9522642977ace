namespace Gateway.Host.Mesh.Inject;

/// <summary>What <c>Gateway.Host inject</c> adds to a workload.</summary>
public sealed record InjectOptions
{
    public const string DefaultImage = "akka-gateway:latest";

    /// <summary>The init container's image (k8s/mesh/init/Dockerfile: nftables; the gateway image has no shell).</summary>
    public const string DefaultInitImage = "akka-gateway-mesh-init:latest";

    /// <summary>The proxy's user: the redirect rules let its own connections out (Istio uses the same number).</summary>
    public const int DefaultProxyUid = 1337;

    /// <summary>The ClusterIP range of file mode and the tests; a cluster passes its own service CIDR.</summary>
    public const string DefaultClusterIpRange = "127.96.0.0/16";

    public string Image { get; init; } = DefaultImage;

    public string InitImage { get; init; } = DefaultInitImage;

    public int ProxyUid { get; init; } = DefaultProxyUid;

    public string ClusterIpRange { get; init; } = DefaultClusterIpRange;

    public int ProxyPort { get; init; } = MeshOptions.DefaultPort;
}
