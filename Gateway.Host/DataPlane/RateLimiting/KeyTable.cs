using System.Collections.Concurrent;

namespace Gateway.Host.DataPlane.RateLimiting;

/// <summary>
/// The per-key state of one rule's counter, bounded: at most <see cref="MaxKeys"/> key values. An entry whose window
/// has ended is idle (it holds nothing a new request needs) and is evicted by a sweep, which runs when the table is
/// full and at most once per <see cref="SweepEveryMs"/>. Above the cap, after a sweep, new key values share one
/// overflow entry (key <see cref="OverflowKey"/>): they are still limited, together, so memory stays bounded and a flood
/// of distinct keys (spoofed headers, many clients) cannot buy unlimited requests; it can only make those new keys
/// share one limit until old ones go idle.
/// </summary>
internal sealed class KeyTable<T>(Func<T> create, Func<T, long> windowEndMs, int maxKeys = KeyTable<T>.DefaultMaxKeys) where T : class
{
    /// <summary>Default cap on distinct key values per rule.</summary>
    public const int DefaultMaxKeys = 100_000;

    /// <summary>The shared entry of key values that arrive while the table is full.</summary>
    public const string OverflowKey = "\u0000overflow";

    private const long SweepEveryMs = 1_000;

    private readonly ConcurrentDictionary<string, T> _entries = new(StringComparer.Ordinal);
    private long _lastSweepMs;

    public int MaxKeys { get; } = maxKeys;

    public int Count => _entries.Count;

    /// <summary>The entry of <paramref name="key"/>, created when absent (or the overflow entry when full).</summary>
    public T Get(string key, long nowMs)
    {
        if (_entries.TryGetValue(key, out var entry)) return entry;
        if (_entries.Count >= MaxKeys)
        {
            Sweep(nowMs);
            if (_entries.Count >= MaxKeys) return _entries.GetOrAdd(OverflowKey, _ => create());
        }
        return _entries.GetOrAdd(key, _ => create());
    }

    /// <summary>Removes entries whose window ended before <paramref name="nowMs"/> (at most once per second).</summary>
    public void Sweep(long nowMs)
    {
        var last = Interlocked.Read(ref _lastSweepMs);
        if (nowMs - last < SweepEveryMs || Interlocked.CompareExchange(ref _lastSweepMs, nowMs, last) != last) return;
        foreach (var (key, value) in _entries)
        {
            if (windowEndMs(value) <= nowMs) _entries.TryRemove(new KeyValuePair<string, T>(key, value));
        }
    }
}
