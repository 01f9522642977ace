using System.Collections.Immutable;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Streams.L4;

namespace Gateway.Tests.Streams.L4;

/// <summary>Hand-made L4 configs and certificates for the Gateway.Streams L4 tests.</summary>
internal static class L4Fixtures
{
    private static int _ids;

    public static L4Endpoint Endpoint(IPEndPoint endpoint) => new(endpoint.Address.ToString(), endpoint.Port);

    public static L4Backend Backend(string id, int weight, params IPEndPoint[] endpoints) =>
        new(id, weight, true, [.. endpoints.Select(Endpoint)]);

    public static L4Route Route(string[] hostnames, params L4Backend[] backends) =>
        new($"route-{Interlocked.Increment(ref _ids)}", [.. hostnames], [.. backends]);

    public static L4Route Route(params L4Backend[] backends) => Route([], backends);

    public static L4ListenerConfig TcpListener(params L4Route[] routes) => new("tcp", null, L4TlsMode.None, [], [.. routes]);

    public static L4ListenerConfig Passthrough(string name, string? hostname, params L4Route[] routes) => new(name, hostname, L4TlsMode.Passthrough, [], [.. routes]);

    public static L4ListenerConfig Terminate(string name, string? hostname, L4Certificate certificate, params L4Route[] routes) =>
        new(name, hostname, L4TlsMode.Terminate, [certificate], [.. routes]);

    public static TcpListenerConfig Socket(int port, params L4ListenerConfig[] listeners) => new("127.0.0.1", port, [.. listeners]);

    /// <summary>A self-signed ECDSA certificate for <paramref name="dnsNames"/>, with its private key.</summary>
    public static X509Certificate2 SelfSigned(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    public static L4Certificate Certificate(params string[] dnsNames)
    {
        var certificate = SelfSigned(dnsNames);
        return new L4Certificate(certificate.Thumbprint, SslStreamCertificateContext.Create(certificate, null, offline: true));
    }

    public static ImmutableArray<T> Array<T>(params T[] items) => [.. items];
}
