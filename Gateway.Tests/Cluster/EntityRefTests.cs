using Gateway.Actors.Actors.Common;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The entity reference's order (the node content's sorted map and every sorted list of entities use it).</summary>
public sealed class EntityRefTests
{
    [Fact]
    public void CompareTo_OrdersByKindInDeclarationOrder_ThenIdOrdinal()
    {
        EntityRef[] refs =
        [
            new(EntityKind.Route, "HTTPRoute/ns/b"), new(EntityKind.Listener, "ns/gw/http"), new(EntityKind.Route, "HTTPRoute/ns/B"),
            new(EntityKind.GatewayClass, "gc"), new(EntityKind.Gateway, "ns/gw"), new(EntityKind.Route, "HTTPRoute/ns/a"),
        ];

        Assert.Equal(
        [
            new EntityRef(EntityKind.GatewayClass, "gc"), new EntityRef(EntityKind.Gateway, "ns/gw"), new EntityRef(EntityKind.Listener, "ns/gw/http"),
            new EntityRef(EntityKind.Route, "HTTPRoute/ns/B"), new EntityRef(EntityKind.Route, "HTTPRoute/ns/a"), new EntityRef(EntityKind.Route, "HTTPRoute/ns/b"),
        ], refs.Order());
    }

    [Fact]
    public void CompareTo_AllocatesNothing()
    {
        var (a, b) = (new EntityRef(EntityKind.Gateway, "ns/gw"), new EntityRef(EntityKind.Route, "HTTPRoute/ns/r"));
        var sum = 0;
        for (var i = 0; i < 100; i++) sum += a.CompareTo(b) + b.CompareTo(a);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) sum += a.CompareTo(b) + b.CompareTo(a);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, sum);
        Assert.Equal(0, allocated);
    }
}
