namespace Gateway.Actors.RouteTable;

/// <summary>What a rate limit counter is per (RateLimitPolicy <c>key.type</c>).</summary>
public enum RateLimitKeyType { Global, ClientIP, Header }

/// <summary>Where a counter lives (RateLimitPolicy <c>scope</c>): one for the whole cluster, or one per replica.</summary>
public enum RateLimitScope { Cluster, Replica }

/// <summary>
/// One rule of an accepted RateLimitPolicy as the data plane applies it to an <see cref="HttpRouteEntry"/>: at most
/// <see cref="Requests"/> per <see cref="Interval"/> per key value. The counter is per (policy, rule, key value), shared
/// by every entry the policy applies to (a policy on a Gateway limits the Gateway's traffic as a whole).
/// </summary>
/// <param name="Policy">The policy, "namespace/name".</param>
/// <param name="RuleIndex">The rule's index in spec.rules.</param>
/// <param name="Requests">limit.requests: requests admitted per interval and key value.</param>
/// <param name="Interval">limit.interval.</param>
/// <param name="KeyType">key.type.</param>
/// <param name="HeaderName">The header whose value is the key (Header keys only), lower case.</param>
/// <param name="Scope">scope.</param>
public sealed record RateLimitRule(string Policy, int RuleIndex, int Requests, TimeSpan Interval, RateLimitKeyType KeyType, string? HeaderName, RateLimitScope Scope)
{
    /// <summary>"namespace/name/rule": the counter's identity, also the policy item name in the RateLimit headers.</summary>
    public string Id => $"{Policy}/{RuleIndex}";
}
