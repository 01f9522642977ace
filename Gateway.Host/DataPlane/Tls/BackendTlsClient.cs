using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.Tls;

/// <summary>
/// The client side of TLS origination (BackendTLSPolicy) for one <see cref="BackendTlsSettings"/>, shared by the HTTP
/// clients and the layer-4 proxy: SNI = ServerName; the server certificate must chain to the given CA certificates
/// (or the system store) and match ServerName, or one of SubjectAltNames when those are given; optional client
/// certificate (Gateway spec.tls.backend.clientCertificateRef). The CA and client certificates are parsed once.
/// </summary>
internal sealed class BackendTlsClient
{
    private readonly BackendTlsSettings _tls;
    private readonly X509Certificate2Collection _roots = [];
    private readonly X509CertificateCollection? _clientCertificates;

    public BackendTlsClient(BackendTlsSettings tls)
    {
        _tls = tls;
        foreach (var pem in tls.CaCertificatesPem) _roots.ImportFromPem(pem);
        _clientCertificates = tls.ClientCertificate is { } client
            ? new X509CertificateCollection { X509Certificate2.CreateFromPem(client.CertificatePem, client.PrivateKeyPem) }
            : null;
    }

    /// <summary>A stable identity of <paramref name="tls"/> (hash of every setting), for client pooling and equality.</summary>
    public static string Key(BackendTlsSettings tls)
    {
        var text = new StringBuilder()
            .Append(tls.ServerName).Append('\n').Append(tls.UseSystemCertificates).Append('\n')
            .AppendJoin('\n', tls.CaCertificatesPem).Append('\n').AppendJoin(',', tls.SubjectAltNames).Append('\n')
            .Append(tls.ClientCertificate?.CertificatePem).Append(tls.ClientCertificate?.PrivateKeyPem);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The options of one handshake; <paramref name="fallbackHost"/> is the SNI when the settings name none.</summary>
    public SslClientAuthenticationOptions Options(string fallbackHost, SslApplicationProtocol? alpn) => new()
    {
        TargetHost = _tls.ServerName.Length > 0 ? _tls.ServerName : fallbackHost,
        ApplicationProtocols = alpn is { } protocol ? [protocol] : null,
        ClientCertificates = _clientCertificates,
        RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate as X509Certificate2, errors),
    };

    private bool Validate(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        var names = _tls.SubjectAltNames.IsDefaultOrEmpty ? [_tls.ServerName] : _tls.SubjectAltNames;
        if (!names.Any(n => n.Length > 0 && CertificateNames.Matches(certificate, n))) return false;
        if (_tls.UseSystemCertificates && _roots.Count == 0) return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
