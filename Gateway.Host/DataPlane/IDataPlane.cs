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

    /// <summary>
    /// Compiles the tables <paramref name="gateways"/> would give the sockets already bound, against what they serve,
    /// and throws the result away: nothing is bound, swapped or served. The pipeline's warm-up runs the table patch of
    /// changes it must not serve (a route added and removed) through it. Default: nothing.
    /// </summary>
    Task CompileOnlyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// True once <see cref="IAsyncDisposable.DisposeAsync"/> has stopped the data plane (the host stops it first when it
    /// shuts down); every apply after that throws <see cref="ObjectDisposedException"/> and binds nothing. Default: false.
    /// </summary>
    bool Stopped => false;
}
