using Gateway.Actors.Resources;

namespace Gateway.Host.Status;

/// <summary>
/// Where the file sink keeps each object: <c>ROOT/&lt;Kind&gt;/&lt;namespace&gt;/&lt;name&gt;.yaml</c>, or
/// <c>ROOT/&lt;Kind&gt;/&lt;name&gt;.yaml</c> for cluster-scoped kinds. Names and namespaces are DNS names (admission
/// checks them), so they are safe as path segments.
/// </summary>
public static class StatusPaths
{
    /// <summary>The status file of <paramref name="key"/> under <paramref name="root"/>.</summary>
    public static string PathFor(string root, ResourceKey key) => key.Namespace.Length == 0
        ? Path.Combine(root, key.Kind, key.Name + ".yaml")
        : Path.Combine(root, key.Kind, key.Namespace, key.Name + ".yaml");

    /// <summary>Reads a key back from a path laid out by <see cref="PathFor"/>; false for anything else.</summary>
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
        if (name.Length == 0) return false;
        key = new ResourceKey(info.Kind, parts.Length == 3 ? parts[1] : "", name);
        return true;
    }
}
