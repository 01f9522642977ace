using System.Net.Security;
using Akka;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Gateway.Streams.L4.Tls;

/// <summary>
/// TLS origination as a flow: plain bytes in (from the terminated client connection), plain bytes out, and in between a
/// client-side <see cref="SslStream"/> whose encrypted bytes run through <c>encrypted</c> (the backend connection).
/// The mirror image of <see cref="TlsTermination"/>, bridged the same way (Akka.NET has no TLS stage): the backend
/// connection is materialized between a Source.Queue and a Sink.Queue wrapped as a <see cref="QueueDuplexStream"/>.
/// The client's end sends close_notify to the backend; the backend's end completes the plain output; any failure
/// fails the plain output, which aborts the client connection.
/// </summary>
internal static class TlsOrigination
{
    private const int Buffer = 16;
    private const int PlainReadSize = 16 * 1024;

    public static Flow<ByteString, ByteString, NotUsed> Create(
        Func<SslClientAuthenticationOptions> clientOptions,
        TimeSpan handshakeTimeout,
        Flow<ByteString, ByteString, NotUsed> encrypted,
        IMaterializer materializer,
        Action<string>? onFailure = null) =>
        Flow.FromSinkAndSource(
                Sink.Queue<ByteString>(),
                Source.Queue<ByteString>(Buffer, OverflowStrategy.Backpressure),
                (input, output) => (input, output))
            .MapMaterializedValue(queues =>
            {
                _ = PumpAsync(queues.input, queues.output, clientOptions, handshakeTimeout, encrypted, materializer, onFailure);
                return NotUsed.Instance;
            });

    private static async Task PumpAsync(
        ISinkQueue<ByteString> plainIn,
        ISourceQueueWithComplete<ByteString> plainOut,
        Func<SslClientAuthenticationOptions> clientOptions,
        TimeSpan handshakeTimeout,
        Flow<ByteString, ByteString, NotUsed> encrypted,
        IMaterializer materializer,
        Action<string>? onFailure)
    {
        var (toBackend, fromBackend) = Source.Queue<ByteString>(Buffer, OverflowStrategy.Backpressure)
            .Via(encrypted)
            .ToMaterialized(Sink.Queue<ByteString>(), Keep.Both)
            .Run(materializer);
        var ssl = new SslStream(new QueueDuplexStream(fromBackend, toBackend), leaveInnerStreamOpen: false);
        try
        {
            using (var handshake = new CancellationTokenSource(handshakeTimeout))
            {
                await ssl.AuthenticateAsClientAsync(clientOptions(), handshake.Token).ConfigureAwait(false);
            }
            var up = UpAsync(plainIn, ssl);
            var buffer = new byte[PlainReadSize];
            while (true)
            {
                var n = await ssl.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0) break;
                var offered = await plainOut.OfferAsync(ByteString.CopyFrom(buffer, 0, n)).ConfigureAwait(false);
                if (offered is not QueueOfferResult.Enqueued) throw new IOException("the client connection ended");
            }
            plainOut.Complete();
            await up.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            onFailure?.Invoke(e is OperationCanceledException ? "TLS handshake with the backend timed out" : e.Message);
            plainOut.Fail(e);
            toBackend.Fail(e);
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Client bytes to the backend until the client's end, then close_notify and the end of the backend's input.</summary>
    private static async Task UpAsync(ISinkQueue<ByteString> plainIn, SslStream ssl)
    {
        while (true)
        {
            var chunk = await plainIn.PullAsync().ConfigureAwait(false);
            if (!chunk.HasValue) break;
            await ssl.WriteAsync(chunk.Value.ToArray()).ConfigureAwait(false);
        }
        await ssl.ShutdownAsync().ConfigureAwait(false);
    }
}
