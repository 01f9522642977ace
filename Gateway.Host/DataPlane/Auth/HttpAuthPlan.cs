using System.Collections.Frozen;
using System.Net;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Auth;

/// <summary>
/// ExternalAuth with protocol HTTP (HTTPAuthConfig). The check is the client's method and path (after
/// <c>http.path</c>) with its query, the Host, Authorization and allowed headers and, with forwardBody, the buffered
/// body; Content-Length is always the number of bytes actually sent. A 200 answer allows the request and copies the
/// answer's allowed response headers onto it ("must respond with a 200 status code ... Any other code is considered an
/// authorization failure"); any other answer goes back to the client as it came: status, headers and body.
/// Sent through the data plane's pooled backend client for the service's protocol, so h2c and BackendTLSPolicy apply
/// as for any backend.
/// </summary>
internal sealed class HttpAuthPlan(ExternalAuth source, string[] destinations, BackendClient client) : ExternalAuthPlan(source, destinations)
{
    /// <summary>HTTPAuthConfig.AllowedRequestHeaders: "must always be sent ... regardless of this setting" (Host, Method and Path travel in the request line and Host field; Content-Length is ours).</summary>
    private static readonly FrozenSet<string> Always = FrozenSet.Create(StringComparer.OrdinalIgnoreCase, "authorization");

    private readonly Version _version = client.Config.Version ?? HttpVersion.Version11;
    private readonly HttpVersionPolicy _versionPolicy = client.Config.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower;

    protected override async Task<AuthResult> CheckAsync(HttpContext context, string destination, ReadOnlyMemory<byte> body, CancellationToken cancellation)
    {
        var request = context.Request;
        var target = destination + Source.PathPrefix + request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target)
        {
            Version = _version,
            VersionPolicy = _versionPolicy,
            Content = new ReadOnlyMemoryContent(body),
        };
        message.Headers.Host = request.Host.Value;
        foreach (var header in request.Headers)
        {
            if (!Allowed(header.Key, Always) || string.Equals(header.Key, "host", StringComparison.OrdinalIgnoreCase)) continue;
            // Headers that describe the body go with our body (Content-Type may be allowed; Content-Length is ours).
            if (header.Key.StartsWith("content-", StringComparison.OrdinalIgnoreCase))
            {
                if (!string.Equals(header.Key, "content-length", StringComparison.OrdinalIgnoreCase))
                    message.Content.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
                continue;
            }
            message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
        }
        message.Content.Headers.ContentLength = body.Length;

        using var answer = await client.Invoker.SendAsync(message, cancellation).ConfigureAwait(false);
        if (answer.StatusCode == HttpStatusCode.OK)
        {
            CopyUpstream(answer, request.Headers);
            return AuthResult.Allowed;
        }

        var response = context.Response;
        response.StatusCode = (int)answer.StatusCode;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
        {
            if (NotCopiedToClient.Contains(header.Key)) continue;
            response.Headers[header.Key] = header.Value.ToArray();
        }
        if (!MayHaveBody(request, response.StatusCode)) return AuthResult.Denied;
        if (answer.Content.Headers.ContentLength is { } length) response.ContentLength = length;
        await answer.Content.CopyToAsync(response.Body, cancellation).ConfigureAwait(false);
        return AuthResult.Denied;
    }

    /// <summary>
    /// HTTPAuthConfig.AllowedResponseHeaders: the listed headers of a 200 answer replace the request's; with no list,
    /// every header but the answer's own (<see cref="ExternalAuthPlan.NotCopiedUpstream"/>).
    /// </summary>
    private void CopyUpstream(HttpResponseMessage answer, IHeaderDictionary upstream)
    {
        var allowed = Source.AllowedResponseHeaders;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
        {
            if (allowed.Length == 0 ? NotCopiedUpstream.Contains(header.Key) : !allowed.Contains(header.Key.ToLowerInvariant())) continue;
            upstream[header.Key] = header.Value.ToArray();
        }
    }
}
