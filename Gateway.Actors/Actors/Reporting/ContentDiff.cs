using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;

namespace Gateway.Actors.Actors.Reporting;

/// <summary>Which entities a pass changed for this node: new or different content, and content that disappeared.</summary>
/// <param name="Changed">Entities whose content is new or has another fingerprint.</param>
/// <param name="Removed">Entities the previous pass produced and this one does not (plus, on the first pass, objects with a stored status that no pass produced).</param>
public sealed record ContentDiff(ImmutableArray<EntityRef> Changed, ImmutableArray<EntityRef> Removed)
{
    /// <summary>
    /// Compares two passes (pure). <paramref name="storedKeys"/> (first pass only) are the objects whose status an
    /// earlier run left behind: those the new content lacks are reported as removed, so their owners delete them.
    /// </summary>
    public static ContentDiff Between(NodeContent previous, NodeContent next, IEnumerable<ResourceKey>? storedKeys = null)
    {
        // The builder's own account, when it is relative to exactly this previous content: no walk over every object.
        if (storedKeys is null && next.Delta is { } delta && ReferenceEquals(delta.Basis, previous.Token)) return new ContentDiff(delta.Changed, delta.Removed);
        var changed = next.Objects
            .Where(p => !previous.Objects.TryGetValue(p.Key, out var before) || before.Fingerprint != p.Value.Fingerprint)
            .Select(p => p.Key)
            .ToImmutableArray();
        var removed = previous.Objects.Keys
            .Concat((storedKeys ?? []).Select(EntityRef.ForStatus))
            .Where(e => !next.Objects.ContainsKey(e))
            .Distinct()
            .Order()
            .ToImmutableArray();
        return new ContentDiff(changed, removed);
    }

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Changed.IsEmpty && Removed.IsEmpty;
}
