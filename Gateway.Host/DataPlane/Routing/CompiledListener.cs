using System.Net.Security;
using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// One listener of a socket: its routes grouped by route hostname like Envoy virtual hosts. A request uses exactly
/// one group (exact host, else longest wildcard, else routes without hostnames) and never falls back to a less
/// specific group; inside the group the first matching entry wins (the IR is in spec precedence order; <see cref="RouteGroup"/>
/// finds it through a path index).
/// Immutable, and a function of (<see cref="Source"/>, <see cref="ListenerPort"/>, the port's protocol) only, so a
/// later table of the same socket may reuse it, or its groups, when those inputs are the same instances
/// (<see cref="SocketTableCompiler"/>).
/// </summary>
internal sealed class CompiledListener(
    ListenerRouteTable source, int listenerPort, HostnameTable<RouteGroup> routeGroups, IReadOnlyList<string> entryProblems, CompiledListenerTls? tls)
{
    public ListenerRouteTable Source { get; } = source;

    /// <summary>The Gateway port the entries' actions were compiled for (RequestRedirect derives its port from it).</summary>
    public int ListenerPort { get; } = listenerPort;

    public HostnameTable<RouteGroup> RouteGroups { get; } = routeGroups;

    /// <summary>Entries of <see cref="Source"/> that could not be compiled (left out of every group), in IR order.</summary>
    public IReadOnlyList<string> EntryProblems { get; } = entryProblems;

    /// <summary>The TLS settings of a listener on an HTTPS port; null on HTTP ports.</summary>
    public CompiledListenerTls? Tls { get; } = tls;

    public CompiledRoute? FindRoute(ReadOnlySpan<char> host, HttpRequest request, string path)
    {
        var group = RouteGroups.Find(host);
        return group?.Find(request, path);
    }
}

/// <summary>
/// The handshake settings of one HTTPS listener, or why it has none (<see cref="Problem"/>; then
/// <see cref="Options"/> and <see cref="CertificateKey"/> are null).
/// </summary>
internal sealed record CompiledListenerTls(SslServerAuthenticationOptions? Options, string? CertificateKey, string? Problem);
