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

    /// <summary>
    /// Orders <paramref name="a"/> and <paramref name="b"/> as <c>string.CompareOrdinal</c> orders their
    /// <see cref="NamespacedName"/>s (the spec's alphabetical "{namespace}/{name}" tie-break), without building them: the
    /// precedence of every route match is kept sorted with it. Namespace by namespace is not the same order ('/' sorts
    /// after '-' and '.': "a-b/x" comes before "a/x").
    /// </summary>
    public static int CompareNamespacedName(in ResourceKey a, in ResourceKey b)
    {
        if (string.Equals(a.Namespace, b.Namespace, StringComparison.Ordinal)) return string.CompareOrdinal(a.Name, b.Name);
        var (lengthA, lengthB) = (NamespacedLength(a), NamespacedLength(b));
        var common = Math.Min(lengthA, lengthB);
        for (var i = 0; i < common; i++)
        {
            var c = NamespacedChar(a, i).CompareTo(NamespacedChar(b, i));
            if (c != 0) return c;
        }
        return lengthA.CompareTo(lengthB);
    }

    private static int NamespacedLength(in ResourceKey key) => key.Namespace.Length == 0 ? key.Name.Length : key.Namespace.Length + 1 + key.Name.Length;

    private static char NamespacedChar(in ResourceKey key, int i)
    {
        var ns = key.Namespace.Length;
        if (ns == 0) return key.Name[i];
        return i < ns ? key.Namespace[i] : i == ns ? '/' : key.Name[i - ns - 1];
    }

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
