namespace Gateway.Actors.Actors;

/// <summary>
/// Marker of every message that may cross the cluster (entity commands, queries, views, acknowledgements). One
/// serializer (<see cref="Serialization.GatewayMessageSerializer"/>) is bound to it; every implementation is a sealed
/// record listed in <see cref="Serialization.GatewayMessageManifests"/> and has a round-trip test.
/// </summary>
public interface IGatewayClusterMessage
{
}
