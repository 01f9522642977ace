using System.Collections.Immutable;

namespace Gateway.Streams.L4.Routing;

/// <summary>The listener and route a connection goes to, or why it is refused.</summary>
public readonly record struct L4Choice(L4ListenerConfig? Listener, L4Route? Route, string? Rejection)
{
    internal static L4Choice Reject(string reason) => new(null, null, reason);
}

/// <summary>The endpoint a connection or session goes to, or why it is refused.</summary>
public readonly record struct L4Pick(L4Backend? Backend, L4Endpoint? Endpoint, string? Rejection)
{
    internal static L4Pick Reject(string reason, L4Backend? backend = null) => new(backend, null, reason);
}

/// <summary>
/// Pure choices of the L4 data plane: which listener and route take a connection, and which backend endpoint.
/// </summary>
public static class L4RouteSelector
{
    /// <summary>
    /// Plain TCP: the first listener with a route, and its first route. Routes arrive oldest first, and with nothing in
    /// a TCP stream to tell routes apart the oldest wins (conformance TCPRouteMultipleRoutesAttachment).
    /// </summary>
    public static L4Choice ForTcp(TcpListenerConfig config)
    {
        foreach (var listener in config.Listeners)
        {
            if (listener.Tls == L4TlsMode.None && !listener.Routes.IsDefaultOrEmpty) return new L4Choice(listener, listener.Routes[0], null);
        }
        return L4Choice.Reject("no route on this listener");
    }

    /// <summary>
    /// TLS: the TLS listener whose hostname matches <paramref name="sni"/> best (exact, longest wildcard, none), then
    /// within that listener only (listener isolation) the route whose hostnames match best. No fallback to a less
    /// specific listener: a connection for a name the best listener has no route for is refused.
    /// </summary>
    public static L4Choice ForTls(TcpListenerConfig config, string? sni)
    {
        var listeners = config.Listeners.Where(l => l.Tls != L4TlsMode.None).ToArray();
        var li = SniHostnames.Best(listeners, l => SniHostnames.Score(l.Hostname, sni));
        if (li < 0) return L4Choice.Reject(sni is null ? "no SNI and no listener without hostname" : $"no listener for SNI {sni}");
        var listener = listeners[li];
        var routes = listener.Routes.IsDefault ? [] : listener.Routes;
        var ri = SniHostnames.Best(routes, r => SniHostnames.Score(r.Hostnames, sni));
        if (ri < 0) return L4Choice.Reject($"listener {listener.Name} has no route for SNI {sni ?? "(none)"}");
        return new L4Choice(listener, routes[ri], null);
    }

    /// <summary>UDP: the first route (as for TCP, the oldest wins).</summary>
    public static L4Choice ForUdp(UdpListenerConfig config) =>
        config.Routes.IsDefaultOrEmpty ? L4Choice.Reject("no route on this listener") : new L4Choice(null, config.Routes[0], null);

    /// <summary>A random pick by weight, then a random endpoint of the chosen backend.</summary>
    public static L4Pick PickEndpoint(ImmutableArray<L4Backend> backends) =>
        PickEndpoint(backends, Random.Shared.NextDouble(), (uint)Random.Shared.Next());

    /// <summary>
    /// Picks a backend by weight with <paramref name="roll"/> in [0, 1) (weight 0 is never picked), then the endpoint
    /// <paramref name="endpointRoll"/> modulo the endpoint count. An invalid backend or one without ready endpoints
    /// refuses its share of connections; there is no retry on another backend, so the weights stay exact.
    /// </summary>
    public static L4Pick PickEndpoint(ImmutableArray<L4Backend> backends, double roll, uint endpointRoll)
    {
        if (backends.IsDefaultOrEmpty) return L4Pick.Reject("the route has no backends");
        long total = 0;
        foreach (var b in backends) total += Math.Max(0, b.Weight);
        if (total == 0) return L4Pick.Reject("every backend has weight 0");
        var target = (long)(Math.Clamp(roll, 0, 1) * total);
        if (target >= total) target = total - 1;
        L4Backend? chosen = null;
        long cumulative = 0;
        foreach (var b in backends)
        {
            if (b.Weight <= 0) continue;
            cumulative += b.Weight;
            if (target < cumulative)
            {
                chosen = b;
                break;
            }
        }
        if (chosen is null) return L4Pick.Reject("no backend chosen");
        if (!chosen.Valid) return L4Pick.Reject($"backend {chosen.Id} is invalid", chosen);
        if (chosen.Endpoints.IsDefaultOrEmpty) return L4Pick.Reject($"backend {chosen.Id} has no ready endpoints", chosen);
        return new L4Pick(chosen, chosen.Endpoints[(int)(endpointRoll % (uint)chosen.Endpoints.Length)], null);
    }
}
