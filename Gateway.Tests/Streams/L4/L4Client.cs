using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Gateway.Emulators;

namespace Gateway.Tests.Streams.L4;

/// <summary>
/// A client of the TCP echo protocol (welcome line, PING, IS_TLS, TEST) over plain TCP or TLS, as the conformance
/// suite's TCP/TLS probes talk to the gateway. Every operation is bounded by the client's timeout.
/// </summary>
internal sealed class L4Client : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly CancellationTokenSource _cts = new(Timeout);
    private readonly byte[] _buffer = new byte[8192];
    private int _filled;

    private L4Client(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public Socket Socket => _tcp.Client;

    public SslStream? Tls => _stream as SslStream;

    /// <summary>Connects (and, with <paramref name="sni"/>, completes a TLS handshake sending that SNI; the certificate is not checked).</summary>
    public static async Task<L4Client> ConnectAsync(IPEndPoint endpoint, string? sni = null, bool tls = false)
    {
        var tcp = new TcpClient(endpoint.AddressFamily);
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await tcp.ConnectAsync(endpoint, cts.Token);
            Stream stream = tcp.GetStream();
            if (tls || sni is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = sni ?? "",
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, cts.Token);
                stream = ssl;
            }
            return new L4Client(tcp, stream);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task SendLineAsync(string line) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), _cts.Token);

    /// <summary>The next line, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', 0, _filled);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, 0, newline);
                Array.Copy(_buffer, newline + 1, _buffer, 0, _filled - newline - 1);
                _filled -= newline + 1;
                return line;
            }
            var n = await _stream.ReadAsync(_buffer.AsMemory(_filled), _cts.Token);
            if (n == 0) return null;
            _filled += n;
        }
    }

    public async Task<string?> AskAsync(string line)
    {
        await SendLineAsync(line);
        return await ReadLineAsync();
    }

    /// <summary>Reads the welcome line, checks PING, then returns the TEST answer.</summary>
    public async Task<JsonElement> HandshakeAndTestAsync()
    {
        var welcome = await ReadLineAsync();
        if (welcome != TcpEchoServer.WelcomeLine) throw new InvalidOperationException($"unexpected welcome line: {welcome ?? "(end of stream)"}");
        var pong = await AskAsync("PING");
        if (pong != "PONG") throw new InvalidOperationException($"unexpected PING answer: {pong ?? "(end of stream)"}");
        var test = await AskAsync("TEST") ?? throw new InvalidOperationException("no TEST answer");
        return JsonDocument.Parse(test).RootElement.Clone();
    }

    /// <summary>
    /// True when the server ends the connection (EOF, reset, or a failed TLS handshake) within the timeout without
    /// sending anything the TCP echo protocol would send.
    /// </summary>
    public static async Task<bool> IsRejectedAsync(IPEndPoint endpoint, string? sni)
    {
        try
        {
            await using var client = await ConnectAsync(endpoint, sni, tls: true);
            return await client.ReadLineAsync() is null;
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
        _cts.Dispose();
    }
}
