using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;

namespace Gateway.Host.Cluster;

/// <summary>
/// Mutual TLS for Akka remoting (DotNetty transport). Every replica presents its certificate on both sides of every
/// connection (require-mutual-authentication), and accepts the other side's certificate only when it chains to one of
/// the configured CAs, whatever the host name: replicas are reached by pod IP, and the CA is the identity of the
/// cluster. A peer without TLS fails the handshake; a peer whose certificate another CA issued is refused on both
/// sides, inbound and outbound.
/// </summary>
public static class RemotingTls
{
    /// <summary>The SSL settings of <see cref="RemoteOptions"/>, or null when <paramref name="cluster"/> has no certificate.</summary>
    /// <exception cref="ArgumentException">A file is not what its flag says (named in the message).</exception>
    public static SslOptions? Options(GatewayClusterOptions cluster)
    {
        if (cluster.RemotingTlsCertificate is not { } certificatePath) return null;
        var certificate = LoadCertificate(certificatePath, cluster.RemotingTlsKey, cluster.RemotingTlsPassword);
        var authorities = LoadAuthorities(cluster.RemotingTlsCa ?? throw new ArgumentException("--remoting-tls-ca: is required with --remoting-tls-certificate"));
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = IssuedBy(authorities),
        };
    }

    /// <summary>
    /// Accepts a peer certificate exactly when it chains to one of <paramref name="authorities"/> (the only trust
    /// anchors: the machine's root store plays no part) and is valid now. Revocation is not checked: the CA is private
    /// and publishes no revocation list; rotating the CA is how a certificate is withdrawn.
    /// </summary>
    public static CertificateValidationCallback IssuedBy(X509Certificate2Collection authorities) => (certificate, presented, peer, _, log) =>
    {
        if (certificate is null)
        {
            log.Warning("Remoting TLS: refused {0}: no certificate presented", peer);
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the peer sent may complete the path to a configured CA; they are never trust anchors.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        if (chain.Build(certificate)) return true;
        log.Warning("Remoting TLS: refused {0}: certificate {1} (issuer {2}) is not issued by a configured CA: {3}", peer, certificate.Subject, certificate.Issuer,
            string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
        return false;
    };

    /// <summary>Loads this replica's certificate with its private key: PEM with a key file, else PKCS#12.</summary>
    public static X509Certificate2 LoadCertificate(string path, string? keyPath, string? password)
    {
        try
        {
            var certificate = keyPath is not null
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password);
            if (!certificate.HasPrivateKey) throw new ArgumentException($"--remoting-tls-certificate: \"{path}\" has no private key");
            return certificate;
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException(keyPath is not null
                ? $"--remoting-tls-certificate: \"{path}\" with --remoting-tls-key \"{keyPath}\" is not a PEM certificate and its key: {e.Message}"
                : $"--remoting-tls-certificate: \"{path}\" is not a PKCS#12 file this password opens (a PEM certificate needs --remoting-tls-key): {e.Message}", e);
        }
    }

    /// <summary>Loads the CA certificates (PEM, one or more).</summary>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"--remoting-tls-ca: \"{path}\" is not PEM certificates: {e.Message}", e);
        }
        if (authorities.Count == 0) throw new ArgumentException($"--remoting-tls-ca: \"{path}\" holds no PEM certificate");
        return authorities;
    }
}
