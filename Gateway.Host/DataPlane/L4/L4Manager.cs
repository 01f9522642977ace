using System.Collections.Immutable;
using Akka.Streams;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.L4;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.DataPlane.L4;

/// <summary>
/// The TLS/TCP/UDP half of the data plane: adapts each TLS, TCP and UDP <see cref="PortRouteTable"/> of the applied
/// Gateways into Gateway.Streams configs and hands them to an <see cref="L4SocketSet"/>, which binds, swaps and unbinds.
/// TLS and TCP ports are TCP sockets; UDP ports are UDP sockets, so a UDP port may share its number with a TCP one.
/// </summary>
internal sealed class L4Manager : IAsyncDisposable
{
    private readonly L4SocketSet _sockets;
    private readonly CertificateCache _certificates;
    private readonly ILogger _logger;
    private ImmutableDictionary<L4SocketKey, LiveSocketTable> _live = ImmutableDictionary<L4SocketKey, LiveSocketTable>.Empty;
    private ImmutableHashSet<string> _certificateKeys = ImmutableHashSet<string>.Empty;

    public L4Manager(ActorMaterializer materializer, L4Options options, CertificateCache certificates, ILogger logger)
    {
        _sockets = new L4SocketSet(materializer, options);
        _certificates = certificates;
        _logger = logger;
    }

    /// <summary>The Gateway.Streams sockets (for tests and inspection).</summary>
    public L4SocketSet Sockets => _sockets;

    /// <summary>The live table of every bound L4 socket.</summary>
    public IEnumerable<LiveSocketTable> LiveTables => Volatile.Read(ref _live).Values;

    /// <summary>Content keys of the certificates live L4 listeners use (kept in the shared certificate cache).</summary>
    public IReadOnlySet<string> CertificateKeys => Volatile.Read(ref _certificateKeys);

    /// <summary>Whether a port is served by the L4 data plane.</summary>
    public static bool IsL4(ListenerProtocol protocol) => protocol is ListenerProtocol.Tls or ListenerProtocol.Tcp or ListenerProtocol.Udp;

    /// <summary>The sockets of every L4 port of <paramref name="gateways"/>.</summary>
    public static IEnumerable<ListenerSocket> SocketsOf(IReadOnlyList<GatewayRouteTable> gateways) =>
        gateways.SelectMany(g => g.Ports.Where(p => IsL4(p.Protocol)).SelectMany(p => g.Addresses.Select(a => new ListenerSocket(a, p.Port)))).Distinct();

    /// <summary>Serves exactly the L4 ports of <paramref name="gateways"/>; returns the sockets that could not be bound.</summary>
    public async Task<IReadOnlySet<ListenerSocket>> ApplyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct)
    {
        var failed = new HashSet<ListenerSocket>();
        var desired = new Dictionary<L4SocketKey, (ResourceKey Gateway, PortRouteTable Port)>();
        var refused = new HashSet<L4SocketKey>();
        foreach (var gateway in gateways)
        {
            foreach (var port in gateway.Ports.Where(p => IsL4(p.Protocol)))
            {
                foreach (var address in gateway.Addresses)
                {
                    var key = new L4SocketKey(port.Protocol == ListenerProtocol.Udp ? L4Transport.Udp : L4Transport.Tcp, address, port.Port);
                    if (refused.Contains(key)) continue;
                    // Two Gateways (or a TLS and a TCP port of one) asking for the same socket: neither gets it.
                    if (!desired.TryAdd(key, (gateway.Gateway, port)))
                    {
                        _logger.LogWarning("{Socket} is asked for by {First} and {Second}", key, desired[key].Gateway, gateway.Gateway);
                        desired.Remove(key);
                        refused.Add(key);
                        failed.Add(new ListenerSocket(address, port.Port));
                    }
                }
            }
        }

        var tcp = new List<TcpListenerConfig>();
        var udp = new List<UdpListenerConfig>();
        var problems = new Dictionary<L4SocketKey, List<string>>();
        var certificateKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, (_, port)) in desired)
        {
            var socket = new ListenerSocket(key.Address, key.Port);
            var list = problems[key] = [];
            if (key.Transport == L4Transport.Udp) udp.Add(L4ConfigAdapter.Udp(socket, port));
            else tcp.Add(L4ConfigAdapter.Tcp(socket, port, _certificates, list, certificateKeys));
            foreach (var problem in list) _logger.LogWarning("{Socket}: {Problem}", key, problem);
        }

        var result = await _sockets.ApplyAsync(tcp, udp, ct).ConfigureAwait(false);
        foreach (var (key, reason) in result.Failed)
        {
            failed.Add(new ListenerSocket(key.Address, key.Port));
            _logger.LogWarning("cannot bind {Socket}: {Reason}", key, reason);
        }

        var live = ImmutableDictionary.CreateBuilder<L4SocketKey, LiveSocketTable>();
        foreach (var (key, (gateway, port)) in desired)
        {
            if (result.Failed.ContainsKey(key)) continue;
            live[key] = new LiveSocketTable(new ListenerSocket(key.Address, key.Port), gateway, revision, port, problems[key]);
        }
        Volatile.Write(ref _live, live.ToImmutable());
        Volatile.Write(ref _certificateKeys, certificateKeys.ToImmutableHashSet(StringComparer.Ordinal));
        return failed;
    }

    public ValueTask DisposeAsync() => _sockets.DisposeAsync();
}
