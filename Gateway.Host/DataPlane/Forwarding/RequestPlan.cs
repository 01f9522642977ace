using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// What a transformer needs to know about the request side besides header filters, fixed at compile time: the
/// X-Forwarded policy, the listener's scheme (X-Forwarded-Proto), and the URLRewrite path modifier with the matched
/// prefix (applied again to the encoded path when the target held percent-encoded bytes, see <see cref="ForwardedPath"/>).
/// </summary>
internal sealed record RequestPlan(ForwardedHeaders Forwarded, string Scheme, PathModifier? RewritePath, string? MatchedPrefix);

/// <summary>
/// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host (the de facto headers Envoy Gateway and nginx add), appended
/// to what was received: each proxy on the way adds its own entry, as YARP's Append action and ASP.NET's
/// ForwardedHeadersMiddleware (which reads the lists from the right) expect. With <see cref="TrustedHops"/> set, only
/// the last that many received entries of each header are kept (the ones written by trusted proxies in front of the
/// gateway); 0 drops the client's values entirely.
/// Written here rather than with YARP's RequestHeaderXForwarded*Transform classes: those run on a
/// RequestTransformContext, one more object per request, while this adds the three values straight onto the
/// outgoing request. HttpClient writes a header added twice as one comma-separated line, so appending costs no
/// string concatenation; the client address string is cached by IPAddress per connection.
/// </summary>
internal sealed class ForwardedHeaders(ForwardedHeadersMode mode, int? trustedHops)
{
    public const string For = "X-Forwarded-For";
    public const string Proto = "X-Forwarded-Proto";
    public const string Host = "X-Forwarded-Host";

    public static readonly ForwardedHeaders Default = new(ForwardedHeadersMode.Append, null);

    public ForwardedHeadersMode Mode { get; } = mode;

    public int? TrustedHops { get; } = trustedHops;

    /// <summary>Adds the gateway's entries to <paramref name="proxyRequest"/>, whose headers the base transformer already copied.</summary>
    public void Apply(HttpContext context, HttpRequestMessage proxyRequest, string scheme)
    {
        if (Mode == ForwardedHeadersMode.Off) return;
        var headers = proxyRequest.Headers;
        if (TrustedHops is { } hops)
        {
            var received = context.Request.Headers;
            Trim(received, headers, For, hops);
            Trim(received, headers, Proto, hops);
            Trim(received, headers, Host, hops);
        }
        if (context.Connection.RemoteIpAddress is { } address) headers.TryAddWithoutValidation(For, address.ToString());
        headers.TryAddWithoutValidation(Proto, scheme);
        var host = context.Request.Headers.Host;
        if (!StringValues.IsNullOrEmpty(host)) headers.TryAddWithoutValidation(Host, host.ToString());
    }

    /// <summary>Keeps the last <paramref name="hops"/> entries of a received header (entries are comma-separated, over any number of lines).</summary>
    private static void Trim(IHeaderDictionary received, System.Net.Http.Headers.HttpRequestHeaders outgoing, string name, int hops)
    {
        var values = received[name];
        if (values.Count == 0) return;
        outgoing.Remove(name);
        if (hops == 0) return;
        var entries = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var kept = entries.Length <= hops ? entries : entries[^hops..];
        if (kept.Length > 0) outgoing.TryAddWithoutValidation(name, string.Join(", ", kept));
    }
}
