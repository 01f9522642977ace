using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Hosting;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>The path forwarded for a target with percent-encoded bytes, and the connection cap derived from the descriptor limit.</summary>
public sealed class ForwardedPathTests
{
    [Theory]
    [InlineData("/allowed/..%2fsecret", "/allowed/..%2fsecret")]
    [InlineData("/allowed/%c0%ae%c0%ae/x?y=%2f", "/allowed/%c0%ae%c0%ae/x")]
    [InlineData("/a/%2e%2e/b", "/b")]
    [InlineData("/a/b/%2E/../c%7E", "/a/c~")]
    [InlineData("/%2e%2e/%2e%2e/etc", "/etc")]
    [InlineData("/a/..", "/")]
    [InlineData("/100%25/%20", "/100%25/%20")]
    [InlineData("/trailing%", "/trailing%")]
    public void Normalise_DecodesOnlyUnreservedAndRemovesDotSegments(string target, string expected) =>
        Assert.Equal(expected, ForwardedPath.Normalise(target));

    [Theory]
    [InlineData("http://host/a%2fb")]
    [InlineData("*")]
    public void Normalise_TargetNotInOriginForm_IsLeftToTheDecodedPath(string target) => Assert.Null(ForwardedPath.Normalise(target));

    [Theory]
    [InlineData(PathModifierType.ReplacePrefixMatch, "/new", "/old", "/old/..%2fx/%c0", "/new/..%2fx/%c0")]
    [InlineData(PathModifierType.ReplacePrefixMatch, "/", "/old/", "/old/a%2fb", "/a%2fb")]
    [InlineData(PathModifierType.ReplacePrefixMatch, "/new", "/a b", "/a%20b/c%2f", "/new/c%2f")]
    [InlineData(PathModifierType.ReplaceFullPath, "/full", "/old", "/old/%2f", "/full")]
    public void Rewrite_KeepsTheEncodedRemainder(PathModifierType type, string value, string matchedPrefix, string normalised, string expected) =>
        Assert.Equal(expected, ForwardedPath.Rewrite(new PathModifier(type, value), matchedPrefix, normalised));

    [Theory]
    [InlineData(1024L, 274, 514L)]
    [InlineData(1_048_576L, 300, 786_159L)]
    [InlineData(256L, 274, 32L)]
    [InlineData(null, 274, 1_000_000L)]
    public void DefaultMaxConnections_ThreeQuartersOfWhatTheLimitLeaves_AtLeast32(long? soft, int open, long expected) =>
        Assert.Equal(expected, DescriptorLimit.DefaultMaxConnections(soft, open));
}
