using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Actors.Translation;

/// <summary>
/// The Gateway API duration format (GEP-2257): one to four of number(1-5 digits)+unit, units h, m, s, ms, e.g. "1h",
/// "500ms", "1m30s". Hand-written because the BCL has no parser for Go-style durations and the GEP narrows Go's format
/// anyway (no fractions, no negative values, no µs/ns). A value of zero ("0s") is legal and means "disabled" where the
/// field allows it. The one duration parser of the code base: the translator's timeouts and retry backoff, the command
/// line's DURATION flags and the test emulators' echo delays all read this format.
/// </summary>
public static partial class GatewayDuration
{
    [GeneratedRegex("^([0-9]{1,5}(h|m|s|ms)){1,4}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Format();

    [GeneratedRegex("([0-9]{1,5})(ms|h|m|s)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    /// <summary>Parses <paramref name="text"/>; false when it is not a GEP-2257 duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Format().IsMatch(text)) return false;
        long totalMs = 0;
        foreach (Match m in Part().Matches(text))
        {
            var n = long.Parse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            totalMs += m.Groups[2].Value switch
            {
                "h" => n * 3_600_000,
                "m" => n * 60_000,
                "s" => n * 1_000,
                _ => n,
            };
        }
        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Renders a duration in the same format, largest units first ("1m30s", "500ms", "0s").</summary>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms == 0) return "0s";
        var parts = new List<string>();
        var h = ms / 3_600_000; ms %= 3_600_000;
        var m = ms / 60_000; ms %= 60_000;
        var s = ms / 1_000; ms %= 1_000;
        if (h > 0) parts.Add($"{h}h");
        if (m > 0) parts.Add($"{m}m");
        if (s > 0) parts.Add($"{s}s");
        if (ms > 0) parts.Add($"{ms}ms");
        return string.Concat(parts);
    }
}
