using Gateway.Actors.Model;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Actors.Status;

/// <summary>
/// A merged route status kept as the desired status it was merged from and the one lastTransitionTime all its
/// conditions carry: what a route entity holds of the status it wrote when that status is exactly the desired one at
/// one time, with no other controller's parents (every route after its first write, and whenever its conditions last
/// changed together). The desired status is the one this node's content holds anyway, so a resting route keeps 32
/// bytes instead of a second copy of its parents and conditions (about 400 bytes). Reads back as the merged status
/// (<see cref="Materialize"/>); the desired status is never modified (a step's models are not changed by later steps).
/// </summary>
/// <param name="Desired">The desired status the merged one was merged from.</param>
/// <param name="Transition">The lastTransitionTime of every condition (UTC, whole seconds).</param>
public sealed record TimedRouteStatus(V1RouteStatus Desired, DateTime Transition)
{
    /// <summary>The merged status, rendered anew on each call (a merge into nothing at <see cref="Transition"/>).</summary>
    public V1RouteStatus Materialize() => StatusMerge.Merge(null, Desired, "", Transition);

    /// <summary>
    /// What to keep of <paramref name="merged"/>, a status merged from <paramref name="desired"/>: a
    /// <see cref="TimedRouteStatus"/> when <paramref name="merged"/> equals the desired status field by field except
    /// for one lastTransitionTime (UTC, whole seconds) on every condition, and has no parent the desired one lacks;
    /// else <paramref name="merged"/> itself. Checked field by field, so any input is safe: what it returns always
    /// reads back (<see cref="Read"/>) as <paramref name="merged"/>. Pure.
    /// </summary>
    public static object Keep(object merged, DesiredStatus desired)
    {
        if (merged is not V1RouteStatus { Parents: { } parents } || desired is not DesiredRouteStatus { Status: var wanted }) return merged;
        var wantedParents = wanted.Parents ?? [];
        if (parents.Count != wantedParents.Count) return merged;
        DateTime? time = null;
        for (var i = 0; i < parents.Count; i++)
        {
            var (have, want) = (parents[i], wantedParents[i]);
            if (have.ControllerName != want.ControllerName || !StatusMerge.SameReference(have.ParentRef, want.ParentRef)) return merged;
            if (have.Conditions is null || want.Conditions is null)
            {
                if (have.Conditions is not null || want.Conditions is not null) return merged;
                continue;
            }
            if (have.Conditions.Count != want.Conditions.Count) return merged;
            for (var j = 0; j < have.Conditions.Count; j++)
            {
                var (c, w) = (have.Conditions[j], want.Conditions[j]);
                if (c.Type != w.Type || c.Status != w.Status || c.Reason != w.Reason || c.Message != w.Message || c.ObservedGeneration != w.ObservedGeneration) return merged;
                var t = c.LastTransitionTime;
                if (t.Kind != DateTimeKind.Utc || t.Ticks % TimeSpan.TicksPerSecond != 0 || (time is { } seen && seen != t)) return merged;
                time = t;
            }
        }
        return new TimedRouteStatus(wanted, time ?? Resources.ObjectCopy.ToSeconds(DateTime.UnixEpoch));
    }

    /// <summary>The status <paramref name="kept"/> stands for (<see cref="Keep"/>): materialized, or itself.</summary>
    public static object? Read(object? kept) => kept is TimedRouteStatus timed ? timed.Materialize() : kept;
}
