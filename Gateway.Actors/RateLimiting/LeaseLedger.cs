namespace Gateway.Actors.RateLimiting;

/// <summary>A lease the owner of a Cluster-scope counter gives a replica: tokens to spend until the window ends.</summary>
/// <param name="Tokens">Requests the replica may admit without asking again (0: the window is used up).</param>
/// <param name="WindowEndMs">Unix milliseconds at which the window, and with it every lease of it, ends.</param>
/// <param name="Unleased">Tokens of this window the owner has not leased to anyone yet (after this grant).</param>
public readonly record struct LeaseGrant(int Tokens, long WindowEndMs, int Unleased);

/// <summary>
/// The owner's accounting for one Cluster-scope counter (one (policy, rule, key value)): a fixed window that starts at
/// the first request after the previous one ended, and the tokens leased out in it. Pure (time is an argument) and not
/// thread-safe: its entity calls it from one actor.
/// <para>
/// Invariant: the tokens granted within one window never exceed the limit, so as long as this ledger lives, the
/// requests admitted cluster-wide in a window are at most <c>limit</c> (a replica admits only tokens it was leased, and a
/// lease dies with its window). Over-admission can come only from losing this ledger (the counter's owner moved: the
/// new owner starts a fresh window, so the moved key can admit up to one more limit's worth while the old leases
/// run out) or from clocks: replicas compare the window end with their own clock.
/// </para>
/// <para>
/// Lease size (adaptive): at most <see cref="LeaseFraction"/> of the limit, and at most half of what is still unleased
/// divided by the replicas that asked in this window, never less than 1. Large leases early keep the request path free
/// of round trips; shrinking leases late keep tokens from being stranded on a replica that no longer gets traffic for
/// the key (a stranded token is a request refused below the limit: at most about one lease per replica).
/// </para>
/// </summary>
public sealed class LeaseLedger
{
    /// <summary>Largest lease, as a fraction of the limit.</summary>
    public const double LeaseFraction = 0.1;

    private readonly HashSet<string> _replicas = new(StringComparer.Ordinal);
    private long _windowEndMs = long.MinValue;
    private int _granted;

    /// <summary>Tokens granted in the current window.</summary>
    public int Granted => _granted;

    /// <summary>End of the current window (Unix ms); long.MinValue before the first grant.</summary>
    public long WindowEndMs => _windowEndMs;

    /// <summary>
    /// A lease for <paramref name="replica"/> at <paramref name="nowMs"/>: a new window starts when the last one has
    /// ended. <paramref name="limit"/> and <paramref name="intervalMs"/> come with every request, so a changed policy
    /// applies from the next grant (a lower limit never takes back tokens already leased).
    /// </summary>
    public LeaseGrant Grant(string replica, int limit, long intervalMs, long nowMs)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "a limit is at least 1");
        if (intervalMs < 1) throw new ArgumentOutOfRangeException(nameof(intervalMs), intervalMs, "an interval is at least 1 ms");
        if (nowMs >= _windowEndMs)
        {
            _windowEndMs = nowMs + intervalMs;
            _granted = 0;
            _replicas.Clear();
        }
        _replicas.Add(replica);
        var unleased = Math.Max(0, limit - _granted);
        var tokens = Math.Min(unleased, LeaseSize(limit, unleased, _replicas.Count));
        _granted += tokens;
        return new LeaseGrant(tokens, _windowEndMs, unleased - tokens);
    }

    /// <summary>The adaptive lease size (see the class remarks); 0 only when nothing is left.</summary>
    public static int LeaseSize(int limit, int unleased, int replicas)
    {
        if (unleased <= 0) return 0;
        var cap = Math.Max(1, (int)Math.Ceiling(limit * LeaseFraction));
        var share = (int)Math.Ceiling(unleased / (2.0 * Math.Max(1, replicas)));
        return Math.Clamp(Math.Min(cap, share), 1, unleased);
    }
}
