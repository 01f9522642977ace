using System.Collections.Immutable;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.Observability;
using Gateway.Host.Observability.Metrics;
using Gateway.Streams.Mirroring;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// What happens to one request on an HTTP/HTTPS socket: route lookup on the table the request started with, the
/// gateway-answered cases (404, 421, 500, 503, redirects, CORS preflights, gRPC Unimplemented), request filters,
/// mirroring, then forwarding through YARP's <see cref="IHttpForwarder"/> with timeouts and retries.
/// </summary>
internal sealed class RequestPipeline(IHttpForwarder forwarder, MirrorQueue? mirrors, DataPlaneOptions options, ILogger logger)
{
    // Null when neither spans nor access log lines are recorded: the request path then tests this one field.
    private readonly DataPlaneTelemetry? _telemetry = options.Telemetry is { Enabled: true } telemetry ? telemetry : null;

    /// <summary>
    /// Not an async method: the gateway-answered outcomes complete synchronously, and a request without timeouts,
    /// retries or mirrors returns the forwarder's task itself, so that path allocates no state machine of ours.
    /// <paramref name="measurement"/> (null: not measured) is told what the request matched, for its metric.
    /// </summary>
    public Task HandleAsync(HttpContext context, CompiledSocketTable table, RequestMeasurement? measurement = null) =>
        _telemetry is null ? Handle(context, table, null, measurement) : HandleObservedAsync(context, table, _telemetry, measurement);

    /// <summary>The request inside its <see cref="HttpExchange"/> (span, trace context, access log line).</summary>
    private async Task HandleObservedAsync(HttpContext context, CompiledSocketTable table, DataPlaneTelemetry telemetry, RequestMeasurement? measurement)
    {
        var exchange = HttpExchange.Begin(context, telemetry);
        Exception? failure = null;
        try
        {
            await Handle(context, table, exchange, measurement).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            exchange.End(context, failure);
        }
    }

    private Task Handle(HttpContext context, CompiledSocketTable table, HttpExchange? exchange, RequestMeasurement? measurement)
    {
        var request = context.Request;
        var response = context.Response;
        var serverName = table.Protocol == ListenerProtocol.Https ? context.Features.Get<ITlsHandshakeFeature>()?.HostName : null;
        var lookup = table.Find(request, serverName);
        measurement?.Matched(lookup.Listener, lookup.Route);
        switch (lookup.Outcome)
        {
            case LookupOutcome.Misdirected:
                response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return Task.CompletedTask;
            case LookupOutcome.NoListener:
            case LookupOutcome.NoRoute:
                // HTTPRouteRule.Matches: "When no rules matching a request have been successfully attached ... a HTTP
                // 404 status code MUST be returned"; gRPC clients get status Unimplemented instead (GRPCRoute).
                exchange?.NoRoute();
                if (IsGrpc(request)) WriteGrpcUnimplemented(response);
                else response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
        }

        var action = lookup.Route!.Action;
        exchange?.Routed(lookup.Route);
        if (action.Cors is not null && CorsPlan.IsPreflight(request))
        {
            action.Cors.WritePreflight(request, response);
            return Task.CompletedTask;
        }
        // RateLimitPolicy (DataPlane/RateLimiting) before ExternalAuth, so traffic over its limit never reaches the
        // authorization service; a refused request has its 429 written already.
        if (action.RateLimits is { } limits)
        {
            var admitted = limits.AdmitAsync(context);
            if (!admitted.IsCompletedSuccessfully) return AfterRateLimitAsync(admitted, context, table, action, exchange, measurement);
            if (!admitted.Result) return Task.CompletedTask;
        }
        return Authorize(context, table, action, exchange, measurement);
    }

    private async Task AfterRateLimitAsync(ValueTask<bool> admitted, HttpContext context, CompiledSocketTable table, RouteAction action, HttpExchange? exchange, RequestMeasurement? measurement)
    {
        if (await admitted.ConfigureAwait(false)) await Authorize(context, table, action, exchange, measurement).ConfigureAwait(false);
    }

    private Task Authorize(HttpContext context, CompiledSocketTable table, RouteAction action, HttpExchange? exchange, RequestMeasurement? measurement)
    {
        // ExternalAuth (GEP-1494) decides before redirects, filters and forwarding; a rule without it pays one test.
        if (action.ExternalAuth is { } auth) return AuthorizeThenDispatchAsync(context, table, action, auth, exchange, measurement);
        return Dispatch(context, table, action, exchange, measurement);
    }

    private async Task AuthorizeThenDispatchAsync(HttpContext context, CompiledSocketTable table, RouteAction action, Auth.ExternalAuthPlan auth, HttpExchange? exchange, RequestMeasurement? measurement)
    {
        if (await auth.AuthorizeAsync(context, exchange, options.ExternalAuthTimeout).ConfigureAwait(false))
            await Dispatch(context, table, action, exchange, measurement).ConfigureAwait(false);
    }

    /// <summary>The routed request after CORS preflights and ExternalAuth: redirects, backend choice, filters, forwarding.</summary>
    private Task Dispatch(HttpContext context, CompiledSocketTable table, RouteAction action, HttpExchange? exchange, RequestMeasurement? measurement)
    {
        var request = context.Request;
        var response = context.Response;
        if (action.Redirect is { } redirect)
        {
            WriteRedirect(context, table, action, redirect);
            action.ResponseHeaders?.Apply(response.Headers);
            return Task.CompletedTask;
        }

        // Session persistence pins the backend and endpoint; a rule without it pays one null check here and below.
        string? pinned = null;
        Sessions.SessionIssue? issue = null;
        var backend = action.Session is null ? action.Backends.Pick() : action.Session.Choose(request, action.Backends, out pinned, out issue);
        if (backend is null || !backend.Valid)
        {
            // HTTPRouteRule.BackendRefs: no valid backend, or this share belongs to an invalid one → 500.
            response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }
        if (backend.Redirect is { } backendRedirect)
        {
            // HTTPBackendRef RequestRedirect: answered here, so the backend's endpoints do not matter.
            WriteRedirect(context, table, action, backendRedirect);
            action.ResponseHeaders?.Apply(response.Headers);
            backend.ResponseHeaders?.Apply(response.Headers);
            return Task.CompletedTask;
        }
        if (!backend.HasEndpoints)
        {
            // "When a HTTPBackendRef refers to a Service that has no ready endpoints, implementations SHOULD return a 503".
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        if (issue is { } sessionValue) action.Session!.Issue(response, sessionValue);
        measurement?.Forwarding(backend);
        action.RequestHeaders?.Apply(request.Headers);
        backend.RequestHeaders?.Apply(request.Headers);
        if (backend.Rewrite?.Path is { } rewritePath)
        {
            request.Path = new PathString(PathModifiers.Apply(rewritePath, action.MatchedPrefix, request.Path.Value ?? "/"));
        }
        // An observed request gets its traceparent from its exchange (per attempt); every other one here, once.
        if (exchange is null) HttpExchange.ContinueTraceContext(request.Headers);
        if (action.Mirrors.Length > 0 && mirrors is not null) return MirrorThenForwardAsync(context, action, backend, exchange, pinned);
        if (action.RequestTimeout is null && action.BackendTimeout is null && action.Retry is null)
        {
            // The shortest path: one attempt, nothing to decide afterwards (the forwarder has already answered any
            // failure with its status code), so the forwarder's own task is the request's task.
            var destination = pinned ?? backend.NextDestination();
            exchange?.Forwarding(context, destination);
            return forwarder.SendAsync(context, destination, backend.Client.Invoker, backend.Client.Config, backend.Final, context.RequestAborted).AsTask();
        }
        return ForwardAsync(context, action, backend, exchange, pinned);
    }

    private async Task MirrorThenForwardAsync(HttpContext context, RouteAction action, CompiledBackend backend, HttpExchange? exchange, string? pinned)
    {
        await MirrorAsync(context, action).ConfigureAwait(false);
        await ForwardAsync(context, action, backend, exchange, pinned).ConfigureAwait(false);
    }

    // pinned: the session's endpoint (every attempt goes there), or null to go round-robin.
    private async Task ForwardAsync(HttpContext context, RouteAction action, CompiledBackend backend, HttpExchange? exchange, string? pinned)
    {
        var retry = action.Retry is not null && IsReplayable(context) ? action.Retry : null;
        var attempts = retry?.Attempts ?? 0;
        CancellationTokenSource? requestTimeout = null;
        if (action.RequestTimeout is { } requestLimit)
        {
            requestTimeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            requestTimeout.CancelAfter(requestLimit);
        }
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var last = attempt >= attempts;
                var transformer = !last && backend.Retrying is not null ? backend.Retrying : backend.Final;
                var outer = requestTimeout?.Token ?? context.RequestAborted;
                var destination = pinned ?? backend.NextDestination();
                exchange?.Forwarding(context, destination);
                ForwarderError error;
                var backendTimedOut = false;
                if (action.BackendTimeout is { } backendLimit)
                {
                    using var backendTimeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
                    backendTimeout.CancelAfter(backendLimit);
                    error = await forwarder.SendAsync(context, destination, backend.Client.Invoker, backend.Client.Config, transformer, backendTimeout.Token).ConfigureAwait(false);
                    backendTimedOut = backendTimeout.IsCancellationRequested;
                }
                else
                {
                    error = await forwarder.SendAsync(context, destination, backend.Client.Invoker, backend.Client.Config, transformer, outer).ConfigureAwait(false);
                }

                var response = context.Response;
                if (response.HasStarted || context.RequestAborted.IsCancellationRequested) return;
                var verdict = AttemptVerdicts.Judge(retry, last, error, response.StatusCode, requestTimeout?.IsCancellationRequested == true, backendTimedOut);
                if (verdict != AttemptVerdict.Retry)
                {
                    if (verdict == AttemptVerdict.TimedOut)
                    {
                        exchange?.TimedOut();
                        Reset(context, StatusCodes.Status504GatewayTimeout);
                    }
                    else if (verdict == AttemptVerdict.Unavailable) Reset(context, StatusCodes.Status503ServiceUnavailable);
                    return;
                }
                Reset(context, StatusCodes.Status200OK);
                if (retry!.Backoff > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(retry.Backoff, outer).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        if (!context.RequestAborted.IsCancellationRequested)
                        {
                            exchange?.TimedOut();
                            Reset(context, StatusCodes.Status504GatewayTimeout);
                        }
                        return;
                    }
                }
            }
        }
        finally
        {
            requestTimeout?.Dispose();
        }
    }

    private static void WriteRedirect(HttpContext context, CompiledSocketTable table, RouteAction action, RequestRedirect redirect)
    {
        var request = context.Request;
        var response = context.Response;
        response.StatusCode = redirect.StatusCode is >= 300 and < 400 ? redirect.StatusCode : StatusCodes.Status302Found;
        response.Headers.Location = RedirectLocation.Build(redirect, table.Scheme, request.Headers.Host.ToString(), action.ListenerPort, action.MatchedPrefix, request.Path.Value ?? "/", request.QueryString.Value);
    }

    /// <summary>A request can be sent again only when it has no body to replay.</summary>
    private static bool IsReplayable(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false || context.Request.ContentLength == 0;

    private static void Reset(HttpContext context, int status)
    {
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.Clear();
        context.Response.StatusCode = status;
    }

    private async ValueTask MirrorAsync(HttpContext context, RouteAction action)
    {
        var request = context.Request;
        ReadOnlyMemory<byte> body = default;
        var bodyKnown = false;
        ImmutableArray<KeyValuePair<string, string>> headers = default;
        foreach (var mirror in action.Mirrors)
        {
            // HTTPRequestMirrorFilter.Fraction/Percent: sample independently per mirror.
            if (mirror.Fraction < 1.0 && Random.Shared.NextDouble() >= mirror.Fraction) continue;
            if (!bodyKnown)
            {
                bodyKnown = true;
                var buffered = await TryBufferBodyAsync(context).ConfigureAwait(false);
                if (buffered is null)
                {
                    logger.LogDebug("request body too large or of unknown length: not mirrored");
                    return;
                }
                body = buffered.Value;
                headers = [.. request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString()))];
            }
            var host = action.Rewrite?.Hostname ?? request.Headers.Host.ToString();
            mirrors!.TryEnqueue(new MirrorRequest(mirror.Target, request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent(), host, headers, body));
        }
    }

    /// <summary>
    /// Reads a body of known length up to the cap so the copy owns its bytes; the main request then reads the same
    /// bytes from memory. Null when the body is larger than the cap or of unknown length.
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>?> TryBufferBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false) return ReadOnlyMemory<byte>.Empty;
        if (request.ContentLength is not { } length || length > options.MirrorBodyLimitBytes) return null;
        var bytes = new byte[length];
        await request.Body.ReadExactlyAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        request.Body = new MemoryStream(bytes, writable: false);
        return bytes;
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>A trailers-only gRPC answer with status 12 (UNIMPLEMENTED), as gRPC servers send for unknown methods.</summary>
    private static void WriteGrpcUnimplemented(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = "12";
        response.Headers["grpc-message"] = "no route matches this method";
        response.Headers[HeaderNames.ContentLength] = "0";
    }
}
