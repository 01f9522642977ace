using System.Net;
using System.Text.Json;
using Gateway.Emulators;
using Xunit;

namespace Gateway.Tests.Emulators;

[Trait("Category", "EndToEnd")]
public class EchoServerTests
{
    private static Task<EchoServer> StartAsync(bool retry = false) =>
        EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns-a", "infra-backend-v1-abc-123")) { HttpPort = 0, RetrySupport = retry });

    [Fact]
    public async Task Get_AnyPath_EchoesRequestAndIdentityAsJson()
    {
        await using var echo = await StartAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{echo.HttpEndpoint.Port}/a//b?x=1&y=%20");
        request.Headers.Host = "foo.example.com";
        request.Headers.Add("x-custom", ["v1", "v2"]);
        request.Headers.Add("X-Echo-Set-Header", "X-Out:one,X-Out:two");

        using var response = await client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("/a//b?x=1&y=%20", body.GetProperty("path").GetString());
        Assert.Equal("foo.example.com", body.GetProperty("host").GetString());
        Assert.Equal("GET", body.GetProperty("method").GetString());
        Assert.Equal("ns-a", body.GetProperty("namespace").GetString());
        Assert.Equal("infra-backend-v1-abc-123", body.GetProperty("pod").GetString());
        // HttpClient folds repeated values into one field line, so the backend sees one value (as Go would).
        Assert.Equal(["v1, v2"], body.GetProperty("headers").GetProperty("X-Custom").EnumerateArray().Select(e => e.GetString()));
        Assert.False(body.GetProperty("headers").TryGetProperty("Host", out _));
        Assert.Equal(["one", "two"], response.Headers.GetValues("X-Out"));
        Assert.Contains(echo.LogSince(DateTimeOffset.UtcNow.AddMinutes(-1)), l => l.Line.StartsWith("Echoing back request made to /a//b?x=1&y=%20 to client ("));
    }

    [Fact]
    public async Task Get_StatusPath_AnswersThatStatusWithoutBody()
    {
        await using var echo = await StartAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var response = await client.GetAsync($"http://127.0.0.1:{echo.HttpEndpoint.Port}/status/503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_RetryPath_FailsFirstAttemptsThenEchoes()
    {
        await using var echo = await StartAsync(retry: true);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = $"http://127.0.0.1:{echo.HttpEndpoint.Port}/retry/x?uuid=u1&succeedAfter=2&responseCode=503";

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++) codes.Add((await client.GetAsync(url)).StatusCode);

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], codes);
    }

    [Theory]
    [InlineData("x-header-set", "X-Header-Set")]
    [InlineData("CONTENT-TYPE", "Content-Type")]
    public void CanonicalHeaderName_AnyCase_MatchesGo(string name, string expected) => Assert.Equal(expected, EchoServer.CanonicalHeaderName(name));
}
