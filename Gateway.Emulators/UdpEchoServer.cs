using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Gateway.Emulators;

/// <summary>
/// A UDP echo backend that answers like the conformance suite's UDP echo (echo-basic with UDP_ECHO_SERVER,
/// cases-semantics.md 1.4): every datagram is answered, to its sender, with one JSON datagram
/// <c>{"request": payload, "namespace", "ingress", "service", "pod"}</c>. Written by hand because the upstream image is a
/// Go binary we cannot run here; a test double, not part of the gateway.
/// </summary>
public sealed class UdpEchoServer : IEmulatedServer
{
    private readonly Socket _socket;
    private readonly EchoIdentity _identity;
    private readonly CancellationTokenSource _stop = new();
    private const int MaxLogLines = 20_000;

    private readonly Task _loop;
    private readonly ConcurrentQueue<EchoLogLine> _log = new();
    private int _datagramCount;

    private UdpEchoServer(Socket socket, EchoIdentity identity)
    {
        _socket = socket;
        _identity = identity;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The bound endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>
    /// Datagrams received so far, each answered: counted before the answer is sent, so a client holding the answer finds
    /// its datagram counted.
    /// </summary>
    public int DatagramCount => Volatile.Read(ref _datagramCount);

    /// <inheritdoc />
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => _log.Where(l => l.At >= since).ToList();

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/> (upstream UDP_PORT defaults to 8080; 0 picks a free port).</summary>
    public static UdpEchoServer Start(IPAddress address, int port, EchoIdentity identity)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new UdpEchoServer(socket, identity);
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[65_535];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                var payload = Encoding.UTF8.GetString(buffer, 0, received.ReceivedBytes);
                _log.Enqueue(new EchoLogLine(DateTimeOffset.UtcNow, $"Received UDP {payload} from {received.RemoteEndPoint}"));
                while (_log.Count > MaxLogLines && _log.TryDequeue(out _)) { }
                var reply = Reply(payload);
                Interlocked.Increment(ref _datagramCount);
                await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A client that went away (ICMP unreachable for an earlier reply): keep serving the others.
            }
        }
    }

    private byte[] Reply(string request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("request", request);
            json.WriteString("namespace", _identity.Namespace);
            json.WriteString("ingress", _identity.Ingress);
            json.WriteString("service", _identity.Service);
            json.WriteString("pod", _identity.Pod);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _stop.Dispose();
    }
}
