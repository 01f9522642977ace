namespace Gateway.Host.Sources;

/// <summary>
/// Lists the manifest files under a directory, recursively, following symbolic links to directories but entering
/// each real directory once: a link back to a directory already walked (a loop, or a second link to the same
/// directory) is reported and not followed, so the walk is linear in the number of real directories whatever the
/// links. Hidden entries are skipped (editor swap files, and the "..data" symlink farms of mounted ConfigMaps that
/// would otherwise load every file twice); directories that cannot be listed are skipped.
/// </summary>
public static class ManifestDirectoryWalk
{
    /// <summary>Most links followed to resolve one path, as the kernel's ELOOP limit (40).</summary>
    private const int MaxLinkHops = 40;

    /// <summary>The files under <paramref name="root"/> whose extension <paramref name="include"/> accepts, in ordinal path order.</summary>
    /// <param name="root">A directory (full path).</param>
    /// <param name="include">Takes a file's extension.</param>
    /// <param name="skipped">Receives each directory link not followed: (link path, why).</param>
    public static IReadOnlyList<string> Files(string root, Func<string, bool> include, Action<string, string> skipped)
    {
        var files = new List<string>();
        // Real path of each directory entered -> the path it was entered by.
        var entered = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<(string Path, string Real)>();
        var rootReal = RealPath(root) ?? root;
        entered[rootReal] = root;
        pending.Push((root, rootReal));
        while (pending.TryPop(out var directory))
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(directory.Path).EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true }).ToList();
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // An IOException (out of file descriptors, EMFILE, is the common one) propagates: skipping the directory
            // would make every file under it look deleted, and the catalog keeps a root it cannot list as it was.
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.')) continue;
                var isLink = entry.LinkTarget is not null;
                if (entry is FileInfo)
                {
                    if (include(entry.Extension)) files.Add(entry.FullName);
                    continue;
                }
                if (entry is not DirectoryInfo) continue;
                // A real subdirectory of a real directory is its own real path; only a link needs resolving.
                var real = isLink ? RealPath(entry.FullName) : Path.Combine(directory.Real, entry.Name);
                if (real is null)
                {
                    skipped(entry.FullName, "symbolic link that does not resolve (a loop of links, or a missing target); not followed");
                    continue;
                }
                if (entered.TryGetValue(real, out var first))
                {
                    skipped(entry.FullName, IsUnder(directory.Real, real)
                        ? $"symbolic link loop: leads back to {first}, which contains it; not followed"
                        : $"leads to {first}, already read; not read again");
                    continue;
                }
                entered[real] = entry.FullName;
                pending.Push((entry.FullName, real));
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// The path with every symbolic link in it resolved (what realpath(3) answers), or null when a link does not
    /// resolve within <see cref="MaxLinkHops"/> hops or leads nowhere.
    /// </summary>
    public static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "/";
        var remaining = new Stack<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var hops = 0;
        while (remaining.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            string? target;
            try
            {
                target = info.LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                if (!info.Exists) return null;
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops) return null;
            // The target's parts are resolved in turn: relative to the link's directory, or from the root.
            var parts = target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            for (var i = parts.Length - 1; i >= 0; i--) remaining.Push(parts[i]);
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target) ?? root;
        }
        return current;
    }

    private static bool IsUnder(string path, string ancestor) =>
        path == ancestor || path.StartsWith(ancestor.EndsWith(Path.DirectorySeparatorChar) ? ancestor : ancestor + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
