using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Host.DataPlane.Filters;

/// <summary>
/// The CORS filter (HTTPCORSFilter) prepared once per route. Preflight requests (OPTIONS with Origin and
/// Access-Control-Request-Method) are answered by the gateway; actual cross-origin requests are forwarded and get
/// allow-origin / allow-credentials / expose-headers on the response. A non-matching Origin gets a 200 preflight
/// without CORS headers ("the gateway returns 204/200 response but doesn't set the relevant cross-origin response
/// headers"). The allowed origin is always echoed back (never "*"), which is valid with and without credentials; the
/// response then varies by Origin.
/// </summary>
internal sealed class CorsPlan
{
    private readonly bool _anyOrigin;
    private readonly OriginPattern[] _origins;
    private readonly bool _credentials;
    private readonly bool _anyMethod;
    private readonly string? _methods;
    private readonly bool _anyHeader;
    private readonly string? _allowHeaders;
    private readonly string? _exposeHeaders;
    private readonly string _maxAge;

    private CorsPlan(CorsPolicy policy)
    {
        _anyOrigin = policy.AllowOrigins.Contains("*");
        _origins = policy.AllowOrigins.Where(o => o != "*").Select(OriginPattern.Parse).OfType<OriginPattern>().ToArray();
        _credentials = policy.AllowCredentials;
        _anyMethod = policy.AllowMethods.Contains("*");
        _methods = policy.AllowMethods.IsDefaultOrEmpty || _anyMethod ? null : string.Join(", ", policy.AllowMethods);
        _anyHeader = policy.AllowHeaders.Contains("*");
        _allowHeaders = policy.AllowHeaders.IsDefaultOrEmpty || _anyHeader ? null : string.Join(", ", policy.AllowHeaders);
        // ExposeHeaders "*" is only valid without credentials (HTTPCORSFilter.ExposeHeaders).
        _exposeHeaders = policy.ExposeHeaders.IsDefaultOrEmpty || (_credentials && policy.ExposeHeaders.Contains("*")) ? null : string.Join(", ", policy.ExposeHeaders);
        // MaxAge defaults to 5 seconds (+kubebuilder:default=5).
        _maxAge = (policy.MaxAgeSeconds > 0 ? policy.MaxAgeSeconds : 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static CorsPlan? Create(CorsPolicy? policy) => policy is null ? null : new CorsPlan(policy);

    /// <summary>A CORS preflight: OPTIONS carrying Origin and Access-Control-Request-Method (Fetch standard).</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method)
        && request.Headers.ContainsKey(HeaderNames.Origin)
        && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>Whether <paramref name="origin"/> ("scheme://host[:port]") is allowed.</summary>
    public bool IsAllowed(string origin)
    {
        if (_anyOrigin) return origin.Length > 0;
        var parsed = OriginPattern.Parse(origin);
        if (parsed is null) return false;
        foreach (var pattern in _origins)
        {
            if (pattern.Matches(parsed)) return true;
        }
        return false;
    }

    /// <summary>Answers a preflight request: 200, with the access-control-* headers when the origin is allowed.</summary>
    public void WritePreflight(HttpRequest request, HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
        var origin = request.Headers.Origin.ToString();
        var headers = response.Headers;
        headers.Vary = HeaderNames.Origin;
        if (!IsAllowed(origin)) return;
        headers.AccessControlAllowOrigin = origin;
        if (_credentials) headers.AccessControlAllowCredentials = "true";
        if (_anyMethod)
        {
            // With credentials "*" is not allowed as a value: echo the requested method instead (AllowMethods docs).
            var requested = request.Headers.AccessControlRequestMethod.ToString();
            if (!_credentials) headers.AccessControlAllowMethods = "*";
            else if (requested.Length > 0) headers.AccessControlAllowMethods = requested;
        }
        else if (_methods is not null)
        {
            headers.AccessControlAllowMethods = _methods;
        }
        if (_anyHeader)
        {
            var requested = request.Headers.AccessControlRequestHeaders.ToString();
            if (!_credentials) headers.AccessControlAllowHeaders = "*";
            else if (requested.Length > 0) headers.AccessControlAllowHeaders = requested;
        }
        else if (_allowHeaders is not null)
        {
            headers.AccessControlAllowHeaders = _allowHeaders;
        }
        if (_exposeHeaders is not null) headers.AccessControlExposeHeaders = _exposeHeaders;
        headers.AccessControlMaxAge = _maxAge;
    }

    /// <summary>Adds the CORS headers of an actual (non-preflight) cross-origin response.</summary>
    public void ApplyActual(HttpRequest request, IHeaderDictionary responseHeaders)
    {
        var origin = request.Headers.Origin;
        if (origin.Count == 0) return;
        var value = origin.ToString();
        if (!IsAllowed(value)) return;
        responseHeaders.AccessControlAllowOrigin = value;
        responseHeaders.Append(HeaderNames.Vary, HeaderNames.Origin);
        if (_credentials) responseHeaders.AccessControlAllowCredentials = "true";
        if (_exposeHeaders is not null) responseHeaders.AccessControlExposeHeaders = _exposeHeaders;
    }

    /// <summary>
    /// An origin or an allowed-origin pattern. A leading "*" in the host is greedy to the left over any number of
    /// labels ("https://*.bar.com" matches "https://a.b.bar.com" but not "https://bar.com"); a missing port is the
    /// scheme's default (HTTPCORSFilter.AllowOrigins).
    /// </summary>
    private sealed record OriginPattern(string Scheme, string Host, int Port)
    {
        public static OriginPattern? Parse(string text)
        {
            var sep = text.IndexOf("://", StringComparison.Ordinal);
            if (sep <= 0) return null;
            var scheme = text[..sep].ToLowerInvariant();
            var authority = text[(sep + 3)..].TrimEnd('/');
            var defaultPort = scheme switch { "http" => 80, "https" => 443, _ => -1 };
            var colon = authority.LastIndexOf(':');
            var port = defaultPort;
            if (colon > 0 && !authority.EndsWith(']'))
            {
                if (!int.TryParse(authority.AsSpan(colon + 1), out port)) return null;
                authority = authority[..colon];
            }
            return authority.Length == 0 ? null : new OriginPattern(scheme, authority.ToLowerInvariant(), port);
        }

        public bool Matches(OriginPattern origin)
        {
            if (origin.Scheme != Scheme || origin.Port != Port) return false;
            if (Host.StartsWith('*'))
            {
                var suffix = Host[1..];
                return origin.Host.Length > suffix.Length && origin.Host.EndsWith(suffix, StringComparison.Ordinal);
            }
            return origin.Host == Host;
        }
    }
}
