using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Actors.Status;

/// <summary>
/// Merges desired status (from the translator, timeless) into the status stored last, the way a Kubernetes
/// controller must: conditions keep lastTransitionTime while their status does not change and get the current time
/// when it does (apimachinery meta.SetStatusCondition); route parents and policy ancestors written by other
/// controllers are kept (RouteParentStatus: "implementations MUST NOT modify status entries of other controllers").
/// Pure: the stored status, the desired one and the time come in; inputs are never modified. Called by the entities
/// (<see cref="Actors.Common.ReconciledObject.Merge"/>), which hold the stored status; sinks write what they are given.
/// </summary>
public static class StatusMerge
{
    /// <summary>
    /// Merges one object's desired status into <paramref name="stored"/> (null, or the status read from storage; a
    /// stored value of another type counts as none). Returns the merged status, of the desired status's type.
    /// </summary>
    public static object Merge(object? stored, DesiredStatus desired, string controllerName, DateTime now) => desired switch
    {
        DesiredGatewayClassStatus d => Merge(stored as V1GatewayClassStatus, d.Status, now),
        DesiredGatewayStatus d => Merge(stored as V1GatewayStatus, d.Status, now),
        DesiredListenerSetStatus d => Merge(stored as V1ListenerSetStatus, d.Status, now),
        DesiredRouteStatus d => Merge(stored as V1RouteStatus, d.Status, controllerName, now),
        DesiredPolicyStatus d => Merge(stored as V1PolicyStatus, d.Status, controllerName, now),
        _ => throw new ArgumentException($"no status merge for {desired.GetType().Name}", nameof(desired)),
    };

    /// <summary>
    /// The desired conditions, in desired order, each with lastTransitionTime taken from the stored condition of the
    /// same type when the status is unchanged, else <paramref name="now"/> (second precision). Reason, message and
    /// observedGeneration always come from the desired condition. Stored conditions of types no longer desired are
    /// dropped: the desired list is the complete set this controller owns on that object.
    /// </summary>
    public static List<V1Condition>? MergeConditions(IEnumerable<V1Condition>? stored, IEnumerable<V1Condition>? desired, DateTime now)
    {
        if (desired is null) return null;
        var before = new Dictionary<string, V1Condition>(StringComparer.Ordinal);
        foreach (var c in stored ?? []) before.TryAdd(c.Type, c);
        var stamp = ObjectCopy.ToSeconds(now);
        return desired.Select(d => new V1Condition
        {
            Type = d.Type,
            Status = d.Status,
            Reason = d.Reason,
            Message = d.Message,
            ObservedGeneration = d.ObservedGeneration,
            LastTransitionTime = before.TryGetValue(d.Type, out var old) && old.Status == d.Status ? ObjectCopy.ToSeconds(old.LastTransitionTime) : stamp,
        }).ToList();
    }

    /// <summary>A GatewayClass status: conditions merged.</summary>
    public static V1GatewayClassStatus Merge(V1GatewayClassStatus? stored, V1GatewayClassStatus desired, DateTime now)
    {
        var merged = ObjectCopy.Clone(desired);
        merged.Conditions = MergeConditions(stored?.Conditions, desired.Conditions, now);
        return merged;
    }

    /// <summary>A Gateway status: conditions merged, listeners merged by name.</summary>
    public static V1GatewayStatus Merge(V1GatewayStatus? stored, V1GatewayStatus desired, DateTime now)
    {
        var merged = ObjectCopy.Clone(desired);
        merged.Conditions = MergeConditions(stored?.Conditions, desired.Conditions, now);
        merged.Listeners = MergeListeners(stored?.Listeners, merged.Listeners, now);
        return merged;
    }

    /// <summary>A ListenerSet status: conditions merged, listeners merged by name.</summary>
    public static V1ListenerSetStatus Merge(V1ListenerSetStatus? stored, V1ListenerSetStatus desired, DateTime now)
    {
        var merged = ObjectCopy.Clone(desired);
        merged.Conditions = MergeConditions(stored?.Conditions, desired.Conditions, now);
        merged.Listeners = MergeListeners(stored?.Listeners, merged.Listeners, now);
        return merged;
    }

    private static IList<V1ListenerStatus>? MergeListeners(IList<V1ListenerStatus>? stored, IList<V1ListenerStatus>? desired, DateTime now)
    {
        if (desired is null) return null;
        // ListenerStatus entries are keyed by listener name (listMapKey=name).
        var before = (stored ?? []).GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First());
        foreach (var listener in desired)
        {
            before.TryGetValue(listener.Name, out var old);
            listener.Conditions = MergeConditions(old?.Conditions, listener.Conditions, now) ?? [];
        }
        return desired;
    }

    /// <summary>The properties of <see cref="V1RouteParentStatus"/> a merged entry is built from (all of them).</summary>
    internal static readonly string[] RouteParentStatusFields = ["ParentRef", "ControllerName", "Conditions"];

    /// <summary>The properties of <see cref="V1PolicyAncestorStatus"/> a merged entry is built from (all of them).</summary>
    internal static readonly string[] PolicyAncestorStatusFields = ["AncestorRef", "ControllerName", "Conditions"];

    /// <summary>A route status: this controller's parents merged per parentRef, other controllers' parents kept.</summary>
    public static V1RouteStatus Merge(V1RouteStatus? stored, V1RouteStatus desired, string controllerName, DateTime now)
    {
        var others = (stored?.Parents ?? []).Where(p => p.ControllerName != controllerName).Select(ObjectCopy.Clone);
        // A parent entry holds its reference, the controller name and its conditions (RouteParentStatusFields, checked
        // by a test): the merged entry shares the desired entry's reference, which nothing changes (a stored status read
        // back has its strings interned in place, which writes the same interned instances a desired reference holds;
        // a JSON copy of every entry was the largest part of a route's merge), and gets merged conditions of its own.
        var ours = (desired.Parents ?? []).Select(d =>
        {
            var old = stored?.Parents?.FirstOrDefault(p => p.ControllerName == d.ControllerName && SameReference(p.ParentRef, d.ParentRef));
            return new V1RouteParentStatus { ParentRef = d.ParentRef, ControllerName = d.ControllerName, Conditions = MergeConditions(old?.Conditions, d.Conditions, now) };
        });
        // The owning entity keeps the merged status (also while it rests), one per route.
        return KeptLists.Fixed(new V1RouteStatus { Parents = [.. others, .. ours] });
    }

    /// <summary>A policy status: this controller's ancestors merged per ancestorRef, other controllers' ancestors kept.</summary>
    public static V1PolicyStatus Merge(V1PolicyStatus? stored, V1PolicyStatus desired, string controllerName, DateTime now)
    {
        var others = (stored?.Ancestors ?? []).Where(a => a.ControllerName != controllerName).Select(ObjectCopy.Clone);
        // As for route parents (PolicyAncestorStatusFields).
        var ours = (desired.Ancestors ?? []).Select(d =>
        {
            var old = stored?.Ancestors?.FirstOrDefault(a => a.ControllerName == d.ControllerName && SameReference(a.AncestorRef, d.AncestorRef));
            return new V1PolicyAncestorStatus { AncestorRef = d.AncestorRef, ControllerName = d.ControllerName, Conditions = MergeConditions(old?.Conditions, d.Conditions, now) };
        });
        return new V1PolicyStatus { Ancestors = [.. others, .. ours] };
    }

    /// <summary>
    /// A stored status without the entries of <paramref name="controllerName"/>, for an object that is gone from this
    /// controller or no longer its own: a route status without its parents of that controller, a policy status without
    /// its ancestors. Null when there is nothing of that controller to take out, and for statuses without
    /// per-controller entries (GatewayClass, Gateway, ListenerSet: a Gateway that moved to another class gets its status
    /// from that class's controller, so what is stored is left to it). Pure; <paramref name="stored"/> is not modified.
    /// </summary>
    public static object? WithoutEntriesOf(object? stored, string controllerName) => !HasEntriesOf(stored, controllerName) ? null : stored switch
    {
        V1RouteStatus r => new V1RouteStatus { Parents = [.. r.Parents!.Where(p => p.ControllerName != controllerName).Select(ObjectCopy.Clone)] },
        V1PolicyStatus p => new V1PolicyStatus { Ancestors = [.. p.Ancestors!.Where(a => a.ControllerName != controllerName).Select(ObjectCopy.Clone)] },
        _ => throw new InvalidOperationException("unreachable: only route and policy statuses have per-controller entries"),
    };

    /// <summary>
    /// True when <paramref name="stored"/> holds a route parent or policy ancestor of <paramref name="controllerName"/>
    /// (what <see cref="WithoutEntriesOf"/> would take out). Pure.
    /// </summary>
    public static bool HasEntriesOf(object? stored, string controllerName) => stored switch
    {
        V1RouteStatus r => r.Parents?.Any(p => p.ControllerName == controllerName) == true,
        V1PolicyStatus p => p.Ancestors?.Any(a => a.ControllerName == controllerName) == true,
        _ => false,
    };

    /// <summary>Whether two parent (or ancestor) references name the same object and section: every field equal.</summary>
    internal static bool SameReference(V1GatewayParentReference a, V1GatewayParentReference b) =>
        a.Group == b.Group && a.Kind == b.Kind && a.Namespace == b.Namespace && a.Name == b.Name && a.SectionName == b.SectionName && a.Port == b.Port;
}
