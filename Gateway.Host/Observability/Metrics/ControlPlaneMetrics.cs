using System.Diagnostics.Metrics;
using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// The control plane's instruments (meter <see cref="MeterName"/>), one instance per host: its meter is its own, so a
/// test can listen to exactly one host's instruments (a MeterListener that picks instruments by their Meter) while
/// other hosts run in the same process. Recording costs nothing while no MeterProvider or listener listens.
/// </summary>
public sealed class ControlPlaneMetrics : IDisposable
{
    /// <summary>The meter's name (what a MeterProvider adds).</summary>
    public const string MeterName = "Gateway.ControlPlane";

    /// <summary>Buckets for control-plane durations in seconds: 1 ms (one small pass) to 2 minutes (a 10,000-route first sync on a loaded machine).</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly Histogram<double> _reconcile;
    private readonly Histogram<double> _propagation;
    private readonly Counter<long> _statusWrites;
    private readonly Counter<long> _watchRestarts;
    private readonly Counter<long> _watchRelists;

    /// <summary>Creates the instruments; <paramref name="store"/> (optional) is read for the objects gauge at collection time.</summary>
    public ControlPlaneMetrics(ResourceStore? store = null)
    {
        Meter = new Meter(MeterName, Hosting.GatewayVersion.WithoutBuildMetadata);
        _reconcile = Meter.CreateHistogram("gateway.reconcile.duration", "s",
            "Duration of a pipeline pass (phase=pass: from its start to its statuses handed to their entities) and of its phases (translate, apply, status)",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _propagation = Meter.CreateHistogram("gateway.propagation.duration", "s",
            "From the first change of a pass seen by the source to the data plane serving it",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _statusWrites = Meter.CreateCounter<long>("gateway.status.writes", unit: null,
            "Status writes by object kind and result (written, skipped: nothing but timestamps would change, conflict, failed)");
        _watchRestarts = Meter.CreateCounter<long>("gateway.watch.restarts", unit: null,
            "Kubernetes watches started again after they ended or failed, by kind");
        _watchRelists = Meter.CreateCounter<long>("gateway.watch.relists", unit: null,
            "Full lists of a kind after its watch could not resume (410 Gone or a failure), by kind");
        if (store is not null)
        {
            Meter.CreateObservableGauge("gateway.objects", () => Objects(store), unit: null,
                "Objects in the replica's store (the last snapshot it published), by kind");
        }
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter { get; }

    /// <summary>Records one pass: its whole duration and each phase's.</summary>
    public void PassCompleted(TimeSpan pass, TimeSpan translate, TimeSpan apply, TimeSpan status)
    {
        if (!_reconcile.Enabled) return;
        _reconcile.Record(pass.TotalSeconds, new KeyValuePair<string, object?>("phase", "pass"));
        _reconcile.Record(translate.TotalSeconds, new KeyValuePair<string, object?>("phase", "translate"));
        _reconcile.Record(apply.TotalSeconds, new KeyValuePair<string, object?>("phase", "apply"));
        _reconcile.Record(status.TotalSeconds, new KeyValuePair<string, object?>("phase", "status"));
    }

    /// <summary>Records the time from a pass's first change to the data plane serving it.</summary>
    public void Propagated(TimeSpan elapsed) => _propagation.Record(elapsed.TotalSeconds);

    /// <summary>Counts one status write of an object of <paramref name="kind"/>.</summary>
    public void StatusWrite(string kind, StatusWriteResult result) =>
        _statusWrites.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("result", result switch
        {
            StatusWriteResult.Written => "written",
            StatusWriteResult.Skipped => "skipped",
            StatusWriteResult.Conflict => "conflict",
            _ => "failed",
        }));

    /// <summary>Counts a watch of <paramref name="kind"/> started again.</summary>
    public void WatchRestarted(string kind) => _watchRestarts.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a full list of <paramref name="kind"/> after its watch could not resume.</summary>
    public void Relisted(string kind) => _watchRelists.Add(1, new KeyValuePair<string, object?>("kind", kind));

    private static IEnumerable<Measurement<int>> Objects(ResourceStore store)
    {
        var snapshot = store.Published;
        foreach (var kind in KindRegistry.All)
        {
            yield return new Measurement<int>(snapshot.Count(kind), new KeyValuePair<string, object?>("kind", kind.Kind));
        }
    }

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();
}

/// <summary>How one status write ended (the result label of gateway_status_writes_total).</summary>
public enum StatusWriteResult
{
    /// <summary>The stored status changed.</summary>
    Written,

    /// <summary>Nothing but timestamps would have changed (or the object is gone): nothing was written.</summary>
    Skipped,

    /// <summary>The API server refused the write as a conflict on every attempt.</summary>
    Conflict,

    /// <summary>The write failed for any other reason.</summary>
    Failed,
}
