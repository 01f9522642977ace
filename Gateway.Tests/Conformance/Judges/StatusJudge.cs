namespace Gateway.Tests.Conformance.Judges;

/// <summary>Polls a status check until it passes, aborts, or its window (route or Gateway timeout) closes.</summary>
public sealed class StatusJudge(IStatusReader status, string controllerName, ConformanceTimeouts timeouts, IConformanceClock clock)
{
    /// <summary>Evaluates <paramref name="check"/> every poll interval within its window.</summary>
    public async Task<JudgeResult> WaitAsync(StatusCheck check, CancellationToken ct)
    {
        var window = check.GatewayWindow ? timeouts.GatewayConditions : timeouts.RouteConditions;
        var start = clock.Now;
        var polls = 0;
        while (true)
        {
            polls++;
            var outcome = check.Evaluate(status, controllerName);
            switch (outcome.Verdict)
            {
                case StatusVerdict.Pass:
                    return JudgeResult.Pass(check.Describe(), polls);
                case StatusVerdict.Abort:
                    return JudgeResult.Fail($"{check.Describe()}: {outcome.Reason}", polls);
            }
            if (clock.Now - start >= window) return JudgeResult.Fail($"{check.Describe()}: timed out after {window.TotalSeconds:0.#}s: {outcome.Reason}", polls);
            await clock.DelayAsync(timeouts.StatusPollInterval, ct).ConfigureAwait(false);
        }
    }
}
