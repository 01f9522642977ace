namespace Gateway.StartupProfile;

/// <summary>One compilation in the JIT's summary: the method's type (full name, '+' before a nested type, instantiations removed), its name and the tier the JIT names.</summary>
public sealed record JitCompilation(string Type, string Method, string Tier)
{
    /// <summary>An optimized tier-1 compilation (with or without a profile, or on-stack replacement): the method ran hot.</summary>
    public bool ReachedTier1 => Tier.StartsWith("Tier1", StringComparison.Ordinal);
}

/// <summary>
/// Reads the list of compilations the runtime writes with <c>DOTNET_JitStdOutFile=FILE DOTNET_JitDisasmSummary=1</c>, one
/// line each: <c>   12: JIT compiled Ns.Type`1[System.__Canon]:Method(args):ret [Tier1 with Dynamic PGO, IL size=32, code size=180]</c>.
/// </summary>
public static class JitSummary
{
    private const string Marker = "JIT compiled ";

    /// <summary>The compilations of <paramref name="lines"/>; lines of another shape are skipped.</summary>
    public static IEnumerable<JitCompilation> Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at < 0) continue;
            var rest = line[(at + Marker.Length)..];
            var tierStart = rest.LastIndexOf(" [", StringComparison.Ordinal);
            var open = rest.IndexOf('(');
            if (tierStart < 0 || open < 0 || open > tierStart) continue;
            var name = WithoutInstantiations(rest[..open]);
            var colon = name.LastIndexOf(':');
            if (colon <= 0 || colon == name.Length - 1) continue;
            var tier = rest[(tierStart + 2)..].TrimEnd(']');
            var comma = tier.IndexOf(',');
            yield return new JitCompilation(name[..colon], name[(colon + 1)..], comma < 0 ? tier : tier[..comma]);
        }
    }

    /// <summary>The text without its bracketed generic instantiations (which may nest).</summary>
    internal static string WithoutInstantiations(string text)
    {
        var result = new System.Text.StringBuilder(text.Length);
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '[') depth++;
            else if (c == ']') depth = Math.Max(0, depth - 1);
            else if (depth == 0) result.Append(c);
        }
        return result.ToString();
    }
}
