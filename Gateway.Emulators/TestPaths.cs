namespace Gateway.Emulators;

/// <summary>
/// Locations of the repository and the upstream conformance material, found from the running test binary (shared by
/// both test projects).
/// </summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Gateway.sln).</summary>
    public static string RepoRoot { get; } = FindUp(AppContext.BaseDirectory, "Gateway.sln")
        ?? throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);

    /// <summary>
    /// The upstream conformance material. GATEWAY_CONFORMANCE_DIR overrides; otherwise the copy in the repository
    /// (conformance/upstream) is used, then ../shared/conformance next to the checkout.
    /// </summary>
    public static string ConformanceDir { get; } = ResolveConformanceDir();

    private static string ResolveConformanceDir()
    {
        var env = Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_DIR");
        if (!string.IsNullOrEmpty(env)) return env;
        foreach (var candidate in new[] { Path.Combine(RepoRoot, "conformance", "upstream"), Path.Combine(RepoRoot, "..", "shared", "conformance") })
        {
            if (File.Exists(Path.Combine(candidate, "cases.json"))) return Path.GetFullPath(candidate);
        }
        throw new InvalidOperationException("conformance material not found; set GATEWAY_CONFORMANCE_DIR");
    }

    private static string? FindUp(string start, string marker)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, marker))) return dir.FullName;
        }
        return null;
    }
}
