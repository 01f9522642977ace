using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// One listener of a socket: its routes grouped by route hostname like Envoy virtual hosts. A request uses exactly
/// one group (exact host, else longest wildcard, else routes without hostnames) and never falls back to a less
/// specific group; inside the group the first matching entry wins (the IR is in spec precedence order; <see cref="RouteGroup"/>
/// finds it through a path index).
/// </summary>
internal sealed class CompiledListener(ListenerRouteTable source, HostnameTable<RouteGroup> routeGroups)
{
    public ListenerRouteTable Source { get; } = source;

    public HostnameTable<RouteGroup> RouteGroups { get; } = routeGroups;

    public CompiledRoute? FindRoute(ReadOnlySpan<char> host, HttpRequest request, string path)
    {
        var group = RouteGroups.Find(host);
        return group?.Find(request, path);
    }
}
