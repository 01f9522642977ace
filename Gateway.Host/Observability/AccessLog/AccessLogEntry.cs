namespace Gateway.Host.Observability.AccessLog;

/// <summary>Why an exchange ended the way it did, beyond its status code (the "flags" field of a line).</summary>
[Flags]
public enum ResponseFlags
{
    None = 0,

    /// <summary>No listener or route matched: the gateway answered 404 (gRPC: Unimplemented) or refused the connection.</summary>
    NoRoute = 1,

    /// <summary>A request or backend timeout fired (HTTPRoute timeouts: 504) or a connect timed out.</summary>
    Timeout = 2,

    /// <summary>The backend could not be reached or reset the exchange before it completed.</summary>
    UpstreamReset = 4,

    /// <summary>The client went away before the exchange completed.</summary>
    ClientAbort = 8,

    /// <summary>The ExternalAuth filter's service denied the request; its answer was returned to the client.</summary>
    ExternalAuthDenied = 16,

    /// <summary>
    /// The ExternalAuth filter's service gave no usable answer (unreachable, too slow, garbage, or not resolvable):
    /// the gateway answered and the backend was never reached.
    /// </summary>
    ExternalAuthFailed = 32,
}

/// <summary>
/// One line of the access log: one HTTP request, or one TCP, TLS or UDP session. Filled in on the request path (only
/// when the log is on), written as JSON by <see cref="AccessLogWriter"/> off it.
/// </summary>
public sealed class AccessLogEntry
{
    /// <summary>"http", "tcp", "tls" or "udp".</summary>
    public string Kind { get; set; } = "http";

    public DateTimeOffset Start { get; set; }

    public TimeSpan Duration { get; set; }

    /// <summary>The client's address and port (L4 sessions; HTTP requests give <see cref="ClientIp"/> instead).</summary>
    public string? Client { get; set; }

    /// <summary>The socket the exchange arrived on, address:port (L4; HTTP gives <see cref="ListenerIp"/>).</summary>
    public string? Listener { get; set; }

    // HTTP: the raw endpoints, formatted by the writer off the request path.
    public System.Net.IPAddress? ClientIp { get; set; }

    public int ClientPort { get; set; }

    public System.Net.IPAddress? ListenerIp { get; set; }

    public int ListenerPort { get; set; }

    public string? Method { get; set; }

    public string? Host { get; set; }

    public string? Path { get; set; }

    /// <summary>HTTP/1.1, HTTP/2 ... for HTTP; for L4 sessions the transport.</summary>
    public string? Protocol { get; set; }

    /// <summary>The HTTP status sent to the client; 0 for L4 sessions.</summary>
    public int Status { get; set; }

    public long BytesIn { get; set; }

    public long BytesOut { get; set; }

    /// <summary>The route that matched (L4: the route entry's id), null when none did.</summary>
    public string? Route { get; set; }

    /// <summary>HTTP: the route entry that matched; the writer writes it as Kind/namespace/name and its rule.</summary>
    public Gateway.Actors.RouteTable.HttpRouteEntry? HttpRoute { get; set; }

    /// <summary>The backend endpoint the exchange went to (the last one tried), null when none was.</summary>
    public string? Backend { get; set; }

    public ResponseFlags Flags { get; set; }

    /// <summary>The W3C trace id of the exchange; default when there is none.</summary>
    public System.Diagnostics.ActivityTraceId TraceId { get; set; }
}
