using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Emulators;
using Gateway.Tests.Streams.L4;
using Xunit;

namespace Gateway.Tests.Emulators;

/// <summary>The TCP echo backend answers like the conformance suite's tcp-backend (cases-semantics.md 1.3).</summary>
public sealed class TcpEchoServerTests : IAsyncLifetime
{
    private TcpEchoServer _server = null!;

    public Task InitializeAsync()
    {
        _server = TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Loopback, new EchoIdentity("infra", "tcp-backend-abc-1", Service: "tcp-backend"))
        {
            TcpPort = 0,
            TlsPort = 0,
            ServerCertificate = L4Fixtures.SelfSigned("abc.example.com"),
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Plain_WelcomePingIsTlsTest_AnswersLikeUpstream()
    {
        await using var client = await L4Client.ConnectAsync(_server.TcpEndpoint);

        var test = await client.HandshakeAndTestAsync();

        Assert.Equal("false", await client.AskAsync("IS_TLS"));
        Assert.Equal(["namespace", "ingress", "service", "pod", "tcpport", "tlsport", "isTLS"], test.EnumerateObject().Select(p => p.Name));
        Assert.Equal("infra", test.GetProperty("namespace").GetString());
        Assert.Equal("tcp-backend", test.GetProperty("service").GetString());
        Assert.Equal("tcp-backend-abc-1", test.GetProperty("pod").GetString());
        Assert.Equal(_server.TcpEndpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), test.GetProperty("tcpport").GetString());
        Assert.Equal(_server.TlsEndpoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), test.GetProperty("tlsport").GetString());
        Assert.False(test.GetProperty("isTLS").GetBoolean());
    }

    [Fact]
    public async Task Tls_WelcomeAfterHandshake_TestReportsTlsDetails()
    {
        await using var client = await L4Client.ConnectAsync(_server.TlsEndpoint!, "abc.example.com");

        var test = await client.HandshakeAndTestAsync();

        Assert.Equal("true", await client.AskAsync("IS_TLS"));
        Assert.True(test.GetProperty("isTLS").GetBoolean());
        var tls = test.GetProperty("tls");
        Assert.Equal("abc.example.com", tls.GetProperty("serverName").GetString());
        Assert.Matches("^TLS 1\\.[23]$", tls.GetProperty("version").GetString()!);
        Assert.StartsWith("TLS_", tls.GetProperty("cipherSuite").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownLinesAndCrLf_IgnoredAndTolerated()
    {
        await using var client = await L4Client.ConnectAsync(_server.TcpEndpoint);
        Assert.Equal(TcpEchoServer.WelcomeLine, await client.ReadLineAsync());

        await client.SendLineAsync("HELLO");
        await client.SendLineAsync("PING\r");

        Assert.Equal("PONG", await client.ReadLineAsync());
    }

    [Fact]
    public async Task OverlongLine_ConnectionClosed()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.TcpEndpoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(new string('x', 10_000)));

        Assert.True(await TcpProxyTests.ReadsToEndAsync(stream, TimeSpan.FromSeconds(10)));
    }
}
