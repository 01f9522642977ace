using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Gateway.Conformance.Tests;

/// <summary>One generated object: a TLS key pair stored in a Secret, or a CA certificate stored in a ConfigMap.</summary>
public sealed record GeneratedCertificate(string Namespace, string Name, bool IsConfigMap, X509Certificate2 Certificate, string CertificatePem, string PrivateKeyPem);

/// <summary>
/// The certificates the upstream suite generates at start-up (VERSION.md, "Secrets / certificates"), made with
/// <see cref="CertificateRequest"/> the way conformance/utils/kubernetes/certificate.go makes them: RSA-2048, one year,
/// leaf subject O=Acme Co CN=default, CA subject C=US O=Kubernetes Gateway API CN=gatewayapi (serial 2024), keys as
/// PKCS#1 "RSA PRIVATE KEY" PEM, Secrets of type kubernetes.io/tls, CA ConfigMaps with keys ca.crt and key.crt.
/// </summary>
public sealed class ConformanceCertificates
{
    public const string Infra = "gateway-conformance-infra";
    public const string AppBackend = "gateway-conformance-app-backend";
    public const string WebBackend = "gateway-conformance-web-backend";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    // Upstream's validateHost: a DNS-1123 subdomain after stripping one leading "*."; "*" alone is not a host and is
    // dropped from the SANs, exactly as the suite drops it.
    private static readonly Regex Dns1123Subdomain = new(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant);

    private readonly Dictionary<(string, string), GeneratedCertificate> _byName;

    private ConformanceCertificates(IReadOnlyList<GeneratedCertificate> all)
    {
        All = all;
        _byName = all.ToDictionary(c => (c.Namespace, c.Name));
    }

    /// <summary>Every generated object, in the order of the VERSION.md table.</summary>
    public IReadOnlyList<GeneratedCertificate> All { get; }

    /// <summary>The generated object named namespace/name; throws when the suite does not generate it.</summary>
    public GeneratedCertificate Get(string ns, string name) =>
        _byName.TryGetValue((ns, name), out var c) ? c : throw new KeyNotFoundException($"no generated certificate {ns}/{name}");

    /// <summary>Generates the whole set; <paramref name="now"/> fixes the validity window (default: now).</summary>
    public static ConformanceCertificates Generate(DateTimeOffset? now = null)
    {
        // X.509 times have whole seconds; truncating keeps issued certificates inside their issuer's window.
        var at = now ?? DateTimeOffset.UtcNow;
        at = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);

        var list = new List<GeneratedCertificate>
        {
            Leaf(WebBackend, "certificate", ["*"], client: false, issuer: null, at),
            Leaf(Infra, "tls-validity-checks-certificate", ["*", "*.org", "*.wildcard.org"], client: false, issuer: null, at),
            Ca(WebBackend, "web-backend-cm", ["*"], at),
        };

        var frontendCa = Ca(Infra, "tls-validity-checks-ca-certificate", ["*.org"], at);
        list.Add(frontendCa);
        list.Add(Leaf(Infra, "tls-validity-checks-client-certificate", ["*.org"], client: true, frontendCa, at));
        var perPortCa = Ca(Infra, "tls-validity-checks-per-port-ca-certificate", ["*.org"], at);
        list.Add(perPortCa);
        list.Add(Leaf(Infra, "tls-validity-checks-per-port-client-certificate", ["*.org"], client: true, perPortCa, at));

        var backendCa = Ca(Infra, "tls-checks-ca-certificate", ["abc.example.com"], at);
        list.Add(backendCa);
        list.Add(Leaf(Infra, "tls-checks-certificate", ["abc.example.com", "other.example.com", "spiffe://abc.example.com/test-identity"], client: false, backendCa, at));
        list.Add(Leaf(Infra, "tls-checks-client-certificate", ["abc.example.com"], client: true, backendCa, at));
        list.Add(Leaf(Infra, "tls-passthrough-checks-certificate", ["abc.example.com"], client: false, backendCa, at));
        list.Add(Leaf(AppBackend, "tls-passthrough-checks-certificate", ["abc.example.com"], client: false, backendCa, at));
        list.Add(Leaf(Infra, "tls-terminate-checks-certificate", ["tls.example.com"], client: false, backendCa, at));
        list.Add(Ca(Infra, "mismatch-ca-certificate", ["abc.example.com"], at));
        return new ConformanceCertificates(list);
    }

    /// <summary>The Secrets (kubernetes.io/tls: tls.crt, tls.key).</summary>
    public IEnumerable<V1Secret> Secrets() => All.Where(c => !c.IsConfigMap).Select(c => new V1Secret
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = c.Name, NamespaceProperty = c.Namespace },
        Type = "kubernetes.io/tls",
        Data = new Dictionary<string, byte[]>
        {
            ["tls.crt"] = Encoding.ASCII.GetBytes(c.CertificatePem),
            ["tls.key"] = Encoding.ASCII.GetBytes(c.PrivateKeyPem),
        },
    });

    /// <summary>The CA ConfigMaps (ca.crt, and key.crt holding the CA key as upstream does for tests only).</summary>
    public IEnumerable<V1ConfigMap> ConfigMaps() => All.Where(c => c.IsConfigMap).Select(c => new V1ConfigMap
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = c.Name, NamespaceProperty = c.Namespace },
        Data = new Dictionary<string, string> { ["ca.crt"] = c.CertificatePem, ["key.crt"] = c.PrivateKeyPem },
    });

    /// <summary>All Secrets and ConfigMaps as one multi-document YAML manifest.</summary>
    public string ToYaml() => YamlDocuments.Join(Secrets().Cast<object>().Concat(ConfigMaps()));

    private static GeneratedCertificate Ca(string ns, string name, string[] hosts, DateTimeOffset at)
    {
        using var key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("US");
        subject.AddOrganizationName("Kubernetes Gateway API");
        subject.AddCommonName("gatewayapi");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth, ServerAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        AddSans(request, hosts);
        // Upstream gives every CA the fixed serial number 2024.
        using var self = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            at, at.AddYears(1), [0x07, 0xE8]);
        var withKey = self.CopyWithPrivateKey(key);
        return new GeneratedCertificate(ns, name, IsConfigMap: true, withKey, withKey.ExportCertificatePem() + "\n", key.ExportRSAPrivateKeyPem() + "\n");
    }

    private static GeneratedCertificate Leaf(string ns, string name, string[] hosts, bool client, GeneratedCertificate? issuer, DateTimeOffset at)
    {
        using var key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Acme Co");
        subject.AddCommonName("default");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature, true));
        // Client certificates are verified as such by the echo backend and by our listeners, which requires the
        // clientAuth usage; server certificates carry serverAuth only, as upstream's generateRSACert sets.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(client ? [ServerAuth, ClientAuth] : [ServerAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        AddSans(request, hosts);

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as Go's rand.Int below 2^128
        X509Certificate2 withKey;
        if (issuer is null)
        {
            using var self = request.Create(request.SubjectName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1), at, at.AddDays(365), serial);
            withKey = self.CopyWithPrivateKey(key);
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
            var notAfter = at.AddDays(365) < issuer.Certificate.NotAfter ? at.AddDays(365) : new DateTimeOffset(issuer.Certificate.NotAfter);
            using var issued = request.Create(issuer.Certificate, at, notAfter, serial);
            withKey = issued.CopyWithPrivateKey(key);
        }
        return new GeneratedCertificate(ns, name, IsConfigMap: false, withKey, withKey.ExportCertificatePem() + "\n", key.ExportRSAPrivateKeyPem() + "\n");
    }

    private static void AddSans(CertificateRequest request, IEnumerable<string> hosts)
    {
        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var ip)) san.AddIpAddress(ip);
            else if (host.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(host, UriKind.Absolute, out var uri)) san.AddUri(uri);
            else if (IsValidHost(host)) san.AddDnsName(host);
            else continue;
            any = true;
        }
        if (any) request.CertificateExtensions.Add(san.Build());
    }

    /// <summary>Upstream's validateHost (see class remarks): which host names make it into a certificate's DNS SANs.</summary>
    public static bool IsValidHost(string host)
    {
        var bare = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return bare.Length is > 0 and <= 253 && Dns1123Subdomain.IsMatch(bare);
    }
}
