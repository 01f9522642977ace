using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// The data plane's TCP listeners: Kestrel's socket transport with an accept loop of ours. Kestrel's own
/// SocketConnectionListener treats every accept error but an abort as "a connection reset in the backlog" and accepts
/// again at once, so when the process is out of file descriptors (EMFILE) it spins on a failing accept while the
/// pending connection stays in the backlog. Here such an error makes the loop wait <see cref="BackoffAfterExhaustion"/>
/// before it accepts again (existing connections keep being served meanwhile; new ones wait in the backlog or are
/// refused by the kernel when it is full) and is logged at most once per <see cref="LogInterval"/>, with the count of
/// failures in between. Accepted sockets become Kestrel connections through Kestrel's public
/// <see cref="SocketConnectionContextFactory"/>, so the transport is Kestrel's own. Near and at exhaustion the
/// <see cref="DescriptorReserve"/> decides: its reserve is released at once (instead of waiting), and connections are
/// refused (accepted and closed) until descriptors are free again, so the runtime always has some of its own.
/// </summary>
internal sealed class AcceptLoopListenerFactory(SocketConnectionFactoryOptions options, GlobalConnectionLimit limit, ILoggerFactory loggerFactory) : IConnectionListenerFactory, IDisposable
{
    public static readonly TimeSpan BackoffAfterExhaustion = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly SocketConnectionContextFactory _contexts = new(options, loggerFactory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    private readonly ILogger _logger = loggerFactory.CreateLogger<AcceptLoopListenerFactory>();
    private readonly DescriptorReserve _reserve = new(DescriptorLimit.Soft(), loggerFactory.CreateLogger<DescriptorReserve>());

    /// <summary>The descriptors kept for the process's own use (shared by every listener of this factory).</summary>
    internal DescriptorReserve Reserve => _reserve;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = ReusePortSockets.CreateBoundListenSocket(endpoint);
        try
        {
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return ValueTask.FromResult<IConnectionListener>(new Listener(socket, _contexts, limit, _reserve, _logger));
    }

    public void Dispose()
    {
        _contexts.Dispose();
        _reserve.Dispose();
    }

    /// <summary>Whether an accept error means the process or the system ran out of descriptors or buffers.</summary>
    internal static bool IsExhaustion(SocketException e) =>
        e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable
        // EMFILE (24), ENFILE (23), ENOBUFS (105), ENOMEM (12) as the native error, whatever SocketError they map to.
        || e.NativeErrorCode is 24 or 23 or 105 or 12;

    private sealed class Listener(Socket socket, SocketConnectionContextFactory contexts, GlobalConnectionLimit limit, DescriptorReserve reserve, ILogger logger) : IConnectionListener
    {
        private long _failuresSinceLog;
        private long _lastLog = long.MinValue;

        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException
                    || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
                {
                    return null;
                }
                catch (SocketException e) when (IsExhaustion(e))
                {
                    Report(e);
                    // The reserve released now: the pending connection can be accepted (and refused) at once.
                    if (reserve.Release()) continue;
                    try
                    {
                        await Task.Delay(BackoffAfterExhaustion, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return null;
                    }
                    continue;
                }
                catch (SocketException)
                {
                    // A connection reset while it waited in the backlog: the next one may be fine.
                    continue;
                }
                if (reserve.Exhausted ? !reserve.TryRecover() : reserve.NearLimit(accepted.Handle) && !reserve.HasHeadroom())
                {
                    // Out of descriptors, or this connection took the headroom: refused, so that clients cannot take
                    // the descriptors the runtime needs (see DescriptorReserve).
                    accepted.Dispose();
                    continue;
                }
                if (!limit.TryAcquire())
                {
                    // Full: closed here, before the next accept, so refused connections never pile up waiting for
                    // Kestrel to close them (a burst of them would otherwise take the descriptors the cap protects).
                    accepted.Dispose();
                    continue;
                }
                if (accepted.LocalEndPoint is IPEndPoint) accepted.NoDelay = true;
                var connection = contexts.Create(accepted);
                // Counted from the accept to the socket's end (the transport fires ConnectionClosed for every
                // connection it started, also one Kestrel refuses or drops before any middleware runs).
                connection.ConnectionClosed.UnsafeRegister(static state => ((GlobalConnectionLimit)state!).Release(), limit);
                return connection;
            }
        }

        private void Report(SocketException e)
        {
            var failures = Interlocked.Increment(ref _failuresSinceLog);
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastLog);
            if (last != long.MinValue && now - last < (long)LogInterval.TotalMilliseconds) return;
            if (Interlocked.CompareExchange(ref _lastLog, now, last) != last) return;
            Interlocked.Exchange(ref _failuresSinceLog, 0);
            logger.LogWarning("{EndPoint}: cannot accept connections ({Error}; {Failures} failed accepts since the last report): new connections are " +
                "refused until descriptors are free; existing ones are served", EndPoint, e.Message, failures);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// A cap on the client connections of all HTTP/HTTPS sockets of the data plane together (--max-connections), so that
/// client connections cannot take every file descriptor the process has (backend connections, certificates, manifest
/// files and the cluster need some too). Counted by the accept loop, from the accept to the end of the socket: one
/// over the cap is closed as soon as it is accepted, without a response, as Kestrel does for its per-socket
/// MaxConcurrentConnections. Counting at the accept (not in a connection middleware, which runs later on the thread
/// pool) keeps a burst from getting past the cap while the pool is busy. Counted per connection, never per request.
/// </summary>
internal sealed class GlobalConnectionLimit(long max)
{
    private long _open;

    public long Max { get; } = max;

    public long Open => Interlocked.Read(ref _open);

    /// <summary>Counts one more connection; false (and nothing counted) when the cap is reached.</summary>
    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _open) <= Max) return true;
        Interlocked.Decrement(ref _open);
        return false;
    }

    /// <summary>Counts one connection less (its socket ended).</summary>
    public void Release() => Interlocked.Decrement(ref _open);
}
