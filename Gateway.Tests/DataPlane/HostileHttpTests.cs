using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// The HTTP semantics of a well-behaved proxy under requests a client crafts byte by byte (issue 13): a raw socket
/// client sends exactly the bytes under test to the real data plane (Kestrel, YARP), and the echo backend reports
/// what reached it (headers, and the request target as received).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HostileHttpTests(DataPlaneFixture echo) : IClassFixture<DataPlaneFixture>
{
    private const int Port = 8080;

    private async Task<(GatewayDataPlane DataPlane, string Address)> StartAsync(DataPlaneOptions? options = null, params HttpRouteEntry[] entries)
    {
        var address = DataPlaneFixture.NextAddress();
        var dataPlane = new GatewayDataPlane((options ?? new DataPlaneOptions()) with { DrainTimeout = TimeSpan.FromSeconds(2) });
        if (entries.Length == 0) entries = [Ir.Entry(Ir.Prefix("/"), backends: Ir.Group(Ir.Backend(echo.V1.HttpEndpoint, id: "v1")))];
        var applied = await dataPlane.ApplyAsync(1, [Ir.Gateway("gw", address, Ir.Port(Port, ListenerProtocol.Http, Ir.Listener("http", null, entries)))], CancellationToken.None);
        Assert.Empty(applied.FailedSockets);
        return (dataPlane, address);
    }

    /// <summary>Sends <paramref name="request"/> as is on a new connection and reads the answer until the gateway closes it.</summary>
    internal static async Task<(int Status, string Body)> RawAsync(string address, int port, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Parse(address), port, timeout.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            int read;
            try
            {
                read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException)
            {
                break;
            }
            if (read == 0) break;
            received.Write(buffer, 0, read);
        }
        var text = Encoding.Latin1.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, $"no complete response head: {text}");
        var head = text[..headEnd];
        var status = int.Parse(head.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(headEnd + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) body = Unchunk(body);
        return (status, body);
    }

    /// <summary>Decodes a chunked body (RFC 9112 §7.1) without extensions or trailers, as Kestrel writes it.</summary>
    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd], 16);
            if (size == 0) return body.ToString();
            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static JsonElement Echo(string body) => JsonDocument.Parse(body).RootElement;

    private static string? Header(JsonElement echo, string name) =>
        echo.GetProperty("headers").TryGetProperty(name, out var values) ? string.Join(",", values.EnumerateArray().Select(v => v.GetString())) : null;

    [Theory]
    [InlineData("Connection: close, X-Hop-Secret\r\n")]
    [InlineData("Connection: close\r\nConnection: x-hop-secret , Keep-Alive\r\n")]
    [InlineData("Connection: close\r\nConnection: X-Hop-Secret\r\n")]
    public async Task ConnectionHeader_FieldsItNames_AreRemovedBeforeForwarding(string connection)
    {
        var (dataPlane, address) = await StartAsync();
        await using var _ = dataPlane;

        var (status, body) = await RawAsync(address, Port,
            $"GET /hop HTTP/1.1\r\nHost: hop.example\r\n{connection}X-Hop-Secret: s3cret\r\nKeep-Alive: timeout=5\r\nX-Kept: yes\r\n\r\n");

        Assert.Equal(200, status);
        var received = Echo(body);
        Assert.Null(Header(received, "X-Hop-Secret"));
        Assert.Null(Header(received, "Keep-Alive"));
        Assert.Equal("yes", Header(received, "X-Kept"));
    }

    [Fact]
    public async Task XForwarded_ByDefault_AddedAndAppendedToWhatTheClientSent()
    {
        var (dataPlane, address) = await StartAsync();
        await using var _ = dataPlane;

        var (_, fresh) = await RawAsync(address, Port, "GET /xf HTTP/1.1\r\nHost: shop.example:8080\r\nConnection: close\r\n\r\n");
        var first = Echo(fresh);
        Assert.Equal("127.0.0.1", Header(first, "X-Forwarded-For"));
        Assert.Equal("http", Header(first, "X-Forwarded-Proto"));
        Assert.Equal("shop.example:8080", Header(first, "X-Forwarded-Host"));

        var (_, appended) = await RawAsync(address, Port,
            "GET /xf HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: front.example\r\nConnection: close\r\n\r\n");
        var second = Echo(appended);
        Assert.Equal("203.0.113.7, 127.0.0.1", Header(second, "X-Forwarded-For"));
        Assert.Equal("https, http", Header(second, "X-Forwarded-Proto"));
        Assert.Equal("front.example, shop.example", Header(second, "X-Forwarded-Host"));
    }

    [Fact]
    public async Task XForwarded_TrustedHopsOne_KeepsOnlyTheLastReceivedEntry()
    {
        var (dataPlane, address) = await StartAsync(new DataPlaneOptions { ForwardedTrustedHops = 1 });
        await using var _ = dataPlane;

        var (_, body) = await RawAsync(address, Port,
            "GET /xf HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.7\r\nX-Forwarded-For: 192.0.2.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n");
        var received = Echo(body);
        Assert.Equal("192.0.2.9, 127.0.0.1", Header(received, "X-Forwarded-For"));
        Assert.Equal("https, http", Header(received, "X-Forwarded-Proto"));
        Assert.Equal("shop.example", Header(received, "X-Forwarded-Host"));
    }

    [Fact]
    public async Task XForwarded_TrustedHopsZero_ReplacesWhatTheClientSent()
    {
        var (dataPlane, address) = await StartAsync(new DataPlaneOptions { ForwardedTrustedHops = 0 });
        await using var _ = dataPlane;

        var (_, body) = await RawAsync(address, Port,
            "GET /xf HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n");
        var received = Echo(body);
        Assert.Equal("127.0.0.1", Header(received, "X-Forwarded-For"));
        Assert.Equal("http", Header(received, "X-Forwarded-Proto"));
        Assert.Equal("shop.example", Header(received, "X-Forwarded-Host"));
    }

    [Fact]
    public async Task XForwarded_Off_NothingAddedAndClientValuesPassUnchanged()
    {
        var (dataPlane, address) = await StartAsync(new DataPlaneOptions { ForwardedHeaders = ForwardedHeadersMode.Off });
        await using var _ = dataPlane;

        var (_, body) = await RawAsync(address, Port, "GET /xf HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n");
        var received = Echo(body);
        Assert.Equal("203.0.113.7", Header(received, "X-Forwarded-For"));
        Assert.Null(Header(received, "X-Forwarded-Proto"));
        Assert.Null(Header(received, "X-Forwarded-Host"));
    }

    [Fact]
    public async Task BareLineFeed_InsideTheHeaderBlock_IsRefusedWith400()
    {
        var (dataPlane, address) = await StartAsync();
        await using var _ = dataPlane;
        var before = echo.V1.RequestCount;

        var (status, _) = await RawAsync(address, Port, "GET /lf HTTP/1.1\r\nHost: lf.example\r\nX-A: a\nX-B: 1\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Equal(before, echo.V1.RequestCount);
    }

    [Theory]
    [InlineData("/allowed/..%2fsecret")]
    [InlineData("/allowed/%c0%ae%c0%ae/x")]
    [InlineData("/allowed/100%25/a%2Fb?q=%2f")]
    public async Task PercentEncodedPath_ReachesTheBackendAsReceived(string target)
    {
        var (dataPlane, address) = await StartAsync();
        await using var _ = dataPlane;

        var (status, body) = await RawAsync(address, Port, $"GET {target} HTTP/1.1\r\nHost: pct.example\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Equal(target, Echo(body).GetProperty("path").GetString());
    }

    [Fact]
    public async Task PercentEncodedPath_UnreservedDecodedAndDotSegmentsRemovedAsTheMatcherSawThem()
    {
        var (dataPlane, address) = await StartAsync();
        await using var _ = dataPlane;

        var (_, body) = await RawAsync(address, Port, "GET /a/b/../c%2fd/./%2e%2e/e%7e HTTP/1.1\r\nHost: pct.example\r\nConnection: close\r\n\r\n");

        Assert.Equal("/a/e~", Echo(body).GetProperty("path").GetString());
    }

    [Fact]
    public async Task PercentEncodedPath_PrefixRewrite_KeepsTheEncodedRest()
    {
        var (dataPlane, address) = await StartAsync(null,
            Ir.Entry(Ir.Prefix("/old"), filters: Ir.Filters(rewrite: new UrlRewrite(null, new PathModifier(PathModifierType.ReplacePrefixMatch, "/new"))), backends: Ir.Group(Ir.Backend(echo.V1.HttpEndpoint, id: "v1"))));
        await using var _ = dataPlane;

        var (_, body) = await RawAsync(address, Port, "GET /old/..%2fsecret/%c0%ae?x=1 HTTP/1.1\r\nHost: pct.example\r\nConnection: close\r\n\r\n");

        Assert.Equal("/new/..%2fsecret/%c0%ae?x=1", Echo(body).GetProperty("path").GetString());
    }
}
