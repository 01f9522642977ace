using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.Hosting;
using Gateway.Host.Kubernetes;
using Gateway.Host.Observability.Metrics;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Gateway.Tests.Observability;

/// <summary>
/// Listens to exactly one <see cref="ControlPlaneMetrics"/> instance (instruments picked by their Meter), so hosts of
/// other tests running in the same process do not count.
/// </summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string> Tags)> _all = new();

    public RecordedMeasurements(ControlPlaneMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(i, v, tags));
        _listener.Start();
    }

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags) copy[key] = Convert.ToString(tagValue, System.Globalization.CultureInfo.InvariantCulture)!;
        _all.Enqueue((instrument.Name, value, copy));
    }

    /// <summary>How many measurements of <paramref name="instrument"/> carried every tag of <paramref name="tags"/>.</summary>
    public int Count(string instrument, params (string Key, string Value)[] tags) =>
        _all.Count(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value));

    /// <summary>The sum of the values of those measurements (counter increments).</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        _all.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}

public sealed class ControlPlaneMetricsTests
{
    private static DesiredGatewayClassStatus Desired(string acceptedStatus = "True")
    {
        var gc = Assert.IsType<V1GatewayClass>(Assert.Single(ManifestParser.Parse("t.yaml", Manifests.GatewayClass()).Objects).Object);
        gc.Metadata.Generation = 1;
        return new DesiredGatewayClassStatus(new ResourceKey("GatewayClass", "", "gc"), 1, gc, new V1GatewayClassStatus
        {
            Conditions = [new V1Condition { Type = "Accepted", Status = acceptedStatus, Reason = "Accepted", ObservedGeneration = 1 }],
        });
    }

    /// <summary>A sink whose every write fails with <paramref name="failure"/> (the API server's answers the Kubernetes sink turns into exceptions) or, without one, answers Conflict.</summary>
    private sealed class FailingSink(Exception? failure) : IStatusSink
    {
        public string ControllerName => Manifests.Controller;

        public bool StoresObjects => false;

        public Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct) =>
            failure is null ? Task.FromResult(new StatusWriteReceipt(StatusWriteOutcome.Conflict, null)) : Task.FromException<StatusWriteReceipt>(failure);

        public Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct) => Task.FromResult(new StatusWriteReceipt(StatusWriteOutcome.Written, null));

        public Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct) => Task.FromResult<StoredStatus?>(new StoredStatus(null, "1"));
    }

    [Fact]
    public async Task MeteredStatusSink_CountsWrittenSkippedConflictAndFailed_ByKind_AndPassesOutcomesAndFailuresThrough()
    {
        using var metrics = new ControlPlaneMetrics();
        using var recorded = new RecordedMeasurements(metrics);
        var memory = new Status.EntityStatusWriter(new MeteredStatusSink(new MemoryStatusSink(Manifests.Controller), metrics), TimeProvider.System);
        var conflicting = new Status.EntityStatusWriter(new MeteredStatusSink(new FailingSink(null), metrics), TimeProvider.System);
        var failing = new Status.EntityStatusWriter(new MeteredStatusSink(new FailingSink(new HttpRequestException("connection refused")), metrics), TimeProvider.System);

        Assert.Equal(StatusWriteOutcome.Written, await memory.WriteAsync(Desired(), CancellationToken.None));
        Assert.Equal(StatusWriteOutcome.Unchanged, await memory.WriteAsync(Desired(), CancellationToken.None));
        Assert.Equal(StatusWriteOutcome.Written, await memory.WriteAsync(Desired("False"), CancellationToken.None));
        Assert.Equal(StatusWriteOutcome.Conflict, await conflicting.WriteAsync(Desired(), CancellationToken.None, attempts: 1));
        await Assert.ThrowsAsync<HttpRequestException>(() => failing.WriteAsync(Desired(), CancellationToken.None));

        const string writes = "gateway.status.writes";
        Assert.Equal(2, recorded.Sum(writes, ("kind", "GatewayClass"), ("result", "written")));
        Assert.Equal(1, recorded.Sum(writes, ("kind", "GatewayClass"), ("result", "skipped")));
        Assert.Equal(1, recorded.Sum(writes, ("kind", "GatewayClass"), ("result", "conflict")));
        Assert.Equal(1, recorded.Sum(writes, ("kind", "GatewayClass"), ("result", "failed")));
        Assert.Equal(5, recorded.Sum(writes));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task Host_EveryPass_RecordsItsDurationPerPhaseAndPropagation_AndTheEntitiesStatusWritesByKind()
    {
        using var dir = new TempDir();
        dir.Write("m/all.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g", port: Gateway.Tests.MultiNode.ReplicaProcess.FreePort())));
        using var metrics = new ControlPlaneMetrics();
        using var recorded = new RecordedMeasurements(metrics);
        var builder = GatewayHost.CreateBuilder(new GatewayHostOptions { ManifestDirectories = [dir.Combine("m")], RescanInterval = TimeSpan.FromMilliseconds(200) });
        builder.Services.AddSingleton(metrics);
        await using var host = builder.Build();
        await host.StartAsync(Wait.Token());
        await host.WaitUntilReadyAsync(Wait.Token());

        const string reconcile = "gateway.reconcile.duration";
        foreach (var phase in new[] { "pass", "translate", "apply", "status" }) Assert.True(recorded.Count(reconcile, ("phase", phase)) >= 1, phase);
        Assert.True(recorded.Count("gateway.propagation.duration") >= 1);
        Assert.Equal(1, recorded.Sum("gateway.status.writes", ("kind", "GatewayClass"), ("result", "written")));
        Assert.Equal(1, recorded.Sum("gateway.status.writes", ("kind", "Gateway"), ("result", "written")));

        var passes = recorded.Count(reconcile, ("phase", "pass"));
        dir.Write("m/route.yaml", Manifests.HttpRoute("web", "g"));
        await Wait.UntilAsync(() => recorded.Sum("gateway.status.writes", ("kind", "HTTPRoute"), ("result", "written")) >= 1, "the route's status write");
        // A pass is recorded once its statuses are handed off, which the entity's write can come before.
        await Wait.UntilAsync(() => recorded.Count(reconcile, ("phase", "pass")) > passes, "the route's pass recorded");
    }

    [Fact]
    public void ClusterMetrics_Moved_CountsShardsWhoseReplicaChanged_NotNewOrGoneOnes()
    {
        static PlacementView Placement(params (string Type, string Node, string[] Shards)[] regions) => new(
            regions.GroupBy(r => r.Type).ToImmutableSortedDictionary(g => g.Key, g => g.ToImmutableSortedDictionary(
                r => r.Node, r => new RegionPlacement(r.Shards.Length, r.Shards.ToImmutableSortedDictionary(s => s, _ => 1, StringComparer.Ordinal)), StringComparer.Ordinal), StringComparer.Ordinal));
        var before = Placement(("route", "a", ["1", "2"]), ("route", "b", ["3"]), ("gateway", "a", ["1"]));
        var after = Placement(("route", "a", ["1"]), ("route", "b", ["2", "3", "4"]), ("gateway", "b", ["1"]));

        Assert.Equal(2, ClusterMetrics.Moved(before, after));
        Assert.Equal(0, ClusterMetrics.Moved(after, after));
    }
}
