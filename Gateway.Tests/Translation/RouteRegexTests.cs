using System.Text.RegularExpressions;
using Gateway.Actors.RouteTable;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// The one definition of a route match's regular expression (<see cref="RouteRegex"/>): what the translator accepts is
/// exactly what the data plane compiles.
/// </summary>
public sealed class RouteRegexTests
{
    // Counted repetitions: the bare pattern fits the non-backtracking engine's automaton limit, its anchored form does not.
    private const string PastTheLimitOnceAnchored = "/(.{0,399}a){5}.*z";

    [Fact]
    public void Error_PatternPastTheEnginesLimitOnlyOnceAnchored_IsRefused()
    {
        _ = new Regex(PastTheLimitOnceAnchored, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        Assert.Throws<NotSupportedException>(() => RouteRegex.Compile(PastTheLimitOnceAnchored));

        Assert.Contains("larger than the configured limit", RouteRegex.Error(PastTheLimitOnceAnchored), StringComparison.Ordinal);
    }

    [Fact]
    public void Error_PatternThatCompilesOnlyInsideTheAnchoringGroup_IsRefused()
    {
        // "a)(?:b" closes the anchoring group early: anchored it compiles, on its own it does not.
        _ = RouteRegex.Compile("a)(?:b");

        Assert.NotNull(RouteRegex.Error("a)(?:b"));
    }

    [Theory]
    [InlineData("/v[0-9]+/items")]
    [InlineData("orange|blue")]
    [InlineData("/(.{0,200}a){8}.*z")]
    public void Error_PatternTheDataPlaneRuns_IsNull(string pattern)
    {
        Assert.Null(RouteRegex.Error(pattern));
        _ = RouteRegex.Compile(pattern);
    }

    [Fact]
    public void Compile_MatchesTheWholeValueOnly()
    {
        var regex = RouteRegex.Compile("orange|blue");

        Assert.Matches(regex, "blue");
        Assert.DoesNotMatch(regex, "blueish");
        Assert.DoesNotMatch(regex, "blue\n");
    }
}
