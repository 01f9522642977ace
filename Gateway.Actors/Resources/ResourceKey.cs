namespace Gateway.Actors.Resources;

/// <summary>
/// Identity of one object: kind, namespace ("" for cluster-scoped kinds) and name.
/// Ordinal ordering gives every output a stable order (STYLE: stable, sorted output everywhere).
/// </summary>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name) : IComparable<ResourceKey>
{
    public int CompareTo(ResourceKey other)
    {
        var c = string.CompareOrdinal(Kind, other.Kind);
        if (c != 0) return c;
        c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>"Kind/namespace/name", or "Kind/name" for cluster-scoped objects.</summary>
    public override string ToString() => Namespace.Length == 0 ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    /// <summary>"namespace/name" (or "name"), the form the spec uses for tie-breaking and messages.</summary>
    public string NamespacedName => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";

    /// <summary>Parses the <see cref="ToString"/> form.</summary>
    public static bool TryParse(string text, out ResourceKey key)
    {
        var parts = text.Split('/');
        key = parts.Length switch
        {
            2 => new ResourceKey(parts[0], "", parts[1]),
            3 => new ResourceKey(parts[0], parts[1], parts[2]),
            _ => default,
        };
        return parts.Length is 2 or 3 && parts.All(p => p.Length > 0);
    }
}
