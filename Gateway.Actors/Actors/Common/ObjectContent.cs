using System.Collections.Immutable;
using Akka.Actor;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// What this node's last pipeline pass produced for one entity: node-local, never sent over the cluster (reports
/// carry only its <see cref="Fingerprint"/>). The owning entity writes status from the content of its own node, which
/// that node's reporter sends it (<see cref="LocalContent"/>).
/// The YAML texts are for inspection only and are rendered on first use, so a pass renders no document nobody reads
/// (otherwise every pass would render a status and a slice per object: 20,000 documents per change at 10,000 routes).
/// </summary>
/// <param name="Entity">Which entity this is for.</param>
/// <param name="Revision">The node's snapshot revision of the pass that built this content (content a later pass left unchanged keeps it).</param>
/// <param name="Status">The desired status to write; null for listeners (their status is part of their Gateway's).</param>
/// <param name="StatusTextSource">Renders the desired status as YAML (listeners: their ListenerStatus), for inspection.</param>
/// <param name="WriteFingerprint">
/// A 128-bit digest (NodeContentBuilder.Hash) of the status, its generation and the object's resourceVersion: what the entity compares with what it
/// last wrote (resourceVersion is in it because a status file holds the whole object, refreshed when labels move).
/// </param>
/// <param name="SliceSource">Renders the route-table slice the object produced with RouteTableYaml (the golden-file shape).</param>
/// <param name="Fingerprint">A 128-bit digest (NodeContentBuilder.Hash) of the status, the slice and everything below but the revision: what a report carries.</param>
/// <param name="Programmed">True when this node's data plane serves the object.</param>
/// <param name="Addresses">Gateways: the addresses this node serves it on.</param>
/// <param name="Attachments">Related objects (a Gateway's listeners, a listener's routes, a route's parents).</param>
public sealed record ObjectContent(
    EntityRef Entity,
    long Revision,
    DesiredStatus? Status,
    InspectionText StatusTextSource,
    Fingerprint WriteFingerprint,
    InspectionText SliceSource,
    Fingerprint Fingerprint,
    bool Programmed,
    ImmutableArray<string> Addresses,
    IReadOnlyList<string> Attachments)
{
    /// <summary>The desired status as YAML (rendered on each call: inspection only).</summary>
    public string StatusText => ReferenceEquals(StatusTextSource, InspectionText.DesiredStatus) && Status is { } status
        ? NodeContentBuilder.StatusText(status.Key, status.Generation, status.Value)
        : StatusTextSource.Render();

    /// <summary>Gateways: what this node planned to provision for it (null: nothing to do; its fingerprint is part of <see cref="Fingerprint"/>).</summary>
    public Gateways.IGatewayProvisioningPlan? Provisioning { get; init; }

    /// <summary>The route-table slice as YAML (rendered on each call: inspection only).</summary>
    public string Slice => SliceSource.Render();
}

/// <summary>
/// A text for inspection, rendered when read and not kept: one small object holding what it is rendered from (a
/// <see cref="Lazy{T}"/> with its delegate and closure, and the slice's tables cut for it, cost about 500 bytes per
/// route, kept for every object while almost none is ever inspected).
/// </summary>
public abstract class InspectionText
{
    /// <summary>No text.</summary>
    public static readonly InspectionText Empty = new Fixed("");

    /// <summary>
    /// The content's own <see cref="ObjectContent.Status"/>, rendered from it (<see cref="ObjectContent.StatusText"/>): no
    /// object per route to say what the content already holds.
    /// </summary>
    public static readonly InspectionText DesiredStatus = new Fixed("");

    /// <summary>Renders the text.</summary>
    public abstract string Render();

    /// <summary>A text known already.</summary>
    public static InspectionText Of(string text) => text.Length == 0 ? Empty : new Fixed(text);

    private sealed class Fixed(string text) : InspectionText
    {
        public override string Render() => text;
    }
}

/// <summary>The content of every entity this node's last pass produced.</summary>
/// <param name="Node">This node (address#uid).</param>
/// <param name="Revision">The snapshot revision.</param>
/// <param name="Objects">Content per entity.</param>
public sealed record NodeContent(string Node, long Revision, ImmutableSortedDictionary<EntityRef, ObjectContent> Objects)
{
    /// <summary>Nothing yet (before the first pass).</summary>
    public static NodeContent Empty(string node) => new(node, 0, ImmutableSortedDictionary<EntityRef, ObjectContent>.Empty);

    /// <summary>Identifies this instance for <see cref="ContentDelta.Basis"/> (a token, so no content holds an earlier one).</summary>
    public object Token { get; } = new();

    /// <summary>What changed since the content the builder produced before this one (null: not known, compare in full).</summary>
    public ContentDelta? Delta { get; init; }
}

/// <summary>
/// The entities one <see cref="NodeContent"/> changed relative to the one built before it, as its builder found them
/// (valid only against the content whose <see cref="NodeContent.Token"/> is <paramref name="Basis"/>).
/// </summary>
/// <param name="Basis">The <see cref="NodeContent.Token"/> of the content this delta is relative to.</param>
/// <param name="Changed">Entities whose content is new or has another fingerprint.</param>
/// <param name="Removed">Entities the basis had and this content lacks.</param>
public sealed record ContentDelta(object Basis, ImmutableArray<EntityRef> Changed, ImmutableArray<EntityRef> Removed);

/// <summary>
/// Node-local, entity to its node's <see cref="Reporting.NodeReporter"/>: send me my content now and whenever a pass
/// changes it. Answered at once with a <see cref="LocalContent"/>; the reporter watches the entity and forgets it when
/// it stops. This is how an entity learns what its own node computed for it (a new incarnation after failover or
/// rebalance included), so no entity reads a shared cache.
/// </summary>
/// <param name="Entity">The entity asking.</param>
public sealed record WatchLocalContent(EntityRef Entity) : INoSerializationVerificationNeeded;

/// <summary>
/// Node-local, the node's reporter to one of its own entities: what this node's latest pass produced for it.
/// With <paramref name="Report"/> it is also this node's report about the object (the entity applies both, reconciles
/// and acknowledges with <see cref="NodeReportApplied"/>); reports of other nodes, which carry no content, come through
/// the shard region.
/// </summary>
/// <param name="Entity">The entity.</param>
/// <param name="Content">Its content, or null when this node's latest pass did not produce it.</param>
/// <param name="Synced">True once this node has completed a pass (an entity never removes a status before that).</param>
/// <param name="Report">This node's report for the same pass, or null (the answer to <see cref="WatchLocalContent"/>, or the first pass reaching an entity it does not concern).</param>
public sealed record LocalContent(EntityRef Entity, ObjectContent? Content, bool Synced, NodeReport? Report) : INoSerializationVerificationNeeded;

/// <summary>Node-local: asks the node's reporter for its latest <see cref="NodeContent"/> (inspection).</summary>
public sealed class GetNodeContent : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly GetNodeContent Instance = new();

    private GetNodeContent()
    {
    }
}
