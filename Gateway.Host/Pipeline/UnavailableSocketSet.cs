using System.Collections.Immutable;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;

namespace Gateway.Host.Pipeline;

/// <summary>
/// The pure rules for <see cref="TranslatorOptions.UnavailableSockets"/>: what the data plane could not bind, fed back
/// into translation so the affected listeners report it (ListenerConditionReason PortUnavailable).
/// </summary>
public static class UnavailableSocketSet
{
    /// <summary>Every socket the route tables ask the data plane to serve (each address times each port).</summary>
    public static ImmutableHashSet<ListenerSocket> Requested(IEnumerable<GatewayRouteTable> tables)
    {
        var sockets = ImmutableHashSet.CreateBuilder<ListenerSocket>();
        foreach (var table in tables)
        {
            foreach (var address in table.Addresses)
            {
                foreach (var port in table.Ports) sockets.Add(new ListenerSocket(address, port.SocketPort));
            }
        }
        return sockets.ToImmutable();
    }

    /// <summary>
    /// The unavailable set after an apply: what failed now, plus what was unavailable before and was not asked for
    /// this time (the translator may leave a listener it reports unavailable out of the tables; not asking again is
    /// no evidence the socket became free). Sockets that were asked for and bound are no longer unavailable.
    /// </summary>
    public static ImmutableHashSet<ListenerSocket> Next(IReadOnlySet<ListenerSocket> current, IReadOnlySet<ListenerSocket> requested, IReadOnlySet<ListenerSocket> failed) =>
        [.. failed, .. current.Where(s => !requested.Contains(s))];

    /// <summary>The sockets of <paramref name="current"/> that still cannot be bound (freed ones are retried).</summary>
    public static ImmutableHashSet<ListenerSocket> StillUnavailable(IReadOnlySet<ListenerSocket> current, Func<ListenerSocket, bool> canBind) =>
        [.. current.Where(s => !canBind(s))];
}
