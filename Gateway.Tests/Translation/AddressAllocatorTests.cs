using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

public class AddressAllocatorTests
{
    private static AddressRequest Req(string name, int? ageSeconds = null) =>
        new(new ResourceKey("Gateway", "ns", name), ageSeconds is { } s ? new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(s) : null);

    [Fact]
    public void Assign_SameInput_SameAddressesRegardlessOfOrder()
    {
        var a = AddressAllocator.Assign("127.10.0.0/16", [Req("a"), Req("b"), Req("c")], new HashSet<string>());
        var b = AddressAllocator.Assign("127.10.0.0/16", [Req("c"), Req("a"), Req("b")], new HashSet<string>());
        Assert.Equal(a.OrderBy(p => p.Key).ToList(), b.OrderBy(p => p.Key).ToList());
        Assert.Equal(3, a.Values.Distinct().Count());
        Assert.All(a.Values, v => Assert.True(AddressAllocator.InPool("127.10.0.0/16", v!)));
    }

    [Fact]
    public void Assign_TinyPoolWithCollisions_OlderGatewaysKeepTheirAddressWhenOneIsAdded()
    {
        // A /29 has 6 usable addresses, so collisions are certain to be exercised across many additions.
        var existing = Enumerable.Range(0, 5).Select(i => Req($"g{i}", i)).ToList();
        var before = AddressAllocator.Assign("10.0.0.0/29", existing, new HashSet<string>());
        var after = AddressAllocator.Assign("10.0.0.0/29", [.. existing, Req("newcomer", 100)], new HashSet<string>());
        foreach (var r in existing) Assert.Equal(before[r.Gateway], after[r.Gateway]);
        Assert.NotNull(after[Req("newcomer").Gateway]);
        Assert.Equal(6, after.Values.Distinct().Count());
    }

    [Fact]
    public void Assign_PoolExhausted_YoungestGetsNothing()
    {
        var result = AddressAllocator.Assign("10.0.0.0/30", [Req("a", 1), Req("b", 2), Req("c", 3)], new HashSet<string>());
        Assert.NotNull(result[Req("a").Gateway]);
        Assert.NotNull(result[Req("b").Gateway]);
        Assert.Null(result[Req("c").Gateway]);
        Assert.DoesNotContain("10.0.0.0", result.Values);
        Assert.DoesNotContain("10.0.0.3", result.Values);
    }

    [Fact]
    public void Assign_ReservedAddress_IsNeverHandedOut()
    {
        var result = AddressAllocator.Assign("10.0.0.0/30", [Req("a"), Req("b")], new HashSet<string> { "10.0.0.1" });
        Assert.Equal("10.0.0.2", result.Values.Single(v => v is not null));
    }

    [Theory]
    [InlineData("not-a-cidr")]
    [InlineData("10.0.0.0/33")]
    [InlineData("::1/128")]
    public void Assign_InvalidPool_AssignsNothing(string pool) =>
        Assert.All(AddressAllocator.Assign(pool, [Req("a")], new HashSet<string>()).Values, Assert.Null);
}
