using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

public class ConsistencyLoopTests
{
    private static Func<CancellationToken, Task<string?>> Script(FakeClock clock, TimeSpan perAttempt, params bool[] outcomes)
    {
        var i = 0;
        return _ =>
        {
            clock.Advance(perAttempt);
            var ok = i < outcomes.Length ? outcomes[i] : outcomes[^1];
            i++;
            return Task.FromResult(ok ? null : $"failure {i}");
        };
    }

    [Fact]
    public async Task Await_ThreeInARowAfterFailures_PassesAndPausesOnlyAfterFailures()
    {
        var clock = new FakeClock();
        var result = await ConsistencyLoop.AwaitConvergenceAsync(Script(clock, TimeSpan.Zero, true, false, true, true, false, true, true, true),
            3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), clock, CancellationToken.None);

        Assert.True(result.Passed, result.Detail);
        Assert.Equal(8, result.Attempts);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], clock.Delays);
    }

    [Fact]
    public async Task Await_NeverThreeInARow_FailsAtTheWindowWithTheLastReason()
    {
        var clock = new FakeClock();
        var result = await ConsistencyLoop.AwaitConvergenceAsync(Script(clock, TimeSpan.FromMilliseconds(100), true, true, false),
            3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), clock, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Contains("timeout after", result.Detail);
        Assert.Contains("last failure: failure", result.Detail);
        Assert.True(clock.Now >= TimeSpan.FromSeconds(30));
        Assert.True(clock.Now < TimeSpan.FromSeconds(31.5));
    }

    [Fact]
    public async Task Await_AlwaysPassing_TakesExactlyThresholdAttemptsWithoutPauses()
    {
        var clock = new FakeClock();
        var result = await ConsistencyLoop.AwaitConvergenceAsync(Script(clock, TimeSpan.Zero, true), 3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), clock, CancellationToken.None);

        Assert.True(result.Passed);
        Assert.Equal(3, result.Attempts);
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task Await_FailureNearTheEnd_PausesOnlyUntilTheWindowCloses()
    {
        var clock = new FakeClock();
        var result = await ConsistencyLoop.AwaitConvergenceAsync(Script(clock, TimeSpan.FromMilliseconds(29_700), false),
            3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), clock, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Equal([TimeSpan.FromMilliseconds(300)], clock.Delays);
    }
}
