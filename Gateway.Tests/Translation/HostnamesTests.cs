using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

public class HostnamesTests
{
    [Theory]
    [InlineData("foo.example.com", "*.example.com", "foo.example.com")]
    [InlineData("*.example.com", "foo.example.com", "foo.example.com")]
    [InlineData("a.b.example.com", "*.example.com", "a.b.example.com")]
    [InlineData("*.example.com", "*.com", "*.example.com")]
    [InlineData("*.com", "*.example.com", "*.example.com")]
    [InlineData("very.specific.com", "very.specific.com", "very.specific.com")]
    [InlineData("Very.Specific.com", "very.specific.com", "Very.Specific.com")]
    public void Intersect_Overlapping_ReturnsMoreSpecific(string a, string b, string expected) =>
        Assert.Equal(expected, Hostnames.Intersect(a, b));

    [Theory]
    [InlineData("example.com", "*.example.com")]
    [InlineData("test.example.net", "*.example.com")]
    [InlineData("*.example.net", "*.example.com")]
    [InlineData("wildcard.io", "*.wildcard.io")]
    [InlineData("a.com", "b.com")]
    public void Intersect_Disjoint_ReturnsNull(string a, string b) => Assert.Null(Hostnames.Intersect(a, b));

    [Fact]
    public void Effective_NoRouteHostnames_TakesListenerHostname()
    {
        Assert.Equal(["*.foo.com"], Hostnames.Effective("*.foo.com", []));
        Assert.Empty(Hostnames.Effective(null, [])!);
    }

    [Fact]
    public void Effective_RouteHostnamesOnWildcardListener_KeepsOnlyIntersections()
    {
        // Conformance HTTPRouteHostnameIntersection: listener *.wildcard.io and route specific-host-matches-listener-wildcard-host.
        var result = Hostnames.Effective("*.wildcard.io", ["non.matching.com", "wildcard.io", "foo.wildcard.io", "bar.wildcard.io", "foo.bar.wildcard.io"]);
        Assert.Equal(["foo.wildcard.io", "bar.wildcard.io", "foo.bar.wildcard.io"], result);
    }

    [Fact]
    public void Effective_NoIntersection_ReturnsNull() =>
        Assert.Null(Hostnames.Effective("very.specific.com", ["specific.but.wrong.com", "wildcard.io"]));

    [Fact]
    public void CompareSpecificity_OrdersExactThenLongerWildcardThenAny()
    {
        string?[] hosts = [null, "*.example.com", "abc.foo.example.com", "*.foo.example.com", "foo.com"];
        var sorted = hosts.Order(Comparer<string?>.Create(Hostnames.CompareSpecificity)).ToArray();
        Assert.Equal(new string?[] { "abc.foo.example.com", "foo.com", "*.foo.example.com", "*.example.com", null }, sorted.AsEnumerable());
    }
}
