using System.Text;

namespace Gateway.Actors.Resources;

/// <summary>
/// The CRDs' patterns (OpenAPI <c>pattern</c> and CEL <c>matches()</c>) are RE2 syntax, which the API server runs with
/// Go's regexp. .NET reads the subset they use alike but for one anchor: a <c>$</c> outside a character class ends the
/// text in RE2 (no multi-line flag), while .NET's also matches before a final newline, so <c>"example.com\n"</c> passed
/// a hostname pattern here that the API server refuses. <see cref="ForDotNet"/> gives the pattern RE2's reading.
/// </summary>
/// <remarks>
/// Written here: a rewrite of one anchor, which no regex library offers (RE2 ports for .NET are native bindings or
/// unmaintained, and .NET has no RE2 dialect option).
/// </remarks>
public static class Re2Patterns
{
    /// <summary>
    /// <paramref name="re2"/> with every <c>$</c> that anchors (unescaped, outside a character class) written <c>\z</c>;
    /// unchanged when it sets the multi-line flag (where <c>$</c> ends a line in both dialects).
    /// </summary>
    public static string ForDotNet(string re2)
    {
        if (!re2.Contains('$') || SetsMultiLine(re2)) return re2;
        var text = new StringBuilder(re2.Length + 4);
        var inClass = false;
        for (var i = 0; i < re2.Length; i++)
        {
            var c = re2[i];
            if (c == '\\' && i + 1 < re2.Length)
            {
                text.Append(c).Append(re2[++i]);
                continue;
            }
            if (inClass)
            {
                if (c == ']') inClass = false;
                text.Append(c);
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                text.Append(c);
                // A ']' right after '[' or '[^' is a member of the class, not its end (both dialects).
                if (i + 1 < re2.Length && re2[i + 1] == '^') text.Append(re2[++i]);
                if (i + 1 < re2.Length && re2[i + 1] == ']') text.Append(re2[++i]);
                continue;
            }
            if (c == '$') text.Append(@"\z");
            else text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>True when a flag group sets <c>m</c> (<c>(?m)</c>, <c>(?im:</c> ...).</summary>
    private static bool SetsMultiLine(string re2)
    {
        for (var at = re2.IndexOf("(?", StringComparison.Ordinal); at >= 0; at = re2.IndexOf("(?", at + 2, StringComparison.Ordinal))
        {
            for (var i = at + 2; i < re2.Length && char.IsAsciiLetter(re2[i]); i++)
            {
                if (re2[i] == 'm') return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <paramref name="expression"/> (CEL) with the pattern of every <c>matches()</c> call given RE2's reading
    /// (<see cref="ForDotNet"/>), since the CEL evaluator runs it with .NET's regex. A raw literal (<c>r"""…"""</c>) is
    /// rewritten in place; a single-quoted one whose escapes are only <c>\\</c> and <c>\'</c> becomes a raw literal of
    /// the same pattern; any other literal is left as it is.
    /// </summary>
    public static string InCelMatches(string expression)
    {
        const string call = ".matches(";
        if (!expression.Contains(call, StringComparison.Ordinal)) return expression;
        var text = new StringBuilder(expression.Length + 8);
        var at = 0;
        for (var found = expression.IndexOf(call, StringComparison.Ordinal); found >= 0; found = expression.IndexOf(call, at, StringComparison.Ordinal))
        {
            var start = found + call.Length;
            text.Append(expression, at, start - at);
            at = start;
            if (expression.AsSpan(start).StartsWith("r\"\"\"", StringComparison.Ordinal))
            {
                var end = expression.IndexOf("\"\"\"", start + 4, StringComparison.Ordinal);
                if (end < 0) break;
                text.Append("r\"\"\"").Append(ForDotNet(expression[(start + 4)..end])).Append("\"\"\"");
                at = end + 3;
            }
            else if (start < expression.Length && expression[start] == '\'' && SingleQuoted(expression, start) is ({ } pattern, var next) && !pattern.Contains("\"\"\"", StringComparison.Ordinal))
            {
                text.Append("r\"\"\"").Append(ForDotNet(pattern)).Append("\"\"\"");
                at = next;
            }
        }
        text.Append(expression, at, expression.Length - at);
        return text.ToString();
    }

    /// <summary>The value of the single-quoted CEL literal at <paramref name="start"/> and the index after it; null for other escapes or no end.</summary>
    private static (string? Value, int Next) SingleQuoted(string expression, int start)
    {
        var value = new StringBuilder();
        for (var i = start + 1; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\'') return (value.ToString(), i + 1);
            if (c == '\\')
            {
                if (i + 1 >= expression.Length || expression[i + 1] is not ('\\' or '\'')) return (null, 0);
                value.Append(expression[++i]);
                continue;
            }
            value.Append(c);
        }
        return (null, 0);
    }
}
