using System.Net;
using System.Net.Sockets;
using Gateway.Emulators;
using Gateway.Emulators.Dns;
using Gateway.Emulators.Grpc;
using Gateway.Conformance.Tests.Judges;
using Grpc.Core;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// The gRPC, TCP/TLS stream and UDP/DNS judges against the echo servers themselves, with no gateway in between: the
/// right expectation passes, a wrong one fails. Windows are shortened so the failing cases end quickly.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ProtocolJudgeTests
{
    private const string Ns = "gateway-conformance-infra";
    private const string EchoMethod = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo";

    private static readonly ConformanceTimeouts Fast = new()
    {
        MaxTimeToConsistency = TimeSpan.FromSeconds(3),
        DelayAfterFailure = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(2),
        DefaultTestTimeout = TimeSpan.FromSeconds(3),
    };

    private static ProtocolCaseRunner Runner() => new(Fast, SystemConformanceClock.Instance,
        name => SharedCertificates.Value.Get(name[..name.IndexOf('/', StringComparison.Ordinal)], name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..]).Certificate)
    {
        MaxEntropyDelay = TimeSpan.FromMilliseconds(5),
        Random = new Random(7),
        WeightedSamples = 20,
        WeightedRuns = 2,
    };

    private static HttpCaseTarget Target(int port, string scheme = "tcp") => new(Ns, "gw", port, scheme);

    private static GrpcCase Grpc(int port, string method, StatusCode code, string backend, string? authority = null, Dictionary<string, string>? metadata = null) =>
        new("case", method, authority, metadata ?? [], code, backend, backend.Length > 0 ? Ns : "", Target(port, "grpc"));

    private static Task<GrpcEchoServer> GrpcServer(string address, string pod) =>
        GrpcEchoServer.StartAsync(new GrpcEchoServerOptions(IPAddress.Parse(address), new EchoIdentity(Ns, pod)) { HttpPort = 0 });

    [Fact]
    public async Task GrpcCase_RightBackendAndCode_PassesAndWrongOnesFail()
    {
        await using var server = await GrpcServer("127.24.3.1", "grpc-infra-backend-v1-abc-xyz");
        var runner = new GrpcCaseRunner(Fast, SystemConformanceClock.Instance);
        var address = server.HttpEndpoint.Address;
        var port = server.HttpEndpoint.Port;

        Assert.True((await runner.RunAsync(Grpc(port, EchoMethod, StatusCode.OK, "grpc-infra-backend-v1"), address, CancellationToken.None)).Passed);
        Assert.True((await runner.RunAsync(Grpc(port, EchoMethod.Replace("/Echo", "/EchoTwo", StringComparison.Ordinal), StatusCode.OK, "grpc-infra-backend-v1"), address, CancellationToken.None)).Passed);
        // EchoThree is not implemented by the echo: Unimplemented is the right answer, OK is not.
        Assert.True((await runner.RunAsync(Grpc(port, EchoMethod + "Three", StatusCode.Unimplemented, ""), address, CancellationToken.None)).Passed);
        var wrongCode = Grpc(port, EchoMethod + "Three", StatusCode.OK, "grpc-infra-backend-v1");
        Assert.False((await runner.RunAsync(wrongCode, address, CancellationToken.None)).Passed);
        var wrongBackend = Grpc(port, EchoMethod, StatusCode.OK, "grpc-infra-backend-v2");
        Assert.False((await runner.RunAsync(wrongBackend, address, CancellationToken.None)).Passed);
        // The loop's last attempt may run out of its deadline (each RPC gets the time left, as upstream), so the reason
        // is checked on one call of its own.
        using var client = new GrpcEchoClient(server.HttpEndpoint, null);
        var answer = await client.CallAsync(EchoMethod, new Dictionary<string, string>(), TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("expected pod name to start with grpc-infra-backend-v2, got grpc-infra-backend-v1-abc-xyz", GrpcCaseJudge.Compare(wrongBackend, answer));
        var unimplemented = await client.CallAsync(EchoMethod + "Three", new Dictionary<string, string>(), TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.StartsWith("expected status code to be OK (0), but got Unimplemented (12)", GrpcCaseJudge.Compare(wrongCode, unimplemented));
    }

    [Fact]
    public async Task GrpcEchoClient_AuthorityAndMetadata_ReachTheEcho()
    {
        await using var server = await GrpcServer("127.24.3.2", "grpc-infra-backend-v1-abc-xyz");
        using var client = new GrpcEchoClient(server.HttpEndpoint, "foo.bar.com");

        var result = await client.CallAsync(EchoMethod, new Dictionary<string, string> { ["Version"] = "one" }, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(StatusCode.OK, result.Code);
        Assert.Equal("foo.bar.com", result.Response!.Assertions.Authority);
        Assert.Contains(result.Response.Assertions.Headers, h => h.Key == "version" && h.Value == "one");
        Assert.Equal(EchoMethod, result.Response.Assertions.FullyQualifiedMethod);
        Assert.Equal(Ns, result.Response.Assertions.Context.Namespace);
    }

    [Fact]
    public async Task GrpcWeighted_OneBackend_PassesOnlyWhenAllWeightIsOnIt()
    {
        await using var server = await GrpcServer("127.24.3.3", "grpc-infra-backend-v1-abc-xyz");
        var baseCase = Grpc(server.HttpEndpoint.Port, EchoMethod, StatusCode.OK, "");
        var runner = new GrpcCaseRunner(Fast, SystemConformanceClock.Instance);

        var all = await runner.WeightedAsync(baseCase, new Dictionary<string, double> { ["grpc-infra-backend-v1"] = 1.0, ["grpc-infra-backend-v2"] = 0.0 },
            server.HttpEndpoint.Address, TimeSpan.FromMilliseconds(5), new Random(3), CancellationToken.None, totalRequests: 20, concurrency: 5, attempts: 1);
        var split = await runner.WeightedAsync(baseCase, new Dictionary<string, double> { ["grpc-infra-backend-v1"] = 0.7, ["grpc-infra-backend-v2"] = 0.3 },
            server.HttpEndpoint.Address, TimeSpan.FromMilliseconds(5), new Random(3), CancellationToken.None, totalRequests: 20, concurrency: 5, attempts: 1);

        Assert.True(all.Passed, all.Detail);
        Assert.False(split.Passed);
        Assert.Contains("expected 2 backends to receive traffic, but got 1", split.Detail);
    }

    private static TcpEchoServer TcpServer(string address, string pod) => TcpEchoServer.Start(new TcpEchoServerOptions(IPAddress.Parse(address), new EchoIdentity(Ns, pod))
    {
        TcpPort = 0,
        TlsPort = 0,
        ServerCertificate = SharedCertificates.Value.Get(Ns, "tls-passthrough-checks-certificate").Certificate,
    });

    private static StreamCase Stream(int port, bool tls, string prefix, bool sawTls, string? sni = null, string? ca = Ns + "/tls-checks-ca-certificate") =>
        new("stream", tls ? StreamCase.TlsClientToGateway : StreamCase.TcpEcho, Target(port), tls, sni, tls ? ca : null, new StreamExpectation(prefix, Ns, sawTls, tls ? sni : null));

    [Fact]
    public async Task TcpEchoCase_RightPodAndTlsState_PassesAndWrongOnesFail()
    {
        await using var server = TcpServer("127.24.3.4", "tcp-backend-abc-xyz");
        var runner = Runner();
        var address = server.TcpEndpoint.Address;

        Assert.True((await runner.RunStreamAsync(Stream(server.TcpEndpoint.Port, false, "tcp-backend-", false), address, CancellationToken.None)).Passed);
        var wrongPod = await runner.RunStreamAsync(Stream(server.TcpEndpoint.Port, false, "tcp-echo-one-", false), address, CancellationToken.None);
        Assert.False(wrongPod.Passed);
        Assert.Contains("backend name does not match with pod prefix", wrongPod.Detail);
        // The backend's TLS port: IS_TLS true and the SNI it saw.
        var tlsPort = server.TlsEndpoint!.Port;
        var tls = await runner.RunStreamAsync(Stream(tlsPort, true, "tcp-backend-", true, "abc.example.com"), address, CancellationToken.None);
        Assert.True(tls.Passed, tls.Detail);
        var wrongTlsState = await runner.RunStreamAsync(Stream(tlsPort, true, "tcp-backend-", false, "abc.example.com"), address, CancellationToken.None);
        Assert.False(wrongTlsState.Passed);
        Assert.Contains("TCP server TLS response does not match", wrongTlsState.Detail);
        // A CA that did not issue the server certificate, or an SNI the certificate does not name, fails the handshake.
        Assert.False((await runner.RunStreamAsync(Stream(tlsPort, true, "tcp-backend-", true, "abc.example.com", Ns + "/tls-validity-checks-ca-certificate"), address, CancellationToken.None)).Passed);
        Assert.False((await runner.RunStreamAsync(Stream(tlsPort, true, "tcp-backend-", true, "other.example.com"), address, CancellationToken.None)).Passed);
    }

    [Fact]
    public async Task TlsMustBeRejected_ResetPasses_CompletedHandshakeFails()
    {
        await using var server = TcpServer("127.24.3.5", "tcp-backend-abc-xyz");
        var resetter = new TcpListener(IPAddress.Parse("127.24.3.5"), 0);
        resetter.Start();
        using var stop = new CancellationTokenSource();
        var resets = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await resetter.AcceptTcpClientAsync(stop.Token);
                // As a gateway refusing an unknown SNI: read the ClientHello, then close with linger 0 (RST). Resetting
                // before the client has even seen its connect complete would test a refused connect instead.
                using var hello = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                hello.CancelAfter(TimeSpan.FromSeconds(2));
                await client.GetStream().ReadAtLeastAsync(new byte[512], 1, throwOnEndOfStream: false, hello.Token);
                client.Client.LingerState = new LingerOption(true, 0);
            }
        });
        try
        {
            var runner = Runner();
            var rejected = new StreamCase("reject", StreamCase.TlsMustBeRejected, Target(((IPEndPoint)resetter.LocalEndpoint).Port), true, "non.matching.com", null, null);
            var reset = await runner.RunStreamAsync(rejected, IPAddress.Parse("127.24.3.5"), CancellationToken.None);
            Assert.True(reset.Passed, reset.Detail);

            var completed = await runner.RunStreamAsync(rejected with { Target = Target(server.TlsEndpoint!.Port) }, IPAddress.Parse("127.24.3.5"), CancellationToken.None);
            Assert.False(completed.Passed);
            Assert.Contains("completed", completed.Detail);
        }
        finally
        {
            await stop.CancelAsync();
            resetter.Stop();
            await Task.WhenAny(resets, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    [Theory]
    [InlineData("fin", true)]
    [InlineData("alert", false)]
    public async Task HandshakeMustBeRejected_EofIsARejection_TlsAlertIsNot(string answer, bool rejected)
    {
        // Upstream's isConnectionRejected: EOF or ECONNRESET only; a TLS alert is an answer from a TLS server.
        var listener = new TcpListener(IPAddress.Parse("127.24.3.9"), 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(stop.Token);
            var stream = client.GetStream();
            await stream.ReadAtLeastAsync(new byte[512], 1, throwOnEndOfStream: false, stop.Token);
            // A fatal handshake_failure alert record (TLS 1.2 record layer), then an orderly close.
            if (answer == "alert") await stream.WriteAsync(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 }, stop.Token);
            client.Client.Shutdown(SocketShutdown.Send);
            await stream.ReadAtLeastAsync(new byte[512], 1, throwOnEndOfStream: false, stop.Token);
        });
        try
        {
            var outcome = await TcpEchoClient.HandshakeMustBeRejectedAsync((IPEndPoint)listener.LocalEndpoint, "non.matching.com", TimeSpan.FromSeconds(5), CancellationToken.None);

            Assert.Equal(rejected, outcome is null);
            if (!rejected) Assert.Contains("TLS alert", outcome);
        }
        finally
        {
            listener.Stop();
            await Task.WhenAny(serve, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task TcpSpecials_WeightsAndOldestRoute_JudgedOnThePodThatAnswered()
    {
        await using var server = TcpServer("127.24.3.6", "tcp-attach-backend-1-abc-xyz");
        var runner = Runner();
        var address = server.TcpEndpoint.Address;
        int? Port(string? _) => server.TcpEndpoint.Port;

        var oldest = new TcpOldestRouteWinsCase("t", Target(server.TcpEndpoint.Port), "tcp-attach-backend-1-", "tcp-attach-backend-2-", 10, TimeSpan.FromSeconds(2));
        Assert.True((await runner.RunSpecialAsync(oldest, [], Port, address, CancellationToken.None)).Single().Result.Passed);
        var newer = (await runner.RunSpecialAsync(oldest with { OlderPrefix = "tcp-attach-backend-2-", NewerPrefix = "tcp-attach-backend-1-" }, [], Port, address, CancellationToken.None)).Single();
        Assert.False(newer.Result.Passed);
        Assert.Contains("reached newer route backend", newer.Result.Detail);

        var weighted = new TcpWeightedCase("t", Target(0) with { Listeners = ["tcp"] }, new Dictionary<string, double> { ["tcp-attach-backend-1"] = 1.0, ["tcp-attach-backend-2"] = 0.0 });
        Assert.True((await runner.RunSpecialAsync(weighted, [], Port, address, CancellationToken.None)).Single().Result.Passed);
        var split = (await runner.RunSpecialAsync(weighted with { ExpectedWeights = new Dictionary<string, double> { ["tcp-attach-backend-1"] = 0.7, ["tcp-attach-backend-2"] = 0.3 } }, [], Port, address, CancellationToken.None)).Single();
        Assert.False(split.Result.Passed);
    }

    [Fact]
    public async Task UdpSpecials_EchoWeightsAndDns_JudgedOnTheReply()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Parse("127.24.3.7"), 0, new EchoIdentity(Ns, "udp-backend-v1-abc-xyz", Service: "udp-backend-v1"));
        var blocks = Corefile.Parse("foo.bar.com:53 {\n  whoami\n}\n", out _)!;
        await using var dns = CoreDnsServer.Start(IPAddress.Parse("127.24.3.8"), blocks, portOverride: 25353);
        var runner = Runner();
        int? EchoPort(string? _) => echo.Endpoint.Port;

        var right = new UdpEchoCase("t", Target(0, "udp"), [new UdpEchoProbeSpec("right", "udp", "udp-backend-v1", Ns)]);
        Assert.True((await runner.RunSpecialAsync(right, [], EchoPort, echo.Endpoint.Address, CancellationToken.None)).Single().Result.Passed);
        var wrong = (await runner.RunSpecialAsync(right with { Probes = [new UdpEchoProbeSpec("wrong", "udp", "udp-backend-v2", Ns)] }, [], EchoPort, echo.Endpoint.Address, CancellationToken.None)).Single();
        Assert.False(wrong.Result.Passed);
        Assert.Contains("did not match expected \"udp-backend-v2\"", wrong.Result.Detail);

        var weighted = new UdpWeightedCase("t", Target(0, "udp"), new Dictionary<string, double> { ["udp-backend-v1"] = 1.0, ["udp-backend-v2"] = 0.0 });
        Assert.True((await runner.RunSpecialAsync(weighted, [], EchoPort, echo.Endpoint.Address, CancellationToken.None)).Single().Result.Passed);
        Assert.False((await runner.RunSpecialAsync(weighted with { ExpectedWeights = new Dictionary<string, double> { ["udp-backend-v1"] = 0.5, ["udp-backend-v2"] = 0.5 } }, [], EchoPort, echo.Endpoint.Address, CancellationToken.None)).Single().Result.Passed);

        // Any DNS reply passes; the UDP echo's JSON is not one.
        var query = new UdpDnsCase("t", Target(0, "udp"), "foo.bar.com.");
        Assert.True((await runner.RunSpecialAsync(query, [], _ => 25353, IPAddress.Parse("127.24.3.8"), CancellationToken.None)).Single().Result.Passed);
        Assert.False((await runner.RunSpecialAsync(query, [], EchoPort, echo.Endpoint.Address, CancellationToken.None)).Single().Result.Passed);
    }
}
