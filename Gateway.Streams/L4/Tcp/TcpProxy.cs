using System.Collections.Immutable;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Akka;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Gateway.Streams.L4.Routing;
using Gateway.Streams.L4.Tls;

namespace Gateway.Streams.L4.Tcp;

/// <summary>A connection the L4 data plane refused (no route, no backend, unreadable ClientHello ...).</summary>
public sealed class L4RejectedException(string message) : Exception(message);

/// <summary>Counters of one TCP socket.</summary>
public readonly record struct TcpProxyStats(long Accepted, long Rejected, int Active);

/// <summary>
/// One bound TCP socket of the L4 data plane, serving plain TCP or TLS (passthrough and terminate) by its current
/// <see cref="TcpListenerConfig"/>. Accepting is a thin socket stage (<see cref="SocketStreams"/>, which says why not
/// <c>Tcp().Bind</c>); everything after accept is Akka.Streams, with <c>Tcp().OutgoingConnection</c> to backends.
/// <para>
/// Per accepted connection the config is read once, so a table swap (<see cref="Swap"/>) affects new connections only.
/// Plain TCP picks the backend at accept time and connects at once (servers may speak first). TLS reads the ClientHello
/// (<see cref="ClientHelloFramer"/>, bounded in size and time), chooses listener and route by SNI, connects, and replays
/// the buffered bytes: untouched for passthrough, through <see cref="TlsTermination"/> for terminate. Every refusal
/// (no route, invalid backend, connect failure or timeout, unreadable ClientHello) fails the connection's flow, which
/// aborts the client connection. Both directions half-close independently; a connection idle in both directions for
/// <see cref="L4Options.IdleTimeout"/> is closed.
/// </para>
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly ActorMaterializer _materializer;
    private readonly Akka.Streams.Dsl.TcpExt _tcp;
    private readonly L4Options _options;
    private readonly ILoggingAdapter _log;
    private readonly SharedKillSwitch _connections;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListenerConfig _config;
    private Socket? _listener;
    private long _accepted;
    private long _rejected;
    private int _active;
    private int _stopping;

    private TcpProxy(TcpListenerConfig config, L4Options options, ActorMaterializer materializer)
    {
        _config = config;
        _options = options;
        _materializer = materializer;
        _tcp = materializer.System.TcpStream();
        _log = Logging.GetLogger(materializer.System, "Gateway.Streams.L4.Tcp");
        _connections = KillSwitches.Shared($"tcp-{config.Address}-{config.Port}");
    }

    /// <summary>The socket this proxy is bound to.</summary>
    public L4SocketKey Key => new(L4Transport.Tcp, _config.Address, _config.Port);

    /// <summary>The config new connections use.</summary>
    public TcpListenerConfig Config => Volatile.Read(ref _config);

    /// <summary>The bound local endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.None, 0);

    /// <summary>Connection counters.</summary>
    public TcpProxyStats Stats => new(Interlocked.Read(ref _accepted), Interlocked.Read(ref _rejected), Volatile.Read(ref _active));

    /// <summary>
    /// Binds the socket and starts accepting; throws <see cref="SocketException"/> when it cannot be bound (or
    /// <see cref="FormatException"/> for an address that is not an IP address).
    /// </summary>
    public static TcpProxy Start(TcpListenerConfig config, L4Options options, ActorMaterializer materializer)
    {
        var proxy = new TcpProxy(config, options, materializer);
        var listener = SocketStreams.Listen(new IPEndPoint(IPAddress.Parse(config.Address), config.Port), options.Backlog);
        proxy._listener = listener;
        proxy.LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        SocketStreams.Accept(listener).RunForeach(proxy.Accept, materializer).ContinueWith(
            t =>
            {
                if (t.IsFaulted && Volatile.Read(ref proxy._stopping) == 0) proxy._log.Error(t.Exception, "{0}: accept loop ended", proxy.Key);
            },
            TaskScheduler.Default);
        return proxy;
    }

    /// <summary>New connections use <paramref name="config"/> (same address and port); open ones keep theirs.</summary>
    public void Swap(TcpListenerConfig config)
    {
        if (config.Address != _config.Address || config.Port != _config.Port) throw new ArgumentException("a swap cannot move the socket", nameof(config));
        Volatile.Write(ref _config, config);
    }

    /// <summary>
    /// Stops accepting at once, lets open connections continue for up to <paramref name="drain"/>, then aborts the rest.
    /// </summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        // Closing the listening socket ends the accept loop; accepted sockets are independent of it.
        _listener?.Dispose();
        if (Volatile.Read(ref _active) > 0)
        {
            await Task.WhenAny(_drained.Task, Task.Delay(drain)).ConfigureAwait(false);
        }
        _connections.Abort(new L4RejectedException("the listener socket was removed"));
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.Zero));

    private void Accept(Socket socket)
    {
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _active);
        try
        {
            Serve(socket);
        }
        catch (Exception e)
        {
            // A connection that cannot even be set up (reset before it was looked at, ...) must not end the accept loop.
            Interlocked.Increment(ref _rejected);
            _log.Warning("{0}: accepted connection dropped: {1}", Key, e.Message);
            socket.Dispose();
            ConnectionEnded();
        }
    }

    private void Serve(Socket socket)
    {
        var config = Volatile.Read(ref _config);
        var client = socket.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var session = _options.SessionLog is null ? null : new L4Session
        {
            Transport = config.InspectsSni ? "tls" : "tcp",
            Start = DateTimeOffset.UtcNow,
            StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
            Client = client.ToString() ?? "",
            Listener = $"{config.Address}:{config.Port}",
        };
        Flow<ByteString, ByteString, NotUsed> handler;
        if (Volatile.Read(ref _stopping) != 0) handler = Reject(client, "the listener socket is being removed", session);
        else if (Volatile.Read(ref _active) > _options.MaxConnectionsPerSocket) handler = Reject(client, $"more than {_options.MaxConnectionsPerSocket} open connections", session);
        else handler = config.InspectsSni ? TlsHandler(config, client, session) : TcpHandler(config, client, session);
        if (session is not null)
        {
            handler = Flow.Create<ByteString>()
                .Select(bytes =>
                {
                    session.AddIn(bytes.Count);
                    return bytes;
                })
                .Via(handler)
                .Select(bytes =>
                {
                    session.AddOut(bytes.Count);
                    return bytes;
                });
        }

        // A connection without bytes in either direction for IdleTimeout fails, which aborts both sides.
        var done = SocketStreams.Connection(socket)
            .Join(BidiFlow.BidirectionalIdleTimeout<ByteString, ByteString>(_options.IdleTimeout))
            .Via(_connections.Flow<ByteString>())
            .JoinMaterialized(handler.WatchTermination(Keep.Right), Keep.Right)
            .Run(_materializer);
        _ = done.ContinueWith(
            static (t, state) =>
            {
                var (proxy, session) = ((TcpProxy, L4Session?))state!;
                if (session is not null) proxy.Log(session, t.Exception?.GetBaseException());
                _ = t.Exception;
                proxy.ConnectionEnded();
            },
            (this, session),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Log(L4Session session, Exception? failure)
    {
        session.Duration = System.Diagnostics.Stopwatch.GetElapsedTime(session.StartTimestamp);
        if (failure is TimeoutException) session.TimedOut = true;
        try
        {
            _options.SessionLog!.Ended(session);
        }
        catch (Exception e)
        {
            _log.Warning("{0}: session log failed: {1}", Key, e.Message);
        }
    }

    private void ConnectionEnded()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _stopping) != 0) _drained.TrySetResult();
    }

    /// <summary>Plain TCP: the backend is chosen now and connected at once.</summary>
    private Flow<ByteString, ByteString, NotUsed> TcpHandler(TcpListenerConfig config, EndPoint client, L4Session? session)
    {
        var choice = L4RouteSelector.ForTcp(config);
        if (choice.Route is null)
        {
            session?.NoRoute = true;
            return Reject(client, choice.Rejection!, session);
        }
        session?.Route = choice.Route.Id;
        var pick = L4RouteSelector.PickEndpoint(choice.Route.Backends);
        if (pick.Endpoint is not { } endpoint)
        {
            L4RouteMetrics.Error(choice.Route.Id, "tcp");
            return Reject(client, $"route {choice.Route.Id}: {pick.Rejection}", session);
        }
        return Backend(endpoint, choice.Route.Id, client, session, "tcp");
    }

    /// <summary>TLS: the ClientHello decides; its bytes are replayed to whatever it decided.</summary>
    private Flow<ByteString, ByteString, NotUsed> TlsHandler(TcpListenerConfig config, EndPoint client, L4Session? session) =>
        Flow.Create<ByteString>()
            .Via(new ClientHelloFramer(_options.MaxClientHelloBytes))
            .InitialTimeout(_options.ClientHelloTimeout)
            .PrefixAndTail(1)
            .ConcatMany(prefixAndTail =>
            {
                var (prefix, tail) = prefixAndTail;
                // Closed before a complete ClientHello: nothing to forward.
                if (prefix.Count == 0) return Source.Empty<ByteString>();
                var hello = prefix[0];
                var upstream = Source.Single(hello).Concat(tail);
                var decision = DecideTls(config, hello, client, session);
                return decision is null ? Source.Failed<ByteString>(new L4RejectedException("refused")) : upstream.Via(decision);
            });

    private Flow<ByteString, ByteString, NotUsed>? DecideTls(TcpListenerConfig config, ByteString hello, EndPoint client, L4Session? session)
    {
        var info = ClientHelloParser.Parse(hello.ToReadOnlySpan(), _options.MaxClientHelloBytes);
        if (info.Status != ClientHelloStatus.Complete)
        {
            Refused(client, $"not a readable ClientHello: {info.Status} {info.Error}", session);
            return null;
        }
        var choice = L4RouteSelector.ForTls(config, info.ServerName);
        if (choice.Route is null || choice.Listener is null)
        {
            session?.NoRoute = true;
            Refused(client, choice.Rejection!, session);
            return null;
        }
        session?.Route = choice.Route.Id;
        var pick = L4RouteSelector.PickEndpoint(choice.Route.Backends);
        if (pick.Endpoint is not { } endpoint)
        {
            L4RouteMetrics.Error(choice.Route.Id, "tls");
            Refused(client, $"route {choice.Route.Id}: {pick.Rejection}", session);
            return null;
        }
        var backend = Backend(endpoint, choice.Route.Id, client, session, "tls");
        if (choice.Listener.Tls == L4TlsMode.Passthrough) return backend;

        var certificate = ChooseCertificate(choice.Listener.Certificates, info.ServerName);
        if (certificate is null)
        {
            Refused(client, $"listener {choice.Listener.Name} has no usable certificate", session);
            return null;
        }
        var serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate.Context,
            ClientCertificateRequired = false,
            AllowRenegotiation = false,
        };
        // BackendTLSPolicy on a terminated TLSRoute's backend: the plain bytes are encrypted again towards it.
        if (pick.Backend?.Tls is { } backendTls)
        {
            backend = TlsOrigination.Create(backendTls.Options, _options.TlsHandshakeTimeout, backend, _materializer,
                reason => _log.Debug("{0} from {1}: TLS to backend {2} ended: {3}", Key, client, endpoint, reason));
        }
        return TlsTermination.Create(serverOptions, _options.TlsHandshakeTimeout, backend, _materializer,
            reason => _log.Debug("{0} from {1}: TLS termination ended: {2}", Key, client, reason));
    }

    /// <summary>The first certificate whose names match the SNI, else the first (Listener.TLS.CertificateRefs).</summary>
    internal static L4Certificate? ChooseCertificate(ImmutableArray<L4Certificate> certificates, string? sni)
    {
        if (certificates.IsDefaultOrEmpty) return null;
        if (sni is not null)
        {
            foreach (var c in certificates)
            {
                if (c.Context.TargetCertificate.MatchesHostname(sni)) return c;
            }
        }
        return certificates[0];
    }

    private Flow<ByteString, ByteString, NotUsed> Backend(L4Endpoint endpoint, string routeId, EndPoint client, L4Session? session, string protocol)
    {
        session?.Backend = $"{endpoint.Address}:{endpoint.Port}";
        EndPoint remote = IPAddress.TryParse(endpoint.Address, out var ip) ? new IPEndPoint(ip, endpoint.Port) : new DnsEndPoint(endpoint.Address, endpoint.Port);
        L4RouteMetrics.Session(routeId, protocol);
        return L4RouteMetrics.Counted(_tcp
            .OutgoingConnection(remote, null, null, halfClose: true, connectionTimeout: _options.ConnectTimeout)
            .MapMaterializedValue(connected =>
            {
                _ = connected.ContinueWith(
                    t =>
                    {
                        if (!t.IsFaulted) return;
                        session?.UpstreamFailed = true;
                        L4RouteMetrics.Error(routeId, protocol);
                        Refused(client, $"route {routeId}: connecting to {endpoint} failed: {t.Exception?.GetBaseException().Message}", session);
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return NotUsed.Instance;
            }), routeId, protocol);
    }

    private Flow<ByteString, ByteString, NotUsed> Reject(EndPoint client, string reason, L4Session? session)
    {
        Refused(client, reason, session);
        return Flow.FromSinkAndSource(Sink.Ignore<ByteString>().MapMaterializedValue(_ => NotUsed.Instance), Source.Failed<ByteString>(new L4RejectedException(reason)));
    }

    private void Refused(EndPoint client, string reason, L4Session? session)
    {
        session?.Refusal ??= reason;
        Interlocked.Increment(ref _rejected);
        _log.Debug("{0}: connection from {1} refused: {2}", Key, client, reason);
    }
}
