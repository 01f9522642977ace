using System.Net.Security;
using Akka;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Gateway.Streams.L4.Tls;

/// <summary>
/// TLS termination as a flow: encrypted bytes from the client in, encrypted bytes to the client out, and in between an
/// <see cref="SslStream"/> (server side) whose plain bytes run through <c>plain</c> (the backend connection).
/// <para>
/// Akka.NET has no TLS stage, and the BCL's TLS is SslStream, which speaks <see cref="Stream"/>. So the client side of
/// the flow is a Sink.Queue/Source.Queue pair wrapped as a <see cref="QueueDuplexStream"/>, and a small pump per
/// connection runs the handshake and then the plain stream. Closing is propagated both ways: the client's EOF or
/// close_notify ends the plain input (the backend sees a half-close); the backend's end sends close_notify and ends the
/// encrypted output; any failure fails the encrypted output, which aborts the client connection.
/// </para>
/// </summary>
internal static class TlsTermination
{
    private const int OutputBuffer = 16;
    private const int PlainReadSize = 16 * 1024;

    public static Flow<ByteString, ByteString, NotUsed> Create(
        SslServerAuthenticationOptions serverOptions,
        TimeSpan handshakeTimeout,
        Flow<ByteString, ByteString, NotUsed> plain,
        IMaterializer materializer,
        Action<string>? onFailure = null) =>
        Flow.FromSinkAndSource(
                Sink.Queue<ByteString>(),
                Source.Queue<ByteString>(OutputBuffer, OverflowStrategy.Backpressure),
                (input, output) => (input, output))
            .MapMaterializedValue(queues =>
            {
                _ = PumpAsync(queues.input, queues.output, serverOptions, handshakeTimeout, plain, materializer, onFailure);
                return NotUsed.Instance;
            });

    private static async Task PumpAsync(
        ISinkQueue<ByteString> input,
        ISourceQueueWithComplete<ByteString> output,
        SslServerAuthenticationOptions serverOptions,
        TimeSpan handshakeTimeout,
        Flow<ByteString, ByteString, NotUsed> plain,
        IMaterializer materializer,
        Action<string>? onFailure)
    {
        // The client side may go away at any time (output cancelled); the plain stream must not outlive it.
        var killSwitch = KillSwitches.Shared("tls-plain");
        _ = output.WatchCompletionAsync().ContinueWith(
            _ => killSwitch.Abort(new IOException("the client connection ended")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var ssl = new SslStream(new QueueDuplexStream(input, output), leaveInnerStreamOpen: false);
        try
        {
            using (var handshake = new CancellationTokenSource(handshakeTimeout))
            {
                await ssl.AuthenticateAsServerAsync(serverOptions, handshake.Token).ConfigureAwait(false);
            }
            var buffer = new byte[PlainReadSize];
            await Source.UnfoldResourceAsync<ByteString, SslStream>(
                    () => Task.FromResult(ssl),
                    async s =>
                    {
                        var n = await s.ReadAsync(buffer).ConfigureAwait(false);
                        return n == 0 ? Option<ByteString>.None : ByteString.CopyFrom(buffer, 0, n);
                    },
                    _ => Task.FromResult(Done.Instance))
                .Via(killSwitch.Flow<ByteString>())
                .Via(plain)
                .RunWith(Sink.ForEachAsync<ByteString>(1, async chunk => await ssl.WriteAsync(chunk.ToArray()).ConfigureAwait(false)), materializer)
                .ConfigureAwait(false);
            await ssl.ShutdownAsync().ConfigureAwait(false);
            output.Complete();
        }
        catch (Exception e)
        {
            onFailure?.Invoke(e is OperationCanceledException ? "TLS handshake timed out" : e.Message);
            killSwitch.Abort(e);
            output.Fail(e);
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
        }
    }
}
