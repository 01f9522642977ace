using System.Diagnostics;
using System.Runtime;

namespace Gateway.Bench;

/// <summary>
/// Quiets this process before a gateway it measures starts: the bench and the gateway share the machine's 2 cores,
/// so a start must not be measured against the bench's own work: the garbage of writing 10,000 routes' fixtures, and
/// the compilation of its request path on first use. (The driver runs without tiered compilation, so no background
/// compiler of its own recompiles anything later; with it, the bench used 20 to 80 % of a core in bursts during a
/// 10,000-route start: bench/README.md, "Issue 10 in the twenty-third session".)
/// </summary>
internal static class HarnessSettle
{
    /// <summary>The longest the wait for this process's compiler to go quiet lasts.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>How long the compiled-method count must stay the same to count as quiet.</summary>
    private static readonly TimeSpan QuietFor = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Sends one request through <paramref name="warm"/> (compiling the request path the ready wait uses; its outcome
    /// does not matter), collects this process's garbage, then waits (bounded by <see cref="MaxWait"/>) until its JIT has
    /// compiled nothing for <see cref="QuietFor"/>. Returns how long it took.
    /// </summary>
    public static async Task<TimeSpan> BeforeGatewayStartAsync(Func<Task>? warm)
    {
        var started = Stopwatch.GetTimestamp();
        if (warm is not null)
        {
            try
            {
                await warm().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // Only compiles the path; the gateway's own requests come later.
            }
        }
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var count = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < MaxWait && Stopwatch.GetElapsedTime(quietSince) < QuietFor)
        {
            await Task.Delay(50).ConfigureAwait(false);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != count) (count, quietSince) = (now, Stopwatch.GetTimestamp());
        }
        return Stopwatch.GetElapsedTime(started);
    }
}
