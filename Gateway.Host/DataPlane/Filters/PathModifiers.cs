using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.Filters;

/// <summary>HTTPPathModifier semantics, shared by URLRewrite and RequestRedirect. Pure.</summary>
internal static class PathModifiers
{
    /// <summary>
    /// The modified path. ReplaceFullPath replaces everything; ReplacePrefixMatch replaces the matched PathPrefix
    /// element-wise, following the table in the HTTPPathModifier.ReplacePrefixMatch docs (trailing slashes of prefix
    /// and replacement are ignored, the remainder keeps its own slash, an empty result becomes "/").
    /// <paramref name="matchedPrefix"/> is the PathPrefix value of the match (with or without trailing slash).
    /// </summary>
    public static string Apply(PathModifier modifier, string? matchedPrefix, string path)
    {
        if (modifier.Type == PathModifierType.ReplaceFullPath) return modifier.Value.Length == 0 ? "/" : modifier.Value;
        var prefix = (matchedPrefix ?? "").TrimEnd('/');
        // The translator only allows ReplacePrefixMatch with a PathPrefix match, so the path starts with the prefix;
        // stay safe if it does not.
        var remainder = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;
        var replacement = modifier.Value.TrimEnd('/');
        var result = replacement + remainder;
        if (result.Length == 0) return "/";
        return result[0] == '/' ? result : "/" + result;
    }
}
