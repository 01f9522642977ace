namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// Polls a status check until it passes, aborts, or its window closes. A composite check is waited phase by phase,
/// each phase with the timeout of the upstream helper it stands for.
/// </summary>
public sealed class StatusJudge(IStatusReader status, string controllerName, ConformanceTimeouts timeouts, IConformanceClock clock)
{
    /// <summary>Waits for every phase of <paramref name="check"/> in order.</summary>
    public async Task<JudgeResult> WaitAsync(StatusCheck check, CancellationToken ct)
    {
        var polls = 0;
        foreach (var phase in check.Phases)
        {
            var result = await WaitPhaseAsync(phase, ct).ConfigureAwait(false);
            polls += result.Attempts;
            if (!result.Passed) return JudgeResult.Fail(ReferenceEquals(phase, check) ? result.Detail : $"{check.Describe()}: {result.Detail}", polls);
        }
        return JudgeResult.Pass(check.Describe(), polls);
    }

    private async Task<JudgeResult> WaitPhaseAsync(StatusCheck check, CancellationToken ct)
    {
        var window = check.Window(timeouts);
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
            await clock.DelayAsync(timeouts.DefaultPollInterval, ct).ConfigureAwait(false);
        }
    }
}
