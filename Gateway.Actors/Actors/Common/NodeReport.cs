using System.Collections.Immutable;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// What one replica says about one object after a pipeline pass: small, so it can go to the owning entity wherever it
/// runs. The content itself (status, route-table slice) never crosses the cluster; the owner reads its own node's.
/// </summary>
/// <param name="Node">The replica's unique cluster address (address#uid), so a restarted replica is a new node.</param>
/// <param name="NodeName">The replica's --node-name, for people.</param>
/// <param name="Revision">The replica's snapshot revision (monotonic per replica).</param>
/// <param name="Present">False when the object disappeared from the replica's translation result.</param>
/// <param name="Fingerprint">A 128-bit digest (NodeContentBuilder.Hash) of the replica's desired status and route-table slice for the object.</param>
/// <param name="Programmed">True when the replica's data plane serves the object (for a Gateway: its sockets are bound).</param>
/// <param name="Addresses">For Gateways: the addresses the replica's data plane serves it on; otherwise empty.</param>
public sealed record NodeReport(
    string Node,
    string NodeName,
    long Revision,
    bool Present,
    string Fingerprint,
    bool Programmed,
    ImmutableArray<string> Addresses);

/// <summary>What handling a report did to the object's status.</summary>
public enum ReportOutcome
{
    /// <summary>Nothing to do: the status already matches this node's content, or the entity holds no status.</summary>
    None,

    /// <summary>The status was written (the sink reports a real change).</summary>
    Written,

    /// <summary>The sink was asked to write and found nothing but timestamps or metadata to change.</summary>
    Unchanged,

    /// <summary>The object is gone on the owner's node: its status was removed.</summary>
    Removed,

    /// <summary>The owner's node has not finished its first pass yet; its own report will follow.</summary>
    Deferred,

    /// <summary>Writing or removing failed; the next report retries.</summary>
    Failed,
}

/// <summary>
/// The owning entity handled a report (sent back to the reporting node, which uses it to know when a pass's statuses
/// are written).
/// </summary>
public sealed record NodeReportApplied(EntityKind Kind, string Id, long Revision, ReportOutcome Outcome) : IGatewayClusterMessage;
