using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Gateway.Host.Cluster;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The peer check and the certificate loading of remoting TLS (<see cref="RemotingTls"/>), without sockets.</summary>
public sealed class RemotingTlsValidationTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void IssuedBy_CertificateOfTheCa_Accepted_EvenWhenTheMachineReportsChainErrors()
    {
        var ca = new TestCa("cluster CA", _dir.Combine("ca"));
        using var peer = ca.Issue("peer");

        var accepted = RemotingTls.IssuedBy([ca.Certificate])(peer, null, "127.0.0.1", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance);

        Assert.True(accepted);
    }

    [Fact]
    public void IssuedBy_CertificateOfAnotherCa_Refused_EvenWhenTheMachineTrustsIt()
    {
        var ca = new TestCa("cluster CA", _dir.Combine("ca"));
        var other = new TestCa("other CA", _dir.Combine("other"));
        using var peer = other.Issue("peer");

        var accepted = RemotingTls.IssuedBy([ca.Certificate])(peer, null, "127.0.0.1", SslPolicyErrors.None, NoLogger.Instance);

        Assert.False(accepted);
    }

    [Fact]
    public void IssuedBy_NoCertificate_Refused()
    {
        var ca = new TestCa("cluster CA", _dir.Combine("ca"));

        Assert.False(RemotingTls.IssuedBy([ca.Certificate])(null!, null, "127.0.0.1", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
    }

    [Fact]
    public void LoadCertificate_Pkcs12WithItsPassword_HasThePrivateKey_WrongPasswordNamesTheFlag()
    {
        var ca = new TestCa("cluster CA", _dir.Combine("ca"));
        using var peer = ca.Issue("peer");
        var path = _dir.Combine("peer.p12");
        File.WriteAllBytes(path, peer.Export(X509ContentType.Pkcs12, "secret"));

        using var loaded = RemotingTls.LoadCertificate(path, keyPath: null, password: "secret");
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(peer.Thumbprint, loaded.Thumbprint);
        var e = Assert.Throws<ArgumentException>(() => RemotingTls.LoadCertificate(path, keyPath: null, password: "wrong"));
        Assert.StartsWith("--remoting-tls-certificate:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_PemCertificateKeyAndCa_MutualTlsWithValidationOnAndHostNamesUnchecked()
    {
        var ca = new TestCa("cluster CA", _dir.Combine("ca"));
        var files = ca.IssueFiles("peer");
        var cluster = new GatewayClusterOptions { RemotingTlsCertificate = files[1], RemotingTlsKey = files[3], RemotingTlsCa = ca.CaFile };

        var ssl = RemotingTls.Options(cluster)!;

        Assert.Equal((true, false, false), (ssl.RequireMutualAuthentication, ssl.SuppressValidation, ssl.ValidateCertificateHostname));
        Assert.True(ssl.X509Certificate!.HasPrivateKey);
        Assert.NotNull(ssl.CustomValidator);
        Assert.Null(RemotingTls.Options(new GatewayClusterOptions()));
    }

    public void Dispose() => _dir.Dispose();
}
