using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Streams;
using Gateway.Emulators;
using Gateway.Streams.L4;
using Gateway.Streams.L4.Tcp;
using Xunit;
using static Gateway.Tests.Streams.L4.L4Fixtures;

namespace Gateway.Tests.Streams.L4;

/// <summary>The TCP/TLS proxy stage on real loopback sockets: splicing, SNI routing, termination, half-close, timeouts, swap, unbind.</summary>
[Trait("Category", "Streams")]
public sealed class TcpProxyTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private TcpEchoServer _one = null!;
    private TcpEchoServer _two = null!;

    public Task InitializeAsync()
    {
        _one = Own(TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns", "tcp-one-abc-1")) { TcpPort = 0, TlsPort = 0, ServerCertificate = SelfSigned("abc.example.com") }));
        _two = Own(TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns", "tcp-two-abc-1")) { TcpPort = 0, TlsPort = 0, ServerCertificate = SelfSigned("*.example.com") }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
    }

    private T Own<T>(T item) where T : IAsyncDisposable
    {
        _owned.Add(item);
        return item;
    }

    private Task<(TcpProxy Proxy, IPEndPoint Endpoint)> StartAsync(TcpListenerConfig config, L4Options? options = null)
    {
        var proxy = Own(TcpProxy.Start(config, options ?? new L4Options(), (ActorMaterializer)Sys.Materializer()));
        return Task.FromResult((proxy, proxy.LocalEndPoint));
    }

    [Fact]
    public async Task Tcp_OneRoute_RelaysWelcomePingAndTest()
    {
        var (_, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("one", 1, _one.TcpEndpoint)))));

        await using var client = await L4Client.ConnectAsync(endpoint);
        var test = await client.HandshakeAndTestAsync();

        Assert.Equal("tcp-one-abc-1", test.GetProperty("pod").GetString());
        Assert.False(test.GetProperty("isTLS").GetBoolean());
        Assert.Equal("false", await client.AskAsync("IS_TLS"));
    }

    [Fact]
    public async Task Tls_Passthrough_BackendTerminatesAndSeesSni()
    {
        var config = Socket(0,
            Passthrough("exact", "abc.example.com", Route(["abc.example.com"], Backend("one", 1, _one.TlsEndpoint!))),
            Passthrough("wildcard", "*.example.com", Route(["*.example.com"], Backend("two", 1, _two.TlsEndpoint!))));
        var (_, endpoint) = await StartAsync(config);

        await using (var exact = await L4Client.ConnectAsync(endpoint, "abc.example.com"))
        {
            var test = await exact.HandshakeAndTestAsync();
            Assert.Equal("tcp-one-abc-1", test.GetProperty("pod").GetString());
            Assert.True(test.GetProperty("isTLS").GetBoolean());
            Assert.Equal("abc.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());
            Assert.Equal("true", await exact.AskAsync("IS_TLS"));
        }
        await using (var wildcard = await L4Client.ConnectAsync(endpoint, "other.example.com"))
        {
            var test = await wildcard.HandshakeAndTestAsync();
            Assert.Equal("tcp-two-abc-1", test.GetProperty("pod").GetString());
            Assert.Equal("other.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());
        }
    }

    [Fact]
    public async Task Tls_NoListenerOrRouteForSni_ConnectionRejected()
    {
        var config = Socket(0,
            Passthrough("exact", "abc.example.com", Route(["abc.example.com"], Backend("one", 1, _one.TlsEndpoint!))),
            Passthrough("wildcard", "*.example.com", Route(["abc.example.com"], Backend("two", 1, _two.TlsEndpoint!))));
        var (proxy, endpoint) = await StartAsync(config);

        Assert.True(await L4Client.IsRejectedAsync(endpoint, "non.matching.com"));
        // Listener isolation: *.example.com is the best listener for x.example.com; its route does not serve that name.
        Assert.True(await L4Client.IsRejectedAsync(endpoint, "x.example.com"));
        Assert.Equal(0, _one.ConnectionCount + _two.ConnectionCount);
        Assert.True(proxy.Stats.Rejected >= 2);
    }

    [Fact]
    public async Task Tls_Terminate_BackendSeesPlainTcp()
    {
        var config = Socket(0, Terminate("terminate", "tls.example.com", Certificate("tls.example.com"), Route(["tls.example.com"], Backend("one", 1, _one.TcpEndpoint))));
        var (_, endpoint) = await StartAsync(config);

        await using var client = await L4Client.ConnectAsync(endpoint, "tls.example.com");
        var test = await client.HandshakeAndTestAsync();

        Assert.False(test.GetProperty("isTLS").GetBoolean());
        Assert.Equal("false", await client.AskAsync("IS_TLS"));
        Assert.Equal("tls.example.com", client.Tls!.RemoteCertificate!.Subject["CN=".Length..]);
    }

    [Fact]
    public async Task Tls_TerminateWithBackendTls_ReencryptsWithTheBackendSniAndRefusesAnUntrustedBackend()
    {
        // BackendTLSPolicy on a terminated TLSRoute's backend: the proxy is a TLS client to it (SNI abc.example.com).
        System.Security.Cryptography.X509Certificates.X509Certificate2? seen = null;
        L4BackendTls Originate(bool trust) => new($"trust={trust}", () => new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "abc.example.com",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate as System.Security.Cryptography.X509Certificates.X509Certificate2;
                return trust;
            },
        });
        var config = Socket(0,
            Terminate("good", "good.example.com", Certificate("good.example.com"), Route(["good.example.com"], Backend("one", 1, _one.TlsEndpoint!) with { Tls = Originate(true) })),
            Terminate("bad", "bad.example.com", Certificate("bad.example.com"), Route(["bad.example.com"], Backend("one", 1, _one.TlsEndpoint!) with { Tls = Originate(false) })));
        var (_, endpoint) = await StartAsync(config);

        await using (var client = await L4Client.ConnectAsync(endpoint, "good.example.com"))
        {
            var test = await client.HandshakeAndTestAsync();
            Assert.True(test.GetProperty("isTLS").GetBoolean());
            Assert.Equal("abc.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());
            Assert.Equal("good.example.com", client.Tls!.RemoteCertificate!.Subject["CN=".Length..]);
        }
        Assert.NotNull(seen);
        Assert.True(await L4Client.IsRejectedAsync(endpoint, "bad.example.com"));
    }

    [Fact]
    public async Task Tls_MixedTerminateAndPassthroughOnOnePort_ChosenBySni()
    {
        var config = Socket(0,
            Terminate("terminate", "tls.example.com", Certificate("tls.example.com"), Route(["tls.example.com"], Backend("one", 1, _one.TcpEndpoint))),
            Passthrough("passthrough", "abc.example.com", Route(["abc.example.com"], Backend("two", 1, _two.TlsEndpoint!))));
        var (_, endpoint) = await StartAsync(config);

        await using (var terminated = await L4Client.ConnectAsync(endpoint, "tls.example.com"))
        {
            Assert.False((await terminated.HandshakeAndTestAsync()).GetProperty("isTLS").GetBoolean());
        }
        await using (var passed = await L4Client.ConnectAsync(endpoint, "abc.example.com"))
        {
            var test = await passed.HandshakeAndTestAsync();
            Assert.True(test.GetProperty("isTLS").GetBoolean());
            Assert.Equal("abc.example.com", test.GetProperty("tls").GetProperty("serverName").GetString());
        }
    }

    [Fact]
    public async Task Tls_GarbageInsteadOfClientHello_ConnectionClosedWithoutBackend()
    {
        var (_, endpoint) = await StartAsync(Socket(0, Passthrough("any", null, Route(Backend("one", 1, _one.TlsEndpoint!)))));

        using var client = new TcpClient();
        await client.ConnectAsync(endpoint).WaitAsync(L4Client.Timeout);
        var stream = client.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).AsTask().WaitAsync(L4Client.Timeout);

        Assert.True(await ReadsToEndAsync(stream, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _one.ConnectionCount);
    }

    [Fact]
    public async Task Tls_NoClientHelloInTime_ConnectionClosed()
    {
        var options = new L4Options { ClientHelloTimeout = TimeSpan.FromMilliseconds(300) };
        var (_, endpoint) = await StartAsync(Socket(0, Passthrough("any", null, Route(Backend("one", 1, _one.TlsEndpoint!)))), options);

        using var client = new TcpClient();
        await client.ConnectAsync(endpoint).WaitAsync(L4Client.Timeout);
        // Half a record header, then silence.
        await client.GetStream().WriteAsync(new byte[] { 22, 3 }).AsTask().WaitAsync(L4Client.Timeout);

        Assert.True(await ReadsToEndAsync(client.GetStream(), TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _one.ConnectionCount);
    }

    [Fact]
    public async Task Tcp_BackendRefusesConnection_ClientConnectionClosed()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var dead = (IPEndPoint)closed.LocalEndpoint;
        closed.Stop();
        var (proxy, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("dead", 1, dead)))));

        Assert.True(await ClosedByServerAsync(endpoint));
        await AwaitConditionAsync(() => Task.FromResult(proxy.Stats.Rejected == 1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Tcp_BackendNeverAnswersTheConnect_ClientClosedAfterConnectTimeout()
    {
        // A listener with a full accept queue that never accepts: the kernel drops further SYNs, so a connect hangs.
        using var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stuck.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stuck.Listen(0);
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                _ = filler.ConnectAsync(stuck.LocalEndPoint!);
            }
            await Task.Delay(200);
            var options = new L4Options { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
            var (proxy, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("stuck", 1, (IPEndPoint)stuck.LocalEndPoint!)))), options);
            var watch = System.Diagnostics.Stopwatch.StartNew();

            Assert.True(await ClosedByServerAsync(endpoint));
            Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(8));
            await AwaitConditionAsync(() => Task.FromResult(proxy.Stats.Rejected == 1), TimeSpan.FromSeconds(5));
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    [Fact]
    public async Task Tcp_ConnectionLimitReached_FurtherConnectionsClosed()
    {
        var options = new L4Options { MaxConnectionsPerSocket = 1 };
        var (proxy, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("one", 1, _one.TcpEndpoint)))), options);
        await using var first = await L4Client.ConnectAsync(endpoint);
        Assert.Equal(TcpEchoServer.WelcomeLine, await first.ReadLineAsync());

        Assert.True(await ClosedByServerAsync(endpoint));
        Assert.Equal("PONG", await first.AskAsync("PING"));
        Assert.Equal(1, proxy.Stats.Rejected);
    }

    [Fact]
    public async Task Tcp_NoRouteOrInvalidBackend_ClientConnectionClosed()
    {
        var (_, noRoute) = await StartAsync(Socket(0, TcpListener()));
        var (_, invalid) = await StartAsync(Socket(0, TcpListener(Route(new L4Backend("invalid", 1, false, [])))));

        Assert.True(await ClosedByServerAsync(noRoute));
        Assert.True(await ClosedByServerAsync(invalid));
    }

    [Fact]
    public async Task Tcp_ClientHalfCloses_BackendAnswerStillArrives()
    {
        // A backend that reads until the client's FIN, then answers and closes: only works if the half-close travels
        // through the proxy and the other direction stays open.
        var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var served = Task.Run(async () =>
        {
            using var accepted = await backend.AcceptTcpClientAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            var stream = accepted.GetStream();
            var total = 0;
            var buffer = new byte[4096];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) total += n;
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"got {total}\n"));
        });
        try
        {
            var (_, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("halfclose", 1, (IPEndPoint)backend.LocalEndpoint)))));
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint).WaitAsync(L4Client.Timeout);
            var stream = client.GetStream();
            await stream.WriteAsync(new byte[100_000]).AsTask().WaitAsync(L4Client.Timeout);
            client.Client.Shutdown(SocketShutdown.Send);

            var answer = await ReadAllAsync(stream, TimeSpan.FromSeconds(10));
            Assert.Equal("got 100000\n", answer);
            await served.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            backend.Stop();
        }
    }

    [Fact]
    public async Task Tcp_IdleConnection_ClosedAfterIdleTimeout()
    {
        var options = new L4Options { IdleTimeout = TimeSpan.FromMilliseconds(500) };
        var (_, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("one", 1, _one.TcpEndpoint)))), options);

        await using var client = await L4Client.ConnectAsync(endpoint);
        Assert.Equal(TcpEchoServer.WelcomeLine, await client.ReadLineAsync());
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.True(await ReadsToEndAsync(client.Socket, TimeSpan.FromSeconds(10)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(300), $"closed after {watch.Elapsed}");
    }

    [Fact]
    public async Task Swap_OpenConnectionKeepsItsBackend_NewConnectionsUseTheNewTable()
    {
        var first = Socket(0, TcpListener(Route(Backend("one", 1, _one.TcpEndpoint))));
        var (proxy, endpoint) = await StartAsync(first);
        await using var open = await L4Client.ConnectAsync(endpoint);
        Assert.Equal("tcp-one-abc-1", (await open.HandshakeAndTestAsync()).GetProperty("pod").GetString());

        proxy.Swap(first with { Port = first.Port, Listeners = [TcpListener(Route(Backend("two", 1, _two.TcpEndpoint)))] });

        await using var fresh = await L4Client.ConnectAsync(endpoint);
        Assert.Equal("tcp-two-abc-1", (await fresh.HandshakeAndTestAsync()).GetProperty("pod").GetString());
        Assert.Equal("PONG", await open.AskAsync("PING"));
        Assert.Equal("tcp-one-abc-1", JsonPod(await open.AskAsync("TEST")));
    }

    [Fact]
    public async Task Stop_ListenerClosedAtOnce_OpenConnectionsAbortedAfterDrain()
    {
        var (proxy, endpoint) = await StartAsync(Socket(0, TcpListener(Route(Backend("one", 1, _one.TcpEndpoint)))));
        await using var open = await L4Client.ConnectAsync(endpoint);
        Assert.Equal(TcpEchoServer.WelcomeLine, await open.ReadLineAsync());

        Assert.Equal(1, proxy.Stats.Active);
        var stop = proxy.StopAsync(TimeSpan.FromSeconds(3));
        await AwaitConditionAsync(async () => !await AcceptsAsync(endpoint), TimeSpan.FromSeconds(5));
        Assert.Equal(1, proxy.Stats.Active);
        // Still served during the drain ...
        Assert.Equal("PONG", await open.AskAsync("PING"));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        // ... and cut afterwards.
        Assert.True(await ReadsToEndAsync(open.Socket, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void ChooseCertificate_FirstWhoseNamesMatchTheSni_ElseTheFirst()
    {
        var first = Certificate("a.example.com");
        var wildcard = Certificate("*.b.example.com");

        Assert.Same(wildcard, TcpProxy.ChooseCertificate([first, wildcard], "x.b.example.com"));
        Assert.Same(first, TcpProxy.ChooseCertificate([first, wildcard], "a.example.com"));
        Assert.Same(first, TcpProxy.ChooseCertificate([first, wildcard], "other.org"));
        Assert.Same(first, TcpProxy.ChooseCertificate([first, wildcard], null));
        Assert.Null(TcpProxy.ChooseCertificate([], "a.example.com"));
    }

    private static string? JsonPod(string? line) => line is null ? null : System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("pod").GetString();

    internal static async Task<bool> AcceptsAsync(IPEndPoint endpoint)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(endpoint, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Connects and returns true when the server ends the connection (EOF or reset) within 10 s. A reset can win the
    /// race against the client's own connect completion, which then fails with "connection reset": that is a close too.
    /// </summary>
    internal static async Task<bool> ClosedByServerAsync(IPEndPoint endpoint)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(endpoint).WaitAsync(TimeSpan.FromSeconds(10));
            return await ReadsToEndAsync(client.GetStream(), TimeSpan.FromSeconds(10));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    /// <summary>True when the peer ends the stream (EOF or reset) within <paramref name="timeout"/>, whatever it sent before.</summary>
    internal static async Task<bool> ReadsToEndAsync(Stream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    internal static async Task<bool> ReadsToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<string> ReadAllAsync(Stream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, cts.Token);
        return Encoding.ASCII.GetString(all.ToArray());
    }
}
