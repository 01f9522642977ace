using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Actors.Resources;

/// <summary>
/// YAML text of Kubernetes objects, built from their JSON form: <see cref="KubernetesJson"/> decides the fields and
/// their names (as the API server would see them), and YamlDotNet's <see cref="Emitter"/> writes the YAML (indentation,
/// quoting, escaping).
/// </summary>
/// <remarks>
/// Why not <see cref="KubernetesYaml.Serialize(object)"/>: it serializes under one process-wide lock and reflects over
/// every property's attributes on every call, so writers running in parallel (the status sink writes thousands of
/// objects at start) queue behind each other; it was most of the status stage's time at 2,000 routes. The only part
/// written here is the walk from JSON values to emitter events and the choice of a scalar's style, which no library
/// offers for <see cref="JsonElement"/>.
/// </remarks>
public static partial class YamlText
{
    // A string that a YAML reader would take for null, a boolean or a number is double-quoted so it reads back as a
    // string (KubernetesYaml's emitter applies the YAML 1.2 part of this rule; YAML 1.1's yes/no/on/off are added for
    // readers such as PyYAML; timestamps are quoted as KubernetesYaml quotes them, so YAML 1.1 readers keep strings).
    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?)?$")]
    private static partial Regex LooksTyped();

    /// <summary>
    /// False for text <see cref="LooksTyped"/> cannot match, without running it (most keys and values: a status file
    /// has a few hundred strings). Every alternative that starts with a letter is at most 5 characters ("false"), 6 with
    /// the newline <c>$</c> allows before the end; every other alternative starts with a digit, a sign, '.' or '~'.
    /// </summary>
    internal static bool MayLookTyped(string text) => text.Length <= 6 || !char.IsAsciiLetter(text[0]);

    /// <summary>The typed pattern itself, for tests that check <see cref="MayLookTyped"/> against it.</summary>
    internal static bool LooksTypedForTests(string text) => LooksTyped().IsMatch(text);

    /// <summary>The YAML document of <paramref name="value"/> (a Kubernetes object or any value KubernetesJson serializes).</summary>
    public static string Serialize(object value)
    {
        using var document = JsonDocument.Parse(KubernetesJson.Serialize(value));
        return Serialize(document.RootElement);
    }

    /// <summary>The YAML document of a JSON value; null properties are left out, as KubernetesYaml leaves them out.</summary>
    public static string Serialize(JsonElement value)
    {
        var text = new StringBuilder(1024);
        using (var writer = new StringWriter(text))
        {
            var emitter = new Emitter(writer);
            emitter.Emit(new StreamStart());
            emitter.Emit(new DocumentStart());
            Emit(emitter, value);
            emitter.Emit(new DocumentEnd(isImplicit: true));
            emitter.Emit(new StreamEnd());
        }
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Null) continue;
                    EmitString(emitter, property.Name);
                    Emit(emitter, property.Value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonValueKind.Array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block));
                foreach (var item in value.EnumerateArray()) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValueKind.String:
                EmitString(emitter, value.GetString()!);
                break;
            case JsonValueKind.Number:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.GetRawText(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.ValueKind == JsonValueKind.True ? "true" : "false", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text) =>
        emitter.Emit(MayLookTyped(text) && LooksTyped().IsMatch(text)
            ? new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.DoubleQuoted, isPlainImplicit: false, isQuotedImplicit: true)
            : new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));
}
