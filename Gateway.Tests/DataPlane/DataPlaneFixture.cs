using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Actors.RouteTable;
using Gateway.Emulators;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// Echo backends shared by the data-plane end-to-end tests, and a pool of loopback addresses (one per test gateway,
/// so fixed listener ports never collide). Backend v1 also serves h2c on a second port; v3 supports /retry/.
/// </summary>
public sealed class DataPlaneFixture : IAsyncLifetime
{
    private static int _next = Random.Shared.Next(0, 2000);

    public EchoServer V1 { get; private set; } = null!;

    public EchoServer V2 { get; private set; } = null!;

    public EchoServer V3 { get; private set; } = null!;

    /// <summary>v1's h2c (prior knowledge) endpoint.</summary>
    public IPEndPoint V1H2c { get; private set; } = null!;

    /// <summary>A fresh loopback address 127.x.y.z for a test gateway.</summary>
    public static string NextAddress()
    {
        var n = Interlocked.Increment(ref _next);
        return $"127.{100 + (n / 62500 % 100)}.{n / 250 % 250}.{n % 250 + 1}";
    }

    public async Task InitializeAsync()
    {
        V1 = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(NextAddress()), new EchoIdentity("ns", "infra-backend-v1-abc-1")) { HttpPort = 3000, H2cPort = 3001 });
        V1H2c = new IPEndPoint(V1.Options.Address, 3001);
        V2 = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns", "infra-backend-v2-abc-1")) { HttpPort = 0 });
        V3 = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("ns", "infra-backend-v3-abc-1")) { HttpPort = 0, RetrySupport = true });
    }

    public async Task DisposeAsync()
    {
        await V1.DisposeAsync();
        await V2.DisposeAsync();
        await V3.DisposeAsync();
    }

    /// <summary>A self-signed certificate for <paramref name="dnsNames"/>, as the PEM pair a kubernetes.io/tls Secret holds.</summary>
    public static TlsCertificate Certificate(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new TlsCertificate($"ns/{dnsNames[0]}", certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Whether something accepts TCP connections at the endpoint right now.</summary>
    public static async Task<bool> AcceptsAsync(string address, int port)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(IPAddress.Parse(address), port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
