using System.Collections.Immutable;
using Gateway.Host.Cluster;
using Xunit;

namespace Gateway.Tests.Cluster;

public sealed class ShardLocatorTests
{
    private const string A = "akka.tcp://gateway@10.0.0.1:4053";
    private const string B = "akka.tcp://gateway@10.0.0.2:4053";
    private const string C = "akka.tcp://gateway@10.0.0.3:4053";

    private static Dictionary<string, MemberState> Members(params (string Address, string Status, bool Reachable)[] members) =>
        members.ToDictionary(m => m.Address, m => new MemberState(m.Status, m.Reachable), StringComparer.Ordinal);

    [Fact]
    public void Locate_OwnerUpAndReachable_AskTheOwner() =>
        Assert.Equal(new AskOwner(A), ShardLocator.Locate(A, Members((A, "Up", true), (B, "Up", true))));

    [Fact]
    public void Locate_NeverSeenPlaced_AskWithoutKnownOwner() =>
        Assert.Equal(new AskOwner(null), ShardLocator.Locate(null, Members((A, "Up", true))));

    [Theory]
    [InlineData("Up", false, "unreachable")]
    [InlineData("Down", true, "Down")]
    [InlineData("Leaving", true, "Leaving")]
    [InlineData("Exiting", true, "Exiting")]
    public void Locate_OwnerNotServing_MovingFromItToTheServingMembers(string status, bool reachable, string fromState)
    {
        var location = Assert.IsType<ShardMoving>(ShardLocator.Locate(A, Members((A, status, reachable), (C, "Up", true), (B, "Up", true), ("akka.tcp://gateway@10.0.0.4:4053", "Joining", true))));

        Assert.Equal(A, location.From);
        Assert.Equal(fromState, location.FromState);
        Assert.Equal(new[] { B, C }, location.Candidates.ToArray());
    }

    [Fact]
    public void Locate_OwnerUpButSuspected_MovingAtOnce_WithoutAskingIt()
    {
        var members = Members((B, "Up", true));
        members[A] = new MemberState("Up", Reachable: true, Suspected: true);

        var location = Assert.IsType<ShardMoving>(ShardLocator.Locate(A, members));

        Assert.StartsWith("disconnected", location.FromState, StringComparison.Ordinal);
        Assert.Equal(new[] { B }, location.Candidates.ToArray());
        Assert.False(ShardLocator.AllServing(members));
    }

    [Fact]
    public void Locate_OwnerRemovedFromMembership_MovingFromARemovedMember()
    {
        var location = Assert.IsType<ShardMoving>(ShardLocator.Locate(A, Members((B, "Up", true))));

        Assert.Equal("removed", location.FromState);
        Assert.Equal(new[] { B }, location.Candidates.ToArray());
    }

    [Fact]
    public void MovingShards_OnlyTheShardsOfTheMemberThatStoppedServing()
    {
        var placement = new PlacementView(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, ImmutableSortedDictionary<string, RegionPlacement>>
        {
            ["route"] = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, RegionPlacement>
            {
                [A] = new(3, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, int> { ["1"] = 2, ["4"] = 1 })),
                [B] = new(1, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, int> { ["2"] = 1 })),
            }),
        }));

        var moving = ShardLocator.MovingShards(placement, Members((A, "Up", false), (B, "Up", true)));

        Assert.Equal(new[] { "1", "4" }, moving.Select(m => m.Shard).ToArray());
        Assert.All(moving, m => Assert.Equal((A, "unreachable", "route"), (m.From, m.FromState, m.Type)));
        Assert.Equal(B, ShardLocator.OwnerOf(placement, "route", "2"));
        Assert.Null(ShardLocator.OwnerOf(placement, "route", "9"));
    }

    [Fact]
    public void AllServing_FalseWhileAnyMemberIsUnreachableOrNotUp()
    {
        Assert.True(ShardLocator.AllServing(Members((A, "Up", true), (B, "Up", true))));
        Assert.False(ShardLocator.AllServing(Members((A, "Up", true), (B, "Up", false))));
        Assert.False(ShardLocator.AllServing(Members((A, "Up", true), (B, "Leaving", true))));
    }
}
