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
    public static readonly ManifestFileContent Empty = new(ImmutableSortedDictionary<int, ImmutableArray<ParsedObject>>.Empty, []);

    private ManifestFileContent(ImmutableSortedDictionary<int, ImmutableArray<ParsedObject>> documents, IReadOnlyList<SourceDiagnostic> diagnostics)
    {
        Documents = documents;
        Diagnostics = diagnostics;
    }

    /// <summary>Objects per document index.</summary>
    public ImmutableSortedDictionary<int, ImmutableArray<ParsedObject>> Documents { get; }

    /// <summary>Problems found by the last parse, in document order.</summary>
    public IReadOnlyList<SourceDiagnostic> Diagnostics { get; }

    /// <summary>All objects in document order.</summary>
    public IEnumerable<ParsedObject> Objects => Documents.Values.SelectMany(d => d);

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
        var documents = ImmutableSortedDictionary.CreateBuilder<int, ImmutableArray<ParsedObject>>();
        foreach (var group in parsed.Objects.GroupBy(o => o.DocumentIndex))
        {
            documents[group.Key] = [.. group];
        }

        var retainedNotes = new Dictionary<int, string>();
        foreach (var index in failed)
        {
            if (!previous.Documents.TryGetValue(index, out var before) || before.IsEmpty) continue;
            var current = documents.TryGetValue(index, out var now) ? now : [];
            var produced = current.Select(o => o.Key).ToHashSet();
            var kept = before.Where(o => !produced.Contains(o.Key)).ToImmutableArray();
            if (kept.IsEmpty) continue;
            documents[index] = current.AddRange(kept);
            retainedNotes[index] = string.Join(", ", kept.Select(o => o.Key.ToString()));
        }

        var diagnostics = parsed.Diagnostics
            .Select(d => new SourceDiagnostic(d.Source, d.DocumentIndex, DiagnosticCategory.Parse,
                retainedNotes.TryGetValue(d.DocumentIndex, out var note) ? $"{d.Reason} (keeping its last valid objects: {note})" : d.Reason))
            .ToList();
        return new ManifestFileContent(documents.ToImmutable(), diagnostics);
    }
}
