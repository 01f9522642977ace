using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// Listener sockets with SO_REUSEPORT on Linux, so several replicas on one host can bind the same Gateway address
/// and port and act like one virtual IP: the kernel spreads new connections over them, and when one replica stops
/// the others keep accepting. Only processes that also set SO_REUSEPORT (and run as the same user) can share a port,
/// so a port held by anything else still fails to bind and is reported PortUnavailable. Elsewhere Kestrel's default.
/// </summary>
internal static class ReusePortSockets
{
    // SOL_SOCKET and SO_REUSEPORT from <asm-generic/socket.h>: .NET has no named option for SO_REUSEPORT.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    /// <summary>For <see cref="SocketTransportOptions.CreateBoundListenSocket"/>.</summary>
    public static Socket CreateBoundListenSocket(EndPoint endpoint)
    {
        if (!OperatingSystem.IsLinux() || endpoint is not IPEndPoint ip) return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
