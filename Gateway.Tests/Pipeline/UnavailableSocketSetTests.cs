using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.Pipeline;
using Xunit;

namespace Gateway.Tests.Pipeline;

public class UnavailableSocketSetTests
{
    private static readonly ListenerSocket A80 = new("127.10.0.1", 80);
    private static readonly ListenerSocket A443 = new("127.10.0.1", 443);
    private static readonly ListenerSocket B80 = new("127.10.0.2", 80);

    [Fact]
    public void Requested_IsEveryAddressTimesEveryPort()
    {
        var table = new GatewayRouteTable(new ResourceKey("Gateway", "ns", "g"), ["127.10.0.1", "127.10.0.2"],
            [new PortRouteTable(80, ListenerProtocol.Http, []), new PortRouteTable(443, ListenerProtocol.Https, [])]);

        var requested = UnavailableSocketSet.Requested([table]);

        Assert.Equal(4, requested.Count);
        Assert.Contains(B80, requested);
        Assert.Contains(A443, requested);
    }

    [Fact]
    public void Next_NewFailure_IsAdded()
    {
        var next = UnavailableSocketSet.Next(ImmutableHashSet<ListenerSocket>.Empty, ImmutableHashSet.Create(A80, A443), ImmutableHashSet.Create(A80));

        Assert.Equal([A80], next);
    }

    [Fact]
    public void Next_RequestedAndBound_IsNoLongerUnavailable()
    {
        var next = UnavailableSocketSet.Next(ImmutableHashSet.Create(A80), ImmutableHashSet.Create(A80), ImmutableHashSet<ListenerSocket>.Empty);

        Assert.Empty(next);
    }

    [Fact]
    public void Next_NotRequestedAnyMore_StaysUnavailable()
    {
        var next = UnavailableSocketSet.Next(ImmutableHashSet.Create(A80), ImmutableHashSet.Create(B80), ImmutableHashSet<ListenerSocket>.Empty);

        Assert.Equal([A80], next);
    }

    [Fact]
    public void StillUnavailable_DropsSocketsThatCanBeBoundNow()
    {
        var still = UnavailableSocketSet.StillUnavailable(ImmutableHashSet.Create(A80, B80), s => s == B80);

        Assert.Equal([A80], still);
    }
}
