using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Routes;

/// <summary>Apply one replica's report about the Route <paramref name="Id"/> (acknowledged with <see cref="NodeReportApplied"/>).</summary>
public sealed record ApplyRouteReport(string Id, NodeReport Report) : IGatewayClusterMessage;

/// <summary>Get the live state of the Route <paramref name="Id"/> (answered with <see cref="ObjectStateView"/> by its owner).</summary>
public sealed record GetRouteState(string Id) : IGatewayClusterMessage;
