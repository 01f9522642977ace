using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Tests.Host;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.MultiNode;

/// <summary>
/// Mutual TLS on the cluster transport (--remoting-tls-*): real Gateway.Host processes on loopback. Two replicas with
/// certificates of the cluster's CA form a cluster; a replica presenting a certificate of another CA (while trusting
/// the cluster's CA, so only the cluster's side can refuse it), a replica without TLS, and a TLS client without a
/// certificate are all refused and none becomes a member.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class RemotingTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly int _poolBase = Random.Shared.Next(100, 250);
    private readonly List<int> _ports = [ReplicaProcess.FreePort(), ReplicaProcess.FreePort(), ReplicaProcess.FreePort()];
    private TestCa _clusterCa = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir.Combine("m"));
        _clusterCa = new TestCa("gateway remoting CA", _dir.Combine("cluster-ca"));
        for (var i = 0; i < 2; i++) _replicas.Add(Replica(i, [.. _clusterCa.IssueFiles($"n{i + 1}"), "--remoting-tls-ca", _clusterCa.CaFile]));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            output.WriteLine($"--- {replica.Name}\n{replica.Tail}");
            await replica.DisposeAsync();
        }
        _dir.Dispose();
    }

    /// <summary>Replica <paramref name="index"/> of three that all list the same peers (the first two form the cluster).</summary>
    private ReplicaProcess Replica(int index, IReadOnlyList<string> tls) => new($"n{index + 1}", _ports[index],
    [
        "--manifests", _dir.Combine("m"), "--address-pool", $"127.{_poolBase}.{index + 1}.0/24",
        "--management-port", _ports[index].ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", $"n{index + 1}",
        .. _ports.Take(2).SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" }), "--required-contact-points", "2",
        "--log-level", "Warning", "--shutdown-timeout", "2s",
        .. tls,
    ]);

    private async Task<ReplicaProcess[]> StartClusterAsync()
    {
        foreach (var replica in _replicas) replica.Start();
        await Until(async () =>
        {
            foreach (var replica in _replicas)
            {
                var members = await MembersAsync(replica);
                if (members.Count != 2 || members.Any(m => m.Status != "Up")) return false;
            }
            return true;
        }, "two TLS replicas Up in one cluster");
        return [.. _replicas];
    }

    private static async Task<List<(string Address, string Status)>> MembersAsync(ReplicaProcess replica) =>
        [.. (await replica.GetJsonAsync("cluster/members", Token())).GetProperty("members").EnumerateArray()
            .Select(m => (m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!))];

    private static async Task<string> SelfAsync(ReplicaProcess replica) =>
        (await replica.GetJsonAsync("cluster/members", Token())).GetProperty("self").GetString()!.Split('#')[0];

    [Fact]
    public async Task TlsReplicasFormACluster_OverTheTlsTransport()
    {
        var cluster = await StartClusterAsync();
        foreach (var replica in cluster) Assert.StartsWith("akka.ssl.tcp://", await SelfAsync(replica), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplicaWithACertificateOfAnotherCa_IsRefusedByTheCluster_AndNeverJoins()
    {
        var cluster = await StartClusterAsync();
        // It trusts the cluster's CA, so the cluster's certificates pass its own check: only the cluster can refuse it.
        var otherCa = new TestCa("other CA", _dir.Combine("other-ca"));
        var intruder = Replica(2, [.. otherCa.IssueFiles("intruder"), "--remoting-tls-ca", _clusterCa.CaFile]);
        _replicas.Add(intruder);
        intruder.Start();

        await Until(() => Task.FromResult(cluster.Any(r => r.Wrote("Remoting TLS: refused", "CN=intruder"))), "a cluster replica refusing the intruder's certificate");
        foreach (var replica in cluster) Assert.Equal(2, (await MembersAsync(replica)).Count);
        // The intruder tries to join while it is still starting: its management endpoint may not listen yet.
        string? intruderSelf = null;
        await Until(async () => (intruderSelf = await SelfAsync(intruder)) is not null, "the intruder's management endpoint answering");
        Assert.DoesNotContain(intruderSelf, (await MembersAsync(cluster[0])).Select(m => m.Address));
    }

    [Fact]
    public async Task ReplicaWithoutTls_NeverJoins()
    {
        var cluster = await StartClusterAsync();
        var plaintext = Replica(2, []);
        _replicas.Add(plaintext);
        plaintext.Start();

        // Bootstrap hands it the cluster's akka.ssl.tcp addresses, which a plaintext transport cannot address at all; a
        // peer that connects anyway without a certificate is TlsClientWithoutACertificate_IsCutOffBeforeAnyAkkaMessage.
        await Until(() => Task.FromResult(plaintext.Wrote("No transport is loaded for protocol: [akka.ssl.tcp]")), "the plaintext replica failing to reach the TLS addresses");
        foreach (var replica in cluster) Assert.Equal(2, (await MembersAsync(replica)).Count);
        Assert.DoesNotContain(await SelfAsync(plaintext), (await MembersAsync(cluster[0])).Select(m => m.Address));
    }

    [Fact]
    public async Task TlsClientWithoutACertificate_IsCutOffBeforeAnyAkkaMessage()
    {
        var cluster = await StartClusterAsync();
        var self = new Uri((await SelfAsync(cluster[0])).Replace("akka.ssl.tcp://gateway@", "tcp://", StringComparison.Ordinal));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, self.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        // TLS 1.3 lets the client finish before the server has seen (the absence of) its certificate; the server's
        // refusal then arrives as the connection closing, with no application data ever read.
        var refused = false;
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "n1" }, Token());
            var buffer = new byte[1024];
            refused = await tls.ReadAsync(buffer, Token()) == 0;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            refused = true;
        }
        Assert.True(refused, "the replica kept a TLS connection that presented no certificate");
    }

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException or KeyNotFoundException or InvalidOperationException)
            {
                // Not up yet: poll again.
            }
            if (cts.IsCancellationRequested) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(200, CancellationToken.None);
        }
    }
}

/// <summary>A CA made for one test, issuing replica certificates as PEM files (the shape of a kubernetes.io/tls Secret with ca.crt).</summary>
internal sealed class TestCa
{
    private readonly X509Certificate2 _ca;
    private readonly string _dir;

    public TestCa(string name, string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        CaFile = Path.Combine(dir, "ca.crt");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    /// <summary>The CA certificate (ca.crt).</summary>
    public string CaFile { get; }

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Certificate => _ca;

    /// <summary>Issues a certificate for both TLS sides; returns its --remoting-tls-certificate and --remoting-tls-key flags.</summary>
    public string[] IssueFiles(string commonName)
    {
        using var issued = Issue(commonName);
        var crt = Path.Combine(_dir, commonName + ".crt");
        var pem = Path.Combine(_dir, commonName + ".key");
        File.WriteAllText(crt, issued.ExportCertificatePem());
        File.WriteAllText(pem, issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return ["--remoting-tls-certificate", crt, "--remoting-tls-key", pem];
    }

    /// <summary>Issues a certificate (with its private key) for both TLS sides.</summary>
    public X509Certificate2 Issue(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
