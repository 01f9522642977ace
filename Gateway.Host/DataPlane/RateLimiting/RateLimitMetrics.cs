using System.Diagnostics.Metrics;
using Gateway.Host.Observability.Metrics;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>
/// Cluster-scope lease traffic of this replica, on the data plane's meter (exported at GET /metrics when a management
/// port is set). Recorded only when a lease answer arrives or a request is refused for want of one, never per admitted
/// request, so a route without a Cluster policy pays nothing and one with a policy pays per lease, not per request.
/// </summary>
internal static class RateLimitMetrics
{
    private static readonly Meter Meter = new(DataPlaneMetrics.MeterName, Gateway.Host.Hosting.GatewayVersion.WithoutBuildMetadata);

    /// <summary>
    /// Exported as gateway_ratelimit_leases_total{result}: lease requests to counter owners by outcome: granted (tokens
    /// came), exhausted (the window had nothing left to lease), stale (the answer's window had already been replaced
    /// here; its tokens are dropped), failed (no answer: the owner moved or the cluster was unreachable).
    /// </summary>
    internal static readonly Counter<long> Leases = Meter.CreateCounter<long>("gateway.ratelimit.leases", unit: null,
        "Cluster-scope rate limit lease requests by result (granted, exhausted, stale, failed)");

    /// <summary>
    /// Exported as gateway_ratelimit_unanswered_total: requests refused (429, Retry-After 1) because no lease arrived
    /// within the wait bound. A late lease is still used by the key's next request on this replica.
    /// </summary>
    internal static readonly Counter<long> Unanswered = Meter.CreateCounter<long>("gateway.ratelimit.unanswered", unit: null,
        "Requests refused because no Cluster-scope lease arrived within the wait bound");

    internal static void Lease(string result) => Leases.Add(1, new KeyValuePair<string, object?>("result", result));
}
