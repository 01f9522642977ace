using System.Collections.Immutable;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// The live state of one entity, as its owner holds it (answer to every Get*State query). Statuses and slices are
/// YAML text so a view is small, self-describing and serializable.
/// </summary>
/// <param name="Kind">Entity type.</param>
/// <param name="Id">Entity id.</param>
/// <param name="Owner">The owning replica (address#uid).</param>
/// <param name="OwnerName">The owning replica's node name.</param>
/// <param name="Exists">True when the owner's node has the object in its last translation result.</param>
/// <param name="LocalRevision">Revision of the owner node's pass that built the content the state was reconciled with (0 before the first pass).</param>
/// <param name="DesiredStatus">The status the owner would write (Gateways: with the cluster-wide addresses), YAML; empty when none.</param>
/// <param name="LastWrittenStatus">The status last written or found stored, YAML; empty when none.</param>
/// <param name="LastWrittenRevision">Owner-node revision of the last write; null when the status was only read from storage.</param>
/// <param name="StatusWrites">Writes that changed the stored status during this incarnation (a route: and the ones before it that rested on this node).</param>
/// <param name="Slice">The route-table slice this object produced on the owner's node, in the golden-file YAML shape.</param>
/// <param name="Attachments">Related objects: a Gateway's listeners, a listener's routes, a route's Gateway/listener parents.</param>
/// <param name="ProgrammedBy">The replicas that reported the object, with what they programmed.</param>
/// <param name="IncarnationStarted">When this incarnation of the entity started (UTC).</param>
public sealed record ObjectStateView(
    EntityKind Kind,
    string Id,
    string Owner,
    string OwnerName,
    bool Exists,
    long LocalRevision,
    string DesiredStatus,
    string LastWrittenStatus,
    long? LastWrittenRevision,
    int StatusWrites,
    string Slice,
    ImmutableArray<string> Attachments,
    ImmutableArray<NodeReport> ProgrammedBy,
    DateTimeOffset IncarnationStarted) : IGatewayClusterMessage;
