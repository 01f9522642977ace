using Gateway.Actors.Resources;

namespace Gateway.Host.Status;

/// <summary>
/// Where the file sink keeps each object: <c>ROOT/&lt;Kind&gt;/&lt;namespace&gt;/&lt;name&gt;.yaml</c>, or
/// <c>ROOT/&lt;Kind&gt;/&lt;name&gt;.yaml</c> for cluster-scoped kinds. Names and namespaces are DNS names (admission
/// checks them), so they are safe as path segments. A name may be 253 characters long, but a file name only 255 bytes
/// and the sink's temp name adds 38 characters, so a name longer than <see cref="MaxPlainNameLength"/> is stored as
/// its first characters, '~' and 16 hex digits of its SHA-256 (DNS names never contain '~', so such a file name is
/// never a plain one); the object's own metadata.name tells which object it holds.
/// </summary>
public static class StatusPaths
{
    /// <summary>The longest name kept as it is in a file name.</summary>
    public const int MaxPlainNameLength = 200;

    private const int HashedPrefixLength = 160;

    /// <summary>The status file of <paramref name="key"/> under <paramref name="root"/>.</summary>
    public static string PathFor(string root, ResourceKey key) => key.Namespace.Length == 0
        ? Path.Combine(root, key.Kind, FileName(key.Name))
        : Path.Combine(root, key.Kind, key.Namespace, FileName(key.Name));

    /// <summary>The file name that holds the object named <paramref name="name"/>.</summary>
    public static string FileName(string name) => name.Length <= MaxPlainNameLength
        ? name + ".yaml"
        : $"{name[..HashedPrefixLength]}~{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..16]}.yaml";

    /// <summary>Whether <paramref name="path"/> is a file of a long name (its name is read from the file, not the path).</summary>
    public static bool IsHashed(string path) => Path.GetFileName(path).Contains('~', StringComparison.Ordinal);

    /// <summary>
    /// Reads a key back from a path laid out by <see cref="PathFor"/>; false for anything else and for the file of a
    /// long name (<see cref="IsHashed"/>), whose name only the file's content holds (<see cref="TryParse(string, string, string, out ResourceKey)"/>).
    /// </summary>
    public static bool TryParse(string root, string path, out ResourceKey key)
    {
        key = default;
        if (!path.EndsWith(".yaml", StringComparison.Ordinal)) return false;
        var relative = Path.GetRelativePath(root, path);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || p.StartsWith('.'))) return false;
        var info = KindRegistry.ByName(parts[0]);
        if (info is null || info.Namespaced != (parts.Length == 3)) return false;
        var name = parts[^1][..^".yaml".Length];
        if (name.Length == 0 || IsHashed(path)) return false;
        key = new ResourceKey(info.Kind, parts.Length == 3 ? parts[1] : "", name);
        return true;
    }

    /// <summary>
    /// As <see cref="TryParse(string, string, out ResourceKey)"/>, and for the file of a long name the key of the object
    /// <paramref name="storedName"/> (its metadata.name) when that name is stored under this very path.
    /// </summary>
    public static bool TryParse(string root, string path, string? storedName, out ResourceKey key)
    {
        if (TryParse(root, path, out key)) return true;
        if (!IsHashed(path) || string.IsNullOrEmpty(storedName)) return false;
        var relative = Path.GetRelativePath(root, path);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        if (parts.Length is < 2 or > 3) return false;
        var info = KindRegistry.ByName(parts[0]);
        if (info is null || info.Namespaced != (parts.Length == 3)) return false;
        var candidate = new ResourceKey(info.Kind, parts.Length == 3 ? parts[1] : "", storedName);
        if (PathFor(root, candidate) != Path.GetFullPath(path, root)) return false;
        key = candidate;
        return true;
    }
}
