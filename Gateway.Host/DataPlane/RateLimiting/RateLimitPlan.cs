using System.Globalization;
using Gateway.Actors.RateLimiting;
using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>
/// The rate limits of one compiled entry (null on a <see cref="Routing.RouteAction"/> without any, so an unlimited route
/// pays one null test). Every rule is checked in order and each counts the request; the first that refuses answers 429
/// with <c>Retry-After</c> and the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-09/10, Structured Field
/// lists): <c>RateLimit-Policy: "ns/name/rule";q=requests;w=seconds</c> and
/// <c>RateLimit: "ns/name/rule";r=remaining;t=seconds-to-reset</c>. Admitted responses carry no such fields, which keeps
/// the admitted path free of header writes.
/// </summary>
internal sealed class RateLimitPlan
{
    private readonly RuleLimiter[] _limiters;
    private readonly int? _trustedHops;
    private readonly TimeProvider _time;

    private RateLimitPlan(RuleLimiter[] limiters, int? trustedHops, TimeProvider time) =>
        (_limiters, _trustedHops, _time) = (limiters, trustedHops, time);

    /// <summary>The plan of <paramref name="rules"/>; null when there are none.</summary>
    public static RateLimitPlan? Create(IReadOnlyList<RateLimitRule> rules, RateLimitRegistry registry, int? trustedHops) =>
        rules.Count == 0 ? null : new([.. rules.Select(registry.For)], trustedHops, registry.Time);

    /// <summary>True when the request may go on; false when a 429 has been written.</summary>
    public ValueTask<bool> AdmitAsync(HttpContext context)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < _limiters.Length; i++)
        {
            var limiter = _limiters[i];
            if (KeyOf(limiter.Rule, context) is not { } key) continue;
            // Each ValueTask is consumed once: read when it completed synchronously, else handed to SlowAsync, which awaits it.
#pragma warning disable CA2012
            var pending = limiter.AcquireAsync(key, now);
#pragma warning restore CA2012
            if (!pending.IsCompletedSuccessfully) return SlowAsync(context, i, pending);
            if (!pending.Result.Admitted)
            {
                Refuse(context, limiter.Rule, pending.Result, now);
                return new ValueTask<bool>(false);
            }
        }
        return new ValueTask<bool>(true);
    }

    private async ValueTask<bool> SlowAsync(HttpContext context, int index, ValueTask<RateDecision> pending)
    {
        for (var i = index; i < _limiters.Length; i++)
        {
            var limiter = _limiters[i];
            if (i > index)
            {
                if (KeyOf(limiter.Rule, context) is not { } key) continue;
                pending = limiter.AcquireAsync(key, _time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            var decision = await pending.ConfigureAwait(false);
            if (!decision.Admitted)
            {
                Refuse(context, limiter.Rule, decision, _time.GetUtcNow().ToUnixTimeMilliseconds());
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The key value of a request: "" for Global; for ClientIP the peer address, or with --forwarded-trusted-hops N > 0
    /// the X-Forwarded-For entry the outermost trusted proxy added (the N-th from the right), since only what trusted
    /// proxies wrote can be believed; for Header the header's value, and null (the rule does not apply) when the request
    /// lacks the header.
    /// </summary>
    internal string? KeyOf(RateLimitRule rule, HttpContext context)
    {
        switch (rule.KeyType)
        {
            case RateLimitKeyType.Global:
                return "";
            case RateLimitKeyType.Header:
                var values = context.Request.Headers[rule.HeaderName!];
                return values.Count == 0 ? null : values.ToString();
            default:
                if (_trustedHops is > 0 && ForwardedClient(context.Request.Headers["X-Forwarded-For"].ToString(), _trustedHops.Value) is { } forwarded) return forwarded;
                return context.Connection.RemoteIpAddress?.ToString() ?? "";
        }
    }

    /// <summary>The entry <paramref name="hops"/> from the right of an X-Forwarded-For list (the leftmost when shorter); null when empty.</summary>
    internal static string? ForwardedClient(string header, int hops)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var entries = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return entries.Length == 0 ? null : entries[Math.Max(0, entries.Length - hops)];
    }

    private static void Refuse(HttpContext context, RateLimitRule rule, RateDecision decision, long nowMs)
    {
        var reset = Math.Max(1, (long)Math.Ceiling((decision.WindowEndMs - nowMs) / 1000.0));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var headers = response.Headers;
        var resetText = reset.ToString(CultureInfo.InvariantCulture);
        headers[HeaderNames.RetryAfter] = resetText;
        headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{rule.Id}\";q={rule.Requests};w={(long)Math.Ceiling(rule.Interval.TotalSeconds)}");
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{rule.Id}\";r={decision.Remaining};t={resetText}");
    }
}
