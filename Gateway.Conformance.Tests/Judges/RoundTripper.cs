using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>The HTTP version and transport of a request (cases.json request.protocol).</summary>
public enum RoundTripProtocol
{
    /// <summary>HTTP/1.1, over TLS when the request has TLS settings.</summary>
    Http11,

    /// <summary>HTTP/2 over TLS (ALPN h2).</summary>
    H2,

    /// <summary>Cleartext HTTP/2 with prior knowledge.</summary>
    H2cPriorKnowledge,
}

/// <summary>TLS of a request: SNI, the only trusted certificate, and a client certificate offered if asked for.</summary>
public sealed record RoundTripTls(string ServerName, X509Certificate2 Trusted, X509Certificate2? ClientCertificate);

/// <summary>One request as the suite's round tripper sends it.</summary>
public sealed record RoundTripRequest
{
    /// <summary>Where the TCP connection goes (the Gateway address and port).</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>The Host header (:authority in HTTP/2).</summary>
    public required string Host { get; init; }

    /// <summary>Raw request target: path plus optional "?query".</summary>
    public required string PathAndQuery { get; init; }

    public string Method { get; init; } = "GET";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public RoundTripProtocol Protocol { get; init; } = RoundTripProtocol.Http11;

    public RoundTripTls? Tls { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The TLS part of the echo JSON.</summary>
public sealed record EchoTls(string ServerName, IReadOnlyList<string> PeerCertificates);

/// <summary>What the echo backend saw (the echo JSON), when the response was echo JSON.</summary>
public sealed record EchoCapture(
    string Path, string Host, string Method, string Protocol, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    string Namespace, string Pod, string HttpPort, EchoTls? Tls)
{
    /// <summary>The capture of a response that is not echo JSON: everything empty (the suite's zero value).</summary>
    public static EchoCapture Empty { get; } = new("", "", "", "", new Dictionary<string, IReadOnlyList<string>>(), "", "", "", null);
}

/// <summary>A response as the suite captures it.</summary>
public sealed record CapturedResponse(
    int StatusCode, string Protocol, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, string? Location,
    EchoCapture Echo, bool ClientCertificateRequested);

/// <summary>A transport-level failure (connect, TLS handshake, reset, timeout): no HTTP response.</summary>
public sealed class RoundTripException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Sends one request and captures the response.</summary>
public interface IRoundTripper
{
    /// <summary>Sends <paramref name="request"/> on a new connection; throws <see cref="RoundTripException"/> on transport errors.</summary>
    Task<CapturedResponse> RoundTripAsync(RoundTripRequest request, CancellationToken ct);
}

/// <summary>
/// The suite's default round tripper on HttpClient: a new connection per request to the Gateway address whatever the
/// Host header says, redirects never followed (every redirect case of the suite sets unfollowRedirect), TLS trusting
/// exactly one certificate and verifying the SNI name against it, a client certificate offered only when the server
/// asks. TLS is set up in <see cref="SocketsHttpHandler.ConnectCallback"/>, which may return an authenticated
/// <see cref="SslStream"/> (.NET 7+): the handler then uses it as is, so the SNI is the case's server name even when
/// it differs from the Host header (HttpClient alone derives SNI from Host), while the request keeps an https URI and
/// therefore ":scheme: https" and ":authority" = Host on HTTP/2.
/// </summary>
public sealed class HttpClientRoundTripper : IRoundTripper
{
    public async Task<CapturedResponse> RoundTripAsync(RoundTripRequest request, CancellationToken ct)
    {
        var clientCertificateRequested = false;
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = request.Timeout,
            // Always connect to the Gateway address, whatever the Host header names.
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(request.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(request.Endpoint, token).ConfigureAwait(false);
                    var network = new NetworkStream(socket, ownsSocket: true);
                    if (request.Tls is not { } tls) return network;
                    var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                    try
                    {
                        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                        {
                            TargetHost = tls.ServerName,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            ApplicationProtocols = [request.Protocol == RoundTripProtocol.H2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11],
                            RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusts(tls, certificate),
                            // Called when the server asks for a client certificate; without one configured, none is sent.
                            LocalCertificateSelectionCallback = (_, _, _, _, _) =>
                            {
                                clientCertificateRequested = true;
                                return tls.ClientCertificate!;
                            },
                        }, token).ConfigureAwait(false);
                        return ssl;
                    }
                    catch
                    {
                        await ssl.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var client = new HttpClient(handler) { Timeout = request.Timeout };
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"{(request.Tls is null ? "http" : "https")}://{Authority(request.Endpoint)}{request.PathAndQuery}"))
        {
            Version = request.Protocol == RoundTripProtocol.Http11 ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.Host = request.Host;
        foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or AuthenticationException && !ct.IsCancellationRequested)
        {
            throw new RoundTripException($"{request.Method} {request.PathAndQuery} to {request.Endpoint} (Host {request.Host}{(request.Tls is { } t ? $", SNI {t.ServerName}" : "")}) failed: {Innermost(e)}", e);
        }
        using (response)
        {
            var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in response.Headers.NonValidated) headers[h.Key] = h.Value.ToList();
            foreach (var h in response.Content.Headers.NonValidated) headers[h.Key] = h.Value.ToList();
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            var echo = EchoCapture.Empty;
            // The suite parses the body only when Content-Type is exactly application/json.
            if (headers.TryGetValue("Content-Type", out var contentType) && contentType.Count > 0 && contentType[0] == "application/json")
            {
                echo = ParseEcho(body);
            }
            var location = headers.TryGetValue("Location", out var loc) && loc.Count > 0 ? loc[0] : null;
            var protocol = $"HTTP/{response.Version.Major}.{response.Version.Minor}";
            return new CapturedResponse((int)response.StatusCode, protocol, headers, location, echo, clientCertificateRequested);
        }
    }

    /// <summary>
    /// Whether the server certificate chains to the one trusted certificate and names the SNI host. As in Go's
    /// x509.Verify, a presented certificate that is itself in the trusted pool is a chain of its own (the suite trusts
    /// tls-backend's leaf, issued by a CA it does not list, for TLSRouteHostnameIntersection); it must still be valid
    /// now and name the host.
    /// </summary>
    internal static bool Trusts(RoundTripTls tls, X509Certificate? presented)
    {
        if (presented is null) return false;
        using var certificate = new X509Certificate2(presented);
        if (certificate.RawData.AsSpan().SequenceEqual(tls.Trusted.RawData))
        {
            var now = DateTime.Now;
            return certificate.NotBefore <= now && now <= certificate.NotAfter && certificate.MatchesHostname(tls.ServerName, allowWildcards: true, allowCommonName: false);
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(tls.Trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) && certificate.MatchesHostname(tls.ServerName, allowWildcards: true, allowCommonName: false);
    }

    private static string Authority(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    /// <summary>Parses echo JSON; a body that is not valid echo JSON is a transport-level failure, as upstream reports it.</summary>
    internal static EchoCapture ParseEcho(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string S(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (root.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in h.EnumerateObject())
                {
                    headers[p.Name] = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToList() : [p.Value.ToString()];
                }
            }
            EchoTls? tls = null;
            if (root.TryGetProperty("tls", out var t) && t.ValueKind == JsonValueKind.Object)
            {
                var peers = t.TryGetProperty("peerCertificates", out var pc) && pc.ValueKind == JsonValueKind.Array
                    ? pc.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
                    : [];
                tls = new EchoTls(S(t, "serverName"), peers);
            }
            return new EchoCapture(S(root, "path"), S(root, "host"), S(root, "method"), S(root, "proto"), headers,
                S(root, "namespace"), S(root, "pod"), S(root, "httpPort"), tls);
        }
        catch (JsonException e)
        {
            throw new RoundTripException($"unexpected error reading response: {e.Message}", e);
        }
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }
}
