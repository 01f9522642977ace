using System.Diagnostics;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// What the request metric needs from the start of a request to its end: when it started and what the pipeline
/// found (table, listener, route, backend). One per data-plane connection, reused between its requests the way
/// ASP.NET Core hosting reuses its per-request context (Kestrel keeps it in IHostContextContainer), so measuring
/// allocates nothing per request. <see cref="Started"/> is 0 while nothing is measured (no MeterProvider listens), and
/// then nothing else is set or read.
/// </summary>
internal sealed class RequestMeasurement
{
    public long Started;
    public CompiledSocketTable? Table;
    public CompiledListener? Listener;
    public CompiledRoute? Route;
    public CompiledBackend? Backend;
    public long Forwarded;

    /// <summary>Marks the start of a request on <paramref name="table"/> when some MeterProvider listens.</summary>
    public void Start(CompiledSocketTable table)
    {
        if (!DataPlaneMetrics.Enabled) return;
        Started = Stopwatch.GetTimestamp();
        Table = table;
    }

    /// <summary>What the pipeline matched.</summary>
    public void Matched(CompiledListener? listener, CompiledRoute? route)
    {
        if (Started == 0) return;
        Listener = listener;
        Route = route;
    }

    /// <summary>The backend the request is forwarded to.</summary>
    public void Forwarding(CompiledBackend backend)
    {
        if (Started == 0) return;
        Backend = backend;
        Forwarded = Stopwatch.GetTimestamp();
    }

    /// <summary>Records the finished request (its response has ended) and forgets it.</summary>
    public void End(HttpContext context)
    {
        if (Started == 0) return;
        DataPlaneMetrics.RecordRequest(context, Started, Table!, Listener, Route, Backend, Forwarded);
        Started = 0;
        Table = null;
        Listener = null;
        Route = null;
        Backend = null;
        Forwarded = 0;
    }
}
