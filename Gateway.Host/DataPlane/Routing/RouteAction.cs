using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Streams.Mirroring;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>A RequestMirror filter adapted to the Gateway.Streams contract, with its sampling fraction.</summary>
internal sealed record CompiledMirror(MirrorTarget Target, double Fraction);

/// <summary>What to do with a request that matched one entry: every filter of the rule, prepared at compile time.</summary>
internal sealed class RouteAction
{
    public required HttpRouteKind Kind { get; init; }

    /// <summary>The Gateway listener port (RequestRedirect derives the Location port from it).</summary>
    public required int ListenerPort { get; init; }

    /// <summary>The matched PathPrefix (for ReplacePrefixMatch), or null.</summary>
    public string? MatchedPrefix { get; init; }

    public RequestRedirect? Redirect { get; init; }

    public UrlRewrite? Rewrite { get; init; }

    public HeaderModifierPlan? RequestHeaders { get; init; }

    public HeaderModifierPlan? ResponseHeaders { get; init; }

    public CorsPlan? Cors { get; init; }

    public CompiledMirror[] Mirrors { get; init; } = [];

    public required CompiledBackendGroup Backends { get; init; }

    /// <summary>HTTPRouteTimeouts.Request; null when unset or "0s" (disabled).</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>HTTPRouteTimeouts.BackendRequest; null when unset or "0s" (disabled).</summary>
    public TimeSpan? BackendTimeout { get; init; }

    public RetryPlan? Retry { get; init; }

    /// <summary>The ExternalAuth filter: asked before anything else happens to the request; null when absent.</summary>
    public Auth.ExternalAuthPlan? ExternalAuth { get; init; }

    /// <summary>Session persistence (GEP-1619); null when the rule has none.</summary>
    public Sessions.SessionPlan? Session { get; init; }

    /// <summary>The RateLimitPolicy rules of the entry; null when none applies (the request path then tests only this).</summary>
    public RateLimiting.RateLimitPlan? RateLimits { get; init; }
}

/// <summary>One IR entry compiled: its match and its action.</summary>
internal sealed record CompiledRoute(HttpRouteEntry Entry, CompiledMatch Match, RouteAction Action)
{
    /// <summary>The entry's metric tag values, computed with the entry (the request path only reads them).</summary>
    public Observability.Metrics.RouteTags Tags { get; } = Observability.Metrics.RouteTags.Of(Entry);
}
