using System.Net;
using System.Net.Http.Headers;

namespace Gateway.Streams.Mirroring;

/// <summary>
/// Sends mirrored copies over HTTP with one pooled handler, and throws the answers away. Hop-by-hop headers are not
/// copied (RFC 9110 section 7.6.1); everything else arrives as the main backend would see it.
/// </summary>
public sealed class HttpMirrorSender : IMirrorSender, IDisposable
{
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
    };

    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    }, disposeHandler: true);

    public async Task SendAsync(MirrorRequest request, CancellationToken ct)
    {
        var baseUri = request.Target.NextBaseUri() ?? throw new InvalidOperationException($"mirror target {request.Target.Name} has no endpoints");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(baseUri, request.PathAndQuery));
        if (request.Target.Http2PriorKnowledge)
        {
            message.Version = HttpVersion.Version20;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        if (!request.Body.IsEmpty) message.Content = new ReadOnlyMemoryContent(request.Body);
        foreach (var (name, value) in request.Headers)
        {
            if (SkippedHeaders.Contains(name)) continue;
            if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        if (request.Host is { Length: > 0 } host) message.Headers.Host = host;
        using var response = await _invoker.SendAsync(message, ct).ConfigureAwait(false);
        await response.Content.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
    }

    public void Dispose() => _invoker.Dispose();
}
