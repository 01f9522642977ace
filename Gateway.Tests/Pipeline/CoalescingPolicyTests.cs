using Gateway.Host.Pipeline;
using Xunit;

namespace Gateway.Tests.Pipeline;

public class CoalescingPolicyTests
{
    private static readonly CoalescingOptions Options = new() { Window = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) };

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void PublishAt_NothingPublishedYet_PublishesAtOnce()
    {
        Assert.Equal(Ms(5), CoalescingPolicy.PublishAt(new PendingTimes(Ms(5), Ms(5), null), Options));
    }

    [Fact]
    public void PublishAt_ChangeAfterQuietSpell_PublishesAtOnce()
    {
        Assert.Equal(Ms(1000), CoalescingPolicy.PublishAt(new PendingTimes(Ms(1000), Ms(1000), Ms(500)), Options));
    }

    [Fact]
    public void PublishAt_ChangeInsideBurst_WaitsForAPauseOfOneWindow()
    {
        Assert.Equal(Ms(1025), CoalescingPolicy.PublishAt(new PendingTimes(Ms(1000), Ms(1005), Ms(990)), Options));
    }

    [Fact]
    public void PublishAt_DefaultOptions_ChangeInsideABurst_PublishesAtOnce()
    {
        // The default window is 0: a change that arrives right after a publication (the route of an apply whose
        // Service was published a moment before) waits for no timer.
        Assert.Equal(Ms(1000.2), CoalescingPolicy.PublishAt(new PendingTimes(Ms(1000.2), Ms(1000.4), Ms(1000)), new CoalescingOptions()));
    }

    [Fact]
    public void PublishAt_BurstThatNeverPauses_IsCappedAtMaxDelay()
    {
        Assert.Equal(Ms(1200), CoalescingPolicy.PublishAt(new PendingTimes(Ms(1000), Ms(1195), Ms(990)), Options));
    }

    [Fact]
    public void Simulation_ContinuousBurstThenSilence_BoundedLatencyAndFewPublications()
    {
        // A change every 5 ms for one second, then silence; the loop publishes whenever PublishAt has come.
        var changes = Enumerable.Range(0, 200).Select(i => Ms(1000 + i * 5)).ToList();
        var published = new List<(TimeSpan At, int Count)>();
        TimeSpan? lastPublished = null;
        TimeSpan? firstPending = null, lastChange = null;
        var pending = 0;
        var next = 0;
        var maxLatency = TimeSpan.Zero;
        TimeSpan oldestPending = default;
        for (var now = Ms(1000); now <= Ms(2500); now += Ms(1))
        {
            while (next < changes.Count && changes[next] <= now)
            {
                if (pending == 0) { firstPending = changes[next]; oldestPending = changes[next]; }
                lastChange = changes[next];
                pending++;
                next++;
            }
            if (pending > 0 && CoalescingPolicy.PublishAt(new PendingTimes(firstPending!.Value, lastChange!.Value, lastPublished), Options) <= now)
            {
                published.Add((now, pending));
                maxLatency = now - oldestPending > maxLatency ? now - oldestPending : maxLatency;
                lastPublished = now;
                pending = 0;
            }
        }

        Assert.Equal(200, published.Sum(p => p.Count));
        Assert.Equal(1, published[0].Count);
        Assert.Equal(Ms(1000), published[0].At);
        Assert.InRange(published.Count, 5, 12);
        Assert.True(maxLatency <= Options.MaxDelay, $"max latency {maxLatency}");
        Assert.True(published[^1].At <= Ms(1995 + 20), $"last publication at {published[^1].At}");
    }
}
