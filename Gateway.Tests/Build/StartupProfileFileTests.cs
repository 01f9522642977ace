using Gateway.StartupProfile;
using Xunit;

namespace Gateway.Tests.Build;

/// <summary>The start-up profile's text form (Gateway.StartupProfile/StartupProfile.cs).</summary>
public sealed class StartupProfileFileTests
{
    [Fact]
    public void Format_SortsAndDropsRepeats_ParseReadsItBack_CommentsSkipped()
    {
        ProfileEntry[] entries = [new("YamlDotNet", "YamlDotNet.Core.Parser", "Parse"), new("Akka", "Akka.Actor.ActorCell", "Invoke"), new("Akka", "Akka.Actor.ActorCell", "Invoke")];

        var text = StartupProfileFile.Format(entries, ["a header"]);

        Assert.Equal("# a header\nAkka\tAkka.Actor.ActorCell\tInvoke\nYamlDotNet\tYamlDotNet.Core.Parser\tParse\n", text);
        Assert.Equal([entries[1], entries[0]], StartupProfileFile.Parse(text.Split('\n')));
    }

    [Theory]
    [InlineData("Akka\tAkka.Actor.ActorCell")]
    [InlineData("Akka\tAkka.Actor.ActorCell\tInvoke\textra")]
    [InlineData("Akka\t \tInvoke")]
    public void Parse_ALineWithoutExactlyThreeParts_FailsWithItsNumber(string line)
    {
        var e = Assert.Throws<FormatException>(() => StartupProfileFile.Parse(["# header", "", line]));

        Assert.StartsWith("line 3:", e.Message);
    }
}
