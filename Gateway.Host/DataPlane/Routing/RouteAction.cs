using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Streams.Mirroring;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>A RequestMirror filter adapted to the Gateway.Streams contract, with its sampling fraction.</summary>
internal sealed record CompiledMirror(MirrorTarget Target, double Fraction);

/// <summary>
/// What to do with a request that matched one entry: every filter of the rule, prepared at compile time. What almost
/// every rule has (its backends, header modifiers) is held here; the filters and settings few rules use live in one
/// <see cref="Rare"/> object, made only for a rule that uses one of them: every route's action is kept for as long as
/// it is served, and ten fields most rules leave empty cost 88 bytes per route. Reading one of them on a rule without
/// any is a null check.
/// </summary>
internal sealed class RouteAction
{
    private Rare? _rare;

    public required HttpRouteKind Kind { get; init; }

    /// <summary>The Gateway listener port (RequestRedirect derives the Location port from it).</summary>
    public required int ListenerPort { get; init; }

    /// <summary>The matched PathPrefix (for ReplacePrefixMatch), or null.</summary>
    public string? MatchedPrefix { get; init; }

    public HeaderModifierPlan? RequestHeaders { get; init; }

    public HeaderModifierPlan? ResponseHeaders { get; init; }

    public required CompiledBackendGroup Backends { get; init; }

    public RequestRedirect? Redirect
    {
        get => _rare?.Redirect;
        init { if (value is not null) RareFields.Redirect = value; }
    }

    public UrlRewrite? Rewrite
    {
        get => _rare?.Rewrite;
        init { if (value is not null) RareFields.Rewrite = value; }
    }

    public CorsPlan? Cors
    {
        get => _rare?.Cors;
        init { if (value is not null) RareFields.Cors = value; }
    }

    public CompiledMirror[] Mirrors
    {
        get => _rare?.Mirrors ?? [];
        init { if (value.Length > 0) RareFields.Mirrors = value; }
    }

    /// <summary>HTTPRouteTimeouts.Request; null when unset or "0s" (disabled).</summary>
    public TimeSpan? RequestTimeout
    {
        get => _rare?.RequestTimeout;
        init { if (value is not null) RareFields.RequestTimeout = value; }
    }

    /// <summary>HTTPRouteTimeouts.BackendRequest; null when unset or "0s" (disabled).</summary>
    public TimeSpan? BackendTimeout
    {
        get => _rare?.BackendTimeout;
        init { if (value is not null) RareFields.BackendTimeout = value; }
    }

    public RetryPlan? Retry
    {
        get => _rare?.Retry;
        init { if (value is not null) RareFields.Retry = value; }
    }

    /// <summary>The ExternalAuth filter: asked before anything else happens to the request; null when absent.</summary>
    public Auth.ExternalAuthPlan? ExternalAuth
    {
        get => _rare?.ExternalAuth;
        init { if (value is not null) RareFields.ExternalAuth = value; }
    }

    /// <summary>Session persistence (GEP-1619); null when the rule has none.</summary>
    public Sessions.SessionPlan? Session
    {
        get => _rare?.Session;
        init { if (value is not null) RareFields.Session = value; }
    }

    /// <summary>The RateLimitPolicy rules of the entry; null when none applies (the request path then tests only this).</summary>
    public RateLimiting.RateLimitPlan? RateLimits
    {
        get => _rare?.RateLimits;
        init { if (value is not null) RareFields.RateLimits = value; }
    }

    /// <summary>True when the rule uses none of the rarely used filters and settings (no object holds them).</summary>
    internal bool HasNoRareFields => _rare is null;

    private Rare RareFields => _rare ??= new Rare();

    /// <summary>The filters and settings few rules use (see the class summary).</summary>
    private sealed class Rare
    {
        public RequestRedirect? Redirect;
        public UrlRewrite? Rewrite;
        public CorsPlan? Cors;
        public CompiledMirror[]? Mirrors;
        public TimeSpan? RequestTimeout;
        public TimeSpan? BackendTimeout;
        public RetryPlan? Retry;
        public Auth.ExternalAuthPlan? ExternalAuth;
        public Sessions.SessionPlan? Session;
        public RateLimiting.RateLimitPlan? RateLimits;
    }
}

/// <summary>One IR entry compiled: its match and its action.</summary>
internal sealed record CompiledRoute(HttpRouteEntry Entry, CompiledMatch Match, RouteAction Action)
{
    private Observability.Metrics.RouteTags? _tags;

    /// <summary>
    /// The entry's metric tag values, made by its first request and read by every later one (84 bytes per entry that a
    /// route without traffic does not hold). Two first requests at once may both make them: equal values, either kept.
    /// </summary>
    public Observability.Metrics.RouteTags Tags => _tags ??= Observability.Metrics.RouteTags.Of(Entry);
}
