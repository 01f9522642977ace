using System.Text.Json;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public class YamlTextTests
{
    private static V1HTTPRoute RouteWithStatus() => new()
    {
        ApiVersion = "gateway.networking.k8s.io/v1",
        Kind = "HTTPRoute",
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "default",
            Generation = 3,
            Labels = new Dictionary<string, string> { ["flag"] = "true", ["port"] = "8080", ["empty"] = "", ["yes"] = "yes", ["zero"] = "0123" },
            CreationTimestamp = new DateTime(2026, 12, 5, 6, 0, 0, DateTimeKind.Utc),
        },
        Spec = new V1HTTPRouteSpec
        {
            Hostnames = ["web.example.com", "*.example.com"],
            ParentRefs = [new V1GatewayParentReference { Name = "gw", Port = 80, SectionName = "http" }],
        },
        Status = new V1RouteStatus
        {
            Parents =
            [
                new V1RouteParentStatus
                {
                    ControllerName = "akka-gateway.dev/controller",
                    ParentRef = new V1GatewayParentReference { Name = "gw" },
                    Conditions =
                    [
                        new V1Condition
                        {
                            Type = "Accepted", Status = "True", Reason = "Accepted", ObservedGeneration = 3,
                            Message = "line one\nline two: with a colon, 'quotes' and \"double quotes\" – ünïcode",
                            LastTransitionTime = new DateTime(2026, 12, 5, 6, 1, 2, DateTimeKind.Utc),
                        },
                        new V1Condition { Type = "ResolvedRefs", Status = "False", Reason = "BackendNotFound", Message = "- starts like a list item # and a comment", ObservedGeneration = 3 },
                    ],
                },
            ],
        },
    };

    [Fact]
    public void Serialize_RouteWithStatus_ReadsBackThroughKubernetesYamlAsTheSameObject()
    {
        var route = RouteWithStatus();
        var yaml = YamlText.Serialize(route);

        var back = KubernetesYaml.Deserialize<V1HTTPRoute>(yaml);
        Assert.Equal(KubernetesJson.Serialize(route), KubernetesJson.Serialize(back));
    }

    [Fact]
    public void Serialize_Object_IsTheTextOfKubernetesJsonsStringForm()
    {
        object[] objects =
        [
            RouteWithStatus(),
            new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "a" } },
            new V1Service { ApiVersion = "v1", Kind = "Service", Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "d" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] } },
        ];
        foreach (var obj in objects)
        {
            using var document = JsonDocument.Parse(KubernetesJson.Serialize(obj));
            Assert.Equal(YamlText.Serialize(document.RootElement), YamlText.Serialize(obj));
        }
    }

    [Fact]
    public void Serialize_StringsThatLookLikeOtherTypes_AreQuotedAndStayStringsForACoreSchemaReader()
    {
        var yaml = YamlText.Serialize(RouteWithStatus());

        Assert.Contains("flag: \"true\"", yaml, StringComparison.Ordinal);
        Assert.Contains("port: \"8080\"", yaml, StringComparison.Ordinal);
        Assert.Contains("empty: \"\"", yaml, StringComparison.Ordinal);
        Assert.Contains("\"yes\": \"yes\"", yaml, StringComparison.Ordinal);
        Assert.Contains("creationTimestamp: \"2026-12-05T06:00:00Z\"", yaml, StringComparison.Ordinal);
        // The plain reader used for manifests (YAML 1.2 core schema) sees strings where the object holds strings, and
        // numbers where it holds numbers.
        var tree = (Dictionary<string, object?>)DocumentTree.Read(yaml)!;
        var labels = (Dictionary<string, object?>)((Dictionary<string, object?>)tree["metadata"]!)["labels"]!;
        Assert.Equal(["true", "8080", "", "yes", "0123"], new[] { "flag", "port", "empty", "yes", "zero" }.Select(k => labels[k]));
        Assert.Equal(3L, ((Dictionary<string, object?>)tree["metadata"]!)["generation"]);
    }

    [Fact]
    public void Serialize_NullProperties_AreLeftOutLikeKubernetesYaml()
    {
        var yaml = YamlText.Serialize(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = "a" } });

        Assert.Equal("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n", yaml.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("FALSE\n")]
    [InlineData("NULL")]
    [InlineData("yes")]
    [InlineData("0x1F")]
    [InlineData("-.inf")]
    [InlineData(".NaN")]
    [InlineData("~")]
    [InlineData("123456789")]
    [InlineData("2026-12-05T06:00:00Z")]
    [InlineData("+1.5e10")]
    public void MayLookTyped_EveryStringTheTypedPatternMatches_IsLetThrough(string text)
    {
        Assert.True(YamlText.LooksTypedForTests(text));
        Assert.True(YamlText.MayLookTyped(text));
    }

    [Theory]
    [InlineData("Accepted")]
    [InlineData("observedGeneration")]
    [InlineData("falsehood")]
    [InlineData("gateway.networking.k8s.io/v1")]
    public void MayLookTyped_LongTextStartingWithALetter_IsSkippedAndTheTypedPatternAgrees(string text)
    {
        Assert.False(YamlText.MayLookTyped(text));
        Assert.False(YamlText.LooksTypedForTests(text));
    }

    [Fact]
    public void IsTyped_AgreesWithTheTypedPattern_OnItsWordsAndOnRandomShortStrings()
    {
        string[] words = ["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
            "on", "On", "ON", "off", "Off", "OFF", "nulls", "tRue", "Off\n", "yes\n", "r100", "gw", "bench", "http", "Accepted", "x1", "~", "1", ".5", "-", ""];
        var random = new Random(20261206);
        const string Alphabet = "abnoflstruyeNOFLSTRUYE0123456789.-+~:x \n";
        var generated = Enumerable.Range(0, 20_000).Select(_ => new string([.. Enumerable.Range(0, random.Next(1, 7)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]));
        foreach (var text in words.Concat(generated))
        {
            Assert.True(YamlText.LooksTypedForTests(text) == YamlText.IsTyped(text), $"\"{text}\": pattern {YamlText.LooksTypedForTests(text)}, IsTyped {YamlText.IsTyped(text)}");
        }
    }

    // Strings chosen around every rule of the emitter's scalar analysis: indicators first and inside, ": " and " #",
    // quotes, leading and trailing spaces, "---" and "...", typed-looking text, empty, long with spaces (no folding),
    // and characters the block writer leaves to the emitter (line breaks, tabs, non-ASCII).
    private static readonly string[] Pieces =
    [
        "", " ", "a", "Accepted", "true", "yes", "null", "~", "0", "0123", "1.5", "-1", "+1", ".5", "1e3", "0x1F", ".inf",
        "2026-12-05T06:00:00Z", "2026-12-05", "-", "- ", "--", "---", "...", "?", "? ", ":", ": ", "a:b", "a: b", "a:",
        "#", " #", "a#b", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "\\", "/", "/api",
        "http://x:80/p?q=1&r", "it's", "say \"hi\"", "*.example.com", "gateway.networking.k8s.io/v1", "=", "(x)",
        "line\nbreak", "tab\there", "ünïcode", "–", "x\r", new string('w', 90) + " " + new string('v', 40),
    ];

    private static string RandomText(Random random)
    {
        var parts = random.Next(1, 4);
        var text = "";
        for (var i = 0; i < parts; i++)
        {
            if (i > 0 && random.Next(3) == 0) text += " ";
            text += Pieces[random.Next(Pieces.Length)];
        }
        return text;
    }

    private static object? RandomValue(Random random, int depth, bool asciiOnly)
    {
        var pick = random.Next(depth >= 4 ? 5 : 9);
        string Text()
        {
            var text = RandomText(random);
            return asciiOnly && text.Any(c => c is < ' ' or > '~') ? "plain" : text;
        }
        return pick switch
        {
            0 or 1 => Text(),
            2 => random.Next(-1000, 1000),
            3 => random.Next(2) == 0,
            4 => null,
            5 or 6 => Enumerable.Range(0, random.Next(0, 4)).ToDictionary(i => i == 0 ? Text() : $"{Text()}{i}", _ => RandomValue(random, depth + 1, asciiOnly)),
            _ => Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomValue(random, depth + 1, asciiOnly)).ToList(),
        };
    }

    [Fact]
    public void Serialize_GeneratedDocuments_AreByteForByteTheEmittersTextAndReadBackAsTheSameValuesWhereYamlDotNetParsesThem()
    {
        var random = new Random(20261205);
        var written = 0;
        var refused = 0;
        for (var i = 0; i < 3000; i++)
        {
            // Every third document keeps to printable ASCII, so the block writer's own path is exercised often.
            var document = new Dictionary<string, object?> { ["apiVersion"] = "v1", ["kind"] = "Thing", ["data"] = RandomValue(random, 0, asciiOnly: i % 3 == 0) };
            var json = JsonSerializer.SerializeToElement(document);

            var yaml = YamlText.Serialize(json);

            Assert.Equal(YamlText.SerializeWithEmitter(json), yaml);
            AssertUtf8PathAgrees(json, yaml);
            if (!YamlText.TakesBlockWriter(json)) continue;
            written++;
            // YamlDotNet's own parser reads the block writer's text back as the JSON it came from (null properties left
            // out). Not asserted for the emitter's documents: for some strings with line breaks and tabs its text is
            // refused by YamlDotNet's own parser or reads back changed (a lone "\r" as "\n"), as before the block writer.
            string back;
            try
            {
                back = JsonSerializer.Serialize(DocumentTree.Read(yaml));
            }
            catch (YamlDotNet.Core.YamlException)
            {
                // The emitter writes some plain scalars YamlDotNet's own scanner refuses (seen: the key "0 *"); the text
                // is the emitter's (asserted above), so this is the libraries' disagreement, not a block-writer choice.
                refused++;
                continue;
            }
            Assert.Equal(JsonSerializer.Serialize(WithoutNullProperties(document)), back);
        }
        Assert.True(written > 1000 && refused < written / 50, $"the block writer wrote {written} of 3000 documents; YamlDotNet's parser refused {refused} of them");
    }

    /// <summary>The UTF-8 path writes the same bytes as the text path and takes the same documents itself.</summary>
    private static void AssertUtf8PathAgrees(JsonElement json, string yaml)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json.GetRawText());
        Assert.Equal(yaml, System.Text.Encoding.UTF8.GetString(YamlText.SerializeToUtf8(bytes)));
        Assert.Equal(YamlText.TakesBlockWriter(json), YamlText.TakesUtf8BlockWriter(bytes));
    }

    [Fact]
    public void SerializeToUtf8_Object_IsTheUtf8OfSerialize_AlsoAfterADocumentLargerThanTheKeptBuffersAndForLongEscapedValues()
    {
        var route = RouteWithStatus();
        var plain = RouteWithStatus();
        plain.Status!.Parents![0].Conditions![0].Message = "accepted";
        var large = RouteWithStatus();
        large.Spec!.Hostnames = [.. Enumerable.Range(0, 5000).Select(i => $"host-{i}.example.com")];
        // Longer than the buffers kept for one name or value (256 bytes), with characters JSON escapes (<, >, &, +, ').
        var longValue = RouteWithStatus();
        longValue.Status!.Parents![0].Conditions![0].Message = string.Concat(Enumerable.Repeat("a <b> & c+d 'e' \"f\" ", 150));
        longValue.Metadata.Labels!["example.com/" + new string('k', 300)] = "v";

        // The route with a line break and non-ASCII goes through the emitter, the plain one through the UTF-8 writer;
        // after a document larger than the buffers a thread keeps, the next is written from fresh ones.
        foreach (var value in (V1HTTPRoute[])[route, plain, large, plain, longValue, route])
            Assert.Equal(YamlText.Serialize(value), System.Text.Encoding.UTF8.GetString(YamlText.SerializeToUtf8(value)));
        Assert.True(YamlText.TakesUtf8BlockWriter(ObjectCopy.ToJsonBytes(plain)));
        Assert.True(YamlText.TakesUtf8BlockWriter(ObjectCopy.ToJsonBytes(longValue)));
        Assert.False(YamlText.TakesUtf8BlockWriter(ObjectCopy.ToJsonBytes(route)));
    }

    private static object? WithoutNullProperties(object? value) => value switch
    {
        Dictionary<string, object?> map => map.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => WithoutNullProperties(p.Value)),
        List<object?> list => list.Select(WithoutNullProperties).ToList(),
        int n => (long)n,
        _ => value,
    };

    [Fact]
    public void Serialize_EveryTestdataObject_IsByteForByteTheEmittersText()
    {
        var root = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata");
        var documents = 0;
        var written = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories))
        {
            foreach (var (text, _) in ManifestParser.SplitDocuments(File.ReadAllText(file)))
            {
                object? tree;
                try
                {
                    tree = DocumentTree.Read(text);
                }
                catch (YamlDotNet.Core.YamlException)
                {
                    continue; // deliberately broken manifests
                }
                if (tree is not Dictionary<string, object?>) continue;
                var json = JsonSerializer.SerializeToElement(tree);
                var yaml = YamlText.Serialize(json);
                Assert.Equal(YamlText.SerializeWithEmitter(json), yaml);
                AssertUtf8PathAgrees(json, yaml);
                documents++;
                if (YamlText.TakesBlockWriter(json)) written++;
            }
        }
        Assert.True(documents > 500 && written > documents / 2, $"{written} of {documents} documents went through the block writer");
    }
}
