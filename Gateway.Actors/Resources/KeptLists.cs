using Gateway.Actors.Model;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// Lists of what is kept per object (parsed objects, route models, desired and merged statuses) at exactly their
/// length: a list filled one item at a time keeps room for four, and most of these hold one or two, for as long as the
/// object is kept. A list that is added to later grows again as usual.
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

    /// <summary>A route status's parents and each parent's conditions trimmed (<see cref="Trim{T}"/>); returns it.</summary>
    public static V1RouteStatus Trim(V1RouteStatus status)
    {
        Trim(status.Parents);
        foreach (var parent in status.Parents ?? []) Trim(parent.Conditions);
        return status;
    }
}
