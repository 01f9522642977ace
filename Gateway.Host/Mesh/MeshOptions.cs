using System.Net;

namespace Gateway.Host.Mesh;

/// <summary>How a mesh proxy (<c>--mode mesh</c>) serves its workload.</summary>
public sealed record MeshOptions
{
    /// <summary>The default outbound port (the one Istio's sidecar uses, 15001).</summary>
    public const int DefaultPort = 15001;

    /// <summary>Where the transparent outbound listener binds (<c>--mesh-address</c>); the redirect rules send traffic there.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The outbound listener's port (<c>--mesh-port</c>).</summary>
    public int ListenPort { get; init; } = DefaultPort;

    /// <summary>
    /// The workload's namespace (<c>--mesh-namespace</c>, else the POD_NAMESPACE variable): consumer routes of this
    /// namespace apply to its requests, producer routes to everyone's.
    /// </summary>
    public required string Namespace { get; init; }

    /// <summary>Bounded time to connect to a passthrough endpoint before the client connection is reset.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
