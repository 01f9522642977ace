namespace Gateway.Host.Kubernetes;

/// <summary>
/// Reads the body of every response but a watch stream to its end, asynchronously, before KubernetesClient sees it.
/// <para>
/// Why: KubernetesClient deserializes response bodies with a synchronous read of the response stream
/// (Kubernetes.CreateResultAsync calls KubernetesJson.Deserialize on the stream). Whenever the body arrives after the
/// headers (a large list, a slow network, HTTP/2), that read blocks its thread until the socket has data. The continuation
/// after the headers may run on a socket engine thread (always with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1),
/// and a socket engine thread blocked waiting for a socket it must itself service freezes every socket on it: watches,
/// status writes, the data plane. With the body buffered here, the synchronous read only reads memory.
/// </para>
/// Watch responses are streams that never end; KubernetesClient reads them with asynchronous line reads, so they pass.
/// </summary>
public sealed class BufferedResponseHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsWatch(request.RequestUri))
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        return response;
    }

    /// <summary>True for a watch request (query parameter watch=true or watch=1, as the API server reads it).</summary>
    public static bool IsWatch(Uri? uri)
    {
        if (uri?.Query is not { Length: > 1 } query) return false;
        foreach (var part in query[1..].Split('&'))
        {
            if (part.Equals("watch=true", StringComparison.OrdinalIgnoreCase) || part == "watch=1") return true;
        }
        return false;
    }
}
