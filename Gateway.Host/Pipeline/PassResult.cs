namespace Gateway.Host.Pipeline;

/// <summary>
/// What one pipeline pass did with one snapshot: translated, applied to the data plane, statuses written.
/// A pass with errors still did everything it could (one failing step never stops the others).
/// </summary>
/// <param name="Revision">The snapshot revision.</param>
/// <param name="ChangeSequence">The store change sequence number the snapshot includes.</param>
/// <param name="Errors">One line per failed step (translation, data plane, a status write); empty on success.</param>
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
    /// Cluster mode: objects whose owning entity had not confirmed its write when the pass completed (bounded wait);
    /// they are written when the entity gets to them. Not an error.
    /// </summary>
    public int StatusesUnacknowledged { get; init; }

    /// <summary>True when every step succeeded.</summary>
    public bool Succeeded => Errors.Count == 0;
}
