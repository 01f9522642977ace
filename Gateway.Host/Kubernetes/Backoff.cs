namespace Gateway.Host.Kubernetes;

/// <summary>
/// Exponential backoff with full jitter: the n-th delay is uniform in [0, min(max, initial * 2^n)], so many
/// replicas reconnecting after an API server restart spread out instead of arriving together. Bounded by
/// <c>max</c>; <see cref="Reset"/> after a success.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;
    private int _attempt;

    /// <summary>Creates a backoff; <paramref name="random"/> returns values in [0, 1) (tests pass a fixed one).</summary>
    public Backoff(TimeSpan initial, TimeSpan max, Func<double>? random = null)
    {
        if (initial <= TimeSpan.Zero || max < initial) throw new ArgumentException("need 0 < initial <= max");
        _initial = initial;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The ceiling of the next delay (before jitter).</summary>
    public TimeSpan Ceiling => TimeSpan.FromTicks((long)Math.Min(_max.Ticks, _initial.Ticks * Math.Pow(2, Math.Min(_attempt, 30))));

    /// <summary>The next delay; each call doubles the ceiling up to the maximum.</summary>
    public TimeSpan Next()
    {
        var ceiling = Ceiling;
        _attempt++;
        return TimeSpan.FromTicks((long)(ceiling.Ticks * _random()));
    }

    /// <summary>Starts again from the initial delay.</summary>
    public void Reset() => _attempt = 0;
}
