using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Host.DataPlane.Tls;
using Xunit;

namespace Gateway.Tests.DataPlane;

public class CertificateNamesTests
{
    private static X509Certificate2 Certificate(Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=backend", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public void Matches_UriSan_ComparesTheWholeUri()
    {
        using var cert = Certificate(s =>
        {
            s.AddDnsName("abc.example.com");
            s.AddUri(new Uri("spiffe://abc.example.com/test-identity"));
        });

        Assert.Equal(["spiffe://abc.example.com/test-identity"], CertificateNames.UrisOf(cert));
        Assert.True(CertificateNames.Matches(cert, "spiffe://abc.example.com/test-identity"));
        Assert.False(CertificateNames.Matches(cert, "spiffe://abc.example.com/other"));
    }

    [Fact]
    public void Matches_DnsSan_UsesHostnameRules()
    {
        using var cert = Certificate(s => s.AddDnsName("*.example.com"));

        Assert.True(CertificateNames.Matches(cert, "abc.example.com"));
        Assert.False(CertificateNames.Matches(cert, "abc.example.org"));
        Assert.Empty(CertificateNames.UrisOf(cert));
    }
}
