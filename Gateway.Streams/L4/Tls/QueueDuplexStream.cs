using Akka.IO;
using Akka.Streams;

namespace Gateway.Streams.L4.Tls;

/// <summary>
/// A <see cref="Stream"/> over the two ends of an Akka.Streams flow: reads pull from a <c>Sink.Queue</c> (bytes from the
/// client), writes offer to a backpressured <c>Source.Queue</c> (bytes to the client). It lets <see cref="System.Net.Security.SslStream"/>,
/// which speaks only <see cref="Stream"/>, sit inside a stream graph. Asynchronous only; one read and one write may be
/// in flight at a time, as SslStream guarantees (writes are serialised here as well, because a TLS 1.3 key update may
/// write from inside a read).
/// </summary>
internal sealed class QueueDuplexStream(ISinkQueue<ByteString> input, ISourceQueueWithComplete<ByteString> output) : Stream
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private ByteString _pending = ByteString.Empty;
    private bool _inputDone;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (_pending.IsEmpty)
        {
            if (_inputDone) return 0;
            var next = await input.PullAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!next.HasValue)
            {
                _inputDone = true;
                return 0;
            }
            _pending = next.Value;
        }
        var n = Math.Min(buffer.Length, _pending.Count);
        _pending.ToReadOnlySpan()[..n].CopyTo(buffer.Span);
        _pending = _pending.Slice(n);
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await output.OfferAsync(ByteString.FromBytes(buffer.ToArray()), cancellationToken).ConfigureAwait(false);
            if (result is not QueueOfferResult.Enqueued) throw new IOException($"the connection is closed ({result})");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // SslStream's asynchronous API never calls the synchronous members; blocking a thread on Akka would be a bug.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous use only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous use only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
