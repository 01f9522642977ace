using Gateway.Actors.Actors.Common;
using Xunit;

namespace Gateway.Tests.Cluster;

public class FingerprintTests
{
    [Theory]
    [InlineData("status|1|rv-7")]
    [InlineData("")]
    [InlineData("ab|c")]
    public void Of_TextIsTheHashOfTheSameParts(string joined)
    {
        var parts = joined.Split('|');
        Assert.Equal(NodeContentBuilder.Hash(parts), Fingerprint.Of(parts).ToString());
    }

    [Fact]
    public void Of_PartsSeparated_DifferentSplitsDiffer() =>
        Assert.NotEqual(Fingerprint.Of("ab", "c"), Fingerprint.Of("a", "bc"));
}
