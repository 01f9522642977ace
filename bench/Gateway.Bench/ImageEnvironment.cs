namespace Gateway.Bench;

/// <summary>
/// The runtime environment the gateway's image sets (the Dockerfile's <c>ENV DOTNET_...</c> lines of its last stage),
/// which the bench gives every gateway it starts so that it measures the product as shipped, not a bare
/// <c>dotnet Gateway.Host.dll</c>. <c>--no-image-env</c> leaves it out; <c>--gateway-env</c> overrides it.
/// </summary>
internal static class ImageEnvironment
{
    /// <summary>The DOTNET_ variables set by ENV in the last stage of <paramref name="dockerfile"/>.</summary>
    public static Dictionary<string, string> Read(string dockerfile)
    {
        var lines = File.ReadAllText(dockerfile).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Select(l => l.Trim());
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal)) result.Clear();
            if (!line.StartsWith("ENV ", StringComparison.Ordinal)) continue;
            foreach (var pair in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && pair.StartsWith("DOTNET_", StringComparison.Ordinal)) result[pair[..eq]] = pair[(eq + 1)..].Trim('"');
            }
        }
        return result;
    }
}
