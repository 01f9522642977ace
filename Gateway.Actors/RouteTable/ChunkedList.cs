using System.Collections;
using System.Runtime.CompilerServices;

namespace Gateway.Actors.RouteTable;

/// <summary>
/// An immutable list held in chunks of a few dozen items, so that inserting or removing one item makes a new list that
/// shares every other chunk with the old one: a one-route change of a listener with 10,000 entries copies one chunk
/// and the list of chunks (about 2 KB) instead of the whole 80 KB array, and whoever compares the two lists skips the
/// shared chunks by reference (<see cref="ChunkedList.CommonEnds"/>).
/// </summary>
/// <remarks>
/// Written here because neither immutable collection of the framework fits: <c>ImmutableArray</c> copies everything on
/// every change, and <c>ImmutableList</c> (an AVL tree of one node per item) costs about 40 bytes and a pointer chase per
/// item, which every reader of the route table would pay. Chunk boundaries depend on the list's history (a chunk splits
/// when it grows past <see cref="MaxChunk"/>); nothing may depend on them but <see cref="ChunkedList.CommonEnds"/>, whose
/// answer does not. Equality is by reference, as for the route table's other lists (compare contents by rendering).
/// </remarks>
[CollectionBuilder(typeof(ChunkedList), nameof(ChunkedList.Create))]
public sealed class ChunkedList<T> : IReadOnlyList<T>
{
    /// <summary>The size of the chunks a list is built with.</summary>
    internal const int ChunkSize = 64;

    /// <summary>A chunk that would grow past this is split in two.</summary>
    internal const int MaxChunk = 2 * ChunkSize;

    /// <summary>A chunk that shrinks below this is merged with a neighbour when the two fit in <see cref="MaxChunk"/>.</summary>
    internal const int MinChunk = ChunkSize / 4;

    private readonly T[][] _chunks;

    /// <summary>Per chunk, the number of items in it and every chunk before it (so the last is the count).</summary>
    private readonly int[] _ends;

    private ChunkedList(T[][] chunks, int[] ends) => (_chunks, _ends) = (chunks, ends);

    /// <summary>The empty list.</summary>
    public static ChunkedList<T> Empty { get; } = new([], []);

    public int Count => _ends.Length == 0 ? 0 : _ends[^1];

    /// <summary>The same as <see cref="Count"/> (the name the route table's readers used for its arrays).</summary>
    public int Length => Count;

    public bool IsEmpty => _ends.Length == 0;

    /// <summary>The number of chunks (readers that walk the items chunk by chunk).</summary>
    public int ChunkCount => _chunks.Length;

    /// <summary>The items of chunk <paramref name="index"/>, in list order.</summary>
    public ReadOnlySpan<T> Chunk(int index) => _chunks[index];

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            var c = ChunkOf(index);
            return _chunks[c][index - Start(c)];
        }
    }

    /// <summary>A list of <paramref name="items"/> in order, in chunks of <see cref="ChunkSize"/>.</summary>
    public static ChunkedList<T> From(ReadOnlySpan<T> items)
    {
        if (items.IsEmpty) return Empty;
        var count = (items.Length + ChunkSize - 1) / ChunkSize;
        var chunks = new T[count][];
        var ends = new int[count];
        for (var c = 0; c < count; c++)
        {
            var start = c * ChunkSize;
            chunks[c] = items.Slice(start, Math.Min(ChunkSize, items.Length - start)).ToArray();
            ends[c] = start + chunks[c].Length;
        }
        return new ChunkedList<T>(chunks, ends);
    }

    /// <summary>This list with <paramref name="item"/> at <paramref name="index"/> (0 to <see cref="Count"/>).</summary>
    public ChunkedList<T> Insert(int index, T item)
    {
        if ((uint)index > (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        if (_chunks.Length == 0) return new ChunkedList<T>([[item]], [1]);
        // An index at the end of a chunk goes into that chunk (at the list's end: the last chunk).
        var c = index == Count ? _chunks.Length - 1 : ChunkOf(index);
        var at = index - Start(c);
        var old = _chunks[c];
        var grown = new T[old.Length + 1];
        Array.Copy(old, 0, grown, 0, at);
        grown[at] = item;
        Array.Copy(old, at, grown, at + 1, old.Length - at);
        if (grown.Length <= MaxChunk) return Replace(c, 1, [grown]);
        var half = grown.Length / 2;
        return Replace(c, 1, [grown[..half], grown[half..]]);
    }

    /// <summary>This list without the item at <paramref name="index"/>.</summary>
    public ChunkedList<T> RemoveAt(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        var c = ChunkOf(index);
        var at = index - Start(c);
        var old = _chunks[c];
        if (old.Length == 1) return Replace(c, 1, []);
        var shrunk = new T[old.Length - 1];
        Array.Copy(old, 0, shrunk, 0, at);
        Array.Copy(old, at + 1, shrunk, at, old.Length - at - 1);
        if (shrunk.Length >= MinChunk) return Replace(c, 1, [shrunk]);
        // A small chunk joins a neighbour it fits with, so the list of chunks stays about Count / ChunkSize long.
        if (c + 1 < _chunks.Length && shrunk.Length + _chunks[c + 1].Length <= MaxChunk) return Replace(c, 2, [[.. shrunk, .. _chunks[c + 1]]]);
        if (c > 0 && _chunks[c - 1].Length + shrunk.Length <= MaxChunk) return Replace(c - 1, 2, [[.. _chunks[c - 1], .. shrunk]]);
        return Replace(c, 1, [shrunk]);
    }

    /// <summary>
    /// This list with the <paramref name="removeCount"/> items from <paramref name="start"/> replaced by
    /// <paramref name="insert"/>: only the chunks that held the replaced items are copied.
    /// </summary>
    public ChunkedList<T> ReplaceRange(int start, int removeCount, ReadOnlySpan<T> insert)
    {
        if (start < 0 || removeCount < 0 || start + removeCount > Count) throw new ArgumentOutOfRangeException(nameof(start));
        if (removeCount == 0 && insert.IsEmpty) return this;
        if (_chunks.Length == 0) return From(insert);
        // The chunks from the one holding the first replaced item (or the insertion point) to the one holding the last.
        var first = start == Count ? _chunks.Length - 1 : ChunkOf(start);
        var last = removeCount == 0 ? first : ChunkOf(start + removeCount - 1);
        var from = Start(first);
        var middle = new T[_ends[last] - from - removeCount + insert.Length];
        var before = start - from;
        Array.Copy(_chunks[first], 0, middle, 0, before);
        insert.CopyTo(middle.AsSpan(before));
        var after = _ends[last] - (start + removeCount);
        Array.Copy(_chunks[last], _chunks[last].Length - after, middle, before + insert.Length, after);
        var count = last - first + 1;
        if (middle.Length == 0) return Replace(first, count, []);
        if (middle.Length < MinChunk)
        {
            // Too small on its own: joins a neighbour it fits with.
            if (last + 1 < _chunks.Length && middle.Length + _chunks[last + 1].Length <= MaxChunk) return Replace(first, count + 1, [[.. middle, .. _chunks[last + 1]]]);
            if (first > 0 && _chunks[first - 1].Length + middle.Length <= MaxChunk) return Replace(first - 1, count + 1, [[.. _chunks[first - 1], .. middle]]);
        }
        if (middle.Length <= MaxChunk) return Replace(first, count, [middle]);
        var pieces = (middle.Length + ChunkSize - 1) / ChunkSize;
        var split = new T[pieces][];
        for (var i = 0; i < pieces; i++)
        {
            var (a, b) = ((int)((long)middle.Length * i / pieces), (int)((long)middle.Length * (i + 1) / pieces));
            split[i] = middle[a..b];
        }
        return Replace(first, count, split);
    }

    /// <summary>The items from <paramref name="start"/>, <paramref name="count"/> of them, as a new array.</summary>
    public T[] Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count) throw new ArgumentOutOfRangeException(nameof(start));
        var result = new T[count];
        if (count == 0) return result;
        var c = ChunkOf(start);
        var offset = start - Start(c);
        var copied = 0;
        while (copied < count)
        {
            var chunk = _chunks[c++];
            var n = Math.Min(chunk.Length - offset, count - copied);
            Array.Copy(chunk, offset, result, copied, n);
            copied += n;
            offset = 0;
        }
        return result;
    }

    /// <summary>Every item, in order, as a new array.</summary>
    public T[] ToArray() => Slice(0, Count);

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => Items().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => Items().GetEnumerator();

    private IEnumerable<T> Items()
    {
        foreach (var chunk in _chunks)
        {
            foreach (var item in chunk) yield return item;
        }
    }

    /// <summary>Walks the items in order without an allocation.</summary>
    public struct Enumerator
    {
        private readonly T[][] _chunks;
        private int _chunk;
        private int _index;

        internal Enumerator(ChunkedList<T> list) => (_chunks, _chunk, _index) = (list._chunks, 0, -1);

        public readonly T Current => _chunks[_chunk][_index];

        public bool MoveNext()
        {
            if (_chunk >= _chunks.Length) return false;
            if (++_index < _chunks[_chunk].Length) return true;
            while (++_chunk < _chunks.Length)
            {
                if (_chunks[_chunk].Length > 0)
                {
                    _index = 0;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>A position in the list that moves forward one item at a time (valid while it stays below the count).</summary>
    internal struct Position(T[][] chunks, int chunk, int index)
    {
        public readonly T Current => chunks[chunk][index];

        public void Next()
        {
            if (++index < chunks[chunk].Length) return;
            index = 0;
            chunk++;
        }
    }

    internal T[][] Chunks => _chunks;

    /// <summary>A list of these chunks, in order (each non-empty, at most <see cref="MaxChunk"/> items; taken over, not copied).</summary>
    internal static ChunkedList<T> FromChunks(T[][] chunks)
    {
        if (chunks.Length == 0) return Empty;
        var ends = new int[chunks.Length];
        var sum = 0;
        for (var c = 0; c < chunks.Length; c++) ends[c] = sum += chunks[c].Length;
        return new ChunkedList<T>(chunks, ends);
    }

    internal int[] Ends => _ends;

    internal Position CursorAt(int index)
    {
        var c = ChunkOf(index);
        return new Position(_chunks, c, index - Start(c));
    }

    private int Start(int chunk) => chunk == 0 ? 0 : _ends[chunk - 1];

    /// <summary>The chunk holding item <paramref name="index"/> (0 to Count - 1).</summary>
    private int ChunkOf(int index)
    {
        var found = Array.BinarySearch(_ends, index);
        // An exact hit is the end of that chunk, so the item is the next chunk's first.
        return found >= 0 ? found + 1 : ~found;
    }

    /// <summary>This list with <paramref name="count"/> chunks from <paramref name="at"/> replaced by <paramref name="with"/>.</summary>
    private ChunkedList<T> Replace(int at, int count, T[][] with)
    {
        var chunks = new T[_chunks.Length - count + with.Length][];
        Array.Copy(_chunks, 0, chunks, 0, at);
        Array.Copy(with, 0, chunks, at, with.Length);
        Array.Copy(_chunks, at + count, chunks, at + with.Length, _chunks.Length - at - count);
        var ends = new int[chunks.Length];
        var sum = 0;
        for (var c = 0; c < chunks.Length; c++) ends[c] = sum += chunks[c].Length;
        return chunks.Length == 0 ? Empty : new ChunkedList<T>(chunks, ends);
    }
}

/// <summary>Builds <see cref="ChunkedList{T}"/> (collection expressions use <see cref="Create{T}"/>).</summary>
public static class ChunkedList
{
    public static ChunkedList<T> Create<T>(ReadOnlySpan<T> items) => ChunkedList<T>.From(items);

    public static ChunkedList<T> From<T>(IEnumerable<T> items) => ChunkedList<T>.From([.. items]);

    /// <summary>
    /// How many leading (<c>Head</c>) and trailing (<c>Tail</c>) items <paramref name="a"/> and <paramref name="b"/> have
    /// in common, by reference, with <c>Head + Tail</c> at most the shorter count (the items in between differ at both
    /// ends or are absent from one list). Chunks the two lists share are skipped whole, so two versions of a list one
    /// change apart are compared in the time of a chunk or two, not of their length.
    /// </summary>
    public static (int Head, int Tail) CommonEnds<T>(ChunkedList<T> a, ChunkedList<T> b) where T : class
    {
        var common = Math.Min(a.Count, b.Count);
        if (ReferenceEquals(a, b)) return (common, 0);
        var head = 0;
        for (var c = 0; c < a.Chunks.Length && c < b.Chunks.Length && ReferenceEquals(a.Chunks[c], b.Chunks[c]); c++) head = a.Ends[c];
        if (head < common)
        {
            var (ia, ib) = (a.CursorAt(head), b.CursorAt(head));
            while (head < common && ReferenceEquals(ia.Current, ib.Current))
            {
                head++;
                ia.Next();
                ib.Next();
            }
        }
        var tail = 0;
        for (int ca = a.Chunks.Length - 1, cb = b.Chunks.Length - 1; ca >= 0 && cb >= 0 && ReferenceEquals(a.Chunks[ca], b.Chunks[cb]); ca--, cb--)
        {
            if (tail + a.Chunks[ca].Length > common - head) break;
            tail += a.Chunks[ca].Length;
        }
        while (tail < common - head && ReferenceEquals(a[a.Count - 1 - tail], b[b.Count - 1 - tail])) tail++;
        return (head, tail);
    }
}
