using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Actors.Yaml;
using k8s;
using Xunit;

namespace Gateway.Tests.Golden;

/// <summary>
/// Golden translation tests: every folder under Gateway.Tests/testdata (except "_shared") is a case with input.yaml
/// (parsed with ManifestParser), an optional options.yaml, and the expected status.yaml and routetable.yaml. Output and
/// expectation are compared as YAML trees (canonical text of both). UPDATE_GOLDEN=1 rewrites the expectations (and
/// regenerates conformance-* inputs); rewritten goldens are reviewed like code.
/// </summary>
[Trait("Category", "Golden")]
public class GoldenTranslationTests
{
    private static readonly string Root = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata");
    private static bool Update => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static IEnumerable<object[]> Cases() => Directory.GetDirectories(Root)
        .Select(Path.GetFileName)
        .Where(n => n is not null && !n.StartsWith('_'))
        .Order(StringComparer.Ordinal)
        .Select(n => new object[] { n! });

    public static IEnumerable<object[]> ConformanceCases() => Cases().Where(c => ((string)c[0]).StartsWith(ConformanceCaseBuilder.Prefix, StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(ConformanceCases))]
    public void ConformanceInput_IsBaseManifestsPlusTestManifests(string name)
    {
        var expected = ConformanceCaseBuilder.Build(name[ConformanceCaseBuilder.Prefix.Length..]);
        var path = Path.Combine(Root, name, "input.yaml");
        if (Update) File.WriteAllText(path, expected);
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translate_Case_MatchesGolden(string name)
    {
        var dir = Path.Combine(Root, name);
        var result = TranslateCase(name);

        Compare(Path.Combine(dir, "status.yaml"), StatusYaml.Render(result.Statuses));
        Compare(Path.Combine(dir, "routetable.yaml"), RouteTableYaml.Render(result.Gateways));
        // The mesh table: pinned for the mesh-* cases (and any case that has a mesh.yaml), so that the other cases'
        // goldens do not carry every Service's ClusterIP.
        if (name.StartsWith("mesh-", StringComparison.Ordinal) || File.Exists(Path.Combine(dir, "mesh.yaml")))
            Compare(Path.Combine(dir, "mesh.yaml"), Actors.Mesh.MeshTableYaml.Render(result.Mesh));
    }

    /// <summary>The translation of case <paramref name="name"/>'s input.yaml with its options.</summary>
    internal static TranslationResult TranslateCase(string name)
    {
        var dir = Path.Combine(Root, name);
        var inputPath = Path.Combine(dir, "input.yaml");
        // Without the CRD rules: some cases feed the translator objects the v1.6.1 CRDs refuse (an older CRD version
        // admits them), and the translator's answer to them is what these cases pin. The rules themselves are tested
        // in Resources/CrdSchemaTests, which lists the cases they refuse.
        var parsed = ManifestParser.Parse(inputPath, File.ReadAllText(inputPath), crdRules: false);
        Assert.Empty(parsed.Diagnostics);
        return Translator.Translate(Snapshot.From(1, parsed.Objects.Select(o => o.Object)), LoadOptions(dir));
    }

    private static void Compare(string path, string actual)
    {
        if (Update || !File.Exists(path))
        {
            File.WriteAllText(path, actual);
            if (!Update) Assert.Fail($"{path} did not exist and was written; review it and run again.");
            return;
        }
        Assert.Equal(CanonicalYaml.Normalize(File.ReadAllText(path)), CanonicalYaml.Normalize(actual));
    }

    internal static TranslatorOptions LoadOptions(string dir)
    {
        var path = Path.Combine(dir, "options.yaml");
        if (!File.Exists(path)) return new TranslatorOptions();
        var o = KubernetesYaml.Deserialize<OptionsFile>(File.ReadAllText(path));
        return new TranslatorOptions
        {
            AddressPool = o.AddressPool ?? TranslatorOptions.DefaultAddressPool,
            UsableStaticAddresses = (o.UsableStaticAddresses ?? []).ToHashSet(),
            UnavailableSockets = (o.UnavailableSockets ?? []).Select(s =>
            {
                var colon = s.LastIndexOf(':');
                return new ListenerSocket(s[..colon], int.Parse(s[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            }).ToHashSet(),
            AddressMode = o.AddressMode is { } mode ? Enum.Parse<AddressMode>(mode) : AddressMode.Pool,
            ServiceNamespace = o.ServiceNamespace ?? "default",
            ServiceBindAddress = o.ServiceBindAddress ?? "0.0.0.0",
            MeshClusterIpMode = o.MeshClusterIpMode is { } meshMode ? Enum.Parse<Actors.Mesh.MeshClusterIpMode>(meshMode) : Actors.Mesh.MeshClusterIpMode.Allocate,
            MeshClusterIpRange = o.MeshClusterIpRange ?? TranslatorOptions.DefaultMeshClusterIpRange,
        };
    }

    private sealed class OptionsFile
    {
        [System.Text.Json.Serialization.JsonPropertyName("addressPool")] public string? AddressPool { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("usableStaticAddresses")] public List<string>? UsableStaticAddresses { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("unavailableSockets")] public List<string>? UnavailableSockets { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("addressMode")] public string? AddressMode { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("serviceNamespace")] public string? ServiceNamespace { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("serviceBindAddress")] public string? ServiceBindAddress { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("meshClusterIpMode")] public string? MeshClusterIpMode { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("meshClusterIpRange")] public string? MeshClusterIpRange { get; set; }
    }
}
