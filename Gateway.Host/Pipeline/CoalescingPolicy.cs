namespace Gateway.Host.Pipeline;

/// <summary>How store changes are batched into snapshots.</summary>
public sealed record CoalescingOptions
{
    /// <summary>
    /// The quiet period: a change that arrives when nothing was published for this long is published at once;
    /// inside a burst, a batch is published once changes pause for this long. Default 0: every change is published as
    /// soon as the pipeline is free, and the changes that arrived while a pass ran share the next pass. A window is a
    /// timer, and under load its continuation waited behind the data plane's work on the thread pool: in Kubernetes
    /// mode, where one apply arrives as separate watch events (an EndpointSlice, its Service, the route), the route's
    /// pass waited 6 to 17 ms for a 1 ms window at 5,000 routes with steady traffic (bench/README.md "Issue 10 in the
    /// ninth session"). Statuses are not written per pass: the status stage's delay lets a newer pass supersede a
    /// waiting one (<see cref="PipelineOptions.StatusDelay"/>). MaxDelay bounds a burst when a window is set.
    /// </summary>
    public TimeSpan Window { get; init; } = TimeSpan.Zero;

    /// <summary>The longest a pending change waits while a burst goes on. Default 200 ms.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>The times the coalescing decision depends on, on a monotonic clock.</summary>
/// <param name="FirstPendingAt">When the oldest unpublished change arrived.</param>
/// <param name="LastChangeAt">When the newest unpublished change arrived.</param>
/// <param name="LastPublishedAt">When the last snapshot was published; null before the first.</param>
public readonly record struct PendingTimes(TimeSpan FirstPendingAt, TimeSpan LastChangeAt, TimeSpan? LastPublishedAt);

/// <summary>
/// When to publish pending changes: the coalescing decision as a pure function of timestamps (leading edge after a
/// quiet spell, trailing edge inside a burst, with a cap), so it is tested without timers.
/// </summary>
public static class CoalescingPolicy
{
    /// <summary>The time at which the pending changes should be published (publish now if it is not in the future).</summary>
    public static TimeSpan PublishAt(PendingTimes times, CoalescingOptions options)
    {
        // After a quiet spell (or before anything was published) a change is applied at once: a lone edit is not
        // delayed by the window.
        if (times.LastPublishedAt is not { } published || times.FirstPendingAt - published >= options.Window) return times.FirstPendingAt;

        // Inside a burst: wait for a pause of one window, but never longer than MaxDelay after the first pending change.
        var afterPause = times.LastChangeAt + options.Window;
        var cap = times.FirstPendingAt + options.MaxDelay;
        return afterPause < cap ? afterPause : cap;
    }
}
