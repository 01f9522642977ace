namespace Gateway.Host.DataPlane.Routing;

/// <summary>Host header helpers: matching ignores the port (HTTPRouteSpec.Hostnames: "MUST ignore any port value").</summary>
internal static class HostHeader
{
    /// <summary>The host part of a Host header / :authority value, without port or a trailing dot; no allocation.</summary>
    public static ReadOnlySpan<char> WithoutPort(string? host)
    {
        if (string.IsNullOrEmpty(host)) return [];
        var span = host.AsSpan();
        if (span[0] == '[')
        {
            var close = span.IndexOf(']');
            return close < 0 ? span : span[..(close + 1)];
        }
        var colon = span.LastIndexOf(':');
        if (colon >= 0) span = span[..colon];
        if (span.Length > 0 && span[^1] == '.') span = span[..^1];
        return span;
    }
}
