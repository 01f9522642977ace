using System.Globalization;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Host.DataPlane.Sessions;

/// <summary>A session value to send back, and when its session began (for a Permanent cookie's Max-Age).</summary>
internal readonly record struct SessionIssue(string Value, long IssuedAt);

/// <summary>
/// The compiled session persistence of one route entry (GEP-1619). A request carrying a value that verifies (MAC,
/// rule scope, absoluteTimeout, idleTimeout) and pins an endpoint that is still in the rule's endpoint set goes to
/// that backendRef and endpoint, whatever the weights say (GEP-1619 "Traffic Splitting": the session takes
/// precedence). Any other request is balanced as without persistence and its response carries a new value. A value
/// in use is sent again only when idleTimeout is set (its last-use time moves), so a rule without idleTimeout costs
/// one verification per request and no response header.
/// Built only for entries with session persistence: an entry without it has no plan and its requests never reach
/// this code.
/// </summary>
internal sealed class SessionPlan
{
    private readonly SessionPersistencePolicy _policy;
    private readonly byte[] _key;
    private readonly TimeProvider _clock;
    private readonly string _cookieAttributes;
    private readonly Dictionary<string, (CompiledBackend Backend, string Destination)> _byPin;
    private readonly Dictionary<CompiledBackend, string[]> _pinsByBackend;

    public SessionPlan(SessionPersistencePolicy policy, CompiledBackend[] backends, string cookiePath, bool secure, byte[]? key, TimeProvider? clock = null)
    {
        _policy = policy;
        _key = key ?? [];
        _clock = clock ?? TimeProvider.System;
        // GEP-1619 "Secure, HttpOnly, SameSite": secure by default; Secure only where the listener is HTTPS (a browser
        // drops a Secure cookie set over cleartext HTTP).
        _cookieAttributes = $"; Path={cookiePath}; HttpOnly; SameSite=Strict{(secure ? "; Secure" : "")}";
        _byPin = new Dictionary<string, (CompiledBackend, string)>(StringComparer.Ordinal);
        _pinsByBackend = new Dictionary<CompiledBackend, string[]>(ReferenceEqualityComparer.Instance);
        foreach (var backend in backends)
        {
            var endpoints = backend.Source.Endpoints.IsDefault ? [] : backend.Source.Endpoints;
            var pins = new string[endpoints.Length];
            for (var i = 0; i < endpoints.Length; i++)
            {
                pins[i] = PinOf(backend.Source.ClusterId, endpoints[i]);
                // Two backendRefs naming the same Service port share endpoints: the first one keeps the pin.
                _byPin.TryAdd(pins[i], (backend, backend.DestinationAt(i)));
            }
            _pinsByBackend[backend] = pins;
        }
    }

    public SessionPersistencePolicy Policy => _policy;

    /// <summary>The value a session carries to name one endpoint of one backendRef.</summary>
    public static string PinOf(string clusterId, BackendEndpoint endpoint) =>
        string.Create(CultureInfo.InvariantCulture, $"{clusterId}|{endpoint.Address}|{endpoint.Port}");

    /// <summary>
    /// The backend and endpoint for this request: the session's when it holds, else a fresh weighted pick. Returns
    /// null when the group picks no backend (the caller answers 500). <paramref name="destination"/> is null when the
    /// picked backend has no endpoints (the caller answers 503); otherwise <paramref name="issue"/> is the value to
    /// send back, or null when the request's value stays as it is.
    /// </summary>
    public CompiledBackend? Choose(HttpRequest request, CompiledBackendGroup group, out string? destination, out SessionIssue? issue)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (FindSession(request, now) is { } held)
        {
            destination = held.Target.Destination;
            issue = _policy.IdleTimeout is null ? null : new SessionIssue(SessionTokenCodec.Encode(held.Token with { LastUsedAt = now }, _policy.Scope, _key), held.Token.IssuedAt);
            return held.Target.Backend;
        }
        issue = null;
        destination = null;
        var backend = group.Pick();
        if (backend is null || !backend.Valid || !backend.HasEndpoints || backend.Redirect is not null) return backend;
        var index = backend.NextIndex();
        destination = backend.DestinationAt(index);
        issue = new SessionIssue(SessionTokenCodec.Encode(new SessionToken(_pinsByBackend[backend][index], now, now), _policy.Scope, _key), now);
        return backend;
    }

    private (SessionToken Token, (CompiledBackend Backend, string Destination) Target)? FindSession(HttpRequest request, long now)
    {
        // GEP-1619 "Session Initiation Guidelines": several cookies (or header values) may arrive; the first that
        // verifies for this rule wins.
        if (_policy.Type == SessionPersistenceType.Header)
        {
            foreach (var value in request.Headers[_policy.Name])
            {
                if (value is not null && Verify(value, now) is { } found) return found;
            }
            return null;
        }
        var cookies = request.Headers.Cookie;
        if (cookies.Count == 0 || !CookieHeaderValue.TryParseList(cookies, out var parsed)) return null;
        foreach (var cookie in parsed)
        {
            if (cookie.Name.Equals(_policy.Name, StringComparison.Ordinal) && Verify(cookie.Value.Value ?? "", now) is { } found) return found;
        }
        return null;
    }

    private (SessionToken, (CompiledBackend, string))? Verify(string value, long now)
    {
        if (!SessionTokenCodec.TryDecode(value, _policy.Scope, _key, out var token)) return null;
        if (_policy.AbsoluteTimeout is { } absolute && now - token.IssuedAt >= (long)absolute.TotalMilliseconds) return null;
        if (_policy.IdleTimeout is { } idle && now - token.LastUsedAt >= (long)idle.TotalMilliseconds) return null;
        // A time in the future is not ours (clocks of replicas differ by far less than this allowance).
        if (token.IssuedAt > now + 60_000 || token.LastUsedAt > now + 60_000) return null;
        // The endpoint must still be in the rule's endpoint set: one that went away starts a new session.
        if (!_byPin.TryGetValue(token.Pin, out var target) || !target.Backend.Valid) return null;
        return (token, target);
    }

    /// <summary>
    /// Sends <paramref name="issue"/> back with the response: Set-Cookie (Max-Age from the time left of
    /// absoluteTimeout when the lifetime is Permanent; no Max-Age or Expires for a Session cookie, GEP-1619
    /// "Expires / Max-Age") or the header named sessionName. Registered to run when the response starts, so it
    /// survives the forwarder's copy of the backend's headers and a retry's reset.
    /// </summary>
    public void Issue(HttpResponse response, SessionIssue issue) =>
        response.OnStarting(static state =>
        {
            var (plan, response, issue) = ((SessionPlan, HttpResponse, SessionIssue))state;
            plan.Write(response, issue);
            return Task.CompletedTask;
        }, (this, response, issue));

    internal void Write(HttpResponse response, SessionIssue issue)
    {
        // The gateway's own failure answers do not start a session on the endpoint that just failed.
        if (response.StatusCode is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout) return;
        if (_policy.Type == SessionPersistenceType.Header)
        {
            response.Headers[_policy.Name] = issue.Value;
            return;
        }
        var maxAge = "";
        if (_policy.LifetimeType == CookieLifetimeType.Permanent && _policy.AbsoluteTimeout is { } absolute)
        {
            var left = issue.IssuedAt + (long)absolute.TotalMilliseconds - _clock.GetUtcNow().ToUnixTimeMilliseconds();
            maxAge = "; Max-Age=" + Math.Max(0, (left + 999) / 1000).ToString(CultureInfo.InvariantCulture);
        }
        response.Headers.Append(HeaderNames.SetCookie, _policy.Name + "=" + issue.Value + _cookieAttributes + maxAge);
    }

    /// <summary>
    /// The cookie Path for an entry (GEP-1619 "Path"): the matched path for Exact and PathPrefix (a trailing '/' left
    /// out, since a PathPrefix matches the path without it too), the longest literal prefix up to its last '/' for a
    /// regular expression, "/" for a match of every path.
    /// </summary>
    public static string CookiePath(PathMatch match)
    {
        var value = match.Value;
        if (match.Type == MatchType.RegularExpression)
        {
            var literal = value.IndexOfAny(['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$']);
            var prefix = literal < 0 ? value : value[..literal];
            var slash = prefix.LastIndexOf('/');
            value = slash <= 0 ? "/" : prefix[..slash];
        }
        if (value.Length > 1) value = value.TrimEnd('/');
        // A path with characters a cookie attribute cannot carry falls back to "/" (RFC 6265 path-value: no CTLs or ';').
        return value.Length == 0 || !value.StartsWith('/') || value.Any(c => c is ';' or < ' ' or '\x7f') ? "/" : value;
    }
}
