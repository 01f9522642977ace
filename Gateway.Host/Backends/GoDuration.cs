using System.Globalization;

namespace Gateway.Host.Backends;

/// <summary>
/// Parses Go duration strings ("1s", "500ms", "1m30s"), the format echo-basic accepts for ?delay=.
/// Hand-written because .NET has no parser for Go's format and it is ten lines.
/// </summary>
public static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return false;
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i])) i++;
            var factor = text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(1),
                "m" => TimeSpan.FromMinutes(1),
                "s" => TimeSpan.FromSeconds(1),
                "ms" => TimeSpan.FromMilliseconds(1),
                "us" or "µs" => TimeSpan.FromMicroseconds(1),
                "ns" => TimeSpan.FromTicks(1) / 100,
                _ => TimeSpan.MinValue,
            };
            if (factor == TimeSpan.MinValue) return false;
            value += factor * number;
        }
        return true;
    }
}
