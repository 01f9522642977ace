using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>Apply one replica's report about the Gateway <paramref name="Id"/> (acknowledged with <see cref="NodeReportApplied"/>).</summary>
public sealed record ApplyGatewayReport(string Id, NodeReport Report) : IGatewayClusterMessage;

/// <summary>
/// From the Listener entity of <paramref name="Listener"/> on the Gateway <paramref name="Id"/>: the live replicas
/// (node ids, sorted) that programmed that listener (its own reconciled fact; the Gateway composes it into the
/// listener's status).
/// </summary>
public sealed record ApplyListenerProgrammed(string Id, string Listener, ImmutableArray<string> Nodes) : IGatewayClusterMessage;

/// <summary>Get the live state of the Gateway <paramref name="Id"/> (answered with <see cref="ObjectStateView"/> by its owner).</summary>
public sealed record GetGatewayState(string Id) : IGatewayClusterMessage;
