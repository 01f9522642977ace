using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Xunit;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.Translation;

/// <summary>A listener's entries grouped by a key: one entry inline, more in a list, always in precedence order.</summary>
public sealed class EntryGroupTests
{
    private static SortableHttpEntry Entry(int i, int created) =>
        new(new HttpRouteEntry("", HttpRouteKind.Http, new ResourceKey("HTTPRoute", "ns", $"r{i}"), 0, 0, null, ["a.example"],
            new PathMatch(MatchType.PathPrefix, "/p" + new string('x', i % 3)), [], [], null, HttpFilters.None, BackendGroup.Empty, null, null),
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(created));

    private static List<SortableHttpEntry> Items(EntryGroup group)
    {
        var items = new List<SortableHttpEntry>();
        foreach (var e in group) items.Add(e);
        return items;
    }

    [Fact]
    public void WithAndWithout_OneEntryAndBack_CountFirstAndItems()
    {
        var a = Entry(1, 1);
        var b = Entry(2, 0);

        var one = default(EntryGroup).With(a);
        var two = one.With(b);

        Assert.Equal((1, a), (one.Count, one.First));
        Assert.Equal([b, a], Items(two));
        Assert.Equal(b, two.First);
        var back = two.Without(b);
        Assert.Equal((1, a), (back.Count, back.First));
        Assert.Equal(0, back.Without(a).Count);
        Assert.Empty(Items(default));
    }

    [Fact]
    public void Without_AnEntryNotInTheGroup_Throws()
    {
        var group = default(EntryGroup).With(Entry(1, 1));

        Assert.Throws<InvalidOperationException>(() => group.Without(Entry(1, 1)));
        Assert.Throws<InvalidOperationException>(() => default(EntryGroup).Without(Entry(1, 1)));
    }

    /// <summary>Seeded random additions and removals: the group holds what a sorted list holds, in the same order.</summary>
    [Fact]
    public void WithAndWithout_RandomSequence_SameAsASortedList()
    {
        var random = new Random(20261206);
        var group = default(EntryGroup);
        var reference = new List<SortableHttpEntry>();
        for (var step = 0; step < 3000; step++)
        {
            if (reference.Count > 0 && random.Next(2) == 0)
            {
                var gone = reference[random.Next(reference.Count)];
                reference.Remove(gone);
                group = group.Without(gone);
            }
            else
            {
                var added = Entry(step, random.Next(50));
                EntryOrder.Insert(reference, added, EntryOrder.Http);
                group = group.With(added);
            }
            Assert.Equal(reference.Count, group.Count);
            Assert.Equal(reference, Items(group));
            if (reference.Count > 0) Assert.Same(reference[0], group.First);
        }
    }
}
