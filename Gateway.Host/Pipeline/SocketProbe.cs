using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Host.Pipeline;

/// <summary>
/// Facts about this node that the pure translator needs as data: which addresses and sockets can be bound.
/// Probing binds a TCP socket and closes it at once.
/// </summary>
public static class SocketProbe
{
    /// <summary>True when a TCP socket can be bound on <paramref name="address"/> and <paramref name="port"/> (0: any port).</summary>
    public static bool CanBind(IPAddress address, int port = 0)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="socket"/> can be bound now; false for unparsable addresses.</summary>
    public static bool CanBind(ListenerSocket socket) =>
        IPAddress.TryParse(socket.Address, out var ip) && CanBind(ip, socket.Port);

    /// <summary>
    /// The values of every Gateway's spec.addresses of type IPAddress (the default type) that parse as an IP address,
    /// as written. Hostname and implementation-specific address types are left to the translator.
    /// </summary>
    public static IReadOnlySet<string> RequestedStaticAddresses(Snapshot snapshot)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var gateway in snapshot.Gateways)
        {
            foreach (var address in gateway.Spec.Addresses ?? [])
            {
                if ((address.Type ?? "IPAddress") == "IPAddress" && address.Value is { Length: > 0 } value && IPAddress.TryParse(value, out _))
                    values.Add(value);
            }
        }
        return values;
    }

    /// <summary>
    /// The spec.addresses values this node can bind (GatewaySpecAddress: an address that cannot be assigned makes
    /// the Gateway report AddressNotUsable, which the translator decides from this set).
    /// </summary>
    public static IReadOnlySet<string> UsableStaticAddresses(Snapshot snapshot) =>
        RequestedStaticAddresses(snapshot).Where(v => CanBind(IPAddress.Parse(v))).ToHashSet(StringComparer.Ordinal);
}
