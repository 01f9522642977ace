using Gateway.Host.DataPlane.Filters;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
    private readonly RequestPlan _request;

    // retryOn: when set, a response whose status this plan retries is not proxied (the caller retries).
    public GatewayTransformer(string? hostOverride, HeaderModifierPlan? routeResponse, HeaderModifierPlan? backendResponse, CorsPlan? cors, RetryPlan? retryOn, RequestPlan? request = null)
    {
        _hostOverride = string.IsNullOrEmpty(hostOverride) ? null : hostOverride;
        _routeResponse = routeResponse;
        _backendResponse = backendResponse;
        _cors = cors;
        _retryOn = retryOn;
        _request = request ?? new RequestPlan(ForwardedHeaders.Default, "http", null, null);
    }

    /// <summary>
    /// The base copies every request header except hop-by-hop ones, the client's Host included (unvalidated, as
    /// received: Kestrel validated it) and builds the URI from the (possibly rewritten) decoded path; then
    /// <see cref="Finish"/> applies what is ours. The base completes synchronously, so this path allocates no state
    /// machine; the asynchronous branch only guards against a base that would not.
    /// </summary>
    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        var copy = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (!copy.IsCompletedSuccessfully) return FinishAsync(copy, httpContext, proxyRequest, destinationPrefix);
        copy.GetAwaiter().GetResult();
        Finish(httpContext, proxyRequest, destinationPrefix);
        return default;
    }

    private async ValueTask FinishAsync(ValueTask copy, HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix)
    {
        await copy.ConfigureAwait(false);
        Finish(httpContext, proxyRequest, destinationPrefix);
    }

    /// <summary>
    /// Host: the client's, or the URLRewrite hostname (set without validation: the API's schema validated it; the
    /// validating setter would parse the value on every request); an empty Host is left out, so the backend's authority
    /// is sent. Then the fields the client's Connection header names are removed, the X-Forwarded headers added, and a
    /// target with percent-encoded bytes forwarded as received (<see cref="ForwardedPath"/>).
    /// </summary>
    private void Finish(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix)
    {
        var request = httpContext.Request;
        if (_hostOverride is not null || StringValues.IsNullOrEmpty(request.Headers.Host))
        {
            proxyRequest.Headers.Remove(HeaderNames.Host);
            if (_hostOverride is not null) proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Host, _hostOverride);
        }
        var connection = request.Headers.Connection;
        if (connection.Count > 0) HopByHop.RemoveNamedBy(Hosting.RawConnectionHeader.Of(connection), proxyRequest.Headers);
        _request.Forwarded.Apply(httpContext, proxyRequest, _request.Scheme);
        var rawTarget = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (rawTarget is not null && rawTarget.Contains('%') && ForwardedPath.Normalise(rawTarget) is { } path)
        {
            if (_request.RewritePath is { } rewrite) path = ForwardedPath.Rewrite(rewrite, _request.MatchedPrefix, path);
            proxyRequest.RequestUri = new Uri(destinationPrefix + path + request.QueryString.Value, UriKind.Absolute);
        }
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
