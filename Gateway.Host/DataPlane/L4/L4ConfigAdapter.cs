using System.Collections.Immutable;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.L4;

namespace Gateway.Host.DataPlane.L4;

/// <summary>
/// Adapts one TLS/TCP/UDP <see cref="PortRouteTable"/> of the IR into the Gateway.Streams L4 contract. Pure apart from
/// the certificate cache (parsing is memoised by content). Listener order, route order (most specific SNI, then
/// oldest) and backend weights are kept as the translator produced them.
/// </summary>
internal static class L4ConfigAdapter
{
    /// <summary>A TLS or TCP port as one TCP socket config; unusable certificates are listed in <paramref name="problems"/>.</summary>
    public static TcpListenerConfig Tcp(ListenerSocket socket, PortRouteTable port, CertificateCache certificates, List<string> problems, HashSet<string> certificateKeys)
    {
        var listeners = port.Listeners.Select(l => Listener(port.Protocol, l, certificates, problems, certificateKeys)).ToImmutableArray();
        return new TcpListenerConfig(socket.Address, socket.Port, listeners);
    }

    /// <summary>A UDP port: the routes of its listeners in order (UDP cannot tell listeners apart).</summary>
    public static UdpListenerConfig Udp(ListenerSocket socket, PortRouteTable port) =>
        new(socket.Address, socket.Port, [.. port.Listeners.SelectMany(l => l.L4Routes).Select(Route)]);

    private static L4ListenerConfig Listener(ListenerProtocol protocol, ListenerRouteTable listener, CertificateCache certificates, List<string> problems, HashSet<string> certificateKeys)
    {
        var mode = protocol switch
        {
            ListenerProtocol.Tcp => L4TlsMode.None,
            // ListenerTls.Passthrough (Listener.TLS.Mode Passthrough). A TLS listener without usable TLS settings is a
            // terminating one whose certificates failed; it keeps its place (listener isolation) and refuses connections.
            _ => listener.Tls is { Passthrough: true } ? L4TlsMode.Passthrough : L4TlsMode.Terminate,
        };
        var parsed = ImmutableArray.CreateBuilder<L4Certificate>();
        if (mode == L4TlsMode.Terminate)
        {
            foreach (var certificate in listener.Tls?.Certificates ?? [])
            {
                var context = certificates.Get(certificate, out var error);
                if (context is null)
                {
                    problems.Add($"listener {listener.Name}: {error}");
                    continue;
                }
                var key = CertificateCache.KeyOf(certificate);
                certificateKeys.Add(key);
                parsed.Add(new L4Certificate(key, context));
            }
            if (parsed.Count == 0) problems.Add($"listener {listener.Name}: no usable certificate; its TLS connections are refused");
        }
        return new L4ListenerConfig(listener.Name, listener.Hostname, mode, parsed.ToImmutable(), [.. listener.L4Routes.Select(Route)]);
    }

    private static L4Route Route(L4RouteEntry entry) =>
        new(entry.Id, entry.Hostnames.IsDefault ? [] : entry.Hostnames, [.. entry.Backends.Backends.Select(Backend)]);

    private static L4Backend Backend(WeightedBackend backend) =>
        new(backend.ClusterId, backend.Weight, backend.Valid, [.. backend.Endpoints.Select(e => new L4Endpoint(e.Address, e.Port))])
        {
            // BackendTLSPolicy on a TLSRoute backend: used only behind a terminating listener (a passthrough listener
            // forwards the client's own TLS). No ALPN: the bytes inside are not ours to interpret.
            Tls = backend.Tls is { } tls ? Originate(tls) : null,
        };

    private static L4BackendTls Originate(BackendTlsSettings tls)
    {
        var client = new BackendTlsClient(tls);
        return new L4BackendTls(BackendTlsClient.Key(tls), () => client.Options("", null));
    }
}
