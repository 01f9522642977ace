using System.Diagnostics;

namespace Gateway.Tests.Conformance.Judges;

/// <summary>Time as the judges see it, so the consistency logic can be tested with a fake clock.</summary>
public interface IConformanceClock
{
    /// <summary>Monotonic time since an arbitrary start.</summary>
    TimeSpan Now { get; }

    /// <summary>Waits <paramref name="delay"/>.</summary>
    Task DelayAsync(TimeSpan delay, CancellationToken ct);
}

/// <summary>The real clock.</summary>
public sealed class SystemConformanceClock : IConformanceClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public static SystemConformanceClock Instance { get; } = new();

    public TimeSpan Now => _watch.Elapsed;

    public Task DelayAsync(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, ct);
}

/// <summary>
/// The suite's timing knobs (conformance/utils/config TimeoutConfig). Defaults are upstream's; CI may shrink the
/// waits where upstream semantics allow (a shorter window only makes passing harder, never easier).
/// </summary>
public sealed record ConformanceTimeouts
{
    /// <summary>RequiredConsecutiveSuccesses.</summary>
    public int RequiredConsecutiveSuccesses { get; init; } = 3;

    /// <summary>MaxTimeToConsistency.</summary>
    public TimeSpan MaxTimeToConsistency { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause after a failed attempt (successes are not delayed).</summary>
    public TimeSpan DelayAfterFailure { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>RequestTimeout: one HTTP round trip.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive non-200 answers a must-not-return-200 case needs.</summary>
    public int RequiredConsecutiveNon200 { get; init; } = 5;

    /// <summary>Route and listener condition polls (default 60 s upstream).</summary>
    public TimeSpan RouteConditions { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gateway condition and address polls (default 180 s upstream).</summary>
    public TimeSpan GatewayConditions { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Interval between status polls (100 ms upstream).</summary>
    public TimeSpan StatusPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long mirrored requests may take to show up in the mirror pods' logs.</summary>
    public TimeSpan MirrorLogTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Outcome of a bounded wait: passed, or the reason it did not within its window.</summary>
public sealed record JudgeResult(bool Passed, string Detail, int Attempts)
{
    public static JudgeResult Pass(string detail, int attempts) => new(true, detail, attempts);

    public static JudgeResult Fail(string detail, int attempts) => new(false, detail, attempts);
}

/// <summary>
/// Upstream's AwaitConvergence: run an attempt until it passes <c>threshold</c> times in a row within the window;
/// every failed attempt is followed by a pause, passing ones are not. The window is checked before each attempt
/// and during each pause.
/// </summary>
public static class ConsistencyLoop
{
    /// <summary>Runs <paramref name="attempt"/> (null = pass, else the reason) until it converges or time runs out.</summary>
    public static async Task<JudgeResult> AwaitConvergenceAsync(
        Func<CancellationToken, Task<string?>> attempt, int threshold, TimeSpan window, TimeSpan delayAfterFailure,
        IConformanceClock clock, CancellationToken ct)
    {
        var start = clock.Now;
        var successes = 0;
        var attempts = 0;
        string? lastFailure = null;
        while (true)
        {
            if (clock.Now - start >= window)
            {
                return JudgeResult.Fail($"timeout after {attempts} attempts, {successes}/{threshold} consecutive successes; last failure: {lastFailure ?? "none"}", attempts);
            }
            var failure = await attempt(ct).ConfigureAwait(false);
            attempts++;
            if (failure is null)
            {
                if (++successes >= threshold) return JudgeResult.Pass($"{threshold} consecutive successes after {attempts} attempts", attempts);
                continue;
            }
            successes = 0;
            lastFailure = failure;
            var left = window - (clock.Now - start);
            if (left <= TimeSpan.Zero)
            {
                return JudgeResult.Fail($"timeout after {attempts} attempts, 0/{threshold} consecutive successes; last failure: {lastFailure}", attempts);
            }
            await clock.DelayAsync(left < delayAfterFailure ? left : delayAfterFailure, ct).ConfigureAwait(false);
        }
    }
}
