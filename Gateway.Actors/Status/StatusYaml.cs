using System.Text.Json.Nodes;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Actors.Yaml;
using k8s;
using YamlDotNet.RepresentationModel;

namespace Gateway.Actors.Status;

/// <summary>
/// Canonical YAML of desired statuses, keyed by object, in key order. Each status is serialized with the wire
/// (JSON) names; lastTransitionTime is left out because the translator does not decide it (the sink does), and
/// nulls are left out. Used by the golden tests and reusable by inspection routes.
/// </summary>
public static class StatusYaml
{
    /// <summary>Renders every status in key order.</summary>
    public static string Render(IEnumerable<KeyValuePair<ResourceKey, DesiredStatus>> statuses) =>
        Render(statuses.Select(p => (p.Key, p.Value.Generation, p.Value.Value)));

    /// <summary>
    /// Renders one status object in the same shape: a stored status read back, or part of one (a Gateway's
    /// ListenerStatus, shown for its listener entity).
    /// </summary>
    public static string Render(ResourceKey key, long generation, object status) => Render([(key, generation, status)]);

    private static string Render(IEnumerable<(ResourceKey Key, long Generation, object Status)> statuses)
    {
        var root = new YamlMappingNode();
        foreach (var (key, generation, status) in statuses.OrderBy(p => p.Key))
        {
            var node = new YamlMappingNode
            {
                { "generation", new YamlScalarNode(generation.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            };
            var json = JsonNode.Parse(KubernetesJson.Serialize(status));
            if (ToYaml(json) is { } body) node.Add("status", body);
            root.Add(key.ToString(), node);
        }
        return CanonicalYaml.Emit(root);
    }

    private static YamlNode? ToYaml(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => ToMapping(o),
        JsonArray a => new YamlSequenceNode(a.Select(ToYaml).Where(n => n is not null).Select(n => n!)),
        JsonValue v => new YamlScalarNode(v.ToString()),
        _ => null,
    };

    private static YamlMappingNode ToMapping(JsonObject o)
    {
        var map = new YamlMappingNode();
        foreach (var (name, value) in o)
        {
            if (name == "lastTransitionTime") continue;
            if (ToYaml(value) is { } child) map.Add(name, child);
        }
        return map;
    }
}
