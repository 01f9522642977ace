using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class KeptListsTests
{
    [Fact]
    public void Add_ToAFrozenList_CopiesItIntoANewList_TheFrozenArrayStaysAsItWas()
    {
        IReadOnlyList<int> list = [];
        KeptLists.Add(ref list, 1);
        KeptLists.Add(ref list, 2);
        var frozen = KeptLists.Frozen(list);
        Assert.Equal([1, 2], Assert.IsType<int[]>(frozen));

        var growing = frozen;
        KeptLists.Add(ref growing, 3);

        Assert.Equal([1, 2, 3], Assert.IsType<List<int>>(growing));
        Assert.Equal([1, 2], frozen);
    }

    [Fact]
    public void Frozen_EmptyListsShareOneArray_ArraysStayTheSameInstance()
    {
        IReadOnlyList<string> a = new List<string>(), b = new List<string>();
        Assert.Same(KeptLists.Frozen(a), KeptLists.Frozen(b));
        string[] held = ["x"];
        Assert.Same(held, KeptLists.Frozen<string>(held));
        Assert.Same(held, KeptLists.Fixed<string>(held));
        Assert.Null(KeptLists.Fixed<string>(null));
    }

    [Fact]
    public void TrimTable_GivesBackTheRoomAFilledTableDoubledInto_KeepingAnEighthAsRoom()
    {
        var table = new Dictionary<int, int>();
        for (var i = 0; i < 10_000; i++) table[i] = i;
        Assert.True(table.Capacity > 15_000, $"capacity {table.Capacity}");

        KeptLists.TrimTable(table);

        // Room for 11,250 (an eighth more than the entries), rounded up to the hash table sizes the runtime uses (12,143).
        Assert.InRange(table.Capacity, 11_250, 12_500);
        Assert.Equal(10_000, table.Count);
        Assert.All(Enumerable.Range(0, 10_000), i => Assert.Equal(i, table[i]));
        var capacity = table.Capacity;
        KeptLists.TrimTable(table);
        Assert.Equal(capacity, table.Capacity);
    }
}
