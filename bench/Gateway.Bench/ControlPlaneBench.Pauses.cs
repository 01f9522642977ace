using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Gateway.Bench;

/// <summary>One pause of the gateway process as its <c>/debug/memory/pauses</c> reports it (Observability/Runtime).</summary>
internal sealed record GatewayPause(DateTime StartUtc, double DurationMs, double SuspendMs, string Type, long? GcIndex, int? Generation, string? GcReason, string SuspendReason,
    long? PromotedBytes = null, long? HeapBytes = null)
{
    public DateTime EndUtc => StartUtc.AddTicks((long)(DurationMs * TimeSpan.TicksPerMillisecond));

    public string Short => Generation is { } g
        ? string.Create(CultureInfo.InvariantCulture, $"gen{g} {Type} {DurationMs:F1} ms ({GcReason}{(PromotedBytes is { } p ? $", {p / 1048576.0:F1} MiB promoted" : "")})")
        : string.Create(CultureInfo.InvariantCulture, $"{Type} {DurationMs:F1} ms ({SuspendReason})");
}

internal sealed record GatewayPauses(int Capacity, long Recorded, DateTime SinceUtc, IReadOnlyList<GatewayPause> Pauses);

/// <summary>
/// One timed sample (an addition, a change or a deletion) with the gateway's runtime pauses that overlapped it: the
/// wall-clock window from the file operation to the answer the sample waited for (bench and gateway share the clock).
/// </summary>
internal sealed record PausedSample(string Phase, int Route, DateTime StartUtc, double Ms, double PausedMs, IReadOnlyList<string> Pauses, double BenchPausedMs);

/// <summary>The pauses of one phase (all its samples' window), summed up, and each of them (<see cref="GatewayPause.Short"/>).</summary>
internal sealed record PhasePauses(string Phase, int Count, double TotalMs, double MaxMs, int Gen0, int Gen1, int Gen2, int NotGc, bool RingWrapped,
    IReadOnlyList<string> Pauses);

internal sealed partial class ControlPlaneBench
{
    private static readonly HttpClient PauseClient = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The gateway's recent pauses; null from a build without the route.</summary>
    private static async Task<GatewayPauses?> PausesAsync(GatewayProcess gateway)
    {
        try
        {
            return await PauseClient.GetFromJsonAsync<GatewayPauses>(gateway.ManagementUri("/debug/memory/pauses"), GatewayProcess.JsonOptions).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the pauses after a phase and attaches to each of its samples those that overlapped it. Samples are
    /// (start, duration); the phase's summary counts every pause from its first sample's start to its last one's end.
    /// </summary>
    private static async Task<(List<PausedSample> Samples, PhasePauses? Summary)> AttributeAsync(GatewayProcess gateway, string phase,
        IReadOnlyList<(int Route, DateTime StartUtc, double Ms, double BenchPausedMs)> samples)
    {
        var view = samples.Count == 0 ? null : await PausesAsync(gateway).ConfigureAwait(false);
        var result = new List<PausedSample>(samples.Count);
        foreach (var (route, start, ms, benchPaused) in samples)
        {
            var end = start.AddTicks((long)(ms * TimeSpan.TicksPerMillisecond));
            var overlapping = view?.Pauses.Where(p => p.StartUtc < end && p.EndUtc > start).ToList() ?? [];
            // Only the part of a pause inside the window delayed this sample.
            var paused = overlapping.Sum(p => ((p.EndUtc < end ? p.EndUtc : end) - (p.StartUtc > start ? p.StartUtc : start)).TotalMilliseconds);
            result.Add(new PausedSample(phase, route, start, ms, paused, [.. overlapping.Select(p => p.Short)], benchPaused));
        }
        if (view is null) return (result, null);
        var from = samples[0].StartUtc;
        var to = samples.Max(s => s.StartUtc.AddTicks((long)(s.Ms * TimeSpan.TicksPerMillisecond)));
        var inPhase = view.Pauses.Where(p => p.StartUtc < to && p.EndUtc > from).ToList();
        var wrapped = view.Recorded > view.Capacity && view.Pauses.Count > 0 && view.Pauses[0].StartUtc > from;
        return (result, new PhasePauses(phase, inPhase.Count, inPhase.Sum(p => p.DurationMs), inPhase.Count > 0 ? inPhase.Max(p => p.DurationMs) : 0,
            inPhase.Count(p => p.Generation == 0), inPhase.Count(p => p.Generation == 1), inPhase.Count(p => p.Generation == 2),
            inPhase.Count(p => p.Generation is null), wrapped, [.. inPhase.Select(p => p.Short)]));
    }

    /// <summary>GC pause time of the bench process since <paramref name="before"/> (a <see cref="GC.GetTotalPauseDuration"/> reading), in ms.</summary>
    private static double BenchPausedSince(TimeSpan before) => (GC.GetTotalPauseDuration() - before).TotalMilliseconds;

    /// <summary>The slowest samples of every phase and the pauses that overlapped them (console and report).</summary>
    private static string PauseReport(ControlPlaneResult r, int worst)
    {
        var sb = new StringBuilder();
        if (r.PhasePauses is not { Count: > 0 } phases)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Routes} routes: no pause list (a gateway build without /debug/memory/pauses).");
            return sb.ToString();
        }
        sb.AppendLine("| routes | phase | samples | ≥ 10 ms | of those with a pause ≥ 1 ms | pauses in the phase (gen0 / gen1 / gen2 / not GC) | pause total ms | longest pause ms |");
        sb.AppendLine("|---:|---|---:|---:|---:|---|---:|---:|");
        foreach (var phase in phases)
        {
            var samples = r.Samples.Where(s => s.Phase == phase.Phase).ToList();
            var slow = samples.Where(s => s.Ms >= 10).ToList();
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Routes} | {phase.Phase} | {samples.Count} | {slow.Count} | {slow.Count(s => s.PausedMs >= 1)} | " +
                $"{phase.Count} ({phase.Gen0} / {phase.Gen1} / {phase.Gen2} / {phase.NotGc}){(phase.RingWrapped ? ", ring wrapped" : "")} | {phase.TotalMs:F1} | {phase.MaxMs:F1} |");
        }
        sb.AppendLine();
        foreach (var phase in phases.Where(p => p.Pauses.Count > 0))
            sb.AppendLine(CultureInfo.InvariantCulture, $"Pauses during the {phase.Phase}s: {string.Join("; ", phase.Pauses)}.").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Slowest {worst} samples at {r.Routes} routes, with the pauses of the gateway process that overlapped each ")
            .AppendLine("and the bench process's own GC pauses from its write to the answer (the clients, and in Kubernetes mode the API server, run there):").AppendLine();
        sb.AppendLine("| phase | route | ms | paused ms | pauses | bench paused ms |");
        sb.AppendLine("|---|---:|---:|---:|---|---:|");
        foreach (var s in r.Samples.OrderByDescending(s => s.Ms).Take(worst))
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {s.Phase} | r{s.Route} | {s.Ms:F1} | {s.PausedMs:F1} | {(s.Pauses.Count == 0 ? "none" : string.Join("; ", s.Pauses))} | {s.BenchPausedMs:F1} |");
        return sb.ToString();
    }
}
