using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// Snapshot → TranslationResult: all Gateway API semantics, pure (no Akka, no clock, no I/O).
/// </summary>
public static class Translator
{
    /// <summary>Translates one snapshot.</summary>
    public static TranslationResult Translate(Snapshot snapshot, TranslatorOptions options) =>
        new(snapshot.Revision, ImmutableArray<GatewayRouteTable>.Empty, ImmutableSortedDictionary<ResourceKey, DesiredStatus>.Empty);
}
