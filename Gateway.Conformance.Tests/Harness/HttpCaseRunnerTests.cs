using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gateway.Emulators;
using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>The round-trip judge against a real echo server on loopback (no gateway in between).</summary>
[Trait("Category", "EndToEnd")]
public class HttpCaseRunnerTests
{
    private static readonly ConformanceTimeouts Tiny = new()
    {
        MaxTimeToConsistency = TimeSpan.FromSeconds(2),
        DelayAfterFailure = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(5),
        MirrorLogTimeout = TimeSpan.FromSeconds(1),
    };

    private static HttpCaseRunner Runner(IPodLogSource? logs = null) =>
        new(new HttpClientRoundTripper(), Tiny, SystemConformanceClock.Instance, Certificate, logs);

    private static X509Certificate2 Certificate(string namespacedName)
    {
        var parts = namespacedName.Split('/');
        return SharedCertificates.Value.Get(parts[0], parts[1]).Certificate;
    }

    private static HttpCase Case(HttpCaseRequest request, HttpCaseExpectation expect, int port, string scheme = "http", HttpCaseTls? tls = null, CaseCheck check = CaseCheck.EventuallyConsistent) =>
        new("case", request, expect, new HttpCaseTarget("ns", "gw", port, scheme), tls, check);

    [Fact]
    public async Task Run_MatchingCase_Passes()
    {
        await using var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.1"), new EchoIdentity("gateway-conformance-infra", "infra-backend-v1-xyz-abc")) { HttpPort = 0 });
        var c = Case(new HttpCaseRequest { Path = "/foo?a=b", Headers = new Dictionary<string, string> { ["Version"] = "one" } },
            new HttpCaseExpectation { RequestPath = "/foo?a=b", Namespace = "gateway-conformance-infra", Backend = "infra-backend-v1", RequestHeaders = new Dictionary<string, string> { ["version"] = "one" } },
            echo.HttpEndpoint.Port);

        var result = await Runner().RunAsync(c, echo.HttpEndpoint.Address, CancellationToken.None);

        Assert.True(result.Passed, result.Detail);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, echo.RequestCount);
    }

    [Fact]
    public async Task Run_WrongPathExpected_FailsWithTheReason()
    {
        await using var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.2"), new EchoIdentity("gateway-conformance-infra", "infra-backend-v1-xyz-abc")) { HttpPort = 0 });
        var c = Case(new HttpCaseRequest { Path = "/foo" }, new HttpCaseExpectation { RequestPath = "/bar", Namespace = "gateway-conformance-infra" }, echo.HttpEndpoint.Port);

        var result = await Runner().RunAsync(c, echo.HttpEndpoint.Address, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Contains("expected path to be /bar, got /foo", result.Detail);
        Assert.Contains("timeout after", result.Detail);
    }

    [Theory]
    [InlineData(null, 80, "127.23.0.9")]
    [InlineData(null, 8080, "127.23.0.9:8080")]
    [InlineData("foo.com:8080", 80, "foo.com:8080")]
    [InlineData("example.org", 443, "example.org")]
    public void BuildRequest_HostHeader_FollowsGoDefaults(string? host, int port, string expected)
    {
        var c = Case(new HttpCaseRequest { Host = host }, new HttpCaseExpectation(), port, port == 443 ? "https" : "http");
        var request = Runner().BuildRequest(c, IPAddress.Parse("127.23.0.9"), "/");
        Assert.Equal(expected, request.Host);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.23.0.9"), port), request.Endpoint);
        Assert.Contains(request.Headers, h => h.Key == "X-Echo-Set-Header" && h.Value == "");
    }

    [Fact]
    public async Task Run_ExplicitHost_ReachesTheBackendVerbatimAndDefaultHostIsTheAddress()
    {
        await using var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.3"), new EchoIdentity("ns", "pod-a-b")) { HttpPort = 0 });
        var port = echo.HttpEndpoint.Port;
        var explicitHost = Case(new HttpCaseRequest { Host = "foo.com:8080", Path = "/" }, new HttpCaseExpectation { RequestPath = "/", RequestHost = "foo.com:8080", Namespace = "ns" }, port);
        var defaultHost = Case(new HttpCaseRequest { Path = "/" }, new HttpCaseExpectation { RequestPath = "/", RequestHost = $"127.23.0.3:{port}", Namespace = "ns" }, port);
        var wrongHost = Case(new HttpCaseRequest { Host = "foo.com", Path = "/" }, new HttpCaseExpectation { RequestPath = "/", RequestHost = "bar.com", Namespace = "ns" }, port);

        Assert.True((await Runner().RunAsync(explicitHost, echo.HttpEndpoint.Address, CancellationToken.None)).Passed);
        Assert.True((await Runner().RunAsync(defaultHost, echo.HttpEndpoint.Address, CancellationToken.None)).Passed);
        Assert.Contains("expected host to be bar.com, got foo.com", (await Runner().RunAsync(wrongHost, echo.HttpEndpoint.Address, CancellationToken.None)).Detail);
    }

    [Fact]
    public async Task Run_StatusCases_MustNotReturn200AndRequestMustFail()
    {
        await using var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.4"), new EchoIdentity("ns", "pod-a-b")) { HttpPort = 0 });
        var port = echo.HttpEndpoint.Port;

        var not200 = await Runner().RunAsync(Case(new HttpCaseRequest { Path = "/status/503" }, new HttpCaseExpectation(), port, check: CaseCheck.MustNotReturn200), echo.HttpEndpoint.Address, CancellationToken.None);
        Assert.True(not200.Passed, not200.Detail);
        Assert.Equal(5, not200.Attempts);

        var got200 = await Runner().RunAsync(Case(new HttpCaseRequest { Path = "/" }, new HttpCaseExpectation(), port, check: CaseCheck.MustNotReturn200), echo.HttpEndpoint.Address, CancellationToken.None);
        Assert.False(got200.Passed);
        Assert.Equal(1, got200.Attempts);

        var mustFail = await Runner().RunAsync(Case(new HttpCaseRequest { Path = "/" }, new HttpCaseExpectation(), port, check: CaseCheck.RequestMustFail), echo.HttpEndpoint.Address, CancellationToken.None);
        Assert.False(mustFail.Passed);
        Assert.Contains("got HTTP 200", mustFail.Detail);
    }

    [Fact]
    public async Task Run_HttpsAndH2c_TrustSniClientCertificateAndPriorKnowledge()
    {
        var certs = SharedCertificates.Value;
        var server = certs.Get(ConformanceCertificates.Infra, "tls-checks-certificate").Certificate;
        var authorities = new X509Certificate2Collection(certs.Get(ConformanceCertificates.Infra, "tls-checks-ca-certificate").Certificate);
        await using var echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.5"), new EchoIdentity("ns", "tls-backend-a-b"))
        {
            HttpPort = 3000, H2cPort = 3001, HttpsPort = 8443, ServerCertificate = server, ClientCaCertificates = authorities,
        });
        var address = IPAddress.Parse("127.23.0.5");
        var expect = new HttpCaseExpectation { RequestPath = "/tls", Namespace = "ns", RequestHost = "abc.example.com" };
        var trusted = new HttpCaseTls("abc.example.com", "gateway-conformance-infra/tls-checks-ca-certificate", "gateway-conformance-infra/tls-checks-client-certificate");

        var https = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "abc.example.com", Path = "/tls" }, expect with { BackendSni = "abc.example.com" }, 8443, "https", trusted), address, CancellationToken.None);
        Assert.True(https.Passed, https.Detail);

        var untrusted = trusted with { TrustedCertificate = "gateway-conformance-infra/mismatch-ca-certificate", ClientCertificate = null };
        var refused = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "abc.example.com", Path = "/tls" }, expect, 8443, "https", untrusted, CaseCheck.RequestMustFail), address, CancellationToken.None);
        Assert.True(refused.Passed, refused.Detail);

        var wrongName = trusted with { ServerName = "nope.example.com", ClientCertificate = null };
        var misnamed = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "nope.example.com", Path = "/tls" }, expect, 8443, "https", wrongName, CaseCheck.RequestMustFail), address, CancellationToken.None);
        Assert.True(misnamed.Passed, misnamed.Detail);

        // SNI and Host differ (HTTPRouteHTTPSListenerDetectMisdirectedRequests): the backend sees both as sent, on HTTP/1.1 and HTTP/2.
        foreach (var protocol in new string?[] { null, "H2" })
        {
            var sniNotHost = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "other.example.com", Path = "/tls", Protocol = protocol },
                expect with { RequestHost = "other.example.com", BackendSni = "abc.example.com" }, 8443, "https", trusted with { ClientCertificate = null }), address, CancellationToken.None);
            Assert.True(sniNotHost.Passed, sniNotHost.Detail);
        }

        var badClient = trusted with { ClientCertificate = "gateway-conformance-infra/tls-validity-checks-client-certificate" };
        var rejected = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "abc.example.com", Path = "/tls" }, expect, 8443, "https", badClient, CaseCheck.RequestMustFail), address, CancellationToken.None);
        Assert.True(rejected.Passed, rejected.Detail);

        var h2 = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "abc.example.com", Path = "/tls", Protocol = "H2" }, expect, 8443, "https", trusted with { ClientCertificate = null }), address, CancellationToken.None);
        Assert.True(h2.Passed, h2.Detail);

        var h2c = await Runner().RunAsync(Case(new HttpCaseRequest { Host = "abc.example.com", Path = "/tls", Protocol = "H2C_PRIOR_KNOWLEDGE" }, expect with { ResponseProtocol = "HTTP/2.0" }, 3001), address, CancellationToken.None);
        Assert.True(h2c.Passed, h2c.Detail);
    }

    [Fact]
    public async Task Run_MirroredCase_FindsTheRequestIdInTheMirrorLogs()
    {
        await using var primary = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.6"), new EchoIdentity("ns", "infra-backend-v1-a-b")) { HttpPort = 0 });
        await using var mirror = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse("127.23.0.7"), new EchoIdentity("ns", "infra-backend-v2-a-b")) { HttpPort = 0 });
        var logs = new ForwardingLogs(primary, mirror, forward: true);
        var c = Case(new HttpCaseRequest { Path = "/mirror" }, new HttpCaseExpectation { RequestPath = "/mirror", Namespace = "ns", MirroredTo = [new MirrorTarget("ns", "infra-backend-v2")] }, primary.HttpEndpoint.Port);

        var mirrored = await Runner(logs).RunAsync(c, primary.HttpEndpoint.Address, CancellationToken.None);
        Assert.True(mirrored.Passed, mirrored.Detail);

        var notMirrored = await Runner(new ForwardingLogs(primary, mirror, forward: false)).RunAsync(c, primary.HttpEndpoint.Address, CancellationToken.None);
        Assert.False(notMirrored.Passed);
        Assert.Contains("no log line \"Echoing back request made to /mirror?gateway-api-conformance-request-id=", notMirrored.Detail);
    }

    /// <summary>Stands in for a gateway's mirror: replays what the primary echoed to the mirror echo.</summary>
    private sealed class ForwardingLogs(EchoServer primary, EchoServer mirror, bool forward) : IPodLogSource
    {
        public IReadOnlyList<string> LinesSince(string ns, string service, DateTimeOffset since)
        {
            if (forward)
            {
                using var client = new HttpClient();
                foreach (var line in primary.LogSince(since).Select(l => l.Line))
                {
                    var target = line["Echoing back request made to ".Length..line.IndexOf(" to client", StringComparison.Ordinal)];
                    if (!mirror.LogSince(since).Any(m => m.Line.Contains(target, StringComparison.Ordinal)))
                    {
                        client.GetAsync($"http://{mirror.HttpEndpoint}{target}").GetAwaiter().GetResult().Dispose();
                    }
                }
            }
            return service == "infra-backend-v2" ? mirror.LogSince(since).Select(l => l.Line).ToList() : [];
        }
    }
}
