using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Host.Mesh;

/// <summary>
/// What the mesh proxy does with a connection to one Service port (ClusterIP and port) from its own workload: serve it
/// as HTTP through <see cref="Http"/> (the producer and consumer routes that apply to the workload's namespace, in the
/// IR a Gateway port compiles from) or, when no route applies, splice the bytes to one of <see cref="Endpoints"/>.
/// </summary>
public sealed record MeshServicePort(ResourceKey Service, IPAddress ClusterIp, int Port, PortRouteTable? Http, ImmutableArray<BackendEndpoint> Endpoints);
