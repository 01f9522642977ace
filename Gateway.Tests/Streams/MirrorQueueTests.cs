using Akka.Streams;
using Akka.Streams.TestKit;
using Gateway.Streams.Mirroring;
using Xunit;

namespace Gateway.Tests.Streams;

/// <summary>The mirroring queue never backpressures its producer: a full queue drops copies instead of waiting.</summary>
[Trait("Category", "Streams")]
public sealed class MirrorQueueTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly MirrorTarget Target = new("mirror", [new MirrorEndpoint("127.0.0.1", 1)], false);

    private static MirrorRequest Copy(int i) => new(Target, "GET", $"/m?i={i}", "h", [], ReadOnlyMemory<byte>.Empty);

    [Fact]
    public async Task TryEnqueue_SinkWithoutDemand_DropsBeyondBufferWithoutWaiting()
    {
        var materializer = Sys.Materializer();
        var queue = MirrorQueue.Start(materializer, new MirrorQueueOptions { BufferSize = 4 }, this.SinkProbe<MirrorRequest>(), out var probe);
        var subscription = probe.ExpectSubscription();

        // Nothing is ever requested by the mirror side, yet every offer returns its answer (an offer that waited for
        // demand would never return here) and the ones beyond the buffer are counted as dropped.
        var accepted = Enumerable.Range(0, 20).Select(i => queue.TryEnqueue(Copy(i))).ToArray();

        Assert.Equal(4, accepted.Count(a => a));
        Assert.All(accepted.Skip(4), Assert.False);
        Assert.Equal(new MirrorQueueStats(20, 16, 0, 0), queue.Stats);

        // The buffered copies are still delivered, in order, once the mirror side asks for them.
        subscription.Request(4);
        for (var i = 0; i < 4; i++) Assert.Equal($"/m?i={i}", probe.ExpectNext().PathAndQuery);

        // Room again after delivery.
        await AwaitConditionAsync(() => Task.FromResult(queue.TryEnqueue(Copy(99))), TimeSpan.FromSeconds(3));
        subscription.Request(1);
        Assert.Equal("/m?i=99", probe.ExpectNext().PathAndQuery);
        await queue.DisposeAsync();
        Assert.False(queue.TryEnqueue(Copy(100)));
    }

    [Fact]
    public async Task Start_SenderThatNeverCompletes_ParallelismBoundedAndProducerNeverBlocked()
    {
        var sender = new StuckSender();
        var queue = MirrorQueue.Start(Sys.Materializer(), new MirrorQueueOptions { BufferSize = 8, Parallelism = 3, SendTimeout = TimeSpan.FromMinutes(1) }, sender);

        // No send completes while the 1,000 offers are made; every offer still returns, accepted while the buffer has room.
        var accepted = Enumerable.Range(0, 1000).Count(i => queue.TryEnqueue(Copy(i)));

        await AwaitConditionAsync(() => Task.FromResult(sender.Started == 3), TimeSpan.FromSeconds(3));
        // At most BufferSize waiting plus the Parallelism copies taken by the stuck sends were accepted.
        Assert.InRange(accepted, 8, 8 + 3);
        Assert.Equal(new MirrorQueueStats(1000, 1000 - accepted, 0, 0), queue.Stats);

        // Once the sends complete every accepted copy is sent, never more than Parallelism at once.
        sender.Release();
        await AwaitConditionAsync(() => Task.FromResult(queue.Stats.Sent == accepted), TimeSpan.FromSeconds(3));
        Assert.Equal(accepted, sender.Started);
        Assert.Equal(3, sender.MostAtOnce);
        await queue.DisposeAsync();
    }

    [Fact]
    public async Task Start_FailingSender_CountsFailuresAndKeepsRunning()
    {
        var queue = MirrorQueue.Start(Sys.Materializer(), new MirrorQueueOptions(), new FailingSender());
        for (var i = 0; i < 5; i++) Assert.True(queue.TryEnqueue(Copy(i)));
        await AwaitConditionAsync(() => Task.FromResult(queue.Stats.Failed == 5), TimeSpan.FromSeconds(3));
        Assert.True(queue.TryEnqueue(Copy(5)));
        await AwaitConditionAsync(() => Task.FromResult(queue.Stats.Failed == 6), TimeSpan.FromSeconds(3));
        await queue.DisposeAsync();
    }

    [Fact]
    public async Task Start_NothingOffered_MaterializesNoStream_TheFirstCopyStartsItAndIsSent()
    {
        var sender = new StuckSender();
        var queue = MirrorQueue.Start(Sys.Materializer(), new MirrorQueueOptions(), sender);
        var before = queue.Started;

        var accepted = queue.TryEnqueue(Copy(1));

        Assert.False(before);
        Assert.True(accepted);
        Assert.True(queue.Started);
        await AwaitConditionAsync(() => Task.FromResult(sender.Started == 1), TimeSpan.FromSeconds(3));
        sender.Release();
        await AwaitConditionAsync(() => Task.FromResult(queue.Stats.Sent == 1), TimeSpan.FromSeconds(3));
        await queue.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_BeforeFirstUse_StartsNothing_LaterCopiesAreDropped()
    {
        var queue = MirrorQueue.Start(Sys.Materializer(), new MirrorQueueOptions(), new FailingSender());

        await queue.DisposeAsync();
        queue.EnsureStarted();
        var accepted = queue.TryEnqueue(Copy(1));

        Assert.False(queue.Started);
        Assert.False(accepted);
        Assert.Equal(new MirrorQueueStats(1, 1, 0, 0), queue.Stats);
        Assert.Null(queue.StartFailure);
    }

    private sealed class StuckSender : IMirrorSender
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;
        private int _running;
        private int _mostAtOnce;

        public int Started => Volatile.Read(ref _started);

        /// <summary>The most sends that ran at the same time.</summary>
        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public void Release() => _gate.TrySetResult();

        public async Task SendAsync(MirrorRequest request, CancellationToken ct)
        {
            Interlocked.Increment(ref _started);
            var running = Interlocked.Increment(ref _running);
            int most;
            while (running > (most = Volatile.Read(ref _mostAtOnce)) && Interlocked.CompareExchange(ref _mostAtOnce, running, most) != most)
            {
            }
            try
            {
                await _gate.Task.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private sealed class FailingSender : IMirrorSender
    {
        public Task SendAsync(MirrorRequest request, CancellationToken ct) => Task.FromException(new HttpRequestException("mirror down"));
    }
}
