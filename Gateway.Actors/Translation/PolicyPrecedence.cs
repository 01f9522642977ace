using Gateway.Actors.Resources;

namespace Gateway.Actors.Translation;

/// <summary>What a policy is ranked by when several name the same target (GEP-713 conflict resolution).</summary>
internal interface IRankedPolicy
{
    ResourceKey Key { get; }
    DateTime? Created { get; }
}

/// <summary>Older creationTimestamp first (absent last), then namespace/name: the winner of a conflict comes first.</summary>
internal sealed class PolicyPrecedence : IComparer<IRankedPolicy>
{
    public static readonly PolicyPrecedence Instance = new();

    public int Compare(IRankedPolicy? x, IRankedPolicy? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        var byPresence = (x.Created is null).CompareTo(y.Created is null);
        if (byPresence != 0) return byPresence;
        var byAge = Nullable.Compare(x.Created, y.Created);
        return byAge != 0 ? byAge : x.Key.CompareTo(y.Key);
    }
}
