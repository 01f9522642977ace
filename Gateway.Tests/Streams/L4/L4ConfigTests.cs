using System.Collections.Immutable;
using Gateway.Streams.L4;
using Xunit;

namespace Gateway.Tests.Streams.L4;

/// <summary>The L4 *Config records compare by content, so an apply that changes nothing is seen as such.</summary>
public sealed class L4ConfigTests
{
    private static TcpListenerConfig Build(int weight = 1, string host = "abc.example.com", string endpoint = "10.0.0.1") =>
        new("127.0.0.1", 443, [new L4ListenerConfig("l", "*.example.com", L4TlsMode.Passthrough, [],
            [new L4Route("r", [host], [new L4Backend("b", weight, true, [new L4Endpoint(endpoint, 8443)])])])]);

    [Fact]
    public void Equals_SeparatelyBuiltSameContent_EqualWithEqualHash()
    {
        Assert.Equal(Build(), Build());
        Assert.Equal(Build().GetHashCode(), Build().GetHashCode());
        Assert.Equal(Build(host: "ABC.example.com"), Build());
    }

    [Fact]
    public void Equals_AnyContentChange_NotEqual()
    {
        Assert.NotEqual(Build(), Build(weight: 2));
        Assert.NotEqual(Build(), Build(host: "x.example.com"));
        Assert.NotEqual(Build(), Build(endpoint: "10.0.0.2"));
        Assert.NotEqual(Build(), Build() with { Port = 444 });
    }

    [Fact]
    public void Equals_DefaultAndEmptyArrays_Equal()
    {
        Assert.Equal(new UdpListenerConfig("127.0.0.1", 53, default), new UdpListenerConfig("127.0.0.1", 53, ImmutableArray<L4Route>.Empty));
    }

    [Fact]
    public void InspectsSni_OnlyWithTlsListeners()
    {
        Assert.True(Build().InspectsSni);
        Assert.False(new TcpListenerConfig("127.0.0.1", 9000, [new L4ListenerConfig("tcp", null, L4TlsMode.None, [], [])]).InspectsSni);
    }
}
