using System.Text;
using System.Text.Json.Nodes;
using Gateway.Actors.Translation;
using k8s;

namespace Gateway.Host.Cli;

/// <summary>
/// The YAML the translate command prints: one document with the desired statuses (keyed by Kind/namespace/name, in
/// key order, each with the generation it was computed for) and the route tables (in translator order). The two
/// sections are rendered separately so each can use the canonical renderer of its own kind.
/// </summary>
public static class TranslationOutput
{
    /// <summary>Renders <paramref name="result"/>.</summary>
    public static string Render(TranslationResult result)
    {
        var text = new StringBuilder();
        text.Append("revision: ").Append(result.Revision).Append('\n');
        AppendSection(text, "statuses", result.Statuses.Count == 0 ? null : RenderStatuses(result));
        AppendSection(text, "routeTables", result.Gateways.IsEmpty ? null : RenderRouteTables(result));
        return text.ToString();
    }

    private static string RenderStatuses(TranslationResult result) =>
        KubernetesYaml.Serialize(result.Statuses.ToDictionary(
            p => p.Key.ToString(),
            p => (object)new Dictionary<string, object?>
            {
                ["apiVersion"] = p.Value.ApiVersion,
                ["generation"] = p.Value.Generation,
                ["status"] = Timeless(JsonNode.Parse(KubernetesJson.Serialize(p.Value.Status))),
            }));

    // Desired status carries no time (the sink adds lastTransitionTime when it writes), but V1Condition's
    // LastTransitionTime is not nullable and would print as year 1: drop it from the wire form.
    private static object? Timeless(JsonNode? node) => node switch
    {
        JsonObject o => o.Where(p => p.Key != "lastTransitionTime").ToDictionary(p => p.Key, p => Timeless(p.Value)),
        JsonArray a => a.Select(Timeless).ToList(),
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
        JsonValue v when v.TryGetValue<long>(out var number) => number,
        JsonValue v when v.TryGetValue<double>(out var real) => real,
        null => null,
        _ => node.ToJsonString(),
    };

    private static string RenderRouteTables(TranslationResult result) => KubernetesYaml.Serialize(result.Gateways.ToList());

    private static void AppendSection(StringBuilder text, string name, string? body)
    {
        if (body is null)
        {
            text.Append(name).Append(": ").Append(name == "statuses" ? "{}" : "[]").Append('\n');
            return;
        }
        text.Append(name).Append(":\n");
        foreach (var line in body.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
        {
            text.Append(line.Length == 0 ? "" : "  ").Append(line).Append('\n');
        }
    }
}
