using System.Collections.Immutable;
using Akka.Actor;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;

namespace Gateway.Actors.Actors.Reporting;

/// <summary>
/// Publish one pass's content (node-local, never crosses the cluster): update the cache, report what changed to the
/// owning entities, complete <paramref name="Done"/> once they all acknowledged or <paramref name="Timeout"/> passed.
/// </summary>
public sealed record PublishNodeContent(
    NodeContent Content,
    IReadOnlyCollection<ResourceKey> StoredKeys,
    TimeSpan Timeout,
    TaskCompletionSource<HandOffResult> Done) : INoSerializationVerificationNeeded;

/// <summary>What handing a pass's statuses to the entities did.</summary>
/// <param name="Revision">The pass's revision.</param>
/// <param name="Reported">Entities reported (changed plus removed).</param>
/// <param name="Outcomes">Acknowledged reports per outcome.</param>
/// <param name="Unacknowledged">Entities that did not acknowledge before the timeout (or before a newer pass).</param>
public sealed record HandOffResult(long Revision, int Reported, ImmutableDictionary<ReportOutcome, int> Outcomes, ImmutableArray<EntityRef> Unacknowledged)
{
    /// <summary>Acknowledged reports with <paramref name="outcome"/>.</summary>
    public int Count(ReportOutcome outcome) => Outcomes.GetValueOrDefault(outcome);
}

/// <summary>The shard regions the reporter sends to (on this node).</summary>
public sealed record ShardRegions(IActorRef GatewayClasses, IActorRef Gateways, IActorRef Listeners, IActorRef Routes)
{
    /// <summary>The region of <paramref name="kind"/>.</summary>
    public IActorRef For(EntityKind kind) => kind switch
    {
        EntityKind.GatewayClass => GatewayClasses,
        EntityKind.Gateway => Gateways,
        EntityKind.Listener => Listeners,
        _ => Routes,
    };
}
