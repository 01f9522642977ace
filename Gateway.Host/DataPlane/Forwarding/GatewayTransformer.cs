using Gateway.Host.DataPlane.Filters;
using Microsoft.AspNetCore.Http;
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
        _hostOverride = hostOverride;
        _routeResponse = routeResponse;
        _backendResponse = backendResponse;
        _cors = cors;
        _retryOn = retryOn;
    }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var host = _hostOverride ?? httpContext.Request.Headers.Host.ToString();
        proxyRequest.Headers.Host = host.Length > 0 ? host : null;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
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
