using Gateway.Host.DataPlane.Filters;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// Our changes to the forwarded request and the returned response, built once per (rule, backend) so the hot path
/// allocates no transform pipeline. YARP's base transformer copies headers (minus hop-by-hop ones) and builds the URI
/// from the (possibly rewritten) request path; on top of that we keep the client's Host header, or the URLRewrite
/// hostname ("MUST forward this header unmodified" absent modification: HTTPRouteSpec.Hostnames). Response header
/// modifiers (route, then backend) and CORS headers are applied after the backend's headers have been copied.
/// </summary>
internal sealed class GatewayTransformer : HttpTransformer
{
    private readonly string? _hostOverride;
    private readonly HeaderModifierPlan? _routeResponse;
    private readonly HeaderModifierPlan? _backendResponse;
    private readonly CorsPlan? _cors;
    private readonly RetryPlan? _retryOn;

    // retryOn: when set, a response whose status this plan retries is not proxied (the caller retries).
    public GatewayTransformer(string? hostOverride, HeaderModifierPlan? routeResponse, HeaderModifierPlan? backendResponse, CorsPlan? cors, RetryPlan? retryOn)
    {
        _hostOverride = string.IsNullOrEmpty(hostOverride) ? null : hostOverride;
        _routeResponse = routeResponse;
        _backendResponse = backendResponse;
        _cors = cors;
        _retryOn = retryOn;
    }

    /// <summary>
    /// The base copies every request header except hop-by-hop ones, the client's Host included (unvalidated, as
    /// received: Kestrel validated it), so only a URLRewrite hostname or an empty Host has anything left to do. The
    /// rewrite hostname is set without validation too (the API's schema validated it); the validating setter would
    /// parse the value on every request.
    /// </summary>
    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken) =>
        _hostOverride is null && !StringValues.IsNullOrEmpty(httpContext.Request.Headers.Host)
            ? base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken)
            : TransformRequestAndHostAsync(httpContext, proxyRequest, destinationPrefix, _hostOverride, cancellationToken);

    /// <summary>Sets Host to <paramref name="host"/>; null leaves it out, so the backend's authority is sent.</summary>
    private async ValueTask TransformRequestAndHostAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, string? host, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Remove(HeaderNames.Host);
        if (host is not null) proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Host, host);
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken) =>
        _retryOn is null && _routeResponse is null && _backendResponse is null && _cors is null
            ? base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken)
            : TransformResponseWithFiltersAsync(httpContext, proxyResponse, cancellationToken);

    private async ValueTask<bool> TransformResponseWithFiltersAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        // Returning false tells YARP not to proxy this answer: the handler will try again (HTTPRouteRetry.Codes).
        if (_retryOn is not null && proxyResponse is not null && _retryOn.RetriesStatus((int)proxyResponse.StatusCode))
        {
            httpContext.Response.StatusCode = (int)proxyResponse.StatusCode;
            return false;
        }
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is not null)
        {
            var headers = httpContext.Response.Headers;
            _routeResponse?.Apply(headers);
            _backendResponse?.Apply(headers);
            _cors?.ApplyActual(httpContext.Request, headers);
        }
        return proceed;
    }
}
