using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// One listener of a socket: its routes grouped by route hostname like Envoy virtual hosts. A request uses exactly
/// one group (exact host, else longest wildcard, else routes without hostnames) and never falls back to a less
/// specific group; inside the group the first matching entry wins (the IR is in spec precedence order).
/// </summary>
internal sealed class CompiledListener(ListenerRouteTable source, HostnameTable<CompiledRoute[]> routeGroups)
{
    public ListenerRouteTable Source { get; } = source;

    public HostnameTable<CompiledRoute[]> RouteGroups { get; } = routeGroups;

    public CompiledRoute? FindRoute(ReadOnlySpan<char> host, HttpRequest request, string path)
    {
        var group = RouteGroups.Find(host);
        if (group is null) return null;
        foreach (var route in group)
        {
            if (route.Match.Matches(request, path)) return route;
        }
        return null;
    }
}
