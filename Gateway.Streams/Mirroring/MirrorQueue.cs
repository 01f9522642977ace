using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Gateway.Streams.Mirroring;

/// <summary>
/// A bounded, lossy queue of mirrored request copies (HTTPRouteFilter RequestMirror: "responses from this backend
/// MUST be ignored"). The main request path calls <see cref="TryEnqueue"/>, which never waits: when
/// <see cref="MirrorQueueOptions.BufferSize"/> copies are already waiting the copy is dropped and counted, so a slow or
/// dead mirror backend can never backpressure or slow the main path. Copies are sent with bounded parallelism by an
/// Akka.Streams graph (Source.Queue with DropNew, SelectAsyncUnordered). The graph of a queue made by
/// <see cref="Start(IMaterializer, MirrorQueueOptions, IMirrorSender)"/> is materialized on first use
/// (<see cref="EnsureStarted"/>, or the first copy offered): a gateway none of whose routes mirrors runs no mirroring
/// stream, and its start compiles none of Akka.Streams' code for one.
/// </summary>
public sealed class MirrorQueue : IAsyncDisposable
{
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private ISourceQueueWithComplete<MirrorRequest>? _queue;
    // Materializes the graph on first use; null once it ran, or when the graph was materialized at once.
    private Action? _start;
    private Task _completion = Task.CompletedTask;
    private int _waiting;
    private int _closed;
    private long _offered;
    private long _dropped;
    private long _sent;
    private long _failed;

    private MirrorQueue(int capacity) => _capacity = capacity;

    /// <summary>Counters so far.</summary>
    public MirrorQueueStats Stats => new(Interlocked.Read(ref _offered), Interlocked.Read(ref _dropped), Interlocked.Read(ref _sent), Interlocked.Read(ref _failed));

    /// <summary>
    /// A queue that sends copies through <paramref name="sender"/> and ignores the answers; its graph is materialized
    /// on first use (see the type's remarks).
    /// </summary>
    public static MirrorQueue Start(IMaterializer materializer, MirrorQueueOptions options, IMirrorSender sender)
    {
        ArgumentNullException.ThrowIfNull(materializer);
        ArgumentNullException.ThrowIfNull(sender);
        var queue = new MirrorQueue(options.BufferSize);
        queue._start = () =>
        {
            var send = Flow.Create<MirrorRequest>()
                .SelectAsyncUnordered(Math.Max(1, options.Parallelism), r => queue.SendOneAsync(sender, r, options.SendTimeout))
                .ToMaterialized(Sink.Ignore<int>(), Keep.Right)
                .MapMaterializedValue(t => (Task)t);
            queue._completion = queue.Materialize(materializer, options, send);
        };
        return queue;
    }

    /// <summary>Why the graph could not be materialized when a copy was offered (null: it was, or nothing was offered).</summary>
    public Exception? StartFailure { get; private set; }

    /// <summary>True once the graph is materialized.</summary>
    public bool Started => Volatile.Read(ref _queue) is not null;

    /// <summary>
    /// Materializes the graph now if it is not yet (the data plane calls this when it compiles a route that mirrors,
    /// so the first copy does not wait for it); nothing once the queue is closed.
    /// </summary>
    public void EnsureStarted() => Queue();

    /// <summary>The materialized queue, materializing it first when that is still due (null: closed before it started).</summary>
    private ISourceQueueWithComplete<MirrorRequest>? Queue()
    {
        if (Volatile.Read(ref _queue) is { } queue) return queue;
        lock (_gate)
        {
            // Closed first: DisposeAsync sets _closed before it takes the gate, so a graph started here is one it completes.
            if (_queue is null && _start is { } start && Volatile.Read(ref _closed) == 0)
            {
                _start = null;
                start();
            }
            return _queue;
        }
    }

    /// <summary>
    /// Starts a queue whose copies flow into <paramref name="sink"/> (tests plug a probe here to play a mirror that
    /// never answers). <paramref name="materialized"/> is what the sink materialized to.
    /// </summary>
    public static MirrorQueue Start<TMat>(IMaterializer materializer, MirrorQueueOptions options, Sink<MirrorRequest, TMat> sink, out TMat materialized)
    {
        var queue = new MirrorQueue(options.BufferSize);
        TMat? mat = default;
        var capture = sink.MapMaterializedValue(m =>
        {
            mat = m;
            return Task.CompletedTask;
        });
        queue._completion = queue.Materialize(materializer, options, capture);
        materialized = mat!;
        return queue;
    }

    private Task Materialize(IMaterializer materializer, MirrorQueueOptions options, Sink<MirrorRequest, Task> sink)
    {
        var (sourceQueue, completion) = Source.Queue<MirrorRequest>(Math.Max(1, options.BufferSize), OverflowStrategy.DropNew)
            // The copy has left the buffer: make room for the next one.
            .Select(r =>
            {
                Interlocked.Decrement(ref _waiting);
                return r;
            })
            .ToMaterialized(sink, Keep.Both)
            .Run(materializer);
        Volatile.Write(ref _queue, sourceQueue);
        return completion;
    }

    /// <summary>
    /// Offers a copy without waiting. Returns false (and counts a drop) when the queue is full or closed.
    /// The bound is checked here, synchronously, so the caller learns the outcome at once and never awaits Akka.
    /// </summary>
    public bool TryEnqueue(MirrorRequest request)
    {
        Interlocked.Increment(ref _offered);
        ISourceQueueWithComplete<MirrorRequest>? queue = null;
        try
        {
            if (Volatile.Read(ref _closed) == 0) queue = Queue();
        }
        catch (Exception e) when (e is InvalidOperationException or Akka.Actor.ActorInitializationException or AbruptTerminationException)
        {
            // The materializer is gone (the node is stopping): the copy is dropped, never the request.
            StartFailure = e;
        }
        if (Volatile.Read(ref _closed) != 0 || queue is null || Interlocked.Increment(ref _waiting) > _capacity)
        {
            if (Volatile.Read(ref _closed) == 0 && queue is not null) Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _dropped);
            return false;
        }
        // Fire and forget: with DropNew and the bound above the offer is accepted immediately; its task is observed
        // only to count an unexpected refusal.
        _ = queue.OfferAsync(request).ContinueWith(
            static (t, state) =>
            {
                var self = (MirrorQueue)state!;
                if (t.IsFaulted || t.Result is not QueueOfferResult.Enqueued)
                {
                    _ = t.Exception;
                    Interlocked.Decrement(ref self._waiting);
                    Interlocked.Increment(ref self._dropped);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return true;
    }

    private async Task<int> SendOneAsync(IMirrorSender sender, MirrorRequest request, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await sender.SendAsync(request, cts.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _sent);
        }
        catch (Exception)
        {
            // A mirror's failure is by definition nobody's business but the counter's (answers are ignored).
            Interlocked.Increment(ref _failed);
        }
        return 0;
    }

    /// <summary>Stops accepting copies and waits (bounded) for the ones in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        ISourceQueueWithComplete<MirrorRequest>? queue;
        lock (_gate)
        {
            queue = _queue;
            _start = null;
        }
        queue?.Complete();
        await Task.WhenAny(_completion, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }
}
