using Gateway.Streams.L4;
using Gateway.Streams.Mirroring;

namespace Gateway.Host.DataPlane;

/// <summary>Tunables of the data plane.</summary>
public sealed record DataPlaneOptions
{
    /// <summary>How long an unbound socket waits for in-flight requests before their connections are aborted.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for a TLS handshake on an HTTPS socket.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest request body copied to mirrors. A request whose body is larger (or of unknown length) is forwarded
    /// normally but not mirrored, because a copy with a cut body would not be a copy.
    /// </summary>
    public int MirrorBodyLimitBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// How long the ExternalAuth filter waits for its authorization service (connect, answer and, for a denial, the
    /// answer's body); past it the request is answered 504 and never forwarded.
    /// </summary>
    public TimeSpan ExternalAuthTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bounds of the mirroring queue.</summary>
    public MirrorQueueOptions Mirror { get; init; } = new();

    /// <summary>
    /// Run Kestrel's transport and request continuations on the socket I/O thread instead of dispatching each to the
    /// thread pool (SocketTransportOptions.UnsafePreferInlineScheduling). The request path never blocks (route lookup
    /// is allocation-free and everything else is awaited). Default: on exactly when the operator turned the runtime's
    /// inline socket completions on (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1; off by default, see Program), as
    /// the Kestrel documentation recommends using the two together; alone it cost more CPU per request than neither.
    /// </summary>
    public bool InlineScheduling { get; init; } = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1";

    /// <summary>Spans and access log lines per request and L4 session; null (the default) records nothing.</summary>
    public Observability.DataPlaneTelemetry? Telemetry { get; init; }

    /// <summary>
    /// Cap on client connections over all HTTP/HTTPS sockets together (--max-connections); null derives it from the
    /// descriptor limit (<see cref="Hosting.DescriptorLimit.DefaultMaxConnections"/>).
    /// </summary>
    public long? MaxConnections { get; init; }

    /// <summary>Cap on client connections per HTTP/HTTPS socket (--max-listener-connections; Kestrel's MaxConcurrentConnections); null: none.</summary>
    public long? MaxListenerConnections { get; init; }

    /// <summary>Cap on upgraded (WebSocket) connections per socket (--max-upgraded-connections; Kestrel's MaxConcurrentUpgradedConnections); null: none.</summary>
    public long? MaxUpgradedConnections { get; init; }

    /// <summary>
    /// Connections the gateway opens to one backend endpoint at most, per backend protocol (--backend-max-connections;
    /// SocketsHttpHandler.MaxConnectionsPerServer). Requests beyond it wait for a free connection.
    /// </summary>
    public int BackendMaxConnectionsPerServer { get; init; } = 1024;

    /// <summary>Whether X-Forwarded-For/-Proto/-Host are added to forwarded requests (--forwarded-headers).</summary>
    public ForwardedHeadersMode ForwardedHeaders { get; init; } = ForwardedHeadersMode.Append;

    /// <summary>
    /// How many proxies in front of the gateway are trusted (--forwarded-trusted-hops): of each X-Forwarded-* header
    /// received, only the last this many entries are kept before the gateway appends its own; null keeps them all.
    /// </summary>
    public int? ForwardedTrustedHops { get; init; }

    /// <summary>
    /// The key that authenticates session persistence values (--session-key-file, <see cref="Sessions.SessionKey"/>);
    /// null: values are checked against the rule's current endpoints only (Sessions/README.md).
    /// </summary>
    public byte[]? SessionKey { get; init; }

    /// <summary>Bounds of the TLS/TCP/UDP data plane (connect, idle, ClientHello, handshake, sessions).</summary>
    public L4Options L4 { get; init; } = new();

    /// <summary>
    /// Where Cluster-scope RateLimitPolicy counters lease tokens (the host: their sharded owners); null: this process
    /// owns every counter (exact with one replica).
    /// </summary>
    public RateLimiting.ILeaseSource? LeaseSource { get; init; }
}

/// <summary>What the data plane does with X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host.</summary>
public enum ForwardedHeadersMode
{
    /// <summary>Appends the client address, the scheme and the Host it saw to the values received.</summary>
    Append,

    /// <summary>Adds nothing; values a client sent pass unchanged like any other header.</summary>
    Off,
}
