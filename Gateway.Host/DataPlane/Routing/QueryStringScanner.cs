namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// Finds query parameters in the raw query string without building a dictionary (HttpRequest.Query allocates one per
/// request). Written by hand for the allocation-free hot path; decoding happens only when a value is escaped.
/// HTTPQueryParamMatch: names match exactly; for a repeated parameter the first value is used (the spec's
/// recommendation).
/// </summary>
internal static class QueryStringScanner
{
    /// <summary>The first raw (still escaped) value of <paramref name="name"/>; false when absent.</summary>
    public static bool TryGetFirst(string? query, string name, out ReadOnlySpan<char> rawValue)
    {
        rawValue = default;
        if (string.IsNullOrEmpty(query)) return false;
        var rest = query.AsSpan();
        if (rest[0] == '?') rest = rest[1..];
        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            var eq = pair.IndexOf('=');
            var rawName = eq < 0 ? pair : pair[..eq];
            if (NameEquals(rawName, name))
            {
                rawValue = eq < 0 ? [] : pair[(eq + 1)..];
                return true;
            }
        }
        return false;
    }

    /// <summary>Unescapes a query component ('+' is a space in form encoding); returns the input when nothing is escaped.</summary>
    public static string Decode(ReadOnlySpan<char> raw) =>
        raw.IndexOfAny('%', '+') < 0 ? raw.ToString() : Uri.UnescapeDataString(raw.ToString().Replace('+', ' '));

    /// <summary>Whether the raw value equals <paramref name="expected"/> once unescaped.</summary>
    public static bool ValueEquals(ReadOnlySpan<char> raw, string expected) =>
        raw.IndexOfAny('%', '+') < 0 ? raw.SequenceEqual(expected) : Decode(raw) == expected;

    private static bool NameEquals(ReadOnlySpan<char> rawName, string name) =>
        rawName.IndexOfAny('%', '+') < 0 ? rawName.SequenceEqual(name) : Decode(rawName) == name;
}
