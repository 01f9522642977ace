using Gateway.Actors.Model;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// Lists of what is kept per object (parsed objects, route models, desired and merged statuses) at exactly their
/// length: a list filled one item at a time keeps room for four, and most of these hold one or two, for as long as the
/// object is kept. A list that is added to later grows again as usual; what is never added to again (stamped objects,
/// composed statuses) is held as an array (<see cref="Fixed{T}"/>).
/// </summary>
internal static class KeptLists
{
    /// <summary>
    /// Gives back <paramref name="list"/>'s empty room when it is a <see cref="List{T}"/>. The capacity is set, not
    /// TrimExcess called: that leaves a list more than 90 % full (three items in room for four) as it is.
    /// </summary>
    public static void Trim<T>(IList<T>? list)
    {
        if (list is List<T> items && items.Capacity > items.Count) items.Capacity = items.Count;
    }

    /// <summary>
    /// <paramref name="list"/> as an array of exactly its items when it is a <see cref="List{T}"/> (null and arrays as
    /// they are): the array alone, without the list object in front of it (32 bytes per list; a route with its Service
    /// and EndpointSlice holds about ten). For lists of kept objects that nothing adds to afterwards: stamped objects
    /// are never modified, and statuses are replaced, not edited; an array's <see cref="ICollection{T}.Add"/> throws,
    /// so a writer that breaks that rule fails loudly instead of changing a shared object.
    /// </summary>
    public static IList<T>? Fixed<T>(IList<T>? list) => list is List<T> items ? items.ToArray() : list;

    /// <summary>
    /// Adds <paramref name="item"/> to a list that is built, then kept as an array (<see cref="Fixed{T}"/>): a kept
    /// array is copied into a new list first, so a model can be built further after it was frozen.
    /// </summary>
    public static void Add<T>(ref IReadOnlyList<T> list, T item)
    {
        if (list is not List<T> items) list = items = [.. list];
        items.Add(item);
    }

    /// <summary><paramref name="list"/> as an exact array once built (<see cref="Fixed{T}"/>); empty lists share one.</summary>
    public static IReadOnlyList<T> Frozen<T>(IReadOnlyList<T> list) => list switch
    {
        List<T> { Count: 0 } => [],
        List<T> items => items.ToArray(),
        _ => list,
    };

    /// <summary>A route status's parents and each parent's conditions held as arrays (<see cref="Fixed{T}"/>); returns it.</summary>
    public static V1RouteStatus Fixed(V1RouteStatus status)
    {
        foreach (var parent in status.Parents ?? []) parent.Conditions = Fixed(parent.Conditions);
        status.Parents = Fixed(status.Parents);
        return status;
    }

    /// <summary>
    /// Gives back the room a table kept per object grew into while it was filled from nothing (a full translation, the
    /// first content build): a <see cref="Dictionary{TKey,TValue}"/> doubles as it fills, so 10,000 entries sit in room
    /// for 17,519 (at 10,000 routes about 250 KB per table) until the process ends, as tables never shrink by
    /// themselves. Leaves an eighth of the entries as room, so the additions that follow do not double it again at once.
    /// </summary>
    public static void TrimTable<TKey, TValue>(Dictionary<TKey, TValue> table) where TKey : notnull
    {
        var keep = Room(table.Count);
        if (table.Capacity > keep + keep / 4) table.TrimExcess(keep);
    }

    private static int Room(int count) => Math.Max(count + count / 8, 16);
}
