using System.Collections.Immutable;
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

/// <summary>A new incarnation read what is stored for the object (null: nothing stored).</summary>
public sealed record StoredStatusRead(string? Text) : IObjectEvent;

/// <summary>A new incarnation resumes from what the previous one on this node knew when it rested (<see cref="RestingEntities"/>).</summary>
public sealed record Resumed(ReconciledObject Core) : IObjectEvent;

/// <summary>The entity wrote the status (<paramref name="Changed"/> false: the sink found nothing but timestamps to change).</summary>
/// <param name="Fingerprint">The fingerprint written.</param>
/// <param name="Status">The status written (rendered as YAML only when inspected, not on every write).</param>
/// <param name="Revision">The owner node's revision.</param>
/// <param name="Changed">False when the sink found nothing but timestamps to change.</param>
public sealed record StatusWritten(string Fingerprint, DesiredStatus Status, long Revision, bool Changed) : IObjectEvent;

/// <summary>The entity removed the status of an object that is gone.</summary>
public sealed record StatusRemoved : IObjectEvent;

/// <summary>The status last written by this incarnation, or found stored when it started (then without fingerprint).</summary>
/// <param name="Fingerprint">Its fingerprint (null: found stored).</param>
/// <param name="Written">The status written (null: found stored). The same instance as the content's while that is unchanged.</param>
/// <param name="StoredText">The stored status as YAML (null: written by this entity).</param>
/// <param name="Revision">The owner node's revision of the write (null: found stored).</param>
public sealed record WrittenStatus(string? Fingerprint, DesiredStatus? Written, string? StoredText, long? Revision)
{
    /// <summary>
    /// The status as YAML, rendered on each call: only inspection reads it, and a cached text (a Lazy and its closure,
    /// about 200 bytes per object) would be kept by every entity and every resting one.
    /// </summary>
    public string Text => Written is { } written ? NodeContentBuilder.StatusText(written.Key, written.Generation, written.Value) : StoredText ?? "";
}

/// <summary>What an entity should do next; decided purely from its state.</summary>
public abstract record EntityDecision
{
    /// <summary>Nothing: the stored status already is what this node's content asks for.</summary>
    public sealed record Nothing : EntityDecision;

    /// <summary>The owner's node has not completed a pass yet; its own report will bring the content.</summary>
    public sealed record Defer : EntityDecision;

    /// <summary>Write <paramref name="Status"/> (its fingerprint becomes the last written one).</summary>
    public sealed record Write(DesiredStatus Status, string Fingerprint) : EntityDecision
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

    /// <summary>No reports, ordered by node (one shared instance: every entity starts with it, most routes keep it).</summary>
    public static readonly ImmutableSortedDictionary<string, NodeReport> NoNodes = ImmutableSortedDictionary.Create<string, NodeReport>(StringComparer.Ordinal);

    /// <summary>Applies one event.</summary>
    public ReconciledObject Apply(IObjectEvent e) => e switch
    {
        NodeReported { Report: var r } when Departed.Contains(r.Node) => this,
        NodeReported { Report: var r } when Nodes.TryGetValue(r.Node, out var known) && known.Revision > r.Revision => this,
        NodeReported { Report: var r } => this with { Nodes = r.Present ? Nodes.SetItem(r.Node, r) : Nodes.Remove(r.Node) },
        NodeLeft left => this with { Nodes = Nodes.Remove(left.Node), Departed = Departed.Add(left.Node) },
        LocalContentObserved observed => this with { Local = observed.Content, LocalSynced = observed.Synced },
        Resumed resumed => resumed.Core,
        StoredStatusRead read => this with { StoredRead = true, LastWritten = read.Text is null ? null : new WrittenStatus(null, null, read.Text, null) },
        StatusWritten written => this with
        {
            LastWritten = new WrittenStatus(written.Fingerprint, written.Status, null, written.Revision),
            Writes = Writes + (written.Changed ? 1 : 0),
        },
        StatusRemoved => this with { LastWritten = null, Removed = true },
        _ => throw new ArgumentException($"unknown event {e.GetType().Name}", nameof(e)),
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
                nodes = nodes.SetItem(SelfNode, new NodeReport(SelfNode, SelfNodeName, local.Revision, true, local.Fingerprint, local.Programmed, local.Addresses));
            return [.. nodes.Values];
        }
    }

    /// <summary>
    /// The decision shared by every entity that writes a status: wait until this node has content, remove the status
    /// of an object that is gone here, write only when what this node asks for differs from what was last written.
    /// </summary>
    /// <param name="desired">The status to write (null: this entity writes none).</param>
    /// <param name="fingerprint">Its fingerprint.</param>
    public EntityDecision Decide(DesiredStatus? desired, string? fingerprint)
    {
        if (!LocalSynced || !StoredRead) return new EntityDecision.Defer();
        if (Local is null)
        {
            // Gone here: remove whatever is stored (a document may exist without a status we know of, e.g. one left by
            // an earlier run), once; removing what is not there is a no-op for every sink.
            return !Removed && Entity.StatusKey is { } key ? new EntityDecision.Remove(key) : new EntityDecision.Passivate();
        }
        if (desired is null || fingerprint is null || LastWritten?.Fingerprint == fingerprint) return new EntityDecision.Nothing();
        return new EntityDecision.Write(desired, fingerprint);
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
