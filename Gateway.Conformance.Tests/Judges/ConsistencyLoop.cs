using System.Diagnostics;

namespace Gateway.Conformance.Tests.Judges;

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
