namespace Gateway.Actors.Resources;

/// <summary>
/// Bounds on what a manifest may hold, checked before a document is deserialized so a hostile file costs little and
/// never holds up other changes. Each is at least as generous as the API server: an object it would store is never
/// refused here.
/// </summary>
public static class ManifestLimits
{
    /// <summary>
    /// Largest object: etcd refuses a request above 1.5 MiB (its default --max-request-bytes, which the API server
    /// inherits), so no stored object is larger. Applied to each document's text, and to each item of a List.
    /// </summary>
    public const int MaxObjectBytes = 1536 * 1024;

    /// <summary>
    /// Largest file read (12 MiB): a file is read whole, so its size bounds the memory one file can take. Eight objects
    /// at the largest size; the API server takes objects one at a time, so this bound is ours, not its. A larger file
    /// is refused by its size, without being read.
    /// </summary>
    public const long MaxFileBytes = 8L * MaxObjectBytes;

    /// <summary>
    /// Deepest nesting of mappings and sequences in one document. The deepest Gateway API field is about 10 levels
    /// down, kubectl's managedFields about 20; parsing stops at the first node deeper than this.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Most nodes one document may expand to when its YAML aliases are followed (each alias counts its whole target),
    /// so an alias bomb is refused without being expanded.
    /// </summary>
    public const int MaxNodes = 1_000_000;
}
