using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gateway.Actors.RouteTable;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// The route table's list of a listener's HTTP entries (<see cref="ChunkedList{T}"/>): the same items as a plain list
/// after any sequence of inserts and removals, chunks kept within bounds, versions one change apart sharing all but a
/// chunk or two, and <see cref="ChunkedList.CommonEnds"/> equal to a plain comparison whatever the chunking.
/// </summary>
public sealed class ChunkedListTests
{
    private sealed record Item(int Id);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void InsertAndRemoveAt_RandomSequence_SameItemsAsAPlainListAfterEveryStep(int seed)
    {
        var random = new Random(seed);
        var list = ChunkedList<Item>.Empty;
        var expected = new List<Item>();
        for (var step = 0; step < 3_000; step++)
        {
            // Grows to about a thousand items, then shrinks to nothing and grows again.
            var grow = step < 1_200 || (step >= 2_400 && step % 3 != 0);
            if (expected.Count > 0 && (!grow || random.Next(4) == 0))
            {
                var at = random.Next(expected.Count);
                list = list.RemoveAt(at);
                expected.RemoveAt(at);
            }
            else
            {
                var at = random.Next(expected.Count + 1);
                var item = new Item(step);
                list = list.Insert(at, item);
                expected.Insert(at, item);
            }
            Assert.Equal(expected.Count, list.Count);
            if (step % 50 == 0 || expected.Count < 3) AssertSame(expected, list);
        }
        AssertSame(expected, list);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ReplaceRange_RandomSpans_SameItemsAsAPlainListAndChunksWithinBounds(int seed)
    {
        var random = new Random(seed);
        var list = ChunkedList<int>.Empty;
        var expected = new List<int>();
        for (var step = 0; step < 2_000; step++)
        {
            // Mostly a few items replaced by a few (one change), sometimes long spans (a listener rebuilt in part).
            var wide = random.Next(20) == 0;
            var start = random.Next(expected.Count + 1);
            var remove = Math.Min(expected.Count - start, random.Next(wide ? 300 : 4));
            var insert = Enumerable.Range(step * 1_000, random.Next(wide ? 300 : 4) + (expected.Count < 500 ? 1 : 0)).ToArray();
            list = list.ReplaceRange(start, remove, insert);
            expected.RemoveRange(start, remove);
            expected.InsertRange(start, insert);
            Assert.Equal(expected.Count, list.Count);
            if (step % 25 == 0)
            {
                Assert.Equal(expected, list.ToArray());
                for (var c = 0; c < list.ChunkCount; c++) Assert.InRange(list.Chunk(c).Length, 1, ChunkedList<int>.MaxChunk);
            }
        }
        Assert.Equal(expected, list.ToArray());
        Assert.Equal(expected[^1], list[expected.Count - 1]);
    }

    [Fact]
    public void ReplaceRange_OneItemOfALargeList_NewVersionSharesAllButTwoChunks()
    {
        var items = Enumerable.Range(0, 10_000).Select(i => new Item(i)).ToArray();
        var list = ChunkedList<Item>.From(items);
        var random = new Random(3);
        for (var round = 0; round < 200; round++)
        {
            var start = random.Next(list.Count);
            var next = list.ReplaceRange(start, random.Next(2), [new Item(-round)]);
            Assert.True(next.ChunkCount - SharedChunks(list, next) <= 2, $"round {round}");
            list = next;
        }
    }

    [Fact]
    public void RemoveAt_EveryItemFromTheMiddle_ChunksStayWithinBoundsAndAboutCountOverChunkSizeMany()
    {
        var items = Enumerable.Range(0, 2_000).Select(i => new Item(i)).ToArray();
        var list = ChunkedList<Item>.From(items);
        var expected = items.ToList();
        var random = new Random(7);
        while (expected.Count > 0)
        {
            var at = random.Next(expected.Count);
            list = list.RemoveAt(at);
            expected.RemoveAt(at);
            for (var c = 0; c < list.ChunkCount; c++)
            {
                Assert.InRange(list.Chunk(c).Length, 1, ChunkedList<Item>.MaxChunk);
            }
            // Small chunks merge with a neighbour they fit with, so there are never many more chunks than needed.
            Assert.True(list.ChunkCount <= 2 * expected.Count / ChunkedList<Item>.MinChunk + 2,
                $"{list.ChunkCount} chunks for {expected.Count} items");
        }
        Assert.True(list.IsEmpty);
        Assert.Same(ChunkedList<Item>.Empty, list);
    }

    [Fact]
    public void Insert_AtEveryPositionOfALargeList_NewVersionSharesAllButTwoChunks()
    {
        var list = ChunkedList<Item>.From(Enumerable.Range(0, 10_000).Select(i => new Item(i)).ToArray());
        var random = new Random(11);
        for (var round = 0; round < 200; round++)
        {
            var next = random.Next(2) == 0 ? list.Insert(random.Next(list.Count + 1), new Item(-round)) : list.RemoveAt(random.Next(list.Count));
            var shared = SharedChunks(list, next);
            Assert.True(next.ChunkCount - shared <= 2, $"round {round}: {next.ChunkCount - shared} of {next.ChunkCount} chunks are new");
            list = next;
        }
    }

    [Fact]
    public void CommonEnds_VersionsAndRebuiltCopies_EqualToAPlainComparison()
    {
        var random = new Random(5);
        var list = ChunkedList<Item>.From(Enumerable.Range(0, 500).Select(i => new Item(i)).ToArray());
        for (var round = 0; round < 300; round++)
        {
            var next = list;
            var changes = random.Next(1, 4);
            for (var k = 0; k < changes; k++)
            {
                next = random.Next(2) == 0 || next.Count == 0 ? next.Insert(random.Next(next.Count + 1), new Item(1_000 + round)) : next.RemoveAt(random.Next(next.Count));
            }
            Assert.Equal(PlainCommonEnds(list.ToArray(), next.ToArray()), ChunkedList.CommonEnds(list, next));
            Assert.Equal(PlainCommonEnds(next.ToArray(), list.ToArray()), ChunkedList.CommonEnds(next, list));
            // The same items chunked differently (built from nothing): no chunk is shared, the answer is the same.
            var rebuilt = ChunkedList<Item>.From(next.ToArray());
            Assert.Equal(PlainCommonEnds(list.ToArray(), next.ToArray()), ChunkedList.CommonEnds(list, rebuilt));
            Assert.Equal((next.Count, 0), ChunkedList.CommonEnds(next, rebuilt));
            list = next;
        }
    }

    [Fact]
    public void CommonEnds_OneListAPrefixOfTheOther_HeadAndTailNeverOverlap()
    {
        var items = Enumerable.Range(0, 300).Select(i => new Item(i)).ToArray();
        var whole = ChunkedList<Item>.From(items);
        var shorter = whole;
        for (var i = 0; i < 100; i++) shorter = shorter.RemoveAt(shorter.Count - 1);

        Assert.Equal((200, 0), ChunkedList.CommonEnds(whole, shorter));
        Assert.Equal((200, 0), ChunkedList.CommonEnds(shorter, whole));
        Assert.Equal((0, 0), ChunkedList.CommonEnds(whole, ChunkedList<Item>.Empty));
    }

    [Fact]
    public void CollectionExpression_ItemsAndEmpty_BuildsTheList()
    {
        var (a, b) = (new Item(1), new Item(2));
        ChunkedList<Item> two = [a, b];
        ChunkedList<Item> none = [];

        Assert.Equal([a, b], two);
        Assert.Equal(2, two.Length);
        Assert.Same(b, two[1]);
        Assert.True(none.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => two[2]);
    }

    private static void AssertSame(List<Item> expected, ChunkedList<Item> list)
    {
        Assert.Equal(expected.Count, list.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Same(expected[i], list[i]);
        var walked = new List<Item>();
        foreach (var item in list) walked.Add(item);
        Assert.Equal(expected, walked);
        Assert.Equal(expected, list.AsEnumerable());
        if (expected.Count > 2) Assert.Equal(expected.GetRange(1, expected.Count - 2), list.Slice(1, expected.Count - 2));
        for (var c = 0; c < list.ChunkCount; c++) Assert.InRange(list.Chunk(c).Length, 1, ChunkedList<Item>.MaxChunk);
    }

    /// <summary>How many chunks of <paramref name="b"/> are the very arrays of chunks of <paramref name="a"/>.</summary>
    private static int SharedChunks(ChunkedList<Item> a, ChunkedList<Item> b)
    {
        var shared = 0;
        for (var c = 0; c < b.ChunkCount; c++)
        {
            for (var d = 0; d < a.ChunkCount; d++)
            {
                if (Unsafe.AreSame(ref MemoryMarshal.GetReference(b.Chunk(c)), ref MemoryMarshal.GetReference(a.Chunk(d))))
                {
                    shared++;
                    break;
                }
            }
        }
        return shared;
    }

    private static (int, int) PlainCommonEnds(Item[] a, Item[] b)
    {
        var common = Math.Min(a.Length, b.Length);
        var head = 0;
        while (head < common && ReferenceEquals(a[head], b[head])) head++;
        var tail = 0;
        while (tail < common - head && ReferenceEquals(a[^(tail + 1)], b[^(tail + 1)])) tail++;
        return (head, tail);
    }
}
