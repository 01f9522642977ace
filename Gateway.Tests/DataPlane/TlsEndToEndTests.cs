using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Actors.RouteTable;
using Gateway.Emulators;
using Gateway.Host.DataPlane;
using Xunit;
using GatewayDataPlane = Gateway.Host.DataPlane.DataPlane;

namespace Gateway.Tests.DataPlane;

/// <summary>TLS beyond server certificates: frontend client-certificate validation and TLS origination to backends.</summary>
[Trait("Category", "EndToEnd")]
public sealed class TlsEndToEndTests : IAsyncLifetime
{
    private readonly string _address = DataPlaneFixture.NextAddress();
    private readonly GatewayDataPlane _dataPlane = new(new DataPlaneOptions { DrainTimeout = TimeSpan.FromSeconds(2) });
    private EchoServer _echo = null!;

    public async Task InitializeAsync() =>
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns", "tls-backend-abc-1")) { HttpPort = 0 });

    public async Task DisposeAsync()
    {
        await _dataPlane.DisposeAsync();
        await _echo.DisposeAsync();
    }

    private static (X509Certificate2 Ca, X509Certificate2 Client) CaAndClient()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var clientKey = RSA.Create(2048);
        var clientRequest = new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var signed = clientRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        var client = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(clientKey).Export(X509ContentType.Pfx), null);
        return (ca, client);
    }

    private async Task<bool> HandshakeAsync(X509Certificate2? clientCertificate)
    {
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(IPAddress.Parse(_address), 8443, cts.Token);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "mtls.example",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                EnabledSslProtocols = SslProtocols.Tls12,
            }, cts.Token);
            // With TLS 1.2 a rejected client certificate fails the handshake itself; read to be sure the server kept the connection.
            await tls.WriteAsync("GET / HTTP/1.1\r\nHost: mtls.example\r\nConnection: close\r\n\r\n"u8.ToArray(), cts.Token);
            using var reader = new StreamReader(tls);
            return (await reader.ReadLineAsync(cts.Token))?.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task FrontendValidation_ClientCertificateFromCa_Accepted_MissingRejected()
    {
        var (ca, client) = CaAndClient();
        using var _ = ca;
        using var __ = client;
        var listener = new ListenerRouteTable("mtls", null,
            new ListenerTls([DataPlaneFixture.Certificate("mtls.example")], false, new ClientCertificateValidation([ca.ExportCertificatePem()], false)),
            [Ir.Entry(backends: Ir.Group(Ir.Backend(_echo.HttpEndpoint)))], []);
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(8443, ListenerProtocol.Https, listener))], CancellationToken.None);

        Assert.True(await HandshakeAsync(client));
        Assert.False(await HandshakeAsync(null));
    }

    [Fact]
    public async Task BackendTls_SniAndCustomCa_ReachesHttpsBackend_WrongNameRefused()
    {
        var backendCertificate = DataPlaneFixture.Certificate("backend.example");
        using var serverCertificate = X509Certificate2.CreateFromPem(backendCertificate.CertificatePem, backendCertificate.PrivateKeyPem);
        var backendAddress = IPAddress.Parse(DataPlaneFixture.NextAddress());
        await using var httpsEcho = await EchoServer.StartAsync(new EchoServerOptions(backendAddress, new EchoIdentity("ns", "tls-backend-abc-1"))
        {
            HttpPort = 3000,
            HttpsPort = 8443,
            ServerCertificate = serverCertificate,
        });
        var good = new WeightedBackend("tls", 1, true, [new BackendEndpoint(backendAddress.ToString(), 8443)], BackendProtocol.Tls, null, null,
            new BackendTlsSettings("backend.example", [backendCertificate.CertificatePem], false, [], null));
        var wrongName = good with { Tls = good.Tls! with { ServerName = "other.example" } };
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(8080, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(Ir.Prefix("/good"), backends: Ir.Group(good)),
            Ir.Entry(Ir.Prefix("/wrong"), backends: Ir.Group(wrongName)))))], CancellationToken.None);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"http://{_address}:8080/good");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("backend.example", body.GetProperty("tls").GetProperty("serverName").GetString());
        using var refused = await client.GetAsync($"http://{_address}:8080/wrong");
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
    }

    [Fact]
    public async Task BackendTls_GrpcRouteBackend_SpeaksHttp2OverTlsWithTheBackendsSni()
    {
        // A GRPCRoute backend under a BackendTLSPolicy (upstream main's BackendTLSPolicyGRPCRoute): gRPC needs HTTP/2,
        // so ALPN offers h2 and the call reaches the TLS port of a gRPC echo server that speaks only HTTP/2.
        var backendCertificate = DataPlaneFixture.Certificate("backend.example");
        using var serverCertificate = X509Certificate2.CreateFromPem(backendCertificate.CertificatePem, backendCertificate.PrivateKeyPem);
        var backendAddress = IPAddress.Parse(DataPlaneFixture.NextAddress());
        await using var grpcEcho = await Gateway.Emulators.Grpc.GrpcEchoServer.StartAsync(new Gateway.Emulators.Grpc.GrpcEchoServerOptions(backendAddress, new EchoIdentity("ns", "grpc-infra-backend-v1-abc-1"))
        {
            HttpPort = 0,
            HttpsPort = 8443,
            ServerCertificate = serverCertificate,
        });
        var backend = new WeightedBackend("grpc-tls", 1, true, [new BackendEndpoint(backendAddress.ToString(), 8443)], BackendProtocol.Tls, null, null,
            new BackendTlsSettings("backend.example", [backendCertificate.CertificatePem], false, [], null));
        await _dataPlane.ApplyAsync(1, [Ir.Gateway("gw", _address, Ir.Port(8080, ListenerProtocol.Http, Ir.Listener("http", null,
            Ir.Entry(Ir.Prefix("/"), kind: HttpRouteKind.Grpc, backends: Ir.Group(backend)))))], CancellationToken.None);

        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://{_address}:8080", new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var reply = await new Gateway.Emulators.Grpc.GrpcEcho.GrpcEchoClient(channel).EchoAsync(new Gateway.Emulators.Grpc.EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.StartsWith("grpc-infra-backend-v1", reply.Assertions.Context.Pod);
        Assert.Equal("backend.example", reply.Assertions.TlsAssertions.ServerName);
    }
}
