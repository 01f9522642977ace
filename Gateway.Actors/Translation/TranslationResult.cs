using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// The desired status of one object we own: the status subresource as we want it, with conditions that carry
/// observedGeneration but no meaningful lastTransitionTime (the sink adds time when it writes).
/// <see cref="Status"/> is one of V1GatewayClassStatus, V1GatewayStatus, V1RouteStatus, V1PolicyStatus,
/// V1ListenerSetStatus. For routes and policies it holds only the parents/ancestors this controller owns.
/// </summary>
public sealed record DesiredStatus(ResourceKey Key, string ApiVersion, long Generation, object Status);

/// <summary>Everything the translator decides for one snapshot: route tables for the data plane, status for the API.</summary>
public sealed record TranslationResult(
    long Revision,
    ImmutableArray<GatewayRouteTable> Gateways,
    ImmutableSortedDictionary<ResourceKey, DesiredStatus> Statuses);
