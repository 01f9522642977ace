namespace Gateway.Host.Pipeline;

/// <summary>
/// What one pipeline pass did with one snapshot: translated, applied to the data plane, statuses handed to their
/// entities (the counts are what the entities report having done).
/// A pass with errors still did everything it could (one failing step never stops the others).
/// </summary>
/// <param name="Revision">The snapshot revision.</param>
/// <param name="ChangeSequence">The store change sequence number the snapshot includes.</param>
/// <param name="Errors">One line per failed step (translation, data plane, the status hand-off or an entity's write); empty on success.</param>
/// <param name="Translations">How many times the snapshot was translated (2 when unavailable sockets changed).</param>
/// <param name="StatusesWritten">Status writes that changed something.</param>
/// <param name="StatusesUnchanged">Status writes skipped because nothing but timestamps would change.</param>
/// <param name="StatusesRemoved">Statuses removed because their object went away or stopped being ours.</param>
public sealed record PassResult(
    long Revision,
    long ChangeSequence,
    IReadOnlyList<string> Errors,
    int Translations,
    int StatusesWritten,
    int StatusesUnchanged,
    int StatusesRemoved)
{
    /// <summary>
    /// Objects whose owning entity had not confirmed its write when the pass completed (bounded wait);
    /// they are written when the entity gets to them. Not an error.
    /// </summary>
    public int StatusesUnacknowledged { get; init; }

    /// <summary>True when every step succeeded.</summary>
    public bool Succeeded => Errors.Count == 0;
}
