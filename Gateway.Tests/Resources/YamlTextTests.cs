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
}
