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
/// said the window is used up (nothing unleased), requests are refused locally until the window ends.
/// <para>
/// A request waits at most <c>waitBound</c> in all. If no lease has come by then (the owner is moving, or overloaded)
/// it is refused with 429 and Retry-After 1, so the limit is never exceeded for lack of an answer; but the fetch goes
/// on (the lease source's own timeout is longer), and tokens that arrive late are kept for the key's next request
/// here: the owner counted them as leased, so dropping them would refuse requests below the limit. A fetch older
/// than the wait bound no longer holds back a new one (its owner may be dead); both answers count when they come.
/// Tokens are dropped only with their window: an answer for an older window than the one held is stale.
/// </para>
/// </summary>
internal sealed class ClusterLimiter(RateLimitRule rule, ILeaseSource source, string replica, TimeSpan? waitBound = null) : RuleLimiter(rule)
{
    /// <summary>How long a request waits for a lease before it is refused; a move takes 2-3 s.</summary>
    public static readonly TimeSpan DefaultWaitBound = TimeSpan.FromSeconds(2);

    private readonly KeyTable<LeaseState> _keys = new(() => new LeaseState(), s => s.WindowEndMs);
    private readonly long _waitBoundMs = (long)(waitBound ?? DefaultWaitBound).TotalMilliseconds;

    public int KeyCount => _keys.Count;

    public override ValueTask<RateDecision> AcquireAsync(string key, long nowMs)
    {
        var state = _keys.Get(key, nowMs);
        var (decision, fetch, wait) = TryTake(state, nowMs, prefetch: true);
        // Fetches start outside the lock: a source that answers synchronously applies its lease under the same lock.
        if (fetch is not null) _ = FetchAsync(key, state, fetch);
        return decision is { } d ? new ValueTask<RateDecision>(d) : WaitAsync(key, state, wait!, Environment.TickCount64 + _waitBoundMs);
    }

    /// <summary>
    /// Under the state's lock: a decision when one can be made now, else the lease to wait for; <c>fetch</c> is set when
    /// this call must start that lease's fetch (at most one fetch per key at a time, unless the one in flight is older
    /// than the wait bound).
    /// </summary>
    private (RateDecision? Decision, TaskCompletionSource<LeaseGranted>? Fetch, Task<LeaseGranted>? Wait) TryTake(LeaseState state, long nowMs, bool prefetch)
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
            if (state.Pending is { } pending && Environment.TickCount64 - state.PendingSinceTicks < _waitBoundMs) return (null, null, pending);
            var fetch = StartFetch(state);
            return (null, fetch, fetch.Task);
        }
    }

    private static TaskCompletionSource<LeaseGranted> StartFetch(LeaseState state)
    {
        var fetch = new TaskCompletionSource<LeaseGranted>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.Pending = fetch.Task;
        state.PendingSinceTicks = Environment.TickCount64;
        return fetch;
    }

    private async Task FetchAsync(string key, LeaseState state, TaskCompletionSource<LeaseGranted> fetch)
    {
        try
        {
            var grant = await source.AcquireAsync($"{Rule.Id}|{key}", replica, Rule.Requests, IntervalMs, CancellationToken.None).ConfigureAwait(false);
            RateLimitMetrics.Lease(Apply(state, grant, fetch.Task) ? grant.Tokens > 0 ? "granted" : "exhausted" : "stale");
            fetch.SetResult(grant);
        }
        catch (Exception e)
        {
            RateLimitMetrics.Lease("failed");
            lock (state)
            {
                if (ReferenceEquals(state.Pending, fetch.Task)) state.Pending = null;
            }
            fetch.SetException(e);
        }
    }

    /// <summary>
    /// Adds a lease to the key's state: a later window replaces what is held (the old tokens died with their window),
    /// the same window adds its tokens (answers may arrive out of order, so the smallest unleased count is the newest),
    /// an earlier window is stale and dropped. False when stale.
    /// </summary>
    private static bool Apply(LeaseState state, LeaseGranted grant, Task<LeaseGranted> fetch)
    {
        lock (state)
        {
            if (ReferenceEquals(state.Pending, fetch)) state.Pending = null;
            if (grant.WindowEndMs < state.WindowEndMs) return false;
            if (grant.WindowEndMs > state.WindowEndMs)
            {
                state.WindowEndMs = grant.WindowEndMs;
                state.Tokens = grant.Tokens;
                state.Unleased = grant.Unleased;
            }
            else
            {
                state.Tokens += grant.Tokens;
                state.Unleased = Math.Min(state.Unleased, grant.Unleased);
            }
            state.LastLease = Math.Max(1, grant.Tokens);
            return true;
        }
    }

    private async ValueTask<RateDecision> WaitAsync(string key, LeaseState state, Task<LeaseGranted> wait, long deadlineTicks)
    {
        // Bounded twice: by the deadline, and by the attempts (each one found its tokens taken by concurrent requests).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var left = deadlineTicks - Environment.TickCount64;
            try
            {
                await wait.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(0, left))).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // No lease in time, or the fetch failed: refuse (see the class summary); a late lease stays usable.
                RateLimitMetrics.Unanswered.Add(1);
                return new RateDecision(false, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
            }
            var (decision, fetch, next) = TryTake(state, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), prefetch: false);
            if (fetch is not null) _ = FetchAsync(key, state, fetch);
            if (decision is { } d) return d;
            wait = next!;
        }
        // Concurrent requests took every new token three times in a row: the key is at its limit.
        return new RateDecision(false, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
    }

    private sealed class LeaseState
    {
        public long WindowEndMs = long.MinValue;
        public int Tokens;
        public int Unleased = int.MaxValue;
        public int LastLease = 1;

        /// <summary>The lease being fetched for this key, if any, and when its fetch started (Environment.TickCount64).</summary>
        public Task<LeaseGranted>? Pending;

        public long PendingSinceTicks;
    }
}
