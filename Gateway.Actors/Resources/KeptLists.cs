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

    /// <summary>A route status's parents and each parent's conditions held as arrays (<see cref="Fixed{T}"/>); returns it.</summary>
    public static V1RouteStatus Trim(V1RouteStatus status)
    {
        foreach (var parent in status.Parents ?? []) parent.Conditions = Fixed(parent.Conditions);
        status.Parents = Fixed(status.Parents);
        return status;
    }
}
