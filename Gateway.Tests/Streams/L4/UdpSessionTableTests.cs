using System.Net;
using Gateway.Streams.L4.Udp;
using Xunit;

namespace Gateway.Tests.Streams.L4;

/// <summary>UDP session bookkeeping: bounded count, idle expiry, eviction, no replacement of live sessions.</summary>
public sealed class UdpSessionTableTests
{
    private static IPEndPoint Client(int port) => new(IPAddress.Loopback, port);

    [Fact]
    public void Find_TouchedSessionStaysAlive_IdleOneExpires()
    {
        var table = new UdpSessionTable<string>(10, idleMilliseconds: 100);
        table.TryAdd(Client(1), "one", 0, out _);
        table.TryAdd(Client(2), "two", 0, out _);

        Assert.NotNull(table.Find(Client(1), 90));
        Assert.Equal("one", table.Find(Client(1), 150)?.Session);
        Assert.Null(table.Find(Client(2), 150));
        Assert.Equal(["two"], table.RemoveExpired(150));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void TryAdd_Full_EvictsExpiredFirst_ElseRefuses()
    {
        var table = new UdpSessionTable<string>(2, idleMilliseconds: 100);
        table.TryAdd(Client(1), "one", 0, out _);
        table.TryAdd(Client(2), "two", 50, out _);

        Assert.Null(table.TryAdd(Client(3), "three", 60, out var none));
        Assert.Empty(none);

        var added = table.TryAdd(Client(3), "three", 120, out var evicted);
        Assert.Equal("three", added?.Session);
        Assert.Equal(["one"], evicted);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void TryAdd_LiveSessionOfSameClient_NotReplaced_ExpiredOneIs()
    {
        var table = new UdpSessionTable<string>(10, idleMilliseconds: 100);
        table.TryAdd(Client(1), "first", 0, out _);

        Assert.Null(table.TryAdd(Client(1), "second", 10, out _));
        Assert.Equal("second", table.TryAdd(Client(1), "second", 200, out var evicted)?.Session);
        Assert.Equal(["first"], evicted);
    }

    [Fact]
    public void Touch_ReplyKeepsSessionAlive()
    {
        var table = new UdpSessionTable<string>(10, idleMilliseconds: 100);
        var entry = table.TryAdd(Client(1), "one", 0, out _)!;

        entry.Touch(80);

        Assert.Empty(table.RemoveExpired(150));
        Assert.Equal(["one"], table.RemoveExpired(180));
    }

    [Fact]
    public void Remove_StaleEntry_LeavesTheNewSessionAlone()
    {
        var table = new UdpSessionTable<string>(10, idleMilliseconds: 100);
        var old = table.TryAdd(Client(1), "old", 0, out _)!;
        table.TryAdd(Client(1), "new", 500, out _);

        Assert.False(table.Remove(old));
        Assert.Equal("new", table.Find(Client(1), 510)?.Session);
        Assert.Equal(["new"], table.RemoveAll());
        Assert.Equal(0, table.Count);
    }
}
