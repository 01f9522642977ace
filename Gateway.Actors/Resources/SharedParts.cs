using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// One instance of the small parts that many kept Services and EndpointSlices spell the same way: a Service's port
/// list (most Services of a cluster expose the same one or two ports, such as <c>http 80 → 8080/TCP</c>), an
/// EndpointSlice's port list, and an endpoint's conditions (ready, serving, not terminating for almost every endpoint).
/// At 10,000 routes, each with its Service and EndpointSlice, these were about 250 bytes per route held over and over.
/// <para>
/// Safe because kept objects are never modified (stamped objects and watched objects alike: a writer makes a copy),
/// and the shared lists are arrays, which nothing can add to. Bounded: a direct-mapped table of <see cref="Slots"/>
/// entries by the part's hash; a part whose slot holds a different one takes the slot over, so the table never grows
/// and a cluster with thousands of distinct shapes only shares less. Thread-safe without locks: a slot is one reference,
/// read and written atomically, and what it refers to is never changed. Parts are compared field by field
/// (<see cref="ServicePortFields"/>, <see cref="SlicePortFields"/>, <see cref="ConditionFields"/> name the fields, and a
/// test checks they are every property the model has). Hand-written: no library interns object graphs by value.
/// </para>
/// </summary>
internal static class SharedParts
{
    /// <summary>Entries in each table.</summary>
    internal const int Slots = 1024;

    /// <summary>The properties of <see cref="V1ServicePort"/> compared (all of them).</summary>
    internal static readonly string[] ServicePortFields = ["AppProtocol", "Name", "NodePort", "Port", "Protocol", "TargetPort"];

    /// <summary>The properties of <see cref="Discoveryv1EndpointPort"/> compared (all of them).</summary>
    internal static readonly string[] SlicePortFields = ["AppProtocol", "Name", "Port", "Protocol"];

    /// <summary>The properties of <see cref="V1EndpointConditions"/> compared (all of them).</summary>
    internal static readonly string[] ConditionFields = ["Ready", "Serving", "Terminating"];

    private static readonly V1ServicePort[]?[] ServicePortLists = new V1ServicePort[]?[Slots];
    private static readonly Discoveryv1EndpointPort[]?[] SlicePortLists = new Discoveryv1EndpointPort[]?[Slots];
    private static readonly V1EndpointConditions?[] ConditionSets = new V1EndpointConditions?[Slots];

    /// <summary>A Service's port list: an equal array seen before, or <paramref name="ports"/> (then remembered).</summary>
    public static IList<V1ServicePort>? ServicePorts(IList<V1ServicePort>? ports) =>
        ports is V1ServicePort[] { Length: > 0 } array ? Share(ServicePortLists, array, Hash, Same) : ports;

    /// <summary>An EndpointSlice's port list: an equal array seen before, or <paramref name="ports"/> (then remembered).</summary>
    public static IList<Discoveryv1EndpointPort>? SlicePorts(IList<Discoveryv1EndpointPort>? ports) =>
        ports is Discoveryv1EndpointPort[] { Length: > 0 } array ? Share(SlicePortLists, array, Hash, Same) : ports;

    /// <summary>An endpoint's conditions: equal conditions seen before, or <paramref name="conditions"/> (then remembered).</summary>
    public static V1EndpointConditions? Conditions(V1EndpointConditions? conditions)
    {
        if (conditions is null) return null;
        ref var slot = ref ConditionSets[(uint)HashCode.Combine(conditions.Ready, conditions.Serving, conditions.Terminating) % Slots];
        var held = Volatile.Read(ref slot);
        if (held is not null && held.Ready == conditions.Ready && held.Serving == conditions.Serving && held.Terminating == conditions.Terminating) return held;
        Volatile.Write(ref slot, conditions);
        return conditions;
    }

    private static T[] Share<T>(T[]?[] table, T[] parts, Func<T, int> hash, Func<T, T, bool> same)
    {
        var h = parts.Length;
        foreach (var part in parts)
        {
            if (part is null) return parts;
            h = HashCode.Combine(h, hash(part));
        }
        ref var slot = ref table[(uint)h % Slots];
        var held = Volatile.Read(ref slot);
        if (held is not null && held.Length == parts.Length)
        {
            var equal = true;
            for (var i = 0; i < parts.Length && equal; i++) equal = same(held[i], parts[i]);
            if (equal) return held;
        }
        Volatile.Write(ref slot, parts);
        return parts;
    }

    private static int Hash(V1ServicePort p) => HashCode.Combine(p.AppProtocol, p.Name, p.NodePort, p.Port, p.Protocol, p.TargetPort?.Value);

    private static bool Same(V1ServicePort a, V1ServicePort b) =>
        a.AppProtocol == b.AppProtocol && a.Name == b.Name && a.NodePort == b.NodePort && a.Port == b.Port && a.Protocol == b.Protocol
        && a.TargetPort?.Value == b.TargetPort?.Value && (a.TargetPort is null) == (b.TargetPort is null);

    private static int Hash(Discoveryv1EndpointPort p) => HashCode.Combine(p.AppProtocol, p.Name, p.Port, p.Protocol);

    private static bool Same(Discoveryv1EndpointPort a, Discoveryv1EndpointPort b) =>
        a.AppProtocol == b.AppProtocol && a.Name == b.Name && a.Port == b.Port && a.Protocol == b.Protocol;
}
