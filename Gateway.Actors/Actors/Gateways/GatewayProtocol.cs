using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>Apply one replica's report about the Gateway <paramref name="Id"/> (acknowledged with <see cref="NodeReportApplied"/>).</summary>
public sealed record ApplyGatewayReport(string Id, NodeReport Report) : IGatewayClusterMessage;

/// <summary>Get the live state of the Gateway <paramref name="Id"/> (answered with <see cref="ObjectStateView"/> by its owner).</summary>
public sealed record GetGatewayState(string Id) : IGatewayClusterMessage;
