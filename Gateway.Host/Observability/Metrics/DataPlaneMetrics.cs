using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.Observability.Metrics;

/// <summary>
/// The data plane's instruments (meter <see cref="MeterName"/>). Static, because the request path records into them
/// and must not look anything up per request: instruments are created once, and every tag value but the status code
/// and method is a string computed when the route table is compiled (<see cref="RouteTags"/>, the table's gateway,
/// the listener's name, the backend's cluster id). When no MeterProvider listens (no management endpoint, so nothing
/// can scrape), <see cref="Instrument.Enabled"/> is false and the request path skips all of it.
/// Observable instruments read counters the L4 sockets and the mirror queue keep anyway, at scrape time.
/// </summary>
public static class DataPlaneMetrics
{
    /// <summary>The meter's name (what a MeterProvider adds).</summary>
    public const string MeterName = "Gateway.DataPlane";

    /// <summary>The OpenTelemetry HTTP semantic conventions' recommended buckets for request durations, in seconds.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private static readonly Meter Meter = new(MeterName, Hosting.GatewayVersion.WithoutBuildMetadata);

    /// <summary>Exported as http_server_request_duration_seconds (OpenTelemetry HTTP semantic conventions).</summary>
    internal static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "http.server.request.duration", "s", "Duration of HTTP requests the gateway served, from the request's start to the end of its response",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>
    /// Exported as gateway_upstream_request_duration_seconds: from the gateway choosing the backend to the end of the
    /// response it relayed (Envoy's upstream_rq_time is the same span), by backend and status.
    /// </summary>
    internal static readonly Histogram<double> UpstreamDuration = Meter.CreateHistogram(
        "gateway.upstream.request.duration", "s", "Duration of forwarded requests from choosing the backend to the end of the response, by backend (its route-table cluster id, namespace/service:port/protocol) and status",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>Exported as gateway_upstream_errors_total: requests whose forwarding to a backend failed, by backend and YARP error.</summary>
    internal static readonly Counter<long> UpstreamErrors = Meter.CreateCounter<long>(
        "gateway.upstream.errors", unit: null, "Requests whose forwarding to the backend failed (connect, timeout, reset), by backend and error");

    /// <summary>
    /// Exported as gateway_route_regex_timeouts_total: route-match regular expression evaluations that ran out of time
    /// (RouteRegex.Timeout) and so counted as no match, by the part of the request they matched ("part": path, header,
    /// query).
    /// </summary>
    internal static readonly Counter<long> RegexTimeouts = Meter.CreateCounter<long>(
        "gateway.route.regex_timeouts", unit: null, "Route-match regular expression evaluations that ran out of time and counted as no match, by the part of the request matched (path, header, query)");

    // Boxed once: a status code tag must not box per request. Codes outside 0..599 are boxed when they occur.
    private static readonly object[] BoxedStatus = [.. Enumerable.Range(0, 600).Select(i => (object)i)];

    private static readonly ConcurrentDictionary<DataPlane.DataPlane, byte> DataPlanes = new();

    static DataPlaneMetrics()
    {
        Meter.CreateObservableCounter("gateway.l4.sessions", () => L4(s => s.Accepted), unit: null,
            "TCP/TLS connections accepted and UDP datagrams received, per L4 socket");
        Meter.CreateObservableCounter("gateway.l4.errors", () => L4(s => s.Errors), unit: null,
            "TCP/TLS connections refused (no route, no backend, connect failure, unreadable ClientHello) and UDP datagrams dropped, per L4 socket");
        Meter.CreateObservableUpDownCounter("gateway.l4.active_sessions", () => L4(s => s.Active), unit: null,
            "Open TCP/TLS connections and UDP sessions, per L4 socket");
        Meter.CreateObservableCounter("gateway.mirror.queue.drops", () => Mirror(s => s.Dropped), unit: null,
            "Mirrored requests dropped because the mirror queue was full (the main request is never held up)");
        Meter.CreateObservableCounter("gateway.access_log.dropped", AccessLogDrops, unit: null,
            "Access log entries dropped because the log's queue was full (a request is never held up by its log line)");
        Meter.CreateObservableCounter("gateway.mirror.requests", MirrorResults, unit: null,
            "Mirrored requests sent or failed, by result");
    }

    /// <summary>Makes <paramref name="dataPlane"/>'s L4 sockets and mirror queue observable until <see cref="Forget"/>.</summary>
    internal static void Observe(DataPlane.DataPlane dataPlane) => DataPlanes.TryAdd(dataPlane, 0);

    /// <summary>Stops observing a disposed data plane.</summary>
    internal static void Forget(DataPlane.DataPlane dataPlane) => DataPlanes.TryRemove(dataPlane, out _);

    /// <summary>Whether the request path should record (some MeterProvider listens).</summary>
    internal static bool Enabled => RequestDuration.Enabled || UpstreamDuration.Enabled || UpstreamErrors.Enabled;

    /// <summary>
    /// Records one finished request: called once the response has ended (like ASP.NET Core hosting does), with what
    /// the pipeline found. No allocation: a TagList of at most eight tags lives on the stack, and every value is a
    /// precomputed string or a pre-boxed status code.
    /// </summary>
    internal static void RecordRequest(HttpContext context, long started, CompiledSocketTable table, CompiledListener? listener, CompiledRoute? route,
        CompiledBackend? backend, long forwarded)
    {
        var status = context.Response.StatusCode;
        var boxedStatus = (uint)status < (uint)BoxedStatus.Length ? BoxedStatus[status] : status;
        if (RequestDuration.Enabled)
        {
            var tags = new TagList
            {
                { "http.request.method", Method(context.Request.Method) },
                { "http.response.status_code", boxedStatus },
                { "gateway", table.GatewayTag },
            };
            if (listener is not null) tags.Add("listener", listener.Source.Name);
            if (route is not null)
            {
                var routeTags = route.Tags;
                tags.Add("route_kind", routeTags.Kind);
                tags.Add("route", routeTags.Route);
                tags.Add("rule", routeTags.Rule);
            }
            RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
        if (backend is not null && UpstreamDuration.Enabled)
        {
            UpstreamDuration.Record(Stopwatch.GetElapsedTime(forwarded).TotalSeconds,
                new KeyValuePair<string, object?>("backend", backend.Source.ClusterId), new KeyValuePair<string, object?>("http.response.status_code", boxedStatus));
        }
        if (backend is not null && UpstreamErrors.Enabled && context.Features.Get<IForwarderErrorFeature>() is { Error: not ForwarderError.None } error)
        {
            UpstreamErrors.Add(1, new TagList { { "backend", backend.Source.ClusterId }, { "error", ErrorName(error.Error) } });
        }
    }

    /// <summary>The method as the semantic conventions want it: a known method by its canonical name, anything else as _OTHER (bounded cardinality).</summary>
    internal static string Method(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsConnect(method) => HttpMethods.Connect,
        _ when HttpMethods.IsTrace(method) => HttpMethods.Trace,
        _ => "_OTHER",
    };

    private static string ErrorName(ForwarderError error) => error switch
    {
        ForwarderError.Request => "request",
        ForwarderError.RequestTimedOut => "request_timeout",
        ForwarderError.RequestCanceled => "request_canceled",
        ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient or ForwarderError.RequestBodyDestination => "request_body",
        ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyDestination => "response_body",
        ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeRequestDestination
            or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient or ForwarderError.UpgradeResponseDestination
            or ForwarderError.UpgradeActivityTimeout => "upgrade",
        ForwarderError.ResponseHeaders => "response_headers",
        _ => "other",
    };

    private readonly record struct L4Counts(long Accepted, long Errors, long Active);

    private static IEnumerable<Measurement<long>> L4(Func<L4Counts, long> pick)
    {
        foreach (var dataPlane in DataPlanes.Keys)
        {
            if (dataPlane.L4Sockets is not { } sockets) continue;
            foreach (var tcp in sockets.TcpSockets)
            {
                var s = tcp.Stats;
                yield return new Measurement<long>(pick(new L4Counts(s.Accepted, s.Rejected, s.Active)), SocketTags(tcp.Key, tcp.Config.InspectsSni ? "tls" : "tcp"));
            }
            foreach (var udp in sockets.UdpSockets)
            {
                var s = udp.Stats;
                yield return new Measurement<long>(pick(new L4Counts(s.Datagrams, s.Dropped, s.Sessions)), SocketTags(udp.Key, "udp"));
            }
        }
    }

    private static TagList SocketTags(Gateway.Streams.L4.L4SocketKey key, string protocol) =>
        new() { { "protocol", protocol }, { "server.address", key.Address }, { "server.port", key.Port } };

    private static IEnumerable<Measurement<long>> Mirror(Func<Gateway.Streams.Mirroring.MirrorQueueStats, long> pick)
    {
        foreach (var dataPlane in DataPlanes.Keys)
        {
            if (dataPlane.MirrorStats is { } stats) yield return new Measurement<long>(pick(stats));
        }
    }

    private static IEnumerable<Measurement<long>> AccessLogDrops()
    {
        foreach (var dataPlane in DataPlanes.Keys)
        {
            if (dataPlane.AccessLog is { } log) yield return new Measurement<long>(log.Dropped);
        }
    }

    private static IEnumerable<Measurement<long>> MirrorResults()
    {
        foreach (var dataPlane in DataPlanes.Keys)
        {
            if (dataPlane.MirrorStats is not { } stats) continue;
            yield return new Measurement<long>(stats.Sent, new KeyValuePair<string, object?>("result", "sent"));
            yield return new Measurement<long>(stats.Failed, new KeyValuePair<string, object?>("result", "failed"));
        }
    }
}

/// <summary>The tag values of one compiled route entry, computed once when the entry is compiled.</summary>
/// <param name="Kind">HTTPRoute or GRPCRoute.</param>
/// <param name="Route">The route's namespace/name.</param>
/// <param name="Rule">The rule's name when it has one, else its index in the route.</param>
internal sealed record RouteTags(string Kind, string Route, string Rule)
{
    public static RouteTags Of(HttpRouteEntry entry) => new(
        entry.Kind == HttpRouteKind.Grpc ? "GRPCRoute" : "HTTPRoute",
        $"{entry.Route.Namespace}/{entry.Route.Name}",
        string.IsNullOrEmpty(entry.RuleName) ? entry.RuleIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : entry.RuleName);
}
