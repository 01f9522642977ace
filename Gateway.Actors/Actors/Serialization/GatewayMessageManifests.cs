using System.Collections.Frozen;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;

namespace Gateway.Actors.Actors.Serialization;

/// <summary>
/// The manifest of every cluster message: a short, stable name per type (never the CLR type name, so renaming or
/// moving a type does not break a rolling upgrade). A name, once used, is never given to another type.
/// </summary>
public static class GatewayMessageManifests
{
    private static readonly FrozenDictionary<string, Type> ByManifest = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["gc-report"] = typeof(ApplyGatewayClassReport),
        ["gc-get"] = typeof(GetGatewayClassState),
        ["gw-report"] = typeof(ApplyGatewayReport),
        ["gw-get"] = typeof(GetGatewayState),
        ["gw-listener"] = typeof(ApplyListenerProgrammed),
        ["ls-report"] = typeof(ApplyListenerReport),
        ["ls-get"] = typeof(GetListenerState),
        ["rt-report"] = typeof(ApplyRouteReport),
        ["rt-get"] = typeof(GetRouteState),
        ["report-applied"] = typeof(NodeReportApplied),
        ["state-view"] = typeof(ObjectStateView),
        ["rl-acquire"] = typeof(RateLimiting.AcquireLease),
        ["rl-granted"] = typeof(RateLimiting.LeaseGranted),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> ByType = ByManifest.ToFrozenDictionary(p => p.Value, p => p.Key);

    /// <summary>Every registered message type.</summary>
    public static IEnumerable<Type> Types => ByManifest.Values;

    /// <summary>The manifest of <paramref name="type"/>; throws for a type that is not a registered message.</summary>
    public static string ManifestOf(Type type) => ByType.TryGetValue(type, out var manifest)
        ? manifest
        : throw new ArgumentException($"{type.FullName} is not a registered cluster message (add it to {nameof(GatewayMessageManifests)})", nameof(type));

    /// <summary>The type of <paramref name="manifest"/>; throws for an unknown manifest.</summary>
    public static Type TypeOf(string manifest) => ByManifest.TryGetValue(manifest, out var type)
        ? type
        : throw new ArgumentException($"unknown cluster message manifest \"{manifest}\"", nameof(manifest));
}
