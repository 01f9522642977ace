using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gateway.Actors.Translation;
using Gateway.Conformance.Tests.Judges;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Conformance.Tests.Catalog;

/// <summary>
/// Reads one catalog file (<c>catalog/&lt;TestName&gt;.yaml</c> next to cases.json) into a <see cref="CatalogTest"/>.
/// The format (catalog/README.md): the test's name, features, manifests and provisional flag as tests.tsv has them, a
/// default <c>namespace</c>, optional <c>notJudged</c>, <c>extraChecks</c>, <c>bodySkippedWhenSupported</c> and
/// <c>bodySkippedUnlessSupported</c>, and <c>steps</c>, each a mapping tagged by one key:
/// <list type="bullet">
/// <item><c>check: &lt;record&gt;</c>: a status check, one of the <see cref="StatusCheck"/> records named in
/// <see cref="Checks"/>, with the record's fields (camelCase); namespace fields left out are the test's
/// <c>namespace</c>; conditions are written <c>Type=Status(Reason)</c>, <c>*</c> for any.</item>
/// <item><c>run: http|grpc|streams|special</c>: the test's cases of that kind in cases.json (optionally
/// <c>cases: [indexes]</c>).</item>
/// <item>Mutations, named by their tag's value: <c>edit</c> (find → replace in an applied manifest), <c>delete</c> (the
/// object of that kind), <c>write</c> (an object of its own file), <c>patchEndpointSlices</c> (with that Deployment's
/// pod IPs), <c>wait</c> (a duration).</item>
/// </list>
/// Anything else (an unknown key, a missing field, two tags in one step) is an error naming the file.
/// </summary>
public static class CatalogLoader
{
    /// <summary>The status-check records a <c>check:</c> step can name: the tagged union of the catalog.</summary>
    public static IReadOnlyDictionary<string, Type> Checks { get; } = new[]
    {
        typeof(NamespacesMustBeReady), typeof(GatewayClassMustHaveAcceptedAny), typeof(GatewayMustHaveCondition), typeof(GatewayMustHaveAddress),
        typeof(GatewayMustHaveZeroRoutes), typeof(GatewayMustHaveAttachedListeners), typeof(GatewayStatusAddressesMustBe), typeof(MustHaveLatestConditions),
        typeof(MustHaveListeners), typeof(ListenersMustHaveConditions), typeof(ListenerSetMustHaveCondition), typeof(ParentAndRoutesMustBeAccepted),
        typeof(RouteMustHaveCondition), typeof(RouteMustHaveParents), typeof(RouteMustHaveNoAcceptedParents), typeof(BackendTlsPolicyMustHaveCondition),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    // Mutation tag → its step record and the record property the tag's value fills.
    private static readonly Dictionary<string, (Type Type, string Property)> Mutations = new(StringComparer.Ordinal)
    {
        ["edit"] = (typeof(EditManifestStep), nameof(EditManifestStep.Description)),
        ["delete"] = (typeof(DeleteObjectStep), nameof(DeleteObjectStep.Kind)),
        ["write"] = (typeof(WriteObjectStep), nameof(WriteObjectStep.Description)),
        ["patchEndpointSlices"] = (typeof(PatchEndpointSlicesStep), nameof(PatchEndpointSlicesStep.Deployment)),
        ["wait"] = (typeof(WaitStep), nameof(WaitStep.Delay)),
    };

    private static readonly string[] NamespaceFields = ["Namespace", "ParentNamespace", "GatewayNamespace"];

    private static readonly string[] TestFields =
    [
        "name", "features", "manifests", "provisional", "namespace", "notJudged", "extraChecks", "bodySkippedWhenSupported", "bodySkippedUnlessSupported", "steps",
    ];

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters = { new ConditionConverter(), new DurationConverter() },
    };

    /// <summary>Every <c>*.yaml</c> of <paramref name="directory"/>, sorted by test name.</summary>
    public static IReadOnlyList<CatalogTest> LoadDirectory(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*.yaml").Select(Load).OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>Reads one catalog file; the test's name must be the file's name.</summary>
    public static CatalogTest Load(string path)
    {
        try
        {
            var test = Parse(File.ReadAllText(path));
            var expected = Path.GetFileNameWithoutExtension(path);
            if (test.Name != expected) throw new InvalidDataException($"name {test.Name} differs from the file name {expected}");
            return test;
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or YamlException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads the text of one catalog file.</summary>
    public static CatalogTest Parse(string yaml)
    {
        var file = YamlToJson(yaml) as JsonObject ?? throw new InvalidDataException("a catalog file is one mapping");
        if (file.Select(p => p.Key).FirstOrDefault(k => !TestFields.Contains(k)) is { } unknown) throw new InvalidDataException($"unknown field {unknown}");
        var ns = Get<string?>(file, "namespace");
        var steps = (Get<JsonArray?>(file, "steps") ?? []).Select((s, i) =>
        {
            try
            {
                return Step(s as JsonObject ?? throw new InvalidDataException("a step is a mapping"), ns);
            }
            catch (Exception e) when (e is InvalidDataException or JsonException)
            {
                throw new InvalidDataException($"step {i}: {e.Message}", e);
            }
        }).ToList();
        return new CatalogTest(Required<string>(file, "name"), Required<List<string>>(file, "features"), Required<List<string>>(file, "manifests"), Required<bool>(file, "provisional"))
        {
            Steps = steps,
            NotJudged = Get<string?>(file, "notJudged"),
            ExtraChecks = Get<int?>(file, "extraChecks") ?? 0,
            BodySkippedWhenSupported = Get<List<string>?>(file, "bodySkippedWhenSupported") ?? [],
            BodySkippedUnlessSupported = Get<List<string>?>(file, "bodySkippedUnlessSupported") ?? [],
        };
    }

    private static TestStep Step(JsonObject step, string? ns)
    {
        var tags = step.Select(p => p.Key).Where(k => k is "check" or "run" || Mutations.ContainsKey(k)).ToList();
        if (tags.Count != 1) throw new InvalidDataException($"a step has exactly one of check, run, {string.Join(", ", Mutations.Keys)}; this one has [{string.Join(", ", tags)}]");
        var tag = tags[0];
        var value = step[tag];
        step.Remove(tag);
        if (tag == "run")
        {
            var cases = Get<List<int>?>(step, "cases");
            if (step.Select(p => p.Key).FirstOrDefault(k => k != "cases") is { } extra) throw new InvalidDataException($"unknown field {extra} of a run step");
            return value?.GetValue<string>() switch
            {
                "http" => new RequestsStep(cases),
                "grpc" => new GrpcRequestsStep(cases),
                "streams" => new StreamsStep(cases),
                "special" when cases is null => new SpecialRequestsStep(),
                var kind => throw new InvalidDataException($"run: {kind} (expected http, grpc, streams, or special without cases)"),
            };
        }
        Type type;
        if (tag == "check")
        {
            var name = value?.GetValue<string>() ?? "";
            type = Checks.GetValueOrDefault(name) ?? throw new InvalidDataException($"check: {name} is none of {string.Join(", ", Checks.Keys)}");
        }
        else
        {
            (type, var property) = Mutations[tag];
            step[JsonNamingPolicy.CamelCase.ConvertName(property)] = value;
        }
        if (ns is not null) DefaultNamespaces(step, type, ns);
        var result = step.Deserialize(type, Options) ?? throw new InvalidDataException($"{tag}: empty");
        return result as TestStep ?? new CheckStep((StatusCheck)result);
    }

    /// <summary>
    /// Fills the namespace fields a step leaves out (<see cref="NamespaceFields"/>, <c>namespaces</c>, and the
    /// <c>namespace</c> of nested records such as routes and parents) with the test's namespace.
    /// </summary>
    private static void DefaultNamespaces(JsonObject obj, Type type, string ns)
    {
        foreach (var parameter in type.GetConstructors().MaxBy(c => c.GetParameters().Length)?.GetParameters() ?? [])
        {
            var key = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            if (!obj.ContainsKey(key))
            {
                if (NamespaceFields.Contains(parameter.Name)) obj[key] = ns;
                else if (parameter.Name == "Namespaces") obj[key] = new JsonArray(ns);
            }
            else if (obj[key] is JsonArray items && ElementType(parameter.ParameterType) is { IsClass: true } element && element != typeof(string))
            {
                foreach (var item in items.OfType<JsonObject>()) DefaultNamespaces(item, element, ns);
            }
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;

    private static T Required<T>(JsonObject obj, string key) =>
        obj[key] is { } node ? node.Deserialize<T>(Options)! : throw new InvalidDataException($"missing field {key}");

    private static T? Get<T>(JsonObject obj, string key) => obj[key] is { } node ? node.Deserialize<T>(Options) : default;

    /// <summary>
    /// YAML (one document) as a JSON tree, with the YAML 1.2 core schema for plain scalars: true/false, null/~ and
    /// integers are typed, everything else (and every quoted scalar) is a string.
    /// </summary>
    public static JsonNode? YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1) throw new InvalidDataException($"expected one YAML document, found {stream.Documents.Count}");
        return Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "null" or "~" } => null,
            YamlScalarNode { Style: ScalarStyle.Plain } n when long.TryParse(n.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            YamlScalarNode s => JsonValue.Create(s.Value),
            _ => throw new InvalidDataException($"unsupported YAML node at {node.Start}"),
        };
    }

    /// <summary>An expected condition written as <c>Type=Status(Reason)</c>, <c>*</c> for any status or reason.</summary>
    private sealed class ConditionConverter : JsonConverter<ExpectedCondition>
    {
        public override ExpectedCondition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? "";
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var open = text.IndexOf('(', StringComparison.Ordinal);
            if (equals <= 0 || open < equals || !text.EndsWith(')')) throw new JsonException($"condition \"{text}\" is not Type=Status(Reason)");
            string? Any(string part) => part == "*" ? null : part;
            return new ExpectedCondition(text[..equals], Any(text[(equals + 1)..open]), Any(text[(open + 1)..^1]));
        }

        public override void Write(Utf8JsonWriter writer, ExpectedCondition value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    /// <summary>A duration in the Gateway API format ("1s", "500ms").</summary>
    private sealed class DurationConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            GatewayDuration.TryParse(reader.GetString(), out var value) ? value : throw new JsonException($"\"{reader.GetString()}\" is not a duration");

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) => writer.WriteStringValue(GatewayDuration.Format(value));
    }
}
