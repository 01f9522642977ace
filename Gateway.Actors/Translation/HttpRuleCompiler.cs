using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Actors.Translation;

/// <summary>
/// Compiles HTTPRoute and GRPCRoute rules into <see cref="CompiledMatch"/>es. A rule that cannot be honoured (invalid
/// regex, unsupported or contradictory filters, bad timeouts) is dropped and reported with PartiallyInvalid
/// ("Dropped Rule N: why"); the rest of the route keeps working (shared_types.go RouteConditionPartiallyInvalid,
/// approach 1). Unresolvable backends do not drop a rule: they answer 500 for their weight and set ResolvedRefs.
/// </summary>
internal static class HttpRuleCompiler
{
    private static readonly HashSet<string> Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    /// <summary>The rule a route without rules gets (HTTPRouteSpec.Rules default: one PathPrefix "/" match, no backends).</summary>
    private static readonly V1HTTPRouteRule DefaultRule = new() { Matches = [new V1HTTPRouteMatch()] };

    public static void CompileHttp(V1HTTPRoute route, RouteModel model, TranslationIndex index)
    {
        var rules = route.Spec.Rules is { Count: > 0 } r ? r : [DefaultRule];
        model.RuleCount = rules.Count;
        for (var i = 0; i < rules.Count; i++)
        {
            var error = CompileHttpRule(rules[i], i, model, index);
            if (error is not null) model.DroppedRules.Add($"Dropped Rule {i}: {error}.");
        }
    }

    public static void CompileGrpc(V1GRPCRoute route, RouteModel model, TranslationIndex index)
    {
        var rules = route.Spec.Rules is { Count: > 0 } r ? r : [new V1GRPCRouteRule()];
        model.RuleCount = rules.Count;
        for (var i = 0; i < rules.Count; i++)
        {
            var error = CompileGrpcRule(rules[i], i, model, index);
            if (error is not null) model.DroppedRules.Add($"Dropped Rule {i}: {error}.");
        }
    }

    private static string? CompileHttpRule(V1HTTPRouteRule rule, int ruleIndex, RouteModel model, TranslationIndex index)
    {
        var ns = model.Key.Namespace;
        var matches = new List<(PathMatch, ImmutableArray<HeaderMatch>, ImmutableArray<QueryParamMatch>, string?)>();
        foreach (var m in rule.Matches is { Count: > 0 } ms ? ms : [new V1HTTPRouteMatch()])
        {
            var pathType = m.Path?.Type ?? "PathPrefix";
            var pathValue = m.Path?.Value ?? "/";
            var type = ParseMatchType(pathType);
            if (type is null) return $"path match type \"{pathType}\" is not supported";
            if (type != MatchType.RegularExpression && !pathValue.StartsWith('/')) return $"path \"{pathValue}\" must start with \"/\"";
            if (type == MatchType.RegularExpression && RouteRegex.Error(pathValue) is { } regexError) return $"path regular expression \"{pathValue}\" does not compile ({regexError})";
            var headers = CompileHeaders(m.Headers?.Select(h => (h.Type, h.Name, h.Value)), out var headerError);
            if (headerError is not null) return headerError;
            var query = CompileQuery(m.QueryParams, out var queryError);
            if (queryError is not null) return queryError;
            if (m.Method is { } method && !Methods.Contains(method)) return $"method \"{method}\" is not supported";
            matches.Add((new PathMatch(type.Value, pathValue), headers, query, m.Method));
        }

        var filters = CompileFilters(rule.Filters ?? [], matches.Select(m => m.Item1).ToList(), model, index, "HTTPRoute", out var filterError);
        if (filterError is not null) return filterError;
        if (filters.Redirect is not null && rule.BackendRefs is { Count: > 0 })
            return "RequestRedirect cannot be combined with backendRefs";

        RouteTimeouts? timeouts = null;
        if (rule.Timeouts is { } t)
        {
            TimeSpan? request = null, backend = null;
            if (t.Request is not null)
            {
                if (!GatewayDuration.TryParse(t.Request, out var v)) return $"timeouts.request \"{t.Request}\" is not a valid duration";
                request = v;
            }
            if (t.BackendRequest is not null)
            {
                if (!GatewayDuration.TryParse(t.BackendRequest, out var v)) return $"timeouts.backendRequest \"{t.BackendRequest}\" is not a valid duration";
                backend = v;
            }
            // HTTPRouteTimeouts: backendRequest must not exceed request (zero means disabled on either side).
            if (request is { } rq && backend is { } br && rq > TimeSpan.Zero && br > rq)
                return "timeouts.backendRequest must not be greater than timeouts.request";
            timeouts = new RouteTimeouts(request, backend);
        }

        RouteRetry? retry = null;
        if (rule.Retry is { } rt)
        {
            TimeSpan? backoff = null;
            if (rt.Backoff is not null)
            {
                if (!GatewayDuration.TryParse(rt.Backoff, out var b)) return $"retry.backoff \"{rt.Backoff}\" is not a valid duration";
                backoff = b;
            }
            var codes = rt.Codes ?? [];
            if (codes.Any(c => c is < 400 or > 599)) return "retry.codes must be between 400 and 599";
            retry = new RouteRetry([.. codes.Distinct().Order()], rt.Attempts ?? 1, backoff);
        }

        var session = SessionPersistenceCompiler.Compile(rule.SessionPersistence, model.Key, ruleIndex, out var sessionError);
        if (sessionError is not null) return sessionError;

        var backends = new List<WeightedBackend>();
        foreach (var b in rule.BackendRefs ?? [])
        {
            // HTTPBackendRef.Filters run "if and only if the request is being forwarded to the backend defined here":
            // header modifiers, URLRewrite (HTTPRouteBackendURLRewrite) and RequestRedirect
            // (HTTPRouteBackendRequestRedirect); ReplacePrefixMatch needs the rule's PathPrefix matches, as at rule level.
            var perBackend = CompileFilters(b.Filters ?? [], matches.Select(m => m.Item1).ToList(), model, index, "HTTPRoute", out var backendFilterError);
            if (backendFilterError is not null) return $"backendRef {b.Name}: {backendFilterError}";
            if (perBackend.Mirrors.Length > 0 || perBackend.Cors is not null)
                return $"backendRef {b.Name}: RequestMirror and CORS are not supported as per-backend filters";
            if (perBackend.ExternalAuth is not null) return $"backendRef {b.Name}: ExternalAuth is not supported as a per-backend filter";
            // One rewrite per request: a backend's URLRewrite replaces the rule's for that backend, so the two are not
            // composed (ReplacePrefixMatch applied twice to one matched prefix has no defined meaning).
            var (backend, problem) = BackendResolution.Resolve(b, b.Weight, "HTTPRoute", ns, false, index, perBackend.RequestHeaders, perBackend.ResponseHeaders, policyUses: model);
            if (problem is not null) model.RefProblems.Add(problem);
            backends.Add(perBackend.Redirect is null && perBackend.Rewrite is null ? backend : backend with { Redirect = perBackend.Redirect, Rewrite = perBackend.Rewrite });
        }

        for (var i = 0; i < matches.Count; i++)
        {
            var (path, headers, query, method) = matches[i];
            model.AddMatch(new CompiledMatch(ruleIndex, i, rule.Name, path, headers, query, method, filters, new BackendGroup([.. backends]), timeouts, retry) { Session = session });
        }
        return null;
    }

    private static string? CompileGrpcRule(V1GRPCRouteRule rule, int ruleIndex, RouteModel model, TranslationIndex index)
    {
        var ns = model.Key.Namespace;
        var matches = new List<(PathMatch, ImmutableArray<HeaderMatch>)>();
        foreach (var m in rule.Matches is { Count: > 0 } ms ? ms : [new V1GRPCRouteMatch()])
        {
            var path = GrpcPath(m.Method, out var pathError);
            if (pathError is not null) return pathError;
            var headers = CompileHeaders(m.Headers?.Select(h => (h.Type, h.Name, h.Value)), out var headerError);
            if (headerError is not null) return headerError;
            matches.Add((path!, headers));
        }

        var httpFilters = (rule.Filters ?? []).Select(ToHttpFilter).ToList();
        var filters = CompileFilters(httpFilters, [], model, index, "GRPCRoute", out var filterError);
        if (filterError is not null) return filterError;

        var session = SessionPersistenceCompiler.Compile(rule.SessionPersistence, model.Key, ruleIndex, out var sessionError);
        if (sessionError is not null) return sessionError;

        var backends = new List<WeightedBackend>();
        foreach (var b in rule.BackendRefs ?? [])
        {
            var perBackend = CompileFilters((b.Filters ?? []).Select(ToHttpFilter).ToList(), [], model, index, "GRPCRoute", out var backendFilterError);
            if (backendFilterError is not null) return $"backendRef {b.Name}: {backendFilterError}";
            if (perBackend.Mirrors.Length > 0) return $"backendRef {b.Name}: only header modifiers are supported as per-backend filters";
            var (backend, problem) = BackendResolution.Resolve(b, b.Weight, "GRPCRoute", ns, true, index, perBackend.RequestHeaders, perBackend.ResponseHeaders, policyUses: model);
            if (problem is not null) model.RefProblems.Add(problem);
            backends.Add(backend);
        }

        for (var i = 0; i < matches.Count; i++)
        {
            var (path, headers) = matches[i];
            model.AddMatch(new CompiledMatch(ruleIndex, i, rule.Name, path, headers, [], "POST", filters, new BackendGroup([.. backends]), null, null) { Session = session });
        }
        return null;
    }

    /// <summary>
    /// GRPCMethodMatch as an HTTP/2 path match (gRPC calls are POST /package.Service/Method): Exact with both parts is an
    /// Exact path, service only a "/Service/" prefix, method only or RegularExpression a regex over the path; no
    /// method match is every path.
    /// </summary>
    internal static PathMatch? GrpcPath(V1GRPCMethodMatch? m, out string? error)
    {
        error = null;
        if (m is null || (string.IsNullOrEmpty(m.Service) && string.IsNullOrEmpty(m.Method))) return new PathMatch(MatchType.PathPrefix, "/");
        var type = m.Type ?? "Exact";
        if (type == "Exact")
        {
            if (!string.IsNullOrEmpty(m.Service) && !string.IsNullOrEmpty(m.Method)) return new PathMatch(MatchType.Exact, $"/{m.Service}/{m.Method}");
            if (!string.IsNullOrEmpty(m.Service)) return new PathMatch(MatchType.PathPrefix, $"/{m.Service}/");
            return new PathMatch(MatchType.RegularExpression, $"/[^/]+/{Regex.Escape(m.Method!)}");
        }
        if (type == "RegularExpression")
        {
            var service = string.IsNullOrEmpty(m.Service) ? "[^/]+" : m.Service;
            var method = string.IsNullOrEmpty(m.Method) ? "[^/]+" : m.Method;
            // Each part on its own (so neither closes the other's group), then the path regex the data plane runs.
            var path = $"/(?:{service})/(?:{method})";
            if ((RouteRegex.Error(service) ?? RouteRegex.Error(method) ?? RouteRegex.Error(path)) is { } regexError) { error = $"gRPC method regular expression does not compile ({regexError})"; return null; }
            return new PathMatch(MatchType.RegularExpression, path);
        }
        error = $"gRPC method match type \"{type}\" is not supported";
        return null;
    }

    private static V1HTTPRouteFilter ToHttpFilter(V1GRPCRouteFilter f) => new()
    {
        Type = f.Type,
        RequestHeaderModifier = f.RequestHeaderModifier,
        ResponseHeaderModifier = f.ResponseHeaderModifier,
        RequestMirror = f.RequestMirror,
        ExtensionRef = f.ExtensionRef,
    };

    /// <summary>
    /// HTTPRouteFilter list → IR filters. Each core/extended type may appear once (CEL); RequestRedirect and URLRewrite
    /// exclude each other; ReplacePrefixMatch needs PathPrefix matches (HTTPPathModifier docs). ExtensionRef and
    /// ExternalAuth on anything but an HTTPRoute rule are not supported, and the spec forbids skipping a filter, so the
    /// rule is dropped.
    /// </summary>
    private static HttpFilters CompileFilters(IList<V1HTTPRouteFilter> filters, IReadOnlyList<PathMatch> paths, RouteModel model, TranslationIndex index, string routeKind, out string? error)
    {
        error = null;
        // Most rules have no filters: they share the one empty instance (a kept object per route match otherwise).
        if (filters.Count == 0) return HttpFilters.None;
        HeaderModifier? req = null, resp = null;
        RequestRedirect? redirect = null;
        UrlRewrite? rewrite = null;
        CorsPolicy? cors = null;
        ExternalAuth? externalAuth = null;
        var mirrors = new List<RequestMirror>();
        var seen = new HashSet<string>();
        foreach (var f in filters)
        {
            if (f.Type != "RequestMirror" && !seen.Add(f.Type)) { error = $"filter {f.Type} appears more than once"; return HttpFilters.None; }
            switch (f.Type)
            {
                case "RequestHeaderModifier" when f.RequestHeaderModifier is { } h:
                    req = ToModifier(h);
                    break;
                case "ResponseHeaderModifier" when f.ResponseHeaderModifier is { } h:
                    resp = ToModifier(h);
                    break;
                case "RequestRedirect" when f.RequestRedirect is { } rr:
                    var code = rr.StatusCode ?? 302;
                    if (code is not (301 or 302 or 303 or 307 or 308)) { error = $"redirect statusCode {code} is not supported"; return HttpFilters.None; }
                    if (rr.Scheme is not (null or "http" or "https")) { error = $"redirect scheme \"{rr.Scheme}\" is not supported"; return HttpFilters.None; }
                    if (rr.Port is < 1 or > 65535) { error = $"redirect port {rr.Port} is out of range"; return HttpFilters.None; }
                    var redirectPath = ToPathModifier(rr.Path, paths, out error);
                    if (error is not null) return HttpFilters.None;
                    redirect = new RequestRedirect(rr.Scheme, rr.Hostname, redirectPath, rr.Port, code);
                    break;
                case "URLRewrite" when f.UrlRewrite is { } uw:
                    var rewritePath = ToPathModifier(uw.Path, paths, out error);
                    if (error is not null) return HttpFilters.None;
                    rewrite = new UrlRewrite(uw.Hostname, rewritePath);
                    break;
                case "RequestMirror" when f.RequestMirror is { } rm:
                    var fraction = rm.Fraction is { } fr
                        ? (double)fr.Numerator / (fr.Denominator is > 0 ? fr.Denominator.Value : 100)
                        : (rm.Percent ?? 100) / 100.0;
                    if (fraction is < 0 or > 1) { error = "mirror fraction must be between 0 and 1"; return HttpFilters.None; }
                    var (backend, problem) = BackendResolution.Resolve(rm.BackendRef, 1, routeKind, model.Key.Namespace, routeKind == "GRPCRoute", index, policyUses: model);
                    // An unresolvable mirror is reported but not sent anywhere: mirroring never affects the response.
                    if (problem is not null) model.RefProblems.Add(problem);
                    else mirrors.Add(new RequestMirror(backend, fraction));
                    break;
                case "CORS" when f.Cors is { } c:
                    cors = new CorsPolicy([.. c.AllowOrigins ?? []], c.AllowCredentials ?? false, [.. c.AllowMethods ?? []],
                        [.. c.AllowHeaders ?? []], [.. c.ExposeHeaders ?? []], c.MaxAge ?? 5);
                    break;
                case "ExternalAuth" when f.ExternalAuth is { } ea && routeKind == "HTTPRoute":
                    externalAuth = ExternalAuthTranslation.Compile(ea, model, index, routeKind, out error);
                    if (error is not null) return HttpFilters.None;
                    break;
                case "ExtensionRef" or "ExternalAuth":
                    error = $"filter {f.Type} is not supported";
                    return HttpFilters.None;
                default:
                    error = $"filter {f.Type} is unknown or lacks its configuration";
                    return HttpFilters.None;
            }
        }
        if (redirect is not null && rewrite is not null) { error = "RequestRedirect and URLRewrite cannot be combined"; return HttpFilters.None; }
        return new HttpFilters(req, resp, redirect, rewrite, [.. mirrors], cors) { ExternalAuth = externalAuth };
    }

    private static PathModifier? ToPathModifier(V1HTTPPathModifier? p, IReadOnlyList<PathMatch> paths, out string? error)
    {
        error = null;
        if (p is null) return null;
        switch (p.Type)
        {
            case "ReplaceFullPath":
                return new PathModifier(PathModifierType.ReplaceFullPath, p.ReplaceFullPath ?? "/");
            case "ReplacePrefixMatch":
                if (paths.Any(m => m.Type != MatchType.PathPrefix))
                {
                    error = "ReplacePrefixMatch requires every match of the rule to be a PathPrefix match";
                    return null;
                }
                return new PathModifier(PathModifierType.ReplacePrefixMatch, p.ReplacePrefixMatch ?? "/");
            default:
                error = $"path modifier type \"{p.Type}\" is not supported";
                return null;
        }
    }

    private static HeaderModifier ToModifier(V1HTTPHeaderFilter h) => new(
        [.. (h.Set ?? []).Select(x => new HeaderValue(x.Name, x.Value))],
        [.. (h.Add ?? []).Select(x => new HeaderValue(x.Name, x.Value))],
        [.. h.Remove ?? []]);

    /// <summary>Header matches; a repeated name (case-insensitive) keeps its first entry (HTTPHeaderMatch docs).</summary>
    private static ImmutableArray<HeaderMatch> CompileHeaders(IEnumerable<(string? Type, string Name, string Value)>? headers, out string? error)
    {
        error = null;
        var result = new List<HeaderMatch>();
        foreach (var (t, name, value) in headers ?? [])
        {
            var type = ParseMatchType(t ?? "Exact");
            if (type is null or MatchType.PathPrefix) { error = $"header match type \"{t}\" is not supported"; return []; }
            if (type == MatchType.RegularExpression && RouteRegex.Error(value) is { } regexError) { error = $"header {name} regular expression \"{value}\" does not compile ({regexError})"; return []; }
            if (result.Any(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))) continue;
            result.Add(new HeaderMatch(type.Value, name, value));
        }
        return [.. result];
    }

    /// <summary>Query param matches; names are case-sensitive and a repeated name keeps its first entry.</summary>
    private static ImmutableArray<QueryParamMatch> CompileQuery(IList<V1HTTPQueryParamMatch>? query, out string? error)
    {
        error = null;
        var result = new List<QueryParamMatch>();
        foreach (var q in query ?? [])
        {
            var type = ParseMatchType(q.Type ?? "Exact");
            if (type is null or MatchType.PathPrefix) { error = $"query param match type \"{q.Type}\" is not supported"; return []; }
            if (type == MatchType.RegularExpression && RouteRegex.Error(q.Value) is { } regexError) { error = $"query param {q.Name} regular expression \"{q.Value}\" does not compile ({regexError})"; return []; }
            if (result.Any(x => x.Name == q.Name)) continue;
            result.Add(new QueryParamMatch(type.Value, q.Name, q.Value));
        }
        return [.. result];
    }

    private static MatchType? ParseMatchType(string type) => type switch
    {
        "Exact" => MatchType.Exact,
        "PathPrefix" => MatchType.PathPrefix,
        "RegularExpression" => MatchType.RegularExpression,
        _ => null,
    };
}
