using Gateway.Conformance.Tests.Judges;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>A clock that only moves when something waits on it (or is told to).</summary>
internal sealed class FakeClock : IConformanceClock
{
    public TimeSpan Now { get; private set; }

    public List<TimeSpan> Delays { get; } = [];

    public void Advance(TimeSpan by) => Now += by;

    public Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        Delays.Add(delay);
        Now += delay;
        return Task.CompletedTask;
    }
}
