using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Gateway.Emulators;

/// <summary>Where and how a TCP echo server listens. Ports mirror the upstream tcp-backend container ports.</summary>
public sealed record TcpEchoServerOptions(IPAddress Address, EchoIdentity Identity)
{
    /// <summary>Plain TCP port (upstream TCP_PORT, 3000); 0 picks a free port.</summary>
    public int TcpPort { get; init; } = 3000;

    /// <summary>TLS port (upstream TLS_PORT, 8443); requires <see cref="ServerCertificate"/>; null disables it; 0 picks a free port.</summary>
    public int? TlsPort { get; init; }

    /// <summary>Server certificate (with private key) for the TLS port.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>A connection idle this long is closed (every wait is bounded).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// A TCP echo backend that answers like the conformance suite's tcp-backend (echo-basic with TCP_ECHO_SERVER,
/// cases-semantics.md 1.3): on connect (after the TLS handshake on the TLS port) it sends
/// <c>Gateway API Test TCP Server\n</c>; then per line: <c>PING</c> → <c>PONG</c>, <c>IS_TLS</c> → <c>true</c>/<c>false</c>
/// (whether this backend socket is TLS), <c>TEST</c> → one JSON line {namespace, ingress, service, pod, tcpport, tlsport,
/// isTLS, tls{version, serverName, negotiatedProtocol, curves, cipherSuite}}; other lines are ignored. Written by
/// hand because the upstream image is a Go binary we cannot run here; a test double, not part of the gateway.
/// Field names and value spellings follow upstream (Go's tls.VersionName: "TLS 1.3"; IANA cipher suite names;
/// empty negotiatedProtocol and curves are left out, and .NET does not expose the negotiated curve).
/// </summary>
public sealed class TcpEchoServer : IEmulatedServer
{
    /// <summary>The line every connection starts with.</summary>
    public const string WelcomeLine = "Gateway API Test TCP Server";

    private const int MaxLineBytes = 4096;
    private const int MaxLogLines = 20_000;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _plain;
    private readonly TcpListener? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentQueue<EchoLogLine> _log = new();
    private int _nextConnection;
    private int _connectionCount;

    private TcpEchoServer(TcpEchoServerOptions options, TcpListener plain, TcpListener? tls)
    {
        Options = options;
        _plain = plain;
        _tls = tls;
    }

    /// <summary>The options this server was started with.</summary>
    public TcpEchoServerOptions Options { get; }

    /// <summary>The bound plain endpoint.</summary>
    public IPEndPoint TcpEndpoint => (IPEndPoint)_plain.LocalEndpoint;

    /// <summary>The bound TLS endpoint, or null.</summary>
    public IPEndPoint? TlsEndpoint => (IPEndPoint?)_tls?.LocalEndpoint;

    /// <summary>Connections accepted so far (both ports).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <inheritdoc />
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => _log.Where(l => l.At >= since).ToList();

    /// <summary>Starts the server; throws if a port cannot be bound.</summary>
    public static TcpEchoServer Start(TcpEchoServerOptions options)
    {
        if (options.TlsPort is not null && options.ServerCertificate is null) throw new ArgumentException("TlsPort needs a ServerCertificate");
        var plain = new TcpListener(options.Address, options.TcpPort);
        TcpListener? tls = null;
        try
        {
            plain.Start();
            if (options.TlsPort is { } tlsPort)
            {
                tls = new TcpListener(options.Address, tlsPort);
                tls.Start();
            }
        }
        catch
        {
            plain.Stop();
            tls?.Stop();
            throw;
        }
        var server = new TcpEchoServer(options, plain, tls);
        server._acceptLoops.Add(server.AcceptLoopAsync(plain, false));
        if (tls is not null) server._acceptLoops.Add(server.AcceptLoopAsync(tls, true));
        return server;
    }

    private async Task AcceptLoopAsync(TcpListener listener, bool tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            Interlocked.Increment(ref _connectionCount);
            _log.Enqueue(new EchoLogLine(DateTimeOffset.UtcNow, $"Accepted {(tls ? "tls" : "tcp")} connection from {client.Client.RemoteEndPoint}"));
            while (_log.Count > MaxLogLines && _log.TryDequeue(out _)) { }
            var id = Interlocked.Increment(ref _nextConnection);
            _connections[id] = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, tls).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                }
            });
        }
    }

    private async Task ServeAsync(TcpClient client, bool tls)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        SslStream? ssl = null;
        try
        {
            if (tls)
            {
                ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Options.ServerCertificate }, handshake.Token).ConfigureAwait(false);
                stream = ssl;
            }
            var test = Encoding.UTF8.GetBytes(TestJson(ssl) + "\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(WelcomeLine + "\n"), _stop.Token).ConfigureAwait(false);

            var buffer = new byte[MaxLineBytes];
            var filled = 0;
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(Options.IdleTimeout);
                var n = await stream.ReadAsync(buffer.AsMemory(filled), idle.Token).ConfigureAwait(false);
                if (n == 0) return;
                filled += n;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', 0, filled)) >= 0)
                {
                    var line = Encoding.UTF8.GetString(buffer, 0, newline).TrimEnd('\r');
                    Array.Copy(buffer, newline + 1, buffer, 0, filled - newline - 1);
                    filled -= newline + 1;
                    var answer = line switch
                    {
                        "PING" => "PONG\n"u8.ToArray(),
                        "IS_TLS" => Encoding.ASCII.GetBytes((ssl is not null ? "true" : "false") + "\n"),
                        "TEST" => test,
                        _ => null,
                    };
                    if (answer is not null) await stream.WriteAsync(answer, _stop.Token).ConfigureAwait(false);
                }
                // A line longer than the buffer is not a line of this protocol: give up on the connection.
                if (filled == buffer.Length) return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
        {
            // The peer went away, the handshake failed or a bound expired: nothing to answer.
        }
        finally
        {
            if (ssl is not null) await ssl.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string TestJson(SslStream? ssl)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("namespace", Options.Identity.Namespace);
            json.WriteString("ingress", Options.Identity.Ingress);
            json.WriteString("service", Options.Identity.Service);
            json.WriteString("pod", Options.Identity.Pod);
            json.WriteString("tcpport", TcpEndpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (TlsEndpoint is { } tlsEndpoint) json.WriteString("tlsport", tlsEndpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteBoolean("isTLS", ssl is not null);
            if (ssl is not null)
            {
                json.WriteStartObject("tls");
                json.WriteString("version", ssl.SslProtocol switch
                {
                    SslProtocols.Tls13 => "TLS 1.3",
                    SslProtocols.Tls12 => "TLS 1.2",
                    var p => p.ToString(),
                });
                // The SNI the client sent (server side: SslStream.TargetHostName).
                json.WriteString("serverName", ssl.TargetHostName);
                var alpn = ssl.NegotiatedApplicationProtocol.ToString();
                if (alpn.Length > 0) json.WriteString("negotiatedProtocol", alpn);
                json.WriteString("cipherSuite", ssl.NegotiatedCipherSuite.ToString());
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _plain.Stop();
        _tls?.Stop();
        var all = _acceptLoops.Concat(_connections.Values).ToArray();
        await Task.WhenAny(Task.WhenAll(all), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _stop.Dispose();
    }
}
