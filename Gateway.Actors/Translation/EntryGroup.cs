namespace Gateway.Actors.Translation;

/// <summary>
/// A listener's entries that share a key (a shadowing signature, a route), in precedence order (<see cref="EntryOrder.Http"/>):
/// the entry itself while there is one, which is almost always, and a list once there are more. A list per key cost
/// 64 bytes (the list and its array) for every entry of a listener, twice (by signature and by route). A value: a
/// change gives the group to store back (<see cref="With"/>, <see cref="Without"/>); the list inside is changed in place.
/// Hand-written because no collection we use stores a set of one inline.
/// </summary>
internal readonly struct EntryGroup
{
    // Null (empty), one SortableHttpEntry, or a List<SortableHttpEntry> of two or more.
    private readonly object? _held;

    private EntryGroup(object? held) => _held = held;

    /// <summary>How many entries the group holds.</summary>
    public int Count => _held switch
    {
        null => 0,
        SortableHttpEntry => 1,
        _ => ((List<SortableHttpEntry>)_held).Count,
    };

    /// <summary>The entry with the highest precedence (the group must not be empty).</summary>
    public SortableHttpEntry First => _held as SortableHttpEntry ?? ((List<SortableHttpEntry>)_held!)[0];

    /// <summary>The group with <paramref name="entry"/> inserted where precedence puts it.</summary>
    public EntryGroup With(SortableHttpEntry entry)
    {
        switch (_held)
        {
            case null:
                return new EntryGroup(entry);
            case SortableHttpEntry one:
                var list = new List<SortableHttpEntry>(2) { one };
                EntryOrder.Insert(list, entry, EntryOrder.Http);
                return new EntryGroup(list);
            default:
                EntryOrder.Insert((List<SortableHttpEntry>)_held, entry, EntryOrder.Http);
                return this;
        }
    }

    /// <summary>The group without this very <paramref name="entry"/> (found by precedence; an entry not in the group throws).</summary>
    public EntryGroup Without(SortableHttpEntry entry)
    {
        if (_held is SortableHttpEntry one)
        {
            if (!ReferenceEquals(one, entry)) throw new InvalidOperationException($"entry {entry.Entry.Id} is not in its group");
            return default;
        }
        var list = (List<SortableHttpEntry>?)_held ?? throw new InvalidOperationException($"entry {entry.Entry.Id} is not in its group");
        var at = list.BinarySearch(entry, EntryOrder.Http);
        if (at < 0 || !ReferenceEquals(list[at], entry)) throw new InvalidOperationException($"entry {entry.Entry.Id} is not where its precedence puts it");
        list.RemoveAt(at);
        return list.Count == 1 ? new EntryGroup(list[0]) : this;
    }

    /// <summary>Enumerates the entries in precedence order, without allocating.</summary>
    public Enumerator GetEnumerator() => new(_held);

    /// <summary>The entries in precedence order.</summary>
    public struct Enumerator(object? held)
    {
        private int _index = -1;

        public readonly SortableHttpEntry Current => held as SortableHttpEntry ?? ((List<SortableHttpEntry>)held!)[_index];

        public bool MoveNext() => held switch
        {
            null => false,
            SortableHttpEntry => ++_index == 0,
            _ => ++_index < ((List<SortableHttpEntry>)held).Count,
        };
    }
}
