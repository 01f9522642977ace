using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Streams.L4.Tls;
using Xunit;

namespace Gateway.Tests.Streams.L4;

/// <summary>
/// The hand-written ClientHello/SNI parser (RFC 8446 §4.1.2, §5.1; RFC 6066 §3): well-formed input, real SslStream
/// ClientHellos, fragmentation, every spec violation we check, and fuzz-ish truncated, mutated and random input.
/// </summary>
public sealed class ClientHelloParserTests
{
    [Fact]
    public void Parse_HelloWithSni_CompleteWithLowerCaseName()
    {
        var info = ClientHelloParser.Parse(TlsBytes.Hello(TlsBytes.Sni("ABC.Example.COM")));

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Equal("abc.example.com", info.ServerName);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Parse_RealSslStreamClientHello_ReturnsTargetHost(SslProtocols protocol)
    {
        var hello = await CaptureClientHelloAsync("real.example.com", protocol);

        var info = ClientHelloParser.Parse(hello);

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Equal("real.example.com", info.ServerName);
    }

    [Fact]
    public async Task Parse_RealClientHelloWithoutSni_CompleteWithoutName()
    {
        // SslStream sends no server_name for an IP literal target (RFC 6066: "Literal IPv4 and IPv6 addresses are not permitted").
        var hello = await CaptureClientHelloAsync("127.0.0.1", SslProtocols.None);

        var info = ClientHelloParser.Parse(hello);

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Null(info.ServerName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void Parse_HandshakeFragmentedAcrossRecords_Reassembled(int fragment)
    {
        var info = ClientHelloParser.Parse(TlsBytes.Hello(TlsBytes.Sni("frag.example.com"), fragmentSize: fragment));

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Equal("frag.example.com", info.ServerName);
    }

    [Fact]
    public void Parse_EveryTruncation_IncompleteUntilTheLastByte()
    {
        foreach (var fragment in new[] { 16_384, 9 })
        {
            var hello = TlsBytes.Hello(TlsBytes.Sni("cut.example.com"), fragmentSize: fragment);
            for (var length = 0; length < hello.Length; length++)
            {
                Assert.Equal(ClientHelloStatus.Incomplete, ClientHelloParser.Parse(hello.AsSpan(0, length)).Status);
            }
            Assert.Equal("cut.example.com", ClientHelloParser.Parse(hello).ServerName);
        }
    }

    [Fact]
    public void Parse_BytesAfterTheHello_Ignored()
    {
        var bytes = TlsBytes.Hello(TlsBytes.Sni("abc.example.com")).Concat(Encoding.ASCII.GetBytes("early data or garbage")).ToArray();

        Assert.Equal("abc.example.com", ClientHelloParser.Parse(bytes).ServerName);
    }

    [Fact]
    public void Parse_NoServerNameExtension_CompleteWithoutName()
    {
        var info = ClientHelloParser.Parse(TlsBytes.Hello(TlsBytes.Extension(43, [2, 3, 4])));

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Null(info.ServerName);
    }

    [Fact]
    public void Parse_NoExtensionsBlockAtAll_CompleteWithoutName()
    {
        var info = ClientHelloParser.Parse(TlsBytes.Hello(omitExtensions: true));

        Assert.Equal(ClientHelloStatus.Complete, info.Status);
        Assert.Null(info.ServerName);
    }

    [Fact]
    public void Parse_TrailingDot_Dropped()
    {
        Assert.Equal("abc.example.com", ClientHelloParser.Parse(TlsBytes.Hello(TlsBytes.Sni("abc.example.com."))).ServerName);
    }

    [Fact]
    public void Parse_UnknownNameTypeBesideHostName_Skipped()
    {
        var list = TlsBytes.NameList((7, Encoding.ASCII.GetBytes("opaque")), (0, Encoding.ASCII.GetBytes("abc.example.com")));

        Assert.Equal("abc.example.com", ClientHelloParser.Parse(TlsBytes.Hello(TlsBytes.Extension(0, list))).ServerName);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "two host_name entries", TlsBytes.Hello(TlsBytes.Extension(0, TlsBytes.NameList((0, "a.example.com"u8.ToArray()), (0, "b.example.com"u8.ToArray())))) },
        { "duplicate extension", TlsBytes.Hello(TlsBytes.Sni("a.example.com"), TlsBytes.Extension(43, [2, 3, 4]), TlsBytes.Extension(43, [2, 3, 3])) },
        { "empty server_name list", TlsBytes.Hello(TlsBytes.Extension(0, [0, 0])) },
        { "empty server_name extension", TlsBytes.Hello(TlsBytes.Extension(0, [])) },
        { "illegal byte in host_name", TlsBytes.Hello(TlsBytes.Sni("a b.example.com")) },
        { "non-ASCII host_name", TlsBytes.Hello(TlsBytes.Extension(0, TlsBytes.NameList((0, Encoding.UTF8.GetBytes("bücher.example"))))) },
        { "IPv6 literal", TlsBytes.Hello(TlsBytes.Sni("::1")) },
        { "empty label", TlsBytes.Hello(TlsBytes.Sni("a..example.com")) },
        { "empty host_name", TlsBytes.Hello(TlsBytes.Extension(0, TlsBytes.NameList((0, [])))) },
        { "host_name longer than 253", TlsBytes.Hello(TlsBytes.Sni(new string('a', 254))) },
        { "server_name list shorter than its extension", TlsBytes.Hello(TlsBytes.Extension(0, [.. TlsBytes.NameList((0, "a.example.com"u8.ToArray())), 0])) },
        { "session id longer than 32", TlsBytes.Hello(sessionIdLength: 33) },
        { "no cipher suites", TlsBytes.Hello(cipherSuites: []) },
        { "odd cipher suites length", TlsBytes.Hello(cipherSuites: [0x13]) },
        { "no compression methods", TlsBytes.Hello(compression: []) },
        { "extensions length beyond the hello", TlsBytes.Hello(extensionsLengthDelta: 5) },
        { "extensions length short of the hello", TlsBytes.Hello(extensionsLengthDelta: -1) },
        { "extension data cut", TlsBytes.Hello(TlsBytes.Extension(43, [2, 3, 4], lengthDelta: 10)) },
        { "handshake is a ServerHello", TlsBytes.Hello(TlsBytes.Sni("a.example.com"), handshakeType: 2) },
        { "empty ClientHello body", TlsBytes.Record(22, [1, 0, 0, 0]) },
        { "zero-length record", TlsBytes.Record(22, []) },
        { "record longer than 2^14", [22, 3, 1, 0x40, 0x01, .. new byte[0x4001]] },
        { "alert record inside a fragmented hello", [.. TlsBytes.Hello(TlsBytes.Sni("a.example.com"), fragmentSize: 10).AsSpan(0, 15), 21, 3, 3, 0, 2, 2, 40] },
        { "second record with version major 2", [.. TlsBytes.Hello(TlsBytes.Sni("a.example.com"), fragmentSize: 10).AsSpan(0, 15), 22, 2, 0, 0, 2, 2, 40] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_SpecViolation_Malformed(string violation, byte[] bytes)
    {
        var info = ClientHelloParser.Parse(bytes);

        Assert.True(info.Status == ClientHelloStatus.Malformed, $"{violation}: {info}");
        Assert.False(string.IsNullOrEmpty(info.Error));
        Assert.Null(info.ServerName);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\u0080\u002e\u0001\u0003\u0001")]
    [InlineData("\u0017\u0003\u0003\u0000\u0001x")]
    [InlineData("\u0016\u0002\u0000\u0000\u0001x")]
    public void Parse_NotATlsHandshake_NotTls(string text)
    {
        var bytes = text.Select(c => (byte)c).ToArray();

        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloParser.Parse(bytes).Status);
    }

    [Fact]
    public void Parse_AnnouncedLengthAboveLimit_TooLargeBeforeTheBytesArrive()
    {
        var hello = TlsBytes.Hello(TlsBytes.Sni("a.example.com"), TlsBytes.Extension(21, new byte[3000]));

        var info = ClientHelloParser.Parse(hello.AsSpan(0, 20), maxHandshakeBytes: 1000);

        Assert.Equal(ClientHelloStatus.TooLarge, info.Status);
        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.Parse(hello, maxHandshakeBytes: 4000).Status);
    }

    [Fact]
    public void Parse_MutatedHellos_NeverThrowAndOnlyValidNames()
    {
        var valid = TlsBytes.Hello(TlsBytes.Sni("mutant.example.com"), TlsBytes.Extension(43, [2, 3, 4]), fragmentSize: 40);
        var random = new Random(20240611);
        var name = new Regex("^[a-z0-9._-]{1,253}$");
        var statuses = new HashSet<ClientHelloStatus>();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])valid.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var cut = random.Next(2) == 0 ? bytes.Length : random.Next(bytes.Length);

            var info = ClientHelloParser.Parse(bytes.AsSpan(0, cut));

            statuses.Add(info.Status);
            if (info.ServerName is not null) Assert.Matches(name, info.ServerName);
            if (info.Status != ClientHelloStatus.Complete) Assert.Null(info.ServerName);
        }
        // The mutations reach every outcome, so the loop really exercised the error paths.
        Assert.Superset(new HashSet<ClientHelloStatus> { ClientHelloStatus.Complete, ClientHelloStatus.Incomplete, ClientHelloStatus.Malformed, ClientHelloStatus.NotTls }, statuses);
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrowsAndNeverFindsAName()
    {
        var random = new Random(42);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 700)];
            random.NextBytes(bytes);
            if (bytes.Length > 1 && i % 2 == 0)
            {
                // Half of them look like a handshake record, so the parser gets past the first checks.
                bytes[0] = 22;
                bytes[1] = 3;
            }

            var info = ClientHelloParser.Parse(bytes);

            Assert.True(info.Status != ClientHelloStatus.Complete || info.ServerName is null || Regex.IsMatch(info.ServerName, "^[a-z0-9._-]+$"));
        }
    }

    /// <summary>The first bytes a real SslStream client sends, read until the parser sees a complete ClientHello.</summary>
    private static async Task<byte[]> CaptureClientHelloAsync(string targetHost, SslProtocols protocols)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cts.Token);
            using var server = await listener.AcceptTcpClientAsync(cts.Token);
            var ssl = new SslStream(client.GetStream());
            var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost, EnabledSslProtocols = protocols }, cts.Token);
            var received = new List<byte>();
            var buffer = new byte[4096];
            while (ClientHelloParser.Parse(received.ToArray()).Status == ClientHelloStatus.Incomplete)
            {
                var n = await server.GetStream().ReadAsync(buffer, cts.Token);
                if (n == 0) break;
                received.AddRange(buffer.AsSpan(0, n));
            }
            server.Close();
            await Assert.ThrowsAnyAsync<Exception>(() => handshake);
            return [.. received];
        }
        finally
        {
            listener.Stop();
        }
    }
}

/// <summary>Builds TLS records by hand (RFC 8446 presentation language) for parser tests.</summary>
internal static class TlsBytes
{
    public static byte[] Extension(ushort type, byte[] data, int lengthDelta = 0) =>
        [(byte)(type >> 8), (byte)type, .. U16(data.Length + lengthDelta), .. data];

    public static byte[] NameList(params (byte Type, byte[] Name)[] names)
    {
        var list = names.SelectMany(n => (byte[])[n.Type, .. U16(n.Name.Length), .. n.Name]).ToArray();
        return [.. U16(list.Length), .. list];
    }

    public static byte[] Sni(string name) => Extension(0, NameList((0, Encoding.ASCII.GetBytes(name))));

    public static byte[] Hello(
        params byte[][] extensions) => Hello(extensions, 16_384);

    public static byte[] Hello(
        byte[]? extension = null,
        byte[]? extension2 = null,
        byte[]? extension3 = null,
        int fragmentSize = 16_384,
        int sessionIdLength = 32,
        byte[]? cipherSuites = null,
        byte[]? compression = null,
        bool omitExtensions = false,
        int extensionsLengthDelta = 0,
        byte handshakeType = 1) =>
        Hello(new[] { extension, extension2, extension3 }.OfType<byte[]>().ToArray(), fragmentSize, sessionIdLength, cipherSuites, compression, omitExtensions, extensionsLengthDelta, handshakeType);

    private static byte[] Hello(
        byte[][] extensions,
        int fragmentSize,
        int sessionIdLength = 32,
        byte[]? cipherSuites = null,
        byte[]? compression = null,
        bool omitExtensions = false,
        int extensionsLengthDelta = 0,
        byte handshakeType = 1)
    {
        var suites = cipherSuites ?? [0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f];
        var methods = compression ?? [0];
        var allExtensions = extensions.SelectMany(e => e).ToArray();
        byte[] body =
        [
            3, 3, .. new byte[32],
            (byte)sessionIdLength, .. new byte[sessionIdLength],
            .. U16(suites.Length), .. suites,
            (byte)methods.Length, .. methods,
            .. omitExtensions ? [] : (byte[])[.. U16(allExtensions.Length + extensionsLengthDelta), .. allExtensions],
        ];
        byte[] handshake = [handshakeType, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];
        var records = new List<byte>();
        for (var offset = 0; offset < handshake.Length; offset += fragmentSize)
        {
            records.AddRange(Record(22, handshake.AsSpan(offset, Math.Min(fragmentSize, handshake.Length - offset)).ToArray()));
        }
        return [.. records];
    }

    public static byte[] Record(byte type, byte[] fragment) => [type, 3, 1, .. U16(fragment.Length), .. fragment];

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];
}
