using System.Net;
using System.Net.Sockets;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Gateway.Streams.L4.Tcp;

/// <summary>
/// The accepting side of the TCP proxy as Akka.Streams stages over a plain listening <see cref="Socket"/>.
/// <para>
/// Why not <c>Tcp().Bind</c>: in Akka.NET (1.5) the accepted connections are child actors of the listener actor, and
/// <c>ServerBinding.Unbind()</c> stops that actor, so unbinding a socket cuts every open connection at once. The data
/// plane must stop accepting on a removed socket while its open connections finish (as the HTTP side drains), so the
/// accept loop and each accepted connection are thin stages over <see cref="Socket"/> instead: closing the listening
/// socket leaves accepted ones alone. Backend connections still use Akka.Streams' <c>Tcp().OutgoingConnection</c>.
/// </para>
/// </summary>
internal static class SocketStreams
{
    private const int ReadBufferBytes = 16 * 1024;

    /// <summary>A bound, listening socket; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public static Socket Listen(IPEndPoint endpoint, int backlog)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Connections the proxy closed first linger in TIME_WAIT on this port; .NET binds with SO_REUSEADDR on
            // Unix, so they do not block re-adding the socket (L4EndToEndTests.SocketRemovedAndReAdded...).
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepted connections, one per demand (unaccepted ones wait in the kernel backlog); completes when the listening
    /// socket is closed.
    /// </summary>
    public static Source<Socket, NotUsed> Accept(Socket listener) =>
        Source.UnfoldAsync<int, Socket>(0, async state =>
        {
            while (true)
            {
                try
                {
                    var accepted = await listener.AcceptAsync().ConfigureAwait(false);
                    accepted.NoDelay = true;
                    return Option<(int, Socket)>.Create((state, accepted));
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.TryAgain or SocketError.NoBufferSpaceAvailable or SocketError.TooManyOpenSockets)
                {
                    // One connection died in the backlog, or the process is out of descriptors: skip it, keep accepting
                    // (after a short pause for the latter, so a full descriptor table is not a busy loop).
                    if (e.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.TooManyOpenSockets) await Task.Delay(50).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException)
                {
                    // The listening socket was closed: no more connections.
                    return Option<(int, Socket)>.None;
                }
            }
        });

    /// <summary>
    /// The bytes of one accepted connection as a flow: its output is what the client sends, its input is written to the
    /// client. Reads happen on demand (TCP flow control pushes back on the client). When the input completes the socket
    /// half-closes (FIN) and keeps reading; when the input fails the connection is aborted (RST). The socket is
    /// released once both directions are done.
    /// </summary>
    public static Flow<ByteString, ByteString, NotUsed> Connection(Socket socket)
    {
        var state = new ConnectionState(socket);
        var buffer = new byte[ReadBufferBytes];
        var read = Source.UnfoldResourceAsync<ByteString, Socket>(
            () => Task.FromResult(socket),
            async s =>
            {
                int n;
                try
                {
                    n = await s.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                }
                catch (Exception) when (state.Aborted)
                {
                    return Option<ByteString>.None;
                }
                return n == 0 ? Option<ByteString>.None : ByteString.CopyFrom(buffer, 0, n);
            },
            _ =>
            {
                state.ReadDone();
                return Task.FromResult(Done.Instance);
            });
        var write = Sink.ForEachAsync<ByteString>(1, async chunk =>
            {
                var bytes = chunk.ToReadOnlySpan().ToArray();
                var sent = 0;
                while (sent < bytes.Length) sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
            })
            .MapMaterializedValue(done =>
            {
                done.ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully) state.WriteDone();
                        else state.Abort();
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return NotUsed.Instance;
            });
        return Flow.FromSinkAndSource(write, read);
    }

    /// <summary>Closes the socket once both directions are done, or at once (with RST) on abort.</summary>
    private sealed class ConnectionState(Socket socket)
    {
        private int _readDone;
        private int _writeDone;
        private int _closed;

        public bool Aborted { get; private set; }

        public void ReadDone()
        {
            Interlocked.Exchange(ref _readDone, 1);
            if (Volatile.Read(ref _writeDone) == 1) Close();
        }

        public void WriteDone()
        {
            Interlocked.Exchange(ref _writeDone, 1);
            try
            {
                // TCP half-close: the client reads EOF and may go on sending.
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
            if (Volatile.Read(ref _readDone) == 1) Close();
        }

        public void Abort()
        {
            Aborted = true;
            try
            {
                // Linger 0: close with RST, the peer sees "connection reset" rather than a clean EOF.
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
            Close();
        }

        private void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) socket.Dispose();
        }
    }
}
