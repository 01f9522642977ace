using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;

namespace Gateway.Host.DataPlane;

/// <summary>
/// What one bound socket serves right now, as the IR it was compiled from (for inspection routes and tests).
/// <see cref="Problems"/> lists entries or certificates that could not be compiled and were left out.
/// </summary>
public sealed record LiveSocketTable(ListenerSocket Socket, ResourceKey Gateway, long Revision, PortRouteTable Source, IReadOnlyList<string> Problems);
