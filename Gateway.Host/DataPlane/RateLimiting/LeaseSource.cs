using Akka.Actor;
using Akka.Hosting;
using Gateway.Actors.RateLimiting;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>Where a replica gets leases for Cluster-scope counters.</summary>
public interface ILeaseSource
{
    /// <summary>A lease for counter <paramref name="id"/>; throws (or faults) when the owner cannot be reached in time.</summary>
    Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct);
}

/// <summary>
/// Leases from ledgers in this process: the owner of every counter is this replica. Used when no ActorSystem is
/// available (a data plane composed without the cluster, unit tests); with one replica it is exact.
/// </summary>
public sealed class LocalLeaseSource(TimeProvider? time = null) : ILeaseSource
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly KeyTable<LockedLedger> _ledgers = new(() => new LockedLedger(), l => l.Ledger.WindowEndMs);

    /// <inheritdoc />
    public Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var entry = _ledgers.Get(id, now);
        lock (entry)
        {
            var g = entry.Ledger.Grant(replica, requests, intervalMs, now);
            return Task.FromResult(new LeaseGranted(g.Tokens, g.WindowEndMs, g.Unleased));
        }
    }

    private sealed class LockedLedger
    {
        public LeaseLedger Ledger { get; } = new();
    }
}

/// <summary>
/// Leases from the counter's sharded owner (<see cref="RateLimitCounterEntity"/>), asked through this node's shard
/// region. The region is looked up on first use, since the data plane is built before the ActorSystem has started.
/// </summary>
public sealed class ShardedLeaseSource(Func<ActorSystem?> system, TimeSpan? timeout = null) : ILeaseSource
{
    /// <summary>
    /// How long a lease request waits for its answer. Longer than the request's own wait (ClusterLimiter's wait bound,
    /// 2 s): an answer that comes after the request was refused still brings the tokens the owner counted as leased,
    /// and the key's next request uses them; an Ask that timed out would drop them (its reply goes to dead letters).
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;
    private IActorRef? _region;

    /// <inheritdoc />
    public async Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct)
    {
        var region = _region ??= await Region(ct).ConfigureAwait(false);
        return await region.Ask<LeaseGranted>(new AcquireLease(id, replica, requests, intervalMs), _timeout, ct).ConfigureAwait(false);
    }

    private async Task<IActorRef> Region(CancellationToken ct)
    {
        var s = system() ?? throw new InvalidOperationException("no ActorSystem: Cluster-scope rate limits need the cluster");
        return await ActorRegistry.For(s).GetAsync<RateLimitCounterEntity>(ct).ConfigureAwait(false);
    }
}
