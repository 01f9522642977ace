using System.Collections.Immutable;
using Gateway.Actors.Resources;

namespace Gateway.Host.Sources;

/// <summary>
/// The objects one manifest file currently contributes, per document index, and the problems of its last parse.
/// Immutable; <see cref="Update"/> is the pure rule for what a re-parse changes.
/// </summary>
public sealed class ManifestFileContent
{
    /// <summary>A file that contributes nothing.</summary>
    public static readonly ManifestFileContent Empty = new([], []);

    private ManifestFileContent(ImmutableArray<ParsedObject> objects, IReadOnlyList<SourceDiagnostic> diagnostics)
    {
        Objects = objects;
        Diagnostics = diagnostics;
    }

    /// <summary>
    /// All objects in document order (each knows its document index). One flat array per file: a sorted map of
    /// document index to an array of its objects cost two more objects per document (about 80 bytes per object,
    /// since most documents hold one object).
    /// </summary>
    public ImmutableArray<ParsedObject> Objects { get; }

    /// <summary>Problems found by the last parse, in document order.</summary>
    public IReadOnlyList<SourceDiagnostic> Diagnostics { get; }

    /// <summary>
    /// Applies a new parse of the file. A document that parsed cleanly replaces what its index held; a document with
    /// a problem keeps the objects its index held before (a file being edited must not make accepted objects vanish)
    /// plus any it still yields (a List with one bad item); an index the file no longer has is dropped, and so is a
    /// document that now holds only kinds we ignore. Indexes shift when documents are inserted above others: the
    /// retention is by index because that is all a broken document still has.
    /// </summary>
    public static ManifestFileContent Update(ManifestFileContent previous, ParseResult parsed)
    {
        var failed = parsed.FailedDocuments;
        var objects = parsed.Objects.ToList();

        var retainedNotes = new Dictionary<int, string>();
        foreach (var index in failed)
        {
            var before = previous.Objects.Where(o => o.DocumentIndex == index).ToList();
            if (before.Count == 0) continue;
            var produced = parsed.Objects.Where(o => o.DocumentIndex == index).Select(o => o.Key).ToHashSet();
            var kept = before.Where(o => !produced.Contains(o.Key)).ToList();
            if (kept.Count == 0) continue;
            objects.AddRange(kept);
            retainedNotes[index] = string.Join(", ", kept.Select(o => o.Key.ToString()));
        }

        var diagnostics = parsed.Diagnostics
            .Select(d => new SourceDiagnostic(d.Source, d.DocumentIndex, DiagnosticCategory.Parse,
                retainedNotes.TryGetValue(d.DocumentIndex, out var note) ? $"{d.Reason} (keeping its last valid objects: {note})" : d.Reason))
            .ToList();
        // Document order; within a document the new parse's objects, then the ones kept (OrderBy is stable).
        return new ManifestFileContent([.. objects.OrderBy(o => o.DocumentIndex)], diagnostics);
    }
}
