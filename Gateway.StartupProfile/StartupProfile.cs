namespace Gateway.StartupProfile;

/// <summary>One method of the profile: its assembly's simple name, its type's full metadata name (nested types joined with '+') and its name (every overload).</summary>
public sealed record ProfileEntry(string Assembly, string Type, string Method);

/// <summary>
/// The start-up profile's text form: one method per line, assembly, type and method separated by tabs; blank lines and
/// lines starting with '#' are comments.
/// </summary>
public static class StartupProfileFile
{
    /// <summary>The entries of <paramref name="lines"/>; a malformed line throws with its number.</summary>
    public static IReadOnlyList<ProfileEntry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<ProfileEntry>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split('\t');
            if (parts.Length != 3 || parts.Any(string.IsNullOrWhiteSpace))
                throw new FormatException($"line {number}: expected assembly, type and method separated by tabs: \"{line}\"");
            entries.Add(new ProfileEntry(parts[0], parts[1], parts[2]));
        }
        return entries;
    }

    /// <summary>The text of <paramref name="entries"/> under <paramref name="header"/> (comment lines), sorted and without repeats.</summary>
    public static string Format(IEnumerable<ProfileEntry> entries, IEnumerable<string> header)
    {
        var text = new System.Text.StringBuilder();
        foreach (var line in header) text.Append("# ").Append(line).Append('\n');
        foreach (var e in entries.Distinct().OrderBy(e => e.Assembly, StringComparer.Ordinal).ThenBy(e => e.Type, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal))
            text.Append(e.Assembly).Append('\t').Append(e.Type).Append('\t').Append(e.Method).Append('\n');
        return text.ToString();
    }
}
