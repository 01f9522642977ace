using System.Net;
using System.Net.Sockets;
using Akka;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;
using Gateway.Streams.L4.Routing;

namespace Gateway.Streams.L4.Udp;

/// <summary>Counters of one UDP socket.</summary>
public readonly record struct UdpProxyStats(long Datagrams, long Replies, long Dropped, int Sessions);

/// <summary>
/// One bound UDP socket of the L4 data plane. Each client address gets a session: its own connected upstream socket
/// to a backend endpoint chosen by weight when the session starts, so replies from that backend go back to that
/// client from the listener's address. Sessions are bounded in number (<see cref="L4Options.MaxUdpSessionsPerSocket"/>;
/// datagrams of new clients beyond it are dropped) and expire after <see cref="L4Options.UdpSessionIdleTimeout"/>
/// without traffic either way. A table swap affects new sessions only.
/// <para>
/// Built on plain <see cref="Socket"/>s wrapped as Akka.Streams sources rather than on Akka.IO UDP: Akka.Streams has
/// no UDP connector, and Akka.IO UDP would add an actor per socket and per session whose mailboxes do not
/// backpressure. Here the listener's receive loop is a source that posts the next receive only on demand (excess
/// datagrams wait in, and are dropped by, the kernel buffer: UDP's own overload behaviour), each session's replies are a
/// source too, and all of them stop through kill switches.
/// </para>
/// </summary>
public sealed class UdpProxy : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 65_535;

    private readonly Socket _socket;
    private readonly L4Options _options;
    private readonly ActorMaterializer _materializer;
    private readonly ILoggingAdapter _log;
    private readonly SharedKillSwitch _switch;
    private readonly UdpSessionTable<Session> _sessions;
    private UdpListenerConfig _config;
    private long _datagrams;
    private long _replies;
    private long _dropped;
    private int _stopped;

    private UdpProxy(UdpListenerConfig config, L4Options options, ActorMaterializer materializer, Socket socket)
    {
        _config = config;
        _options = options;
        _materializer = materializer;
        _socket = socket;
        _log = Logging.GetLogger(materializer.System, "Gateway.Streams.L4.Udp");
        _switch = KillSwitches.Shared($"udp-{config.Address}-{config.Port}");
        _sessions = new UdpSessionTable<Session>(Math.Max(1, options.MaxUdpSessionsPerSocket), (long)options.UdpSessionIdleTimeout.TotalMilliseconds);
    }

    /// <summary>The socket this proxy is bound to.</summary>
    public L4SocketKey Key => new(L4Transport.Udp, _config.Address, _config.Port);

    /// <summary>The config new sessions use.</summary>
    public UdpListenerConfig Config => Volatile.Read(ref _config);

    /// <summary>The bound local endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Datagram and session counters.</summary>
    public UdpProxyStats Stats => new(Interlocked.Read(ref _datagrams), Interlocked.Read(ref _replies), Interlocked.Read(ref _dropped), _sessions.Count);

    /// <summary>Binds the socket and starts serving; throws <see cref="SocketException"/> when it cannot be bound.</summary>
    public static UdpProxy Start(UdpListenerConfig config, L4Options options, ActorMaterializer materializer)
    {
        var address = IPAddress.Parse(config.Address);
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, config.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var proxy = new UdpProxy(config, options, materializer, socket);
        proxy.Run();
        return proxy;
    }

    /// <summary>New sessions use <paramref name="config"/>; running sessions keep their backend.</summary>
    public void Swap(UdpListenerConfig config)
    {
        if (config.Address != _config.Address || config.Port != _config.Port) throw new ArgumentException("a swap cannot move the socket", nameof(config));
        Volatile.Write(ref _config, config);
    }

    /// <summary>Closes the socket and every session.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return ValueTask.CompletedTask;
        _switch.Shutdown();
        _socket.Dispose();
        foreach (var session in _sessions.RemoveAll()) session.Close();
        return ValueTask.CompletedTask;
    }

    private void Run()
    {
        var buffer = new byte[ReceiveBufferBytes];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        Source.UnfoldAsync<int, (IPEndPoint Client, byte[] Payload)>(0, async state =>
            {
                while (true)
                {
                    try
                    {
                        var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any).ConfigureAwait(false);
                        var payload = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
                        return Option<(int, (IPEndPoint, byte[]))>.Create((state, ((IPEndPoint)received.RemoteEndPoint, payload)));
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                    {
                        // An ICMP error for an earlier send, or an oversized datagram: that datagram is lost, the socket lives on.
                        Interlocked.Increment(ref _dropped);
                    }
                    catch (Exception) when (Volatile.Read(ref _stopped) != 0)
                    {
                        return Option<(int, (IPEndPoint, byte[]))>.None;
                    }
                }
            })
            .Via(_switch.Flow<(IPEndPoint Client, byte[] Payload)>())
            .RunWith(Sink.ForEachAsync<(IPEndPoint Client, byte[] Payload)>(1, d => OnClientDatagramAsync(d.Client, d.Payload)), _materializer)
            .ContinueWith(t =>
            {
                if (t.IsFaulted && Volatile.Read(ref _stopped) == 0) _log.Error(t.Exception, "{0}: receive loop ended", Key);
            }, TaskScheduler.Default);

        var sweep = TimeSpan.FromMilliseconds(Math.Clamp(_options.UdpSessionIdleTimeout.TotalMilliseconds / 4, 50, 5000));
        Source.Tick(sweep, sweep, NotUsed.Instance)
            .Via(_switch.Flow<NotUsed>())
            .RunForeach(_ =>
            {
                foreach (var session in _sessions.RemoveExpired(Environment.TickCount64)) session.Close();
            }, _materializer);
    }

    private async Task OnClientDatagramAsync(IPEndPoint client, byte[] payload)
    {
        try
        {
            await ForwardAsync(client, payload).ConfigureAwait(false);
        }
        catch (Exception e) when (Volatile.Read(ref _stopped) == 0)
        {
            // One datagram that cannot be forwarded (no socket left for a session, ...) must not end the receive loop.
            Interlocked.Increment(ref _dropped);
            _log.Warning("{0}: datagram from {1} dropped: {2}", Key, client, e.Message);
        }
    }

    private async Task ForwardAsync(IPEndPoint client, byte[] payload)
    {
        Interlocked.Increment(ref _datagrams);
        if (payload.Length > _options.MaxDatagramBytes)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        var now = Environment.TickCount64;
        var entry = _sessions.Find(client, now) ?? StartSession(client, now);
        if (entry is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        try
        {
            await entry.Session.Upstream.SendAsync(payload, SocketFlags.None).ConfigureAwait(false);
            entry.Session.Log?.AddIn(payload.Length);
            L4RouteMetrics.Relayed(entry.Session.Route, "udp", fromClient: true, payload.Length);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The backend answered an earlier datagram with ICMP unreachable, or the session just closed: the datagram is lost.
            Interlocked.Increment(ref _dropped);
            if (_sessions.Remove(entry)) entry.Session.Close();
        }
    }

    private UdpSessionTable<Session>.Entry? StartSession(IPEndPoint client, long now)
    {
        var config = Volatile.Read(ref _config);
        var choice = L4RouteSelector.ForUdp(config);
        if (choice.Route is null) return Refused(client, choice.Rejection!);
        var pick = L4RouteSelector.PickEndpoint(choice.Route.Backends);
        if (pick.Endpoint is not { } endpoint)
        {
            L4RouteMetrics.Error(choice.Route.Id, "udp");
            return Refused(client, $"route {choice.Route.Id}: {pick.Rejection}");
        }
        if (!IPAddress.TryParse(endpoint.Address, out var backendAddress)) return Refused(client, $"backend address {endpoint.Address} is not an IP address");

        var upstream = new Socket(backendAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected: the kernel delivers only that backend's datagrams to this socket, and reports ICMP errors.
            upstream.Connect(new IPEndPoint(backendAddress, endpoint.Port));
        }
        catch (SocketException e)
        {
            upstream.Dispose();
            return Refused(client, $"cannot open a socket to {endpoint}: {e.Message}");
        }
        var log = _options.SessionLog is null ? null : new L4Session
        {
            Transport = "udp",
            Start = DateTimeOffset.UtcNow,
            StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
            Client = client.ToString(),
            Listener = $"{config.Address}:{config.Port}",
            Route = choice.Route.Id,
            Backend = $"{endpoint.Address}:{endpoint.Port}",
        };
        var session = new Session(client, endpoint, upstream, KillSwitches.Shared($"udp-session-{client}"), log, _options.SessionLog, choice.Route.Id);
        var entry = _sessions.TryAdd(client, session, now, out var evicted);
        foreach (var old in evicted) old.Close();
        if (entry is null)
        {
            session.Close();
            return Refused(client, $"more than {_options.MaxUdpSessionsPerSocket} sessions");
        }
        L4RouteMetrics.Session(choice.Route.Id, "udp");
        RunReplies(entry);
        return entry;
    }

    /// <summary>Replies of the session's backend go to its client, from the listener socket.</summary>
    private void RunReplies(UdpSessionTable<Session>.Entry entry)
    {
        var session = entry.Session;
        var buffer = new byte[ReceiveBufferBytes];
        Source.UnfoldAsync<int, byte[]>(0, async state =>
            {
                var n = await session.Upstream.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                return Option<(int, byte[])>.Create((state, buffer.AsSpan(0, n).ToArray()));
            })
            .Via(session.Switch.Flow<byte[]>())
            .Via(_switch.Flow<byte[]>())
            .SelectAsync(1, async reply =>
            {
                entry.Touch(Environment.TickCount64);
                await _socket.SendToAsync(reply, SocketFlags.None, session.Client).ConfigureAwait(false);
                session.Log?.AddOut(reply.Length);
                L4RouteMetrics.Relayed(session.Route, "udp", fromClient: false, reply.Length);
                Interlocked.Increment(ref _replies);
                return NotUsed.Instance;
            })
            .RunWith(Sink.Ignore<NotUsed>(), _materializer)
            .ContinueWith(_ =>
            {
                // Backend unreachable (ICMP), socket closed by expiry or shutdown: the session is over either way.
                if (_sessions.Remove(entry)) session.Close();
            }, TaskScheduler.Default);
    }

    private UdpSessionTable<Session>.Entry? Refused(IPEndPoint client, string reason)
    {
        _log.Debug("{0}: datagram from {1} dropped: {2}", Key, client, reason);
        return null;
    }

    /// <summary>One client's session; <paramref name="log"/> (access log on) is reported to <paramref name="sessionLog"/> when it closes.</summary>
    private sealed class Session(IPEndPoint client, L4Endpoint backend, Socket upstream, SharedKillSwitch killSwitch, L4Session? log, IL4SessionLog? sessionLog, string route)
    {
        private int _closed;

        /// <summary>The route-table entry id of the route serving the session (its metrics' route tag).</summary>
        public string Route { get; } = route;

        public IPEndPoint Client { get; } = client;

        public L4Endpoint Backend { get; } = backend;

        public Socket Upstream { get; } = upstream;

        public SharedKillSwitch Switch { get; } = killSwitch;

        public L4Session? Log { get; } = log;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            Switch.Shutdown();
            Upstream.Dispose();
            if (Log is not null)
            {
                // A UDP session ends by idle expiry, an ICMP error from the backend or the socket's removal.
                Log.Duration = System.Diagnostics.Stopwatch.GetElapsedTime(Log.StartTimestamp);
                sessionLog!.Ended(Log);
            }
        }
    }
}
