using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Listeners;

/// <summary>Apply one replica's report about the Listener <paramref name="Id"/> (acknowledged with <see cref="NodeReportApplied"/>).</summary>
public sealed record ApplyListenerReport(string Id, NodeReport Report) : IGatewayClusterMessage;

/// <summary>Get the live state of the Listener <paramref name="Id"/> (answered with <see cref="ObjectStateView"/> by its owner).</summary>
public sealed record GetListenerState(string Id) : IGatewayClusterMessage;
