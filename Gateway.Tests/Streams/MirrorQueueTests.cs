using System.Diagnostics;
using Akka.Streams;
using Akka.Streams.TestKit;
using Gateway.Streams.Mirroring;
using Xunit;

namespace Gateway.Tests.Streams;

/// <summary>The mirroring queue never backpressures its producer: a full queue drops copies instead of waiting.</summary>
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

        var watch = Stopwatch.StartNew();
        var accepted = Enumerable.Range(0, 20).Select(i => queue.TryEnqueue(Copy(i))).ToArray();
        watch.Stop();

        Assert.Equal(4, accepted.Count(a => a));
        Assert.All(accepted.Skip(4), Assert.False);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"offering took {watch.Elapsed}");
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

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++) queue.TryEnqueue(Copy(i));
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"offering took {watch.Elapsed}");
        await AwaitConditionAsync(() => Task.FromResult(sender.Started == 3), TimeSpan.FromSeconds(3));
        // Only Parallelism sends run; at most BufferSize (+ the ones taken by the sends) were accepted.
        await Task.Delay(200);
        Assert.Equal(3, sender.Started);
        var stats = queue.Stats;
        Assert.Equal(1000, stats.Offered);
        Assert.InRange(stats.Dropped, 1000 - 8 - 3, 1000 - 8);
        sender.Release();
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

    private sealed class StuckSender : IMirrorSender
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public void Release() => _gate.TrySetResult();

        public async Task SendAsync(MirrorRequest request, CancellationToken ct)
        {
            Interlocked.Increment(ref _started);
            await _gate.Task.WaitAsync(ct);
        }
    }

    private sealed class FailingSender : IMirrorSender
    {
        public Task SendAsync(MirrorRequest request, CancellationToken ct) => Task.FromException(new HttpRequestException("mirror down"));
    }
}
