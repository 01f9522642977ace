using System.Collections.Immutable;
using Akka.Event;
using Akka.Streams;
using Gateway.Streams.L4.Tcp;
using Gateway.Streams.L4.Udp;

namespace Gateway.Streams.L4;

/// <summary>What an apply did: the sockets that could not be bound, with the reason.</summary>
public sealed record L4ApplyResult(IReadOnlyDictionary<L4SocketKey, string> Failed);

/// <summary>
/// The L4 sockets of one node: makes the bound TCP and UDP sockets exactly those of the last
/// <see cref="ApplyAsync"/>. A socket that stays gets its new config swapped in (new connections and sessions use it,
/// open ones keep theirs); only added sockets are bound and only removed ones unbound, so an apply that changes routes
/// never rebinds. A socket that cannot be bound is reported and retried on the next apply; the others serve.
/// </summary>
public sealed class L4SocketSet : IAsyncDisposable
{
    private readonly ActorMaterializer _materializer;
    private readonly L4Options _options;
    private readonly ILoggingAdapter _log;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<L4SocketKey, TcpProxy> _tcp = [];
    private readonly Dictionary<L4SocketKey, UdpProxy> _udp = [];
    private readonly List<Task> _draining = [];
    private readonly Lock _maps = new();
    private bool _disposed;

    public L4SocketSet(ActorMaterializer materializer, L4Options? options = null)
    {
        _materializer = materializer;
        _options = options ?? new L4Options();
        _log = Logging.GetLogger(materializer.System, "Gateway.Streams.L4");
    }

    /// <summary>The bound TCP sockets.</summary>
    public IReadOnlyList<TcpProxy> TcpSockets
    {
        get
        {
            lock (_maps) return [.. _tcp.Values];
        }
    }

    /// <summary>The bound UDP sockets.</summary>
    public IReadOnlyList<UdpProxy> UdpSockets
    {
        get
        {
            lock (_maps) return [.. _udp.Values];
        }
    }

    /// <summary>Binds, swaps and unbinds so that exactly <paramref name="tcp"/> and <paramref name="udp"/> are served.</summary>
    public async Task<L4ApplyResult> ApplyAsync(IReadOnlyCollection<TcpListenerConfig> tcp, IReadOnlyCollection<UdpListenerConfig> udp, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var failed = new Dictionary<L4SocketKey, string>();
            var wantedTcp = Unique(tcp, c => new L4SocketKey(L4Transport.Tcp, c.Address, c.Port), failed);
            var wantedUdp = Unique(udp, c => new L4SocketKey(L4Transport.Udp, c.Address, c.Port), failed);

            foreach (var (key, proxy) in Snapshot(_tcp))
            {
                if (wantedTcp.ContainsKey(key)) continue;
                Remove(_tcp, key);
                Track(proxy.StopAsync(_options.DrainTimeout));
                _log.Info("unbinding {0}", key);
            }
            foreach (var (key, proxy) in Snapshot(_udp))
            {
                if (wantedUdp.ContainsKey(key)) continue;
                Remove(_udp, key);
                await proxy.DisposeAsync().ConfigureAwait(false);
                _log.Info("unbinding {0}", key);
            }

            foreach (var (key, config) in wantedTcp)
            {
                if (Get(_tcp, key) is { } existing)
                {
                    if (!existing.Config.Equals(config)) existing.Swap(config);
                    continue;
                }
                try
                {
                    Put(_tcp, key, TcpProxy.Start(config, _options, _materializer));
                    _log.Info("bound {0}", key);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or FormatException or ArgumentException)
                {
                    failed[key] = Reason(e);
                    _log.Warning("cannot bind {0}: {1}", key, Reason(e));
                }
            }
            foreach (var (key, config) in wantedUdp)
            {
                if (Get(_udp, key) is { } existing)
                {
                    if (!existing.Config.Equals(config)) existing.Swap(config);
                    continue;
                }
                try
                {
                    Put(_udp, key, UdpProxy.Start(config, _options, _materializer));
                    _log.Info("bound {0}", key);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or FormatException or ArgumentException)
                {
                    failed[key] = Reason(e);
                    _log.Warning("cannot bind {0}: {1}", key, Reason(e));
                }
            }
            return new L4ApplyResult(failed.ToImmutableDictionary());
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Unbinds everything; open TCP connections are aborted, UDP sessions closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            var stops = new List<Task>();
            foreach (var (_, proxy) in Snapshot(_tcp)) stops.Add(proxy.StopAsync(TimeSpan.Zero));
            foreach (var (_, proxy) in Snapshot(_udp)) stops.Add(proxy.DisposeAsync().AsTask());
            lock (_maps)
            {
                _tcp.Clear();
                _udp.Clear();
            }
            lock (_draining) stops.AddRange(_draining);
            await Task.WhenAll(stops).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Configs by socket; a socket asked for twice is given to neither and reported.</summary>
    private Dictionary<L4SocketKey, T> Unique<T>(IEnumerable<T> configs, Func<T, L4SocketKey> keyOf, Dictionary<L4SocketKey, string> failed)
    {
        var result = new Dictionary<L4SocketKey, T>();
        foreach (var config in configs)
        {
            var key = keyOf(config);
            if (failed.ContainsKey(key)) continue;
            if (!result.TryAdd(key, config))
            {
                result.Remove(key);
                failed[key] = "the socket is asked for twice";
                _log.Warning("{0} is asked for twice", key);
            }
        }
        return result;
    }

    private static string Reason(Exception e) => e.GetBaseException().Message;

    // The dictionaries are written only under the apply lock; _maps makes reads from other threads safe.
    private List<KeyValuePair<L4SocketKey, T>> Snapshot<T>(Dictionary<L4SocketKey, T> map)
    {
        lock (_maps) return [.. map];
    }

    private T? Get<T>(Dictionary<L4SocketKey, T> map, L4SocketKey key) where T : class
    {
        lock (_maps) return map.GetValueOrDefault(key);
    }

    private void Put<T>(Dictionary<L4SocketKey, T> map, L4SocketKey key, T value)
    {
        lock (_maps) map[key] = value;
    }

    private void Remove<T>(Dictionary<L4SocketKey, T> map, L4SocketKey key)
    {
        lock (_maps) map.Remove(key);
    }

    private void Track(Task stop)
    {
        lock (_draining)
        {
            _draining.RemoveAll(t => t.IsCompleted);
            _draining.Add(stop);
        }
    }
}
