using System.Diagnostics;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.Observability.AccessLog;
using Gateway.Host.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.Observability;

/// <summary>
/// One observed HTTP request: its server span, its W3C trace context and its access log entry. Created only when
/// <see cref="DataPlaneTelemetry.Enabled"/>; the request pipeline reports what it decided (no route, the matched
/// route, the backend endpoint, a timeout) and <see cref="End"/> finishes the span and queues the log line.
/// </summary>
/// <remarks>
/// Trace context (W3C Trace Context): the client's traceparent is the parent when it is valid, so its trace id is
/// kept; otherwise a new trace starts. The upstream request carries a traceparent with the same trace id and this
/// hop's span id (the server span's when tracing is on, else a new one), replacing the client's; the client's
/// tracestate is forwarded unchanged like any other header.
/// </remarks>
internal sealed class HttpExchange
{
    public const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";

    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private readonly DataPlaneTelemetry _telemetry;
    private readonly Activity? _activity;
    private readonly ActivityTraceId _traceId;
    private readonly ActivitySpanId _spanId;
    private readonly bool _sampled;
    private readonly CountingStream? _requestBody;
    private readonly CountingStream? _responseBody;
    // As the client sent it: a URLRewrite filter changes the request's path before forwarding.
    private readonly string? _path;
    private HttpRouteEntry? _route;
    private string? _backend;
    private ResponseFlags _flags;

    private HttpExchange(HttpContext context, DataPlaneTelemetry telemetry)
    {
        _telemetry = telemetry;
        var request = context.Request;
        _path = request.Path.Value;
        var parent = ParentOf(request);
        if (telemetry.Tracing)
        {
            _activity = GatewayTracing.Source.StartActivity(ActivityKind.Server, parent, name: request.Method);
        }
        if (_activity is not null)
        {
            _traceId = _activity.TraceId;
            _spanId = _activity.SpanId;
            _sampled = _activity.Recorded;
            SetRequestTags(_activity, context);
        }
        else
        {
            // No span of ours (tracing off, or the sampler dropped it): the hop still gets its own span id so the
            // backend sees the trace continue, and the access log its trace id.
            _traceId = parent.TraceId != default ? parent.TraceId : ActivityTraceId.CreateRandom();
            _spanId = ActivitySpanId.CreateRandom();
            _sampled = parent.TraceId != default && (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0;
        }
        if (telemetry.AccessLog is not null)
        {
            request.Body = _requestBody = new CountingStream(request.Body);
            // Replacing the feature, not setting Response.Body: the setter would add a StreamResponseBodyFeature and a
            // PipeWriter per request. YARP copies response bodies through Response.Body, which reads this Stream.
            var body = context.Features.Get<IHttpResponseBodyFeature>()!;
            var counting = new CountingResponseBody(body);
            _responseBody = counting.Counter;
            context.Features.Set<IHttpResponseBodyFeature>(counting);
        }
    }

    /// <summary>
    /// The W3C trace context of a request no exchange observes (neither spans nor access log): the upstream request
    /// still carries a traceparent, continuing the client's trace (its trace id and sampled flag, a new span id for this
    /// hop) or starting a new, unsampled one, so a backend's tracing sees every request as part of a trace either way.
    /// </summary>
    public static void ContinueTraceContext(IHeaderDictionary headers)
    {
        ActivityTraceId traceId;
        var sampled = false;
        if (headers.TryGetValue(TraceParentHeader, out var value) && value.Count == 1
            && ActivityContext.TryParse(value[0], null, isRemote: true, out var parent))
        {
            traceId = parent.TraceId;
            sampled = (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0;
        }
        else
        {
            traceId = ActivityTraceId.CreateRandom();
        }
        headers[TraceParentHeader] = TraceParent(traceId, ActivitySpanId.CreateRandom(), sampled);
    }

    /// <summary>Starts observing <paramref name="context"/>.</summary>
    public static HttpExchange Begin(HttpContext context, DataPlaneTelemetry telemetry) => new(context, telemetry);

    /// <summary>The trace id of this exchange (32 lowercase hex digits).</summary>
    public string TraceId => _traceId.ToHexString();

    /// <summary>No listener or route matched the request.</summary>
    public void NoRoute() => _flags |= ResponseFlags.NoRoute;

    /// <summary>A route matched.</summary>
    public void Routed(CompiledRoute route)
    {
        _route = route.Entry;
        if (_activity is not null)
        {
            var entry = route.Entry;
            // HTTP semantic conventions: the span is named "{method} {http.route}", http.route being the matched
            // template (here the route's path match); which Gateway API object matched is in gateway.route.*.
            _activity.DisplayName = $"{_activity.DisplayName} {entry.Path.Value}";
            _activity.SetTag("http.route", entry.Path.Value);
            _activity.SetTag("gateway.route.kind", entry.Route.Kind);
            _activity.SetTag("gateway.route.namespace", entry.Route.Namespace);
            _activity.SetTag("gateway.route.name", entry.Route.Name);
            _activity.SetTag("gateway.route.rule", RuleOf(entry));
        }
    }

    /// <summary>
    /// The request is about to go to <paramref name="destination"/> (called per attempt; the last one counts): records
    /// the endpoint and sets the upstream request's traceparent.
    /// </summary>
    public void Forwarding(HttpContext context, string destination)
    {
        _backend = destination;
        _activity?.SetTag("gateway.backend.endpoint", destination);
        context.Request.Headers[TraceParentHeader] = TraceParent(_traceId, _spanId, _sampled);
    }

    /// <summary>A request or backend timeout answered the request.</summary>
    public void TimedOut() => _flags |= ResponseFlags.Timeout;

    /// <summary>The ExternalAuth filter decided the answer (see <see cref="ResponseFlags.ExternalAuthDenied"/>, <see cref="ResponseFlags.ExternalAuthFailed"/>).</summary>
    public void ExternalAuth(ResponseFlags flags) => _flags |= flags;

    /// <summary>The request is over (successfully or not): ends the span and queues the access log line.</summary>
    public void End(HttpContext context, Exception? failure)
    {
        var response = context.Response;
        var status = failure is not null && !response.HasStarted ? StatusCodes.Status500InternalServerError : response.StatusCode;
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        var flags = _flags;
        if (error is ForwarderError.RequestTimedOut) flags |= ResponseFlags.Timeout;
        else if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled
                 or ForwarderError.UpgradeResponseCanceled) flags |= ResponseFlags.ClientAbort;
        else if (error != ForwarderError.None) flags |= ResponseFlags.UpstreamReset;
        if (context.RequestAborted.IsCancellationRequested) flags |= ResponseFlags.ClientAbort;

        if (_activity is not null)
        {
            _activity.SetTag("http.response.status_code", status);
            if (status >= 500 || failure is not null || error != ForwarderError.None)
            {
                // Server spans: 5xx and failures are errors, 4xx are the client's.
                _activity.SetStatus(ActivityStatusCode.Error);
                _activity.SetTag("error.type", failure?.GetType().FullName ?? (error != ForwarderError.None ? error.ToString() : status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            _activity.Stop();
        }

        if (_telemetry.AccessLog is { } log)
        {
            var request = context.Request;
            var connection = context.Connection;
            log.TryWrite(new AccessLogEntry
            {
                Kind = "http",
                Start = _start,
                Duration = Stopwatch.GetElapsedTime(_started),
                ClientIp = connection.RemoteIpAddress,
                ClientPort = connection.RemotePort,
                ListenerIp = connection.LocalIpAddress,
                ListenerPort = connection.LocalPort,
                Method = request.Method,
                Host = request.Host.Value,
                Path = _path,
                Protocol = request.Protocol,
                Status = status,
                BytesIn = _requestBody?.Count ?? 0,
                BytesOut = _responseBody?.Count ?? 0,
                HttpRoute = _route,
                Backend = _backend,
                Flags = flags,
                TraceId = _traceId,
            });
        }
    }

    /// <summary>"00-{trace id}-{span id}-{flags}" as one string (no intermediate hex strings per request).</summary>
    internal static string TraceParent(ActivityTraceId traceId, ActivitySpanId spanId, bool sampled) =>
        string.Create(55, (traceId, spanId, sampled), static (chars, ids) =>
        {
            Span<byte> bytes = stackalloc byte[16];
            "00-".CopyTo(chars);
            ids.traceId.CopyTo(bytes);
            Convert.TryToHexStringLower(bytes, chars[3..35], out _);
            chars[35] = '-';
            ids.spanId.CopyTo(bytes[..8]);
            Convert.TryToHexStringLower(bytes[..8], chars[36..52], out _);
            chars[52] = '-';
            chars[53] = '0';
            chars[54] = ids.sampled ? '1' : '0';
        });

    private static string RuleOf(HttpRouteEntry entry) => entry.RuleName ?? entry.RuleIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The client's trace context, or default when it sent none or an invalid one (a new trace then starts).</summary>
    private static ActivityContext ParentOf(HttpRequest request)
    {
        var headers = request.Headers;
        if (!headers.TryGetValue(TraceParentHeader, out var parent) || parent.Count != 1) return default;
        var state = headers.TryGetValue(TraceStateHeader, out var s) ? s.ToString() : null;
        return ActivityContext.TryParse(parent[0], state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>HTTP server span attributes known at the start (OpenTelemetry HTTP semantic conventions).</summary>
    private static void SetRequestTags(Activity activity, HttpContext context)
    {
        var request = context.Request;
        activity.SetTag("http.request.method", request.Method);
        activity.SetTag("url.scheme", request.Scheme);
        activity.SetTag("url.path", request.Path.Value);
        if (request.QueryString.HasValue) activity.SetTag("url.query", request.QueryString.Value!.TrimStart('?'));
        activity.SetTag("server.address", request.Host.Host);
        if (request.Host.Port is { } port) activity.SetTag("server.port", port);
        activity.SetTag("network.protocol.version", request.Protocol switch
        {
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            "HTTP/1.0" => "1.0",
            var other => other,
        });
        if (context.Connection.RemoteIpAddress is { } client) activity.SetTag("client.address", client.ToString());
        if (request.Headers.UserAgent is { Count: > 0 } agent) activity.SetTag("user_agent.original", agent.ToString());
    }
}
