using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Filters;

/// <summary>Builds the Location header of a RequestRedirect filter (HTTPRequestRedirectFilter docs). Pure.</summary>
internal static class RedirectLocation
{
    /// <summary>
    /// scheme: the filter's, else the request's. hostname: the filter's, else the request Host without port.
    /// port: the filter's; else, when the filter sets a scheme, that scheme's well-known port (http 80, https 443);
    /// else the Gateway listener port. The port is left out when it is the scheme's default (80 for http, 443 for
    /// https). path: modified per HTTPPathModifier, else the request path. The query string is kept.
    /// </summary>
    public static string Build(RequestRedirect redirect, string requestScheme, string? requestHost, int listenerPort, string? matchedPrefix, string path, string? query)
    {
        var scheme = redirect.Scheme ?? requestScheme;
        var host = redirect.Hostname ?? Routing.HostHeader.WithoutPort(requestHost).ToString();
        var port = redirect.Port ?? (redirect.Scheme is not null ? WellKnownPort(redirect.Scheme) ?? listenerPort : listenerPort);
        var newPath = redirect.Path is null ? path : PathModifiers.Apply(redirect.Path, matchedPrefix, path);
        var omitPort = (port == 80 && string.Equals(scheme, "http", StringComparison.OrdinalIgnoreCase))
            || (port == 443 && string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase));
        var authority = omitPort ? host : $"{host}:{port}";
        return $"{scheme}://{authority}{new PathString(newPath).ToUriComponent()}{query}";
    }

    private static int? WellKnownPort(string scheme) => scheme.ToLowerInvariant() switch
    {
        "http" => 80,
        "https" => 443,
        _ => null,
    };
}
