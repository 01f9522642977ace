namespace Gateway.Streams.L4;

/// <summary>Bounds of the L4 data plane. Every wait and every buffer of a connection or session is bounded by one of these.</summary>
public sealed record L4Options
{
    /// <summary>Time allowed to connect to a backend endpoint; on expiry the client connection is closed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A TCP connection with no bytes in either direction for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed for the complete ClientHello to arrive on a TLS socket.</summary>
    public TimeSpan ClientHelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest ClientHello accepted (and buffered) on a TLS socket.</summary>
    public int MaxClientHelloBytes { get; init; } = 64 * 1024;

    /// <summary>Time allowed for the TLS handshake of a terminating listener.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Open connections per TCP socket; beyond it new connections are closed at once.</summary>
    public int MaxConnectionsPerSocket { get; init; } = 10_000;

    /// <summary>Pending connections the kernel queues per TCP socket.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>
    /// How long connections of an unbound TCP socket may continue before they are aborted (the socket itself stops
    /// accepting at once). UDP sessions of an unbound socket end at once: there is no connection to finish.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A UDP session with no datagram in either direction for this long is closed (its upstream socket released).</summary>
    public TimeSpan UdpSessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client sessions per UDP socket; datagrams from new clients beyond it are dropped.</summary>
    public int MaxUdpSessionsPerSocket { get; init; } = 4096;

    /// <summary>Largest datagram forwarded (bigger ones are truncated by the socket and dropped).</summary>
    public int MaxDatagramBytes { get; init; } = 65_507;

    /// <summary>Receives every ended session (access log); null (the default) records nothing and costs nothing.</summary>
    public IL4SessionLog? SessionLog { get; init; }
}
