using Gateway.Actors.Resources;

namespace Gateway.Actors.Actors.Common;

/// <summary>The four sharded entity types.</summary>
public enum EntityKind
{
    /// <summary>A GatewayClass; entity id = its name.</summary>
    GatewayClass,

    /// <summary>A Gateway; entity id = namespace/name.</summary>
    Gateway,

    /// <summary>One listener of a Gateway; entity id = gatewayNamespace/gateway/listener.</summary>
    Listener,

    /// <summary>
    /// A route (entity id = Kind/namespace/name). The other namespaced kinds with a status of parents or ancestors
    /// (ListenerSet, BackendTLSPolicy) have the same key shape and the same write rules, so they are RouteEntities too.
    /// </summary>
    Route,
}

/// <summary>Which entity holds an object: its type and its entity id. Ordered by kind, then id (ordinal).</summary>
public readonly record struct EntityRef(EntityKind Kind, string Id) : IComparable<EntityRef>
{
    /// <inheritdoc />
    /// <remarks>
    /// The kinds compare as their numbers: <c>Enum.CompareTo</c> takes an object and would box the other kind on every
    /// comparison, and the node's content is a sorted map of every entity ref (10,000 and more) that each report looks up.
    /// </remarks>
    public int CompareTo(EntityRef other)
    {
        var c = ((int)Kind).CompareTo((int)other.Kind);
        return c != 0 ? c : string.CompareOrdinal(Id, other.Id);
    }

    /// <summary>"Kind:id", as shown by the management routes.</summary>
    public override string ToString() => $"{Kind}:{Id}";

    /// <summary>The entity of an object that has a status of its own (a GatewayClass, Gateway, route, ListenerSet, BackendTLSPolicy).</summary>
    public static EntityRef ForStatus(ResourceKey key) => key.Kind switch
    {
        "GatewayClass" => new EntityRef(EntityKind.GatewayClass, key.Name),
        "Gateway" => new EntityRef(EntityKind.Gateway, $"{key.Namespace}/{key.Name}"),
        _ => new EntityRef(EntityKind.Route, key.ToString()),
    };

    /// <summary>The entity of one listener of a Gateway.</summary>
    public static EntityRef ForListener(ResourceKey gateway, string listener) => new(EntityKind.Listener, $"{gateway.Namespace}/{gateway.Name}/{listener}");

    /// <summary>
    /// The object whose status this entity writes (GatewayClass, Gateway, Route kinds), or null for listeners, whose
    /// status is part of their Gateway's status and is written by the GatewayEntity.
    /// </summary>
    public ResourceKey? StatusKey => Kind switch
    {
        EntityKind.GatewayClass => new ResourceKey("GatewayClass", "", Id),
        EntityKind.Gateway when Id.Split('/') is [var ns, var name] => new ResourceKey("Gateway", ns, name),
        EntityKind.Route when ResourceKey.TryParse(Id, out var key) => key,
        _ => null,
    };

    /// <summary>Parses "Kind:id" (the <see cref="ToString"/> form); false for anything else.</summary>
    public static bool TryParse(string text, out EntityRef entity)
    {
        entity = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !Enum.TryParse<EntityKind>(text[..colon], ignoreCase: true, out var kind) || !Enum.IsDefined(kind)) return false;
        var id = text[(colon + 1)..];
        var parts = id.Split('/');
        var valid = kind switch
        {
            EntityKind.GatewayClass => parts.Length == 1,
            EntityKind.Gateway => parts.Length == 2,
            EntityKind.Listener => parts.Length == 3,
            _ => ResourceKey.TryParse(id, out _),
        };
        if (!valid || parts.Any(p => p.Length == 0)) return false;
        entity = new EntityRef(kind, id);
        return true;
    }
}
