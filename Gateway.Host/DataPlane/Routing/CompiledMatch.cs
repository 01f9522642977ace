using System.Text.RegularExpressions;
using Gateway.Actors.RouteTable;
using MatchType = Gateway.Actors.RouteTable.MatchType;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// One HTTPRouteMatch compiled for the hot path: path (Exact, PathPrefix with element semantics, or a
/// full-match regular expression), method, headers and query parameters, all ANDed (HTTPRouteMatch docs).
/// Regular expressions are .NET non-backtracking (linear time) with a match timeout; they must match the whole value,
/// as Envoy's safe_regex does (RegularExpression is implementation-specific in the spec).
/// </summary>
internal sealed class CompiledMatch
{
    private readonly MatchType _pathType;
    private readonly string _pathValue;
    private readonly Regex? _pathRegex;
    private readonly string? _method;
    private readonly ValueMatcher[] _headers;
    private readonly ValueMatcher[] _query;

    private CompiledMatch(MatchType pathType, string pathValue, Regex? pathRegex, string? method, ValueMatcher[] headers, ValueMatcher[] query)
    {
        _pathType = pathType;
        _pathValue = pathValue;
        _pathRegex = pathRegex;
        _method = method;
        _headers = headers;
        _query = query;
    }

    /// <summary>The path match type (the route group's path index keys on it).</summary>
    public MatchType PathType => _pathType;

    /// <summary>The path value as compared: Exact as given, PathPrefix without trailing slash ("" for "/").</summary>
    public string PathValue => _pathValue;

    /// <summary>The PathPrefix value as matched (trailing slash removed; "" for "/"), used by ReplacePrefixMatch.</summary>
    public string? MatchedPrefix => _pathType == MatchType.PathPrefix ? _pathValue : null;

    /// <summary>
    /// Compiles a match; throws <see cref="ArgumentException"/> for an invalid regular expression and
    /// <see cref="NotSupportedException"/> for one the engine refuses (<see cref="RouteRegex.Compile"/>).
    /// </summary>
    public static CompiledMatch Compile(HttpRouteEntry entry)
    {
        var path = entry.Path;
        var pathValue = path.Type switch
        {
            // PathPrefix: "When specified, a trailing `/` is ignored", so "/foo/" behaves as "/foo" and "/" as "".
            MatchType.PathPrefix => path.Value.TrimEnd('/'),
            _ => path.Value,
        };
        var pathRegex = path.Type == MatchType.RegularExpression ? RouteRegex.Compile(path.Value) : null;

        // HTTPHeaderMatch.Name / HTTPQueryParamMatch.Name: "only the first entry with an equivalent name MUST be
        // considered"; header names compare case-insensitively, query names exactly.
        var headers = entry.Headers
            .DistinctBy(h => h.Name, StringComparer.OrdinalIgnoreCase)
            .Select(h => new ValueMatcher(h.Name, h.Type == MatchType.RegularExpression ? null : h.Value, h.Type == MatchType.RegularExpression ? RouteRegex.Compile(h.Value) : null, "header"))
            .ToArray();
        var query = entry.QueryParams
            .DistinctBy(q => q.Name, StringComparer.Ordinal)
            .Select(q => new ValueMatcher(q.Name, q.Type == MatchType.RegularExpression ? null : q.Value, q.Type == MatchType.RegularExpression ? RouteRegex.Compile(q.Value) : null, "query"))
            .ToArray();
        return new CompiledMatch(path.Type, pathValue, pathRegex, entry.Method, headers, query);
    }

    /// <summary>Whether the request satisfies every condition. Allocates nothing on the common paths.</summary>
    public bool Matches(HttpRequest request, string path)
    {
        if (!PathMatches(path)) return false;
        if (_method is not null && !string.Equals(_method, request.Method, StringComparison.Ordinal)) return false;
        if (_headers.Length > 0)
        {
            var headers = request.Headers;
            foreach (var h in _headers)
            {
                if (!headers.TryGetValue(h.Name, out var values) || values.Count == 0) return false;
                // A repeated header is compared as its comma-joined list (RFC 9110 section 5.3).
                var value = values.Count == 1 ? values[0] ?? "" : string.Join(',', (IEnumerable<string?>)values);
                if (!h.Matches(value)) return false;
            }
        }
        if (_query.Length > 0)
        {
            var query = request.QueryString.Value;
            foreach (var q in _query)
            {
                if (!QueryStringScanner.TryGetFirst(query, q.Name, out var raw)) return false;
                if (q.Exact is not null)
                {
                    if (!QueryStringScanner.ValueEquals(raw, q.Exact)) return false;
                }
                else if (!q.Matches(QueryStringScanner.Decode(raw)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>PathMatchType semantics: Exact is case-sensitive equality; PathPrefix matches whole path elements.</summary>
    public bool PathMatches(string path) => _pathType switch
    {
        MatchType.Exact => string.Equals(path, _pathValue, StringComparison.Ordinal),
        MatchType.PathPrefix => PrefixMatches(path, _pathValue),
        MatchType.RegularExpression => SafeIsMatch(_pathRegex!, path, "path"),
        _ => false,
    };

    /// <summary>"/abc" matches "/abc", "/abc/" and "/abc/def" but not "/abcd" (PathMatchPathPrefix docs).</summary>
    public static bool PrefixMatches(string path, string prefixWithoutTrailingSlash)
    {
        if (prefixWithoutTrailingSlash.Length == 0) return true;
        if (!path.StartsWith(prefixWithoutTrailingSlash, StringComparison.Ordinal)) return false;
        return path.Length == prefixWithoutTrailingSlash.Length || path[prefixWithoutTrailingSlash.Length] == '/';
    }

    /// <summary>
    /// Evaluates a route match's expression; one that runs out of <see cref="RouteRegex.Timeout"/> is no match, and is
    /// counted (<c>gateway_route_regex_timeouts_total</c>, by <paramref name="part"/>: path, header or query) so that a
    /// request routed elsewhere for that reason shows.
    /// </summary>
    internal static bool SafeIsMatch(Regex regex, ReadOnlySpan<char> input, string part)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            Observability.Metrics.DataPlaneMetrics.RegexTimeouts.Add(1, new KeyValuePair<string, object?>("part", part));
            return false;
        }
    }

    private sealed record ValueMatcher(string Name, string? Exact, Regex? Pattern, string Part)
    {
        public bool Matches(string value) => Exact is not null ? string.Equals(Exact, value, StringComparison.Ordinal) : SafeIsMatch(Pattern!, value, Part);
    }
}
