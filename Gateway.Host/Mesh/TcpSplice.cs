using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Mesh;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Mesh;

/// <summary>
/// TCP passthrough for a Service port without routes: connects to one of its endpoints (picked at random, as
/// kube-proxy does) and copies bytes both ways until both directions have ended. The client's end of sending is passed
/// on as a half-close (shutdown of the upstream send side); the upstream's end closes the client connection.
/// Why not Gateway.Streams' TcpProxy: it owns its listening socket and accepts there, whereas this connection was
/// already accepted by the mesh listener's Kestrel transport (the original destination decides per connection whether
/// it is HTTP or a splice), so the copy is between the connection's pipe and a socket, with the framework's own
/// PipeReader/Stream copy loops.
/// </summary>
internal static class TcpSplice
{
    public static async Task RunAsync(ConnectionContext connection, MeshDestination destination, TimeSpan connectTimeout, ILogger logger)
    {
        var port = destination.Port;
        var service = destination.Service.Key;
        if (port.Endpoints.IsDefaultOrEmpty)
        {
            logger.LogDebug("mesh: {Service} port {Port} has no ready endpoints; connection reset", service, port.Port);
            connection.Abort();
            return;
        }
        var endpoint = port.Endpoints[Random.Shared.Next(port.Endpoints.Length)];
        if (!IPAddress.TryParse(endpoint.Address, out var address))
        {
            logger.LogWarning("mesh: endpoint {Address} of {Service} is not an IP address; connection reset", endpoint.Address, service);
            connection.Abort();
            return;
        }
        using var upstream = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            timeout.CancelAfter(connectTimeout);
            await upstream.ConnectAsync(new IPEndPoint(address, endpoint.Port), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            logger.LogDebug("mesh: {Service} endpoint {Address}:{Port} unreachable ({Reason}); connection reset", service, endpoint.Address, endpoint.Port, e.Message);
            connection.Abort();
            return;
        }
        await using var stream = new NetworkStream(upstream, ownsSocket: false);
        var toUpstream = CopyToUpstreamAsync(connection.Transport.Input, stream, upstream, connection.ConnectionClosed);
        var toClient = CopyToClientAsync(stream, connection.Transport.Output, connection.ConnectionClosed);
        try
        {
            await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException)
        {
            connection.Abort();
        }
    }

    private static async Task CopyToUpstreamAsync(PipeReader client, NetworkStream upstream, Socket socket, CancellationToken ct)
    {
        await client.CopyToAsync(upstream, ct).ConfigureAwait(false);
        // The client has finished sending: pass the half-close on.
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task CopyToClientAsync(NetworkStream upstream, PipeWriter client, CancellationToken ct)
    {
        await upstream.CopyToAsync(client, ct).ConfigureAwait(false);
        await client.CompleteAsync().ConfigureAwait(false);
    }
}
