namespace Gateway.Actors.RateLimiting;

/// <summary>The outcome of counting one request.</summary>
/// <param name="Admitted">Whether the request is within the limit.</param>
/// <param name="Remaining">Requests still admitted in this window after this one (as far as this counter knows).</param>
/// <param name="WindowEndMs">Unix milliseconds at which the window ends (Retry-After and the RateLimit reset).</param>
public readonly record struct RateDecision(bool Admitted, int Remaining, long WindowEndMs);

/// <summary>
/// A Replica-scope counter for one key value: a fixed window that starts at the first request after the previous window
/// ended (so a burst that starts mid-minute gets its full limit, the same window the Cluster-scope owner uses). Pure;
/// callers lock the instance.
/// </summary>
public sealed class FixedWindow
{
    private long _windowEndMs = long.MinValue;
    private int _count;

    /// <summary>End of the current window (Unix ms): after it the counter holds nothing and may be evicted.</summary>
    public long WindowEndMs => _windowEndMs;

    /// <summary>Counts one request at <paramref name="nowMs"/>; a refused request is not counted.</summary>
    public RateDecision TryTake(int limit, long intervalMs, long nowMs)
    {
        if (nowMs >= _windowEndMs)
        {
            _windowEndMs = nowMs + intervalMs;
            _count = 0;
        }
        if (_count >= limit) return new RateDecision(false, 0, _windowEndMs);
        _count++;
        return new RateDecision(true, limit - _count, _windowEndMs);
    }
}
