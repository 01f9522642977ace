using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Common;

/// <summary>What an entity has learnt; the input of the pure <c>Apply</c> functions of every entity state.</summary>
public interface IObjectEvent;

/// <summary>A replica reported the object (through the shard region, from wherever it runs).</summary>
public sealed record NodeReported(NodeReport Report) : IObjectEvent;

/// <summary>A replica left the cluster (removed after leaving or being downed): its reports no longer count.</summary>
public sealed record NodeLeft(string Node) : IObjectEvent;

/// <summary>The entity read its own node's content for the object (null: the node's last pass did not produce it).</summary>
public sealed record LocalContentObserved(ObjectContent? Content, bool Synced) : IObjectEvent;

/// <summary>The entity read what is stored for the object (null: nothing stored), as a new incarnation or after a conflict.</summary>
public sealed record StoredStatusRead(StoredStatus? Stored) : IObjectEvent;

/// <summary>A new incarnation resumes from what the previous one on this node knew when it rested (<see cref="RestingEntities"/>).</summary>
public sealed record Resumed(ReconciledObject Core) : IObjectEvent;

/// <summary>The entity wrote the status (<paramref name="Changed"/> false: the merge found nothing but timestamps to change).</summary>
/// <param name="Fingerprint">The fingerprint of the desired status written.</param>
/// <param name="Generation">The object's generation it was computed for (inspection renders it).</param>
/// <param name="Stored">What is stored now: the merged status and the version the sink answered with.</param>
/// <param name="Digest">The digest of the merged status's canonical form (<see cref="MergedStatus.Digest"/>: zero when the merge did not compute it).</param>
/// <param name="Revision">The owner node's revision.</param>
/// <param name="Changed">False when the merge found nothing but timestamps to change.</param>
/// <param name="MergedFrom">The desired status <see cref="StoredStatus.Status"/> was merged from, when known: the entity then keeps the merged status as that desired status and a time when it can (<see cref="TimedRouteStatus.Keep"/>).</param>
public sealed record StatusWritten(Fingerprint Fingerprint, long Generation, StoredStatus Stored, UInt128 Digest, long Revision, bool Changed, DesiredStatus? MergedFrom = null) : IObjectEvent;

/// <summary>
/// The entity removed the status of an object that is gone: <paramref name="Removal"/> is what it handed the sink (null:
/// nothing of this controller's was stored, so nothing was sent), <paramref name="Version"/> the version the sink answered
/// with.
/// </summary>
public sealed record StatusRemoved(StatusRemoval? Removal, string? Version) : IObjectEvent;

/// <summary>
/// The stored status as this entity knows it: last written by this incarnation (or one it resumed from), or read when
/// it started. The one copy of the object's stored status on this node (sinks keep none): the merge of the next desired
/// status starts from it, and a resting route's entry keeps it.
/// </summary>
/// <remarks>
/// The stored status and its version are fields of this record, not a <see cref="StoredStatus"/> beside it: every entity
/// and every resting entry keeps one, and the pair object cost 32 bytes per route. An object with nothing stored has no
/// <see cref="WrittenStatus"/> at all (<see cref="ReconciledObject.LastWritten"/> is null).
/// </remarks>
/// <param name="Fingerprint">The fingerprint of the desired status last written (default, all zero bits: read from storage, not written yet; no content's fingerprint is that value but by a 2^-128 chance).</param>
/// <param name="Kept">
/// The stored status (null: the stored object has none) as kept: the status itself, or, for a route status that is
/// exactly the desired status it was merged from at one time, a <see cref="TimedRouteStatus"/> (<see cref="Status"/>
/// reads either).
/// </param>
/// <param name="Version">The version the sink answered with or read (<see cref="StoredStatus.Version"/>).</param>
/// <param name="Digest">
/// The digest of <see cref="Status"/>'s canonical form (what a merge is compared with), or zero when not computed yet
/// (<see cref="CompareDigest"/> computes it then; a real digest of zero, a 2^-128 chance, is only computed again).
/// </param>
/// <param name="Generation">The generation rendered with it for inspection.</param>
/// <param name="Revision">The owner node's revision of the write (null: read from storage).</param>
public sealed record WrittenStatus(Fingerprint Fingerprint, object? Kept, string? Version, UInt128 Digest, long Generation, long? Revision)
{
    /// <summary>The stored status (null: the stored object has none), materialized when kept as a <see cref="TimedRouteStatus"/>.</summary>
    public object? Status => TimedRouteStatus.Read(Kept);

    /// <summary>What was read from storage.</summary>
    public static WrittenStatus Read(StoredStatus stored, long generation)
    {
        // The status read is this entity's own copy, kept as long as the entity (or its resting entry) lives: it shares
        // the interned reference strings, as a merged status does (ObjectCopy.Clone).
        ObjectCopy.InternStatusReferences(stored.Status);
        return new(default, stored.Status, stored.Version, default, generation, null);
    }

    /// <summary>The digest a merge compares with, given <paramref name="status"/>, this record's <see cref="Status"/> as the caller already read it.</summary>
    public UInt128 CompareDigest(object status) => Digest != default ? Digest : CanonicalForm.ValueDigest(status);

    /// <summary>What was written: the merged status stored and the version the sink answered with.</summary>
    public static WrittenStatus Of(StatusWritten written) =>
        new(written.Fingerprint, written.MergedFrom is { } desired && written.Stored.Status is { } merged ? TimedRouteStatus.Keep(merged, desired) : written.Stored.Status,
            written.Stored.Version, written.Digest, written.Generation, written.Revision);

    /// <summary>
    /// The status as YAML for the object <paramref name="key"/>, rendered on each call: only inspection reads it, and a
    /// cached text (a Lazy and its closure, about 200 bytes per object) would be kept by every entity and every resting one.
    /// </summary>
    public string TextOf(ResourceKey? key) => Status is { } status && key is { } k ? NodeContentBuilder.StatusText(k, Generation, status) : "";
}

/// <summary>A merged status ready for the sink, with its digest (kept as <see cref="WrittenStatus.Digest"/> once written).</summary>
/// <param name="Write">What the sink is handed.</param>
/// <param name="Digest">
/// The digest of the merged status's canonical form; zero when nothing stored was there to compare it with (the first
/// write of each object: a 10,000-route start-up writes 10,000 of them and compares few of them again, so the digest
/// is computed by the next merge that compares, <see cref="WrittenStatus.CompareDigest"/>).
/// </param>
public sealed record MergedStatus(StatusWrite Write, UInt128 Digest);

/// <summary>What an entity should do next; decided purely from its state.</summary>
public abstract record EntityDecision
{
    /// <summary>Nothing: the stored status already is what this node's content asks for.</summary>
    public sealed record Nothing : EntityDecision;

    /// <summary>The owner's node has not completed a pass yet; its own report will bring the content.</summary>
    public sealed record Defer : EntityDecision;

    /// <summary>Write <paramref name="Status"/> (its fingerprint becomes the last written one).</summary>
    public sealed record Write(DesiredStatus Status, Fingerprint Fingerprint) : EntityDecision
    {
        /// <summary>The status as YAML (rendered on each call: only inspection needs it, so writes do not pay for it).</summary>
        public string Text => NodeContentBuilder.StatusText(Status.Key, Status.Generation, Status.Value);
    }

    /// <summary>The object is gone on the owner's node: remove its status, then passivate.</summary>
    public sealed record Remove(Resources.ResourceKey Key) : EntityDecision;

    /// <summary>The object is gone and its status was removed (or it has none): stop this entity.</summary>
    public sealed record Passivate : EntityDecision;
}

/// <summary>
/// The state every entity shares, as a record with pure methods: this node's content for the object, the reports of
/// every replica, and the last written status. Entity states hold one and add their own rules.
/// </summary>
/// <param name="Entity">The entity.</param>
/// <param name="SelfNode">The node this incarnation runs on (address#uid).</param>
/// <param name="SelfNodeName">Its node name.</param>
/// <param name="Local">This node's content (null: not produced by the last pass, or not read yet).</param>
/// <param name="LocalSynced">True once this node has completed a pass.</param>
/// <param name="Nodes">The latest report of each replica that has the object, by node.</param>
/// <param name="Departed">Replicas that left the cluster; late reports from them are ignored.</param>
/// <param name="LastWritten">What was last written (or found stored), or null.</param>
/// <param name="StoredRead">True once this incarnation has read the stored status.</param>
/// <param name="Writes">Writes that changed the stored status during this incarnation (and those it resumed from, <see cref="Resumed"/>).</param>
/// <param name="Removed">True once this incarnation removed the status of its (gone) object.</param>
public sealed record ReconciledObject(
    EntityRef Entity,
    string SelfNode,
    string SelfNodeName,
    ObjectContent? Local,
    bool LocalSynced,
    ImmutableSortedDictionary<string, NodeReport> Nodes,
    ImmutableHashSet<string> Departed,
    WrittenStatus? LastWritten,
    bool StoredRead,
    int Writes,
    bool Removed = false)
{
    /// <summary>A new incarnation on <paramref name="selfNode"/>.</summary>
    public static ReconciledObject Create(EntityRef entity, string selfNode, string selfNodeName) =>
        new(entity, selfNode, selfNodeName, null, false, NoNodes, [], null, entity.StatusKey is null, 0);

    /// <summary>
    /// The revision of each replica's latest report that the object is gone there: an older report that it is there
    /// (one a shard hand-off forwarded late) is ignored, as an older report is against <see cref="Nodes"/>, so a replica
    /// that dropped the object is never counted as holding it again (<see cref="HeldElsewhere"/> would defer the removal
    /// for good).
    /// </summary>
    public ImmutableSortedDictionary<string, long> GoneAt { get; init; } = NoGone;

    /// <summary>No gone reports (one shared instance: most entities never see one).</summary>
    public static readonly ImmutableSortedDictionary<string, long> NoGone = ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal);

    /// <summary>No reports, ordered by node (one shared instance: every entity starts with it, most routes keep it).</summary>
    public static readonly ImmutableSortedDictionary<string, NodeReport> NoNodes = ImmutableSortedDictionary.Create<string, NodeReport>(StringComparer.Ordinal);

    /// <summary>Applies one event.</summary>
    public ReconciledObject Apply(IObjectEvent e) => e switch
    {
        NodeReported { Report: var r } when Departed.Contains(r.Node) => this,
        NodeReported { Report: var r } when Nodes.TryGetValue(r.Node, out var known) && known.Revision > r.Revision => this,
        NodeReported { Report: var r } when GoneAt.TryGetValue(r.Node, out var gone) && gone > r.Revision => this,
        NodeReported { Report: { Present: true } r } => this with { Nodes = Nodes.SetItem(r.Node, r), GoneAt = GoneAt.Remove(r.Node) },
        NodeReported { Report: var r } => this with { Nodes = Nodes.Remove(r.Node), GoneAt = GoneAt.SetItem(r.Node, r.Revision) },
        NodeLeft left => this with { Nodes = Nodes.Remove(left.Node), GoneAt = GoneAt.Remove(left.Node), Departed = Departed.Add(left.Node) },
        LocalContentObserved observed => this with { Local = observed.Content, LocalSynced = observed.Synced },
        Resumed resumed => resumed.Core,
        StoredStatusRead read => this with { StoredRead = true, LastWritten = read.Stored is null ? null : WrittenStatus.Read(read.Stored, Local?.Status?.Generation ?? 0) },
        StatusWritten written => this with
        {
            LastWritten = WrittenStatus.Of(written),
            Writes = Writes + (written.Changed ? 1 : 0),
        },
        StatusRemoved removed => this with { LastWritten = StoredAfter(removed), Removed = true },
        _ => throw new ArgumentException($"unknown event {e.GetType().Name}", nameof(e)),
    };

    /// <summary>
    /// Merges <paramref name="desired"/> into the stored status this entity holds (<see cref="StatusMerge"/>: this
    /// controller's entries from the desired status, per parentRef / ancestorRef / listener name; other controllers'
    /// route parents and policy ancestors kept from the stored status; lastTransitionTime kept while a condition's status
    /// is unchanged, else <paramref name="now"/>) and decides what the write changes: the status when its canonical form
    /// differs from the stored one's (or nothing is stored), else the object alone when the sink stores whole objects
    /// and the stored one has another resourceVersion, else nothing. Pure.
    /// </summary>
    public MergedStatus Merge(DesiredStatus desired, string controllerName, bool sinkStoresObjects, DateTime now)
    {
        var stored = LastWritten;
        var storedStatus = stored?.Status;
        var merged = StatusMerge.Merge(storedStatus, desired, controllerName, now);
        if (storedStatus is null) return new MergedStatus(new StatusWrite(desired, merged, stored?.Version, StatusChange.Status), default);
        var digest = CanonicalForm.ValueDigest(merged);
        var change = stored!.CompareDigest(storedStatus) != digest ? StatusChange.Status
            : sinkStoresObjects && stored.Version != desired.Object.Metadata?.ResourceVersion ? StatusChange.ObjectOnly
            : StatusChange.None;
        return new MergedStatus(new StatusWrite(desired, merged, stored.Version, change), digest);
    }

    /// <summary>
    /// What removing this controller's status of the (gone) object <paramref name="key"/> means, from the stored status
    /// this entity holds: a sink that stores whole objects deletes its document, whatever this entity knows of it (a
    /// document may be left by an earlier run); on a shared status (the status subresource) this controller's route
    /// parents or policy ancestors are taken out and the rest written back conditionally on the version they were read
    /// at. Null when there is nothing to remove: nothing stored, or no entry of this controller in it. Pure.
    /// </summary>
    public StatusRemoval? Removal(ResourceKey key, string controllerName, bool sinkStoresObjects)
    {
        var stored = LastWritten;
        if (sinkStoresObjects) return new StatusRemoval(key, null, stored?.Version);
        return StatusMerge.WithoutEntriesOf(stored?.Status, controllerName) is { } remaining ? new StatusRemoval(key, remaining, stored!.Version) : null;
    }

    /// <summary>
    /// What is stored once <paramref name="removed"/> is done: unchanged when nothing was sent (the object may well exist,
    /// with its version: a later write is conditional on it); nothing when the document was deleted; else the status
    /// that remains at the version the sink answered (nothing known without one: the next write reads first).
    /// </summary>
    private WrittenStatus? StoredAfter(StatusRemoved removed) => removed.Removal switch
    {
        null => LastWritten,
        { Remaining: null } => null,
        { Remaining: { } remaining } when removed.Version is { } version => WrittenStatus.Read(new StoredStatus(remaining, version), LastWritten?.Generation ?? 0),
        _ => null,
    };

    /// <summary>
    /// Every replica that has the object: the reports received, with this node's entry taken from its own content
    /// (always at least as fresh as its own report).
    /// </summary>
    public ImmutableArray<NodeReport> ProgrammedBy
    {
        get
        {
            var nodes = Nodes.Remove(SelfNode);
            if (Local is { } local)
                nodes = nodes.SetItem(SelfNode, new NodeReport(SelfNode, SelfNodeName, local.Revision, true, local.Fingerprint.ToString(), local.Programmed, local.Addresses));
            return [.. nodes.Values];
        }
    }

    /// <summary>True while another replica's latest report has the object (reports of replicas that left are dropped).</summary>
    public bool HeldElsewhere => Nodes.Count > (Nodes.ContainsKey(SelfNode) ? 1 : 0);

    /// <summary>
    /// The decision shared by every entity that writes a status: wait until this node has content, remove the status
    /// of an object that is gone here once no other live replica reports it (the replicas that still have it are
    /// behind a deletion, or this node is behind a creation: their next reports or this node's own settle which),
    /// write only when what this node asks for differs from what was last written.
    /// </summary>
    /// <remarks>
    /// Removing while another replica still has the object would undo what that replica serves (a Gateway's entity
    /// deprovisions its Service) only for the next report to bring it back, and for a new object it makes the entity
    /// passivate just as this node's own report arrives.
    /// </remarks>
    /// <param name="desired">The status to write (null: this entity writes none).</param>
    /// <param name="fingerprint">Its fingerprint.</param>
    public EntityDecision Decide(DesiredStatus? desired, Fingerprint? fingerprint)
    {
        if (!LocalSynced || !StoredRead) return new EntityDecision.Defer();
        if (Local is null)
        {
            if (HeldElsewhere) return new EntityDecision.Defer();
            // Gone here: remove whatever is stored (a document may exist without a status we know of, e.g. one left by
            // an earlier run), once; removing what is not there is a no-op for every sink.
            return !Removed && Entity.StatusKey is { } key ? new EntityDecision.Remove(key) : new EntityDecision.Passivate();
        }
        if (desired is null || fingerprint is null || LastWritten?.Fingerprint == fingerprint) return new EntityDecision.Nothing();
        return new EntityDecision.Write(desired, fingerprint.Value);
    }
}

/// <summary>An entity's state: a record whose <c>Apply</c> is pure and whose decision depends on nothing else.</summary>
public interface IEntityState<TSelf> where TSelf : IEntityState<TSelf>
{
    /// <summary>The shared part.</summary>
    ReconciledObject Core { get; }

    /// <summary>Applies one event.</summary>
    TSelf Apply(IObjectEvent e);

    /// <summary>What to do next.</summary>
    EntityDecision Decide();

    /// <summary>The status this entity would write now, as YAML (empty when none).</summary>
    string DesiredText { get; }
}
