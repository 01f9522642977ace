using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

public class ConformanceCertificatesTests
{
    private static ConformanceCertificates Certs => SharedCertificates.Value;

    [Fact]
    public void Generate_Always_ProducesTheSuiteInventory()
    {
        var names = Certs.All.Select(c => $"{(c.IsConfigMap ? "ConfigMap" : "Secret")} {c.Namespace}/{c.Name}").ToList();

        Assert.Equal(
        [
            "Secret gateway-conformance-web-backend/certificate",
            "Secret gateway-conformance-infra/tls-validity-checks-certificate",
            "ConfigMap gateway-conformance-web-backend/web-backend-cm",
            "ConfigMap gateway-conformance-infra/tls-validity-checks-ca-certificate",
            "Secret gateway-conformance-infra/tls-validity-checks-client-certificate",
            "ConfigMap gateway-conformance-infra/tls-validity-checks-per-port-ca-certificate",
            "Secret gateway-conformance-infra/tls-validity-checks-per-port-client-certificate",
            "ConfigMap gateway-conformance-infra/tls-checks-ca-certificate",
            "Secret gateway-conformance-infra/tls-checks-certificate",
            "Secret gateway-conformance-infra/tls-checks-client-certificate",
            "Secret gateway-conformance-infra/tls-passthrough-checks-certificate",
            "Secret gateway-conformance-app-backend/tls-passthrough-checks-certificate",
            "Secret gateway-conformance-infra/tls-terminate-checks-certificate",
            "ConfigMap gateway-conformance-infra/mismatch-ca-certificate",
        ], names);
        Assert.All(Certs.All, c => Assert.Equal(2048, c.Certificate.GetRSAPublicKey()!.KeySize));
        Assert.All(Certs.All.Where(c => !c.IsConfigMap), c => Assert.Equal("O=Acme Co, CN=default", c.Certificate.Subject));
        Assert.All(Certs.All.Where(c => c.IsConfigMap), c => Assert.Equal("C=US, O=Kubernetes Gateway API, CN=gatewayapi", c.Certificate.Subject));
        Assert.All(Certs.All, c => Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", c.PrivateKeyPem));
    }

    [Theory]
    [InlineData("tls-checks-certificate", "tls-checks-ca-certificate")]
    [InlineData("tls-checks-client-certificate", "tls-checks-ca-certificate")]
    [InlineData("tls-passthrough-checks-certificate", "tls-checks-ca-certificate")]
    [InlineData("tls-terminate-checks-certificate", "tls-checks-ca-certificate")]
    [InlineData("tls-validity-checks-client-certificate", "tls-validity-checks-ca-certificate")]
    [InlineData("tls-validity-checks-per-port-client-certificate", "tls-validity-checks-per-port-ca-certificate")]
    public void CaSigned_VerifiedWithItsCa_ChainBuilds(string leaf, string ca)
    {
        Assert.True(Verify(Certs.Get(ConformanceCertificates.Infra, leaf).Certificate, Certs.Get(ConformanceCertificates.Infra, ca).Certificate));
    }

    [Theory]
    [InlineData("tls-checks-certificate", "mismatch-ca-certificate")]
    [InlineData("tls-validity-checks-client-certificate", "tls-validity-checks-per-port-ca-certificate")]
    [InlineData("tls-validity-checks-per-port-client-certificate", "tls-validity-checks-ca-certificate")]
    public void CaSigned_VerifiedWithAnotherCa_ChainFails(string leaf, string ca)
    {
        Assert.False(Verify(Certs.Get(ConformanceCertificates.Infra, leaf).Certificate, Certs.Get(ConformanceCertificates.Infra, ca).Certificate));
    }

    [Fact]
    public void SelfSigned_VerifiedWithItself_ChainBuilds()
    {
        var cert = Certs.Get(ConformanceCertificates.Infra, "tls-validity-checks-certificate").Certificate;
        Assert.True(Verify(cert, cert));
    }

    [Fact]
    public void Sans_AsTheSuiteLists_ArePresent()
    {
        var validity = Certs.Get(ConformanceCertificates.Infra, "tls-validity-checks-certificate").Certificate;
        Assert.Equal(["*.org", "*.wildcard.org"], DnsNames(validity));
        Assert.True(validity.MatchesHostname("second-example.org"));
        Assert.True(validity.MatchesHostname("fourth-example.wildcard.org"));

        var backend = Certs.Get(ConformanceCertificates.Infra, "tls-checks-certificate").Certificate;
        Assert.Equal(["abc.example.com", "other.example.com"], DnsNames(backend));
        var san = backend.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("spiffe://abc.example.com/test-identity", san.Format(false));

        Assert.Equal(["tls.example.com"], DnsNames(Certs.Get(ConformanceCertificates.Infra, "tls-terminate-checks-certificate").Certificate));
        Assert.Equal(["abc.example.com"], DnsNames(Certs.Get(ConformanceCertificates.AppBackend, "tls-passthrough-checks-certificate").Certificate));
    }

    [Theory]
    [InlineData("*", false)]
    [InlineData("*.org", true)]
    [InlineData("abc.example.com", true)]
    [InlineData("-bad.com", false)]
    [InlineData("UPPER.com", false)]
    public void IsValidHost_AsUpstreamValidateHost_Decides(string host, bool valid) =>
        Assert.Equal(valid, ConformanceCertificates.IsValidHost(host));

    [Fact]
    public void ToYaml_ParsedByManifestParser_GivesSecretsAndConfigMapsWithUsableKeys()
    {
        var parsed = ManifestParser.Parse("certs.yaml", Certs.ToYaml());

        Assert.Empty(parsed.Diagnostics);
        Assert.Equal(9, parsed.Objects.Count(o => o.Key.Kind == "Secret"));
        Assert.Equal(5, parsed.Objects.Count(o => o.Key.Kind == "ConfigMap"));
        var secret = (k8s.Models.V1Secret)parsed.Objects.Single(o => o.Key == new ResourceKey("Secret", ConformanceCertificates.Infra, "tls-checks-certificate")).Object;
        Assert.Equal("kubernetes.io/tls", secret.Type);
        using var roundTripped = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(secret.Data["tls.crt"]), Encoding.ASCII.GetString(secret.Data["tls.key"]));
        Assert.True(roundTripped.HasPrivateKey);
    }

    private static bool Verify(X509Certificate2 leaf, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private static List<string> DnsNames(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
}
