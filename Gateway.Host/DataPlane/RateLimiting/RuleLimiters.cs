using Gateway.Actors.RateLimiting;
using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>The counter of one RateLimitPolicy rule on this replica, per key value.</summary>
internal abstract class RuleLimiter(RateLimitRule rule)
{
    public RateLimitRule Rule { get; } = rule;

    protected long IntervalMs { get; } = Math.Max(1, (long)rule.Interval.TotalMilliseconds);

    /// <summary>Counts one request of <paramref name="key"/>; completes synchronously unless a Cluster lease must be fetched.</summary>
    public abstract ValueTask<RateDecision> AcquireAsync(string key, long nowMs);
}

/// <summary>Replica scope: a <see cref="FixedWindow"/> per key value, in this process only.</summary>
internal sealed class ReplicaLimiter(RateLimitRule rule) : RuleLimiter(rule)
{
    private readonly KeyTable<FixedWindow> _keys = new(() => new FixedWindow(), w => w.WindowEndMs);

    public int KeyCount => _keys.Count;

    public override ValueTask<RateDecision> AcquireAsync(string key, long nowMs)
    {
        var window = _keys.Get(key, nowMs);
        lock (window) return new ValueTask<RateDecision>(window.TryTake(Rule.Requests, IntervalMs, nowMs));
    }
}

/// <summary>
/// Cluster scope: per key value, the tokens of the current lease from the counter's owner. A request spends a local
/// token (no round trip); when a lease runs low the next one is fetched in the background, and only a request that finds
/// no token waits for it (one fetch per key at a time; concurrent requests wait for the same one). Once the owner has
/// said the window is used up (nothing unleased), requests are refused locally until the window ends. A lease request
/// that fails (the owner is moving, the cluster is unreachable) refuses the waiting requests with 429 and Retry-After 1:
/// the limit is never exceeded for lack of an answer, and the client is told to come back shortly.
/// </summary>
internal sealed class ClusterLimiter(RateLimitRule rule, ILeaseSource source, string replica) : RuleLimiter(rule)
{
    /// <summary>Attempts a request makes at taking a token after waiting for a lease (others may take the new tokens first).</summary>
    private const int MaxWaits = 3;

    private readonly KeyTable<LeaseState> _keys = new(() => new LeaseState(), s => s.WindowEndMs);

    public int KeyCount => _keys.Count;

    public override ValueTask<RateDecision> AcquireAsync(string key, long nowMs)
    {
        var state = _keys.Get(key, nowMs);
        var (decision, fetch, wait) = TryTake(state, nowMs, prefetch: true);
        // Fetches start outside the lock: a source that answers synchronously applies its lease under the same lock.
        if (fetch is not null) _ = FetchAsync(key, state, fetch);
        return decision is { } d ? new ValueTask<RateDecision>(d) : WaitAsync(key, state, wait!);
    }

    /// <summary>
    /// Under the state's lock: a decision when one can be made now, else the lease to wait for; <c>fetch</c> is set when
    /// this call must start that lease's fetch (at most one fetch per key at a time).
    /// </summary>
    private static (RateDecision? Decision, TaskCompletionSource<LeaseGranted>? Fetch, Task<LeaseGranted>? Wait) TryTake(LeaseState state, long nowMs, bool prefetch)
    {
        lock (state)
        {
            var live = nowMs < state.WindowEndMs;
            if (live && state.Tokens > 0)
            {
                state.Tokens--;
                var admitted = new RateDecision(true, state.Tokens + state.Unleased, state.WindowEndMs);
                // Prefetch: the next lease is asked for while this one still has a quarter left. Not for leases under 4
                // tokens (limits under 40, or the last leases of a window): a prefetched token would sit on this
                // replica while the key's next request may reach another one, and a stranded token is a request
                // refused below the limit.
                var low = prefetch && state.LastLease >= 4 && state.Tokens <= state.LastLease / 4 && state.Unleased > 0 && state.Pending is null;
                return (admitted, low ? StartFetch(state) : null, null);
            }
            if (live && state.Unleased == 0 && state.Pending is null) return (new RateDecision(false, 0, state.WindowEndMs), null, null);
            if (state.Pending is { } pending) return (null, null, pending);
            var fetch = StartFetch(state);
            return (null, fetch, fetch.Task);
        }
    }

    private static TaskCompletionSource<LeaseGranted> StartFetch(LeaseState state)
    {
        var fetch = new TaskCompletionSource<LeaseGranted>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.Pending = fetch.Task;
        return fetch;
    }

    private async Task FetchAsync(string key, LeaseState state, TaskCompletionSource<LeaseGranted> fetch)
    {
        try
        {
            var grant = await source.AcquireAsync($"{Rule.Id}|{key}", replica, Rule.Requests, IntervalMs, CancellationToken.None).ConfigureAwait(false);
            lock (state)
            {
                // Another window end is a new window: the old tokens died with the old one.
                if (grant.WindowEndMs != state.WindowEndMs) state.Tokens = 0;
                state.Tokens += grant.Tokens;
                state.LastLease = Math.Max(1, grant.Tokens);
                state.WindowEndMs = grant.WindowEndMs;
                state.Unleased = grant.Unleased;
                state.Pending = null;
            }
            fetch.SetResult(grant);
        }
        catch (Exception e)
        {
            lock (state) state.Pending = null;
            fetch.SetException(e);
        }
    }

    private async ValueTask<RateDecision> WaitAsync(string key, LeaseState state, Task<LeaseGranted> wait)
    {
        for (var attempt = 0; attempt < MaxWaits; attempt++)
        {
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The owner did not answer in time: refuse (see the class summary).
                return new RateDecision(false, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
            }
            var (decision, fetch, next) = TryTake(state, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), prefetch: false);
            if (fetch is not null) _ = FetchAsync(key, state, fetch);
            if (decision is { } d) return d;
            wait = next!;
        }
        // Concurrent requests took every new token MaxWaits times in a row: the key is at its limit.
        return new RateDecision(false, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
    }

    private sealed class LeaseState
    {
        public long WindowEndMs = long.MinValue;
        public int Tokens;
        public int Unleased = int.MaxValue;
        public int LastLease = 1;

        /// <summary>The lease being fetched for this key, if any.</summary>
        public Task<LeaseGranted>? Pending;
    }
}
