using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.Tls;

/// <summary>
/// Server certificates parsed from the IR's PEM, cached by content so that a table swap that keeps the same Secret
/// costs a hash, not a parse. Each entry is an <see cref="SslStreamCertificateContext"/> (leaf + intermediates from the
/// PEM chain), which SslStream reuses across handshakes. Entries not used by any live table are dropped after an apply.
/// </summary>
internal sealed class CertificateCache
{
    private readonly ConcurrentDictionary<string, SslStreamCertificateContext> _byContent = new(StringComparer.Ordinal);

    public int Count => _byContent.Count;

    /// <summary>The content key of a certificate (SHA-256 of chain and key PEM).</summary>
    public static string KeyOf(TlsCertificate certificate) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(certificate.CertificatePem + "\n" + certificate.PrivateKeyPem)));

    /// <summary>The parsed certificate; null with <paramref name="error"/> set when the PEM is unusable.</summary>
    public SslStreamCertificateContext? Get(TlsCertificate certificate, out string? error)
    {
        error = null;
        var key = KeyOf(certificate);
        if (_byContent.TryGetValue(key, out var cached)) return cached;
        try
        {
            var leaf = X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.PrivateKeyPem);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(certificate.CertificatePem);
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < chain.Count; i++) intermediates.Add(chain[i]);
            var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
            return _byContent.GetOrAdd(key, context);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            error = $"certificate {certificate.Source} cannot be loaded: {e.Message}";
            return null;
        }
    }

    /// <summary>Drops every entry whose key is not in <paramref name="live"/> (live connections keep their own reference).</summary>
    public void RetainOnly(IReadOnlySet<string> live)
    {
        foreach (var key in _byContent.Keys)
        {
            if (!live.Contains(key)) _byContent.TryRemove(key, out _);
        }
    }
}
