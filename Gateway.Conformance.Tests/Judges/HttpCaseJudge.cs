using System.Security.Cryptography.X509Certificates;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>The request actually sent for a case, which the judge needs for defaults (Host, Location defaults).</summary>
public sealed record SentRequest(string Scheme, string Host, int Port, string PathAndQuery, string Method, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Pure comparison of one captured round trip with a case's expectation, as upstream's CompareRoundTrip does
/// (cases-semantics.md section 3). Returns null when the round trip passes, else the reason it does not.
/// </summary>
public static class HttpCaseJudge
{
    private static readonly int[] TimeoutCodes = [408, 504];

    /// <summary>Judges <paramref name="response"/> against <paramref name="expect"/>.</summary>
    public static string? Compare(HttpCaseExpectation expect, SentRequest sent, CapturedResponse response, X509Certificate2? backendPeerCertificate = null)
    {
        // 408 and 504 are interchangeable when the case expects either, and nothing else is then checked.
        if (TimeoutCodes.Contains(response.StatusCode) && expect.StatusCodes.Any(TimeoutCodes.Contains)) return null;
        if (!expect.StatusCodes.Contains(response.StatusCode))
        {
            return $"expected status code to be one of [{string.Join(", ", expect.StatusCodes)}], got {response.StatusCode}";
        }
        if (expect.ResponseProtocol is { } protocol && protocol != response.Protocol)
        {
            return $"expected response protocol {protocol}, got {response.Protocol}";
        }

        if (response.StatusCode is 200 or 204) return CompareBackendSide(expect, sent, response, backendPeerCertificate);
        if (IsRedirect(response.StatusCode) && expect.Redirect is { } redirect) return CompareRedirect(redirect, sent, response);
        return null;
    }

    /// <summary>Upstream's IsRedirect: 300-305, 307, 308.</summary>
    public static bool IsRedirect(int status) => status is >= 300 and <= 305 or 307 or 308;

    private static string? CompareBackendSide(HttpCaseExpectation expect, SentRequest sent, CapturedResponse response, X509Certificate2? peer)
    {
        var echo = response.Echo;
        if (!string.IsNullOrEmpty(expect.RequestHost) && expect.RequestHost != echo.Host)
        {
            return $"expected host to be {expect.RequestHost}, got {echo.Host}";
        }
        if ((expect.RequestPath ?? "") != echo.Path) return $"expected path to be {expect.RequestPath}, got {echo.Path}";
        // A body that is not echo JSON leaves the method unknown; upstream then assumes the one it sent.
        var method = echo.Method.Length > 0 ? echo.Method : sent.Method;
        if ((expect.RequestMethod ?? "GET") != method) return $"expected method to be {expect.RequestMethod ?? "GET"}, got {method}";
        if (expect.Namespace != echo.Namespace) return $"expected namespace to be {expect.Namespace}, got {echo.Namespace}";

        var requestHeaders = Lower(echo.Headers);
        foreach (var (name, value) in expect.RequestHeaders)
        {
            if (!requestHeaders.TryGetValue(name.ToLowerInvariant(), out var actual)) return $"expected {name} header to be set, actual headers: {Show(echo.Headers)}";
            if (string.Join(",", actual) != value) return $"expected {name} header to be set to {value}, got {string.Join(",", actual)}";
        }
        foreach (var name in expect.AbsentRequestHeaders)
        {
            if (requestHeaders.TryGetValue(name.ToLowerInvariant(), out var actual)) return $"expected {name} header to not be set, got {string.Join(",", actual)}";
        }

        var responseHeaders = Lower(response.Headers);
        foreach (var (name, value) in expect.ResponseHeaders)
        {
            if (!responseHeaders.TryGetValue(name.ToLowerInvariant(), out var actual)) return $"expected {name} response header to be set, actual headers: {Show(response.Headers)}";
            if (string.Join(",", actual) != value) return $"expected {name} response header to be set to {value}, got {string.Join(",", actual)}";
        }
        foreach (var (name, options) in expect.ResponseHeaderOneOf)
        {
            if (!responseHeaders.TryGetValue(name.ToLowerInvariant(), out var actual)) return $"expected {name} response header to be set, actual headers: {Show(response.Headers)}";
            var joined = Normalize(string.Join(",", actual), expect.IgnoreWhitespaceInResponseHeaders);
            if (!options.Any(o => Normalize(o, expect.IgnoreWhitespaceInResponseHeaders) == joined))
            {
                return $"expected {name} response header to be one of [{string.Join(" | ", options)}], got {string.Join(",", actual)}";
            }
        }
        foreach (var name in expect.AbsentResponseHeaders)
        {
            if (responseHeaders.TryGetValue(name.ToLowerInvariant(), out var actual)) return $"expected {name} response header to not be set, got {string.Join(",", actual)}";
        }

        if (!string.IsNullOrEmpty(expect.Backend) && !echo.Pod.StartsWith(expect.Backend, StringComparison.Ordinal))
        {
            return $"expected pod name to start with {expect.Backend}, got {echo.Pod}";
        }
        if (expect.BackendSni is { } sni && echo.Tls?.ServerName != sni)
        {
            return $"expected the backend to see SNI {sni}, got {(echo.Tls is null ? "no TLS" : echo.Tls.ServerName)}";
        }
        if (expect.BackendPeerCertificateSecret is { } secret)
        {
            if (peer is null) return $"no certificate known for {secret}";
            var presented = (echo.Tls?.PeerCertificates ?? []).Select(TryParsePem).Where(c => c is not null).ToList();
            if (!presented.Any(c => c!.RawDataMemory.Span.SequenceEqual(peer.RawDataMemory.Span)))
            {
                return $"expected the backend to see client certificate {secret}, got {presented.Count} other certificate(s)";
            }
        }
        return null;
    }

    private static string? CompareRedirect(ExpectedRedirect expected, SentRequest sent, CapturedResponse response)
    {
        if (response.Location is null || !Uri.TryCreate(response.Location, UriKind.RelativeOrAbsolute, out var location))
        {
            return $"redirect {response.StatusCode} without a usable Location header ({response.Location})";
        }
        // A relative Location resolves against the request URL, as Go's Response.Location does.
        if (!location.IsAbsoluteUri) location = new Uri(new Uri($"{sent.Scheme}://{sent.Host}"), location);

        var host = location.IdnHost.Trim('[', ']');
        if (expected.Host is { } h && h != host) return $"expected redirected hostname to be {h}, got {host}";
        var scheme = expected.Scheme ?? sent.Scheme;
        if (scheme != location.Scheme) return $"expected redirected scheme to be {scheme}, got {location.Scheme}";
        var port = PortText(response.Location, location);
        if (expected.Port is { } p)
        {
            if (p != port) return $"expected redirected port to be {p}, got {(port.Length == 0 ? "(none)" : port)}";
        }
        else if (location.Scheme == "http" && port is not ("" or "80") || location.Scheme == "https" && port is not ("" or "443"))
        {
            return $"expected redirected port to be the default of {location.Scheme}, got {port}";
        }
        var path = expected.Path ?? StripQuery(sent.PathAndQuery);
        if (path != location.AbsolutePath) return $"expected redirected path to be {path}, got {location.AbsolutePath}";
        return null;
    }

    // The port as written in the Location (Go's URL.Port()): empty when none is written, even the scheme default.
    private static string PortText(string raw, Uri parsed)
    {
        var rest = raw[(raw.IndexOf("://", StringComparison.Ordinal) is var i and >= 0 ? i + 3 : 0)..];
        var authority = rest.Split('/', '?', '#')[0];
        var at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        var closing = authority.LastIndexOf(']');
        var colon = authority.LastIndexOf(':');
        return colon > closing && colon >= 0 ? authority[(colon + 1)..] : parsed.IsDefaultPort ? "" : parsed.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string StripQuery(string pathAndQuery)
    {
        var q = pathAndQuery.IndexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery[..q];
    }

    private static Dictionary<string, IReadOnlyList<string>> Lower(IReadOnlyDictionary<string, IReadOnlyList<string>> headers)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (k, v) in headers) result[k.ToLowerInvariant()] = v;
        return result;
    }

    private static string Normalize(string value, bool ignoreWhitespace) => ignoreWhitespace ? value.Replace(" ", "", StringComparison.Ordinal) : value;

    private static string Show(IReadOnlyDictionary<string, IReadOnlyList<string>> headers) =>
        "{" + string.Join(", ", headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: [{string.Join(", ", h.Value)}]")) + "}";

    private static X509Certificate2? TryParsePem(string pem)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
