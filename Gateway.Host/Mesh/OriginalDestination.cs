using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Host.Mesh;

/// <summary>
/// The destination a redirected connection was sent to before netfilter's REDIRECT rewrote it to the proxy's port:
/// getsockopt(SOL_IP, SO_ORIGINAL_DST) for IPv4 and getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST) for IPv6 (both option 80,
/// linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h), read through <see cref="Socket.GetRawSocketOption"/>.
/// Written by hand because .NET has no managed name for these Linux-only options and no NuGet package wraps them; the
/// only hand-written part is decoding the kernel's sockaddr_in / sockaddr_in6 (port and address in network order).
/// </summary>
public static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80;
    private const int SockaddrIn = 16;
    private const int SockaddrIn6 = 28;

    /// <summary>
    /// The original destination of <paramref name="socket"/> (an accepted TCP connection), or null when the kernel has
    /// none to give: not Linux, no conntrack entry (the connection was not redirected and no nat table is loaded) or
    /// another error. A connection that reached the proxy directly reports its own local endpoint here.
    /// </summary>
    public static IPEndPoint? Read(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var v6 = socket.AddressFamily == AddressFamily.InterNetworkV6 && socket.LocalEndPoint is IPEndPoint { Address.IsIPv4MappedToIPv6: false };
        Span<byte> buffer = stackalloc byte[SockaddrIn6];
        try
        {
            var length = socket.GetRawSocketOption(v6 ? SolIpv6 : SolIp, SoOriginalDst, v6 ? buffer : buffer[..SockaddrIn]);
            return Decode(buffer[..length]);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Decodes a sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes) as Linux fills it; null for anything else.</summary>
    public static IPEndPoint? Decode(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8) return null;
        // sa_family is in host byte order (little-endian on every Linux .NET runs on); the port in network order.
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return family switch
        {
            2 when sockaddr.Length >= SockaddrIn => new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port),
            10 when sockaddr.Length >= SockaddrIn6 => new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..])), port),
            _ => null,
        };
    }
}
