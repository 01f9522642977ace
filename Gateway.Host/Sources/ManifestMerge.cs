using Gateway.Actors.Resources;

namespace Gateway.Host.Sources;

/// <summary>The objects all manifest files define together, and the duplicates that lost.</summary>
/// <param name="Objects">Winning object per key.</param>
/// <param name="Order">Keys in path order (file order, then document order).</param>
/// <param name="Duplicates">One diagnostic per object that lost to an earlier definition.</param>
public sealed record MergedManifests(
    IReadOnlyDictionary<ResourceKey, ParsedObject> Objects,
    IReadOnlyList<ResourceKey> Order,
    IReadOnlyList<SourceDiagnostic> Duplicates);

/// <summary>
/// Combines files into one object set. Pure. When two documents define the same kind/namespace/name, the first in
/// path order wins (files in the order given, then document order) and the other is reported; when the winner goes
/// away, the next definition takes over on the next merge.
/// </summary>
public static class ManifestMerge
{
    /// <summary>Merges <paramref name="filesInOrder"/>.</summary>
    public static MergedManifests Merge(IEnumerable<ManifestFileContent> filesInOrder)
    {
        var objects = new Dictionary<ResourceKey, ParsedObject>();
        var order = new List<ResourceKey>();
        var duplicates = new List<SourceDiagnostic>();
        foreach (var file in filesInOrder)
        {
            foreach (var obj in file.Objects)
            {
                if (objects.TryGetValue(obj.Key, out var winner))
                {
                    duplicates.Add(new SourceDiagnostic(obj.Source, obj.DocumentIndex, DiagnosticCategory.Duplicate,
                        $"{obj.Key} is already defined in {winner.Source} (document {winner.DocumentIndex}); this definition is ignored"));
                    continue;
                }
                objects.Add(obj.Key, obj);
                order.Add(obj.Key);
            }
        }
        return new MergedManifests(objects, order, duplicates);
    }
}
