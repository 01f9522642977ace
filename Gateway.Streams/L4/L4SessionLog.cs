namespace Gateway.Streams.L4;

/// <summary>
/// Receives every ended TCP, TLS (and UDP) session of the L4 data plane (the host turns them into access log lines).
/// Called on a stream thread when the session's flow has terminated: implementations must not block.
/// </summary>
public interface IL4SessionLog
{
    void Ended(L4Session session);
}

/// <summary>
/// One L4 session as the proxy saw it. Filled in by the proxy while the session runs (only when an
/// <see cref="IL4SessionLog"/> is configured); read once, after it ended.
/// </summary>
public sealed class L4Session
{
    private long _bytesIn;
    private long _bytesOut;

    /// <summary>"tcp", "tls" or "udp".</summary>
    public required string Transport { get; init; }

    public required DateTimeOffset Start { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the start.</summary>
    public required long StartTimestamp { get; init; }

    public required string Client { get; init; }

    /// <summary>The socket the session arrived on (address:port).</summary>
    public required string Listener { get; init; }

    /// <summary>The route chosen, null when none was.</summary>
    public string? Route { get; set; }

    /// <summary>The backend endpoint chosen (host:port), null when none was.</summary>
    public string? Backend { get; set; }

    /// <summary>No listener or route took the session (no route for the SNI, no route on the port).</summary>
    public bool NoRoute { get; set; }

    /// <summary>Why the proxy refused or failed the session (no route, connect failure ...), null when it did not.</summary>
    public string? Refusal { get; set; }

    /// <summary>Connecting to the backend failed, or the backend side failed.</summary>
    public bool UpstreamFailed { get; set; }

    /// <summary>A connect, ClientHello, handshake or idle timeout ended the session.</summary>
    public bool TimedOut { get; set; }

    public TimeSpan Duration { get; set; }

    /// <summary>Bytes from the client (to the backend).</summary>
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>Bytes to the client (from the backend).</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public void AddIn(long count) => Interlocked.Add(ref _bytesIn, count);

    public void AddOut(long count) => Interlocked.Add(ref _bytesOut, count);
}
