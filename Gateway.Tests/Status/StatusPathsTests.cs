using Gateway.Actors.Resources;
using Gateway.Host.Status;
using Xunit;

namespace Gateway.Tests.Status;

public class StatusPathsTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "sdir");

    [Fact]
    public void PathFor_NamespacedObject_KindNamespaceName()
    {
        Assert.Equal(Path.Combine(Root, "HTTPRoute", "apps", "web.yaml"), StatusPaths.PathFor(Root, new ResourceKey("HTTPRoute", "apps", "web")));
    }

    [Fact]
    public void PathFor_ClusterScopedObject_KindName()
    {
        Assert.Equal(Path.Combine(Root, "GatewayClass", "gc.yaml"), StatusPaths.PathFor(Root, new ResourceKey("GatewayClass", "", "gc")));
    }

    [Theory]
    [InlineData("Gateway", "infra", "same-namespace")]
    [InlineData("GatewayClass", "", "my.class")]
    [InlineData("BackendTLSPolicy", "ns", "p")]
    public void TryParse_RoundTripsPathFor(string kind, string ns, string name)
    {
        var key = new ResourceKey(kind, ns, name);

        Assert.True(StatusPaths.TryParse(Root, StatusPaths.PathFor(Root, key), out var parsed));
        Assert.Equal(key, parsed);
    }

    [Theory]
    [InlineData("Gateway/ns/.g.yaml.abc.tmp")]
    [InlineData("Gateway/ns/.hidden.yaml")]
    [InlineData("Widget/ns/w.yaml")]
    [InlineData("Gateway/g.yaml")]
    [InlineData("GatewayClass/ns/gc.yaml")]
    [InlineData("Gateway/ns/g.json")]
    public void TryParse_AnythingElse_False(string relative)
    {
        Assert.False(StatusPaths.TryParse(Root, Path.Combine(Root, relative), out _));
    }

    [Fact]
    public void FileName_NamesUpToTheLimit_KeptAsTheyAre()
    {
        var name = new string('a', StatusPaths.MaxPlainNameLength);

        Assert.Equal(name + ".yaml", StatusPaths.FileName(name));
    }

    [Fact]
    public void FileName_LongerNames_ShortPrefixAndHashUnderTheFileNameLimitAndDistinct()
    {
        var a = new string('a', 253);
        var b = new string('a', 252) + "b";

        var fileA = StatusPaths.FileName(a);

        // The sink's temp name adds 38 characters; file names may have 255 bytes.
        Assert.True(fileA.Length + 38 <= 255, fileA);
        Assert.Contains('~', fileA);
        Assert.NotEqual(fileA, StatusPaths.FileName(b));
        Assert.Equal(fileA, StatusPaths.FileName(a));
    }

    [Fact]
    public void TryParse_LongName_NeedsTheStoredNameAndChecksItBelongsToThePath()
    {
        var key = new ResourceKey("Gateway", "infra", new string('g', 253));
        var path = StatusPaths.PathFor(Root, key);

        Assert.False(StatusPaths.TryParse(Root, path, out _));
        Assert.True(StatusPaths.TryParse(Root, path, key.Name, out var parsed));
        Assert.Equal(key, parsed);
        Assert.False(StatusPaths.TryParse(Root, path, new string('h', 253), out _));
    }
}
