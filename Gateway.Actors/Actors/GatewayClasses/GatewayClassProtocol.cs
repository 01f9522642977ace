using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.GatewayClasses;

/// <summary>Apply one replica's report about the GatewayClass <paramref name="Name"/> (acknowledged with <see cref="NodeReportApplied"/>).</summary>
public sealed record ApplyGatewayClassReport(string Name, NodeReport Report) : IGatewayClusterMessage;

/// <summary>Get the live state of the GatewayClass <paramref name="Name"/> (answered with <see cref="ObjectStateView"/> by its owner).</summary>
public sealed record GetGatewayClassState(string Name) : IGatewayClusterMessage;
