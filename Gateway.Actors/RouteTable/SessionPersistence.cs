namespace Gateway.Actors.RouteTable;

/// <summary>How a persistent session travels (SessionPersistence.type).</summary>
public enum SessionPersistenceType { Cookie, Header }

/// <summary>Whether a session cookie carries Max-Age/Expires (CookieConfig.lifetimeType).</summary>
public enum CookieLifetimeType { Session, Permanent }

/// <summary>
/// A rule's session persistence (GEP-1619, HTTPRouteRule/GRPCRouteRule.sessionPersistence), validated.
/// <see cref="Name"/> is the cookie or header name: the configured sessionName, else a name derived from
/// <see cref="Scope"/> so every replica derives the same one. <see cref="Scope"/> identifies the rule
/// ("HTTPRoute/ns/name/rule/N"); a session value is bound to it, so two rules never share a session even when they
/// share a name or a Service (GEP-1619 "Route Rules Referencing to a Session Persistent Enabled Service Must Not Share
/// Sessions"). <see cref="IdleTimeout"/> is the issue's own field (upstream removed idleTimeout from the API before
/// v1.6.1); the timeouts are null when unset.
/// </summary>
public sealed record SessionPersistencePolicy(
    string Name,
    SessionPersistenceType Type,
    TimeSpan? AbsoluteTimeout,
    TimeSpan? IdleTimeout,
    CookieLifetimeType LifetimeType,
    string Scope);
