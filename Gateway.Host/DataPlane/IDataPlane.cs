using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;

namespace Gateway.Host.DataPlane;

/// <summary>What applying a configuration did: the sockets that could not be bound (their listeners are reported PortUnavailable).</summary>
public sealed record DataPlaneApplyResult(long Revision, IReadOnlySet<ListenerSocket> FailedSockets);

/// <summary>
/// The node-local data plane: binds and unbinds listener sockets and swaps per-socket routing tables atomically.
/// In-flight requests and open connections keep the table they started with.
/// </summary>
public interface IDataPlane : IAsyncDisposable
{
    /// <summary>Makes the data plane serve exactly <paramref name="gateways"/> (revision is for logging and inspection).</summary>
    Task<DataPlaneApplyResult> ApplyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct);
}
