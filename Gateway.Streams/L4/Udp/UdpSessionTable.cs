using System.Net;

namespace Gateway.Streams.L4.Udp;

/// <summary>
/// The client sessions of one UDP socket, keyed by client address: bounded in number, expired after a spell without
/// traffic. Time is passed in (milliseconds of a monotonic clock) so the rules are tested without waiting. Thread-safe:
/// the receive loop adds and looks up, reply streams touch, the sweeper expires.
/// </summary>
internal sealed class UdpSessionTable<TSession>(int capacity, long idleMilliseconds) where TSession : class
{
    private readonly Dictionary<IPEndPoint, Entry> _entries = [];
    private readonly Lock _lock = new();

    /// <summary>A session with its last-activity time; touching it takes no lock.</summary>
    public sealed class Entry(IPEndPoint client, TSession session, long now)
    {
        private long _lastActivity = now;

        public IPEndPoint Client { get; } = client;

        public TSession Session { get; } = session;

        public long LastActivity => Volatile.Read(ref _lastActivity);

        public void Touch(long now) => Volatile.Write(ref _lastActivity, now);
    }

    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>The live session of <paramref name="client"/> (touched), or null when it has none or it expired.</summary>
    public Entry? Find(IPEndPoint client, long now)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(client, out var entry) || Expired(entry, now)) return null;
            entry.Touch(now);
            return entry;
        }
    }

    /// <summary>
    /// Adds a session for <paramref name="client"/>, replacing an expired one. When the table is full, expired sessions
    /// are evicted first (returned in <paramref name="evicted"/> for the caller to close); if it is still full, nothing is
    /// added and null is returned. A live session of the same client is never replaced.
    /// </summary>
    public Entry? TryAdd(IPEndPoint client, TSession session, long now, out IReadOnlyList<TSession> evicted)
    {
        var gone = new List<TSession>();
        evicted = gone;
        lock (_lock)
        {
            if (_entries.TryGetValue(client, out var existing))
            {
                if (!Expired(existing, now)) return null;
                _entries.Remove(client);
                gone.Add(existing.Session);
            }
            if (_entries.Count >= capacity) gone.AddRange(RemoveExpiredLocked(now));
            if (_entries.Count >= capacity) return null;
            var entry = new Entry(client, session, now);
            _entries[client] = entry;
            return entry;
        }
    }

    /// <summary>Removes and returns every session idle for longer than the timeout.</summary>
    public IReadOnlyList<TSession> RemoveExpired(long now)
    {
        lock (_lock) return RemoveExpiredLocked(now);
    }

    /// <summary>Removes the entry if it is still the one registered for its client.</summary>
    public bool Remove(Entry entry)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(entry.Client, out var current) || !ReferenceEquals(current, entry)) return false;
            _entries.Remove(entry.Client);
            return true;
        }
    }

    /// <summary>Removes and returns every session.</summary>
    public IReadOnlyList<TSession> RemoveAll()
    {
        lock (_lock)
        {
            var all = _entries.Values.Select(e => e.Session).ToList();
            _entries.Clear();
            return all;
        }
    }

    private List<TSession> RemoveExpiredLocked(long now)
    {
        var expired = _entries.Values.Where(e => Expired(e, now)).ToList();
        foreach (var e in expired) _entries.Remove(e.Client);
        return expired.Select(e => e.Session).ToList();
    }

    private bool Expired(Entry entry, long now) => now - entry.LastActivity >= idleMilliseconds;
}
