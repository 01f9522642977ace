using System.Text.RegularExpressions;
using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class Re2PatternsTests
{
    [Theory]
    [InlineData("^a$", @"^a\z")]
    [InlineData("^$|^[a-z]+$", @"^\z|^[a-z]+\z")]
    [InlineData("^[A-Za-z0-9!#$%&]+$", @"^[A-Za-z0-9!#$%&]+\z")]
    [InlineData(@"^\$[]$]*[^]$]$", @"^\$[]$]*[^]$]\z")]
    [InlineData(@"^a\\$", @"^a\\\z")]
    [InlineData("(?m)^a$", "(?m)^a$")]
    [InlineData("(?im:^a$)", "(?im:^a$)")]
    [InlineData("^(?i)a$", @"^(?i)a\z")]
    [InlineData("no anchor", "no anchor")]
    public void ForDotNet_AnchoringDollarsOutsideClassesEndTheText_EscapedClassAndMultiLineOnesKept(string re2, string expected) =>
        Assert.Equal(expected, Re2Patterns.ForDotNet(re2));

    /// <summary>What RE2 (Go's regexp, the API server's) answers: a final newline is text like any other.</summary>
    [Theory]
    [InlineData("^[a-z.]+$", "a.example", true)]
    [InlineData("^[a-z.]+$", "a.example\n", false)]
    [InlineData("^[a-z.]+$|^x$", "x\n", false)]
    [InlineData("^[$a]+$", "$a$", true)]
    [InlineData("(?m)^a$", "a\nb", true)]
    public void ForDotNet_DotNetRegex_AnswersAsRe2(string re2, string input, bool matches) =>
        Assert.Equal(matches, Regex.IsMatch(input, Re2Patterns.ForDotNet(re2)));

    [Theory]
    [InlineData("self.matches(r\"\"\"^a$\"\"\")", "self.matches(r\"\"\"^a\\z\"\"\")")]
    [InlineData("self.value.matches('^([a-z]+(\\\\.[a-z]+)*)$') && x.matches(r\"\"\"[$]$\"\"\")", "self.value.matches(r\"\"\"^([a-z]+(\\.[a-z]+)*)\\z\"\"\") && x.matches(r\"\"\"[$]\\z\"\"\")")]
    [InlineData("self.matches('^a\\n$')", "self.matches('^a\\n$')")]
    [InlineData("self.size() > 0", "self.size() > 0")]
    public void InCelMatches_RewritesEachMatchesPattern_SingleQuotedOnesAsRawLiterals_OtherEscapesLeftAlone(string expression, string expected) =>
        Assert.Equal(expected, Re2Patterns.InCelMatches(expression));
}
