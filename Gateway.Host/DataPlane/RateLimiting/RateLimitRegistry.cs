using System.Collections.Concurrent;
using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>
/// This replica's counters, one <see cref="RuleLimiter"/> per RateLimitPolicy rule (by <see cref="RateLimitRule.Id"/>),
/// shared by every compiled entry the rule applies to and kept across table recompiles, so an unrelated change does
/// not reset a limit. A rule whose limit, interval, key or scope changed gets a new limiter (its counts start again).
/// </summary>
public sealed class RateLimitRegistry(ILeaseSource leases, TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<string, RuleLimiter> _limiters = new(StringComparer.Ordinal);

    /// <summary>This replica's name in the owners' ledgers (they count the replicas that take leases).</summary>
    public string Replica { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The clock of every decision (Unix milliseconds).</summary>
    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    internal RuleLimiter For(RateLimitRule rule)
    {
        while (true)
        {
            if (_limiters.TryGetValue(rule.Id, out var existing))
            {
                if (existing.Rule == rule) return existing;
                var replacement = Create(rule);
                if (_limiters.TryUpdate(rule.Id, replacement, existing)) return replacement;
                continue;
            }
            var created = Create(rule);
            if (_limiters.TryAdd(rule.Id, created)) return created;
        }
    }

    private RuleLimiter Create(RateLimitRule rule) => rule.Scope == RateLimitScope.Replica
        ? new ReplicaLimiter(rule)
        : new ClusterLimiter(rule, leases, Replica);
}
