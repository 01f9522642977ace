using System.Text.RegularExpressions;

namespace Gateway.Actors.RouteTable;

/// <summary>
/// The regular expressions of route matches (HTTP path, header and query parameter values, gRPC methods) as the data
/// plane runs them: .NET's non-backtracking engine (linear time; no backreferences or lookarounds), culture-invariant,
/// matching the whole value, with a time limit. The translator accepts a pattern only when <see cref="Error"/> finds
/// nothing, so every pattern in a route table compiles in the data plane.
/// </summary>
public static class RouteRegex
{
    /// <summary>
    /// Time allowed for one evaluation: a guard against a pattern whose first use is expensive (the engine builds its
    /// automaton lazily; counted repetitions inside counted repetitions took about 100 ms at their first match,
    /// measured). The clock is the wall clock, so the bound stays far above what delays a cheap evaluation on a busy
    /// machine (a blocking collection, a thread waiting for a core, the engine's code compiled at its first use in the
    /// process), since an evaluation that runs out counts as no match and sends the request to another rule or a 404.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The data plane's form of <paramref name="pattern"/>: anchored at both ends (<c>\z</c>, since <c>$</c> also allows
    /// a final newline, which a decoded query value can carry as <c>%0A</c>). Throws <see cref="ArgumentException"/> for
    /// an invalid pattern and <see cref="NotSupportedException"/> for one the engine refuses (its automaton too large).
    /// </summary>
    public static Regex Compile(string pattern) =>
        new("^(?:" + pattern + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Timeout);

    /// <summary>
    /// Why <paramref name="pattern"/> cannot be a route match, in the engine's words; null when it can. The pattern must
    /// compile on its own (so that it cannot close the anchoring group and change what the anchors hold) and in its
    /// anchored form, which is a little larger and can pass the engine's automaton limit when the bare pattern does not.
    /// </summary>
    public static string? Error(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Timeout);
            _ = Compile(pattern);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return e.Message.TrimEnd('.');
        }
    }
}
