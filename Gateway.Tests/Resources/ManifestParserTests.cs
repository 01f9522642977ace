using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

public class ManifestParserTests
{
    [Fact]
    public void Parse_ConformanceBaseManifests_ReadsEveryKindWeUseAndIgnoresDeployments()
    {
        var path = Path.Combine(TestPaths.ConformanceDir, "manifests", "base", "manifests.yaml");
        var result = ManifestParser.Parse(path, File.ReadAllText(path));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(4, result.Objects.Count(o => o.Key.Kind == "Gateway"));
        Assert.Contains(result.Objects, o => o.Key == new ResourceKey("Service", "gateway-conformance-infra", "infra-backend-v1"));
        Assert.Contains(result.Objects, o => o.Key == new ResourceKey("Namespace", "", "gateway-conformance-infra"));
        Assert.DoesNotContain(result.Objects, o => o.Object.Kind == "Deployment");
        var https = (V1Gateway)result.Objects.Single(o => o.Key.Name == "same-namespace-with-https-listener").Object;
        Assert.Equal(4, https.Spec.Listeners!.Count);
        Assert.Equal("tls-validity-checks-certificate", https.Spec.Listeners[0].Tls!.CertificateRefs![0].Name);
    }

    /// <summary>
    /// The parser binds objects from the YAML tree's JSON form; every object of the upstream conformance manifests and
    /// our examples comes out as KubernetesYaml binds the same document.
    /// </summary>
    [Fact]
    public void Parse_EveryObjectOfTheConformanceAndExampleManifests_BindsAsKubernetesYamlBindsIt()
    {
        var files = new[] { TestPaths.ConformanceDir, Path.Combine(TestPaths.RepoRoot, "examples") }
            .SelectMany(d => Directory.EnumerateFiles(d, "*.yaml", SearchOption.AllDirectories)).ToList();
        var compared = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var result = ManifestParser.Parse(file, text);
            var documents = ManifestParser.SplitDocuments(text).Select(d => d.Text).ToList();
            foreach (var parsed in result.Objects.Where(o => o.Object.GetType().Assembly == typeof(V1Gateway).Assembly || o.Object is k8s.Models.V1Service))
            {
                if (parsed.DocumentIndex >= documents.Count || !documents[parsed.DocumentIndex].Contains("kind: " + parsed.Key.Kind, StringComparison.Ordinal)) continue;
                var viaYaml = (k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>)ObjectCopy.FromYaml(parsed.Object.GetType(), documents[parsed.DocumentIndex]);
                viaYaml.Metadata.NamespaceProperty = parsed.Object.Metadata.NamespaceProperty;
                Assert.Equal(k8s.KubernetesJson.Serialize(viaYaml), k8s.KubernetesJson.Serialize(parsed.Object));
                compared++;
            }
        }
        Assert.True(compared > 300, $"only {compared} objects compared");
    }

    [Fact]
    public void Parse_NumberWhereTheTypeHasAString_StillReadAsKubernetesYamlReadsIt()
    {
        const string text = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: a
              labels: {tier: 1, on: yes}
            """;
        var result = ManifestParser.Parse("t.yaml", text);

        Assert.Empty(result.Diagnostics);
        var labels = result.Objects.Single().Object.Metadata.Labels;
        Assert.Equal("1", labels["tier"]);
        Assert.Equal("yes", labels["on"]);
    }

    [Fact]
    public void Parse_BrokenDocumentBetweenGoodOnes_ReportsItAndKeepsTheOthers()
    {
        const string text = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: [unclosed
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g, namespace: a}
            spec:
              gatewayClassName: gc
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """;
        var result = ManifestParser.Parse("f.yaml", text);

        Assert.Equal(["Namespace/a", "Gateway/a/g"], result.Objects.Select(o => o.Key.ToString()));
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(1, d.DocumentIndex);
        // The document spans file lines 5-7; YamlDotNet reports where it noticed the problem (at most one line later).
        var line = int.Parse(System.Text.RegularExpressions.Regex.Match(d.Reason, @"line (\d+)").Groups[1].Value);
        Assert.InRange(line, 5, 8);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n", "unknown kind v1/Frobnicator")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v7\nkind: Gateway\nmetadata: {name: x}\n", "not served as gateway.networking.k8s.io/v7")]
    [InlineData("kind: Gateway\nmetadata: {name: x}\n", "missing apiVersion or kind")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {gatewayClassName: gc}\n", "spec.listeners must have at least one entry")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: Bad_Name}\nspec: {gatewayClassName: gc, listeners: [{name: a, port: 80, protocol: HTTP}]}\n", "not a valid DNS subdomain")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {gatewayClassName: gc, listeners: [{name: a, port: 80, protocol: HTTP}, {name: a, port: 81, protocol: HTTP}]}\n", "Listener name must be unique")]
    [InlineData("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {gatewayClassName: gc, listeners: {name: a}}\n", "invalid field")]
    public void Parse_BadDocument_IsReportedWithReason(string text, string expected)
    {
        var result = ManifestParser.Parse("f.yaml", text);

        Assert.Empty(result.Objects);
        Assert.Contains(expected, Assert.Single(result.Diagnostics).Reason);
    }

    [Fact]
    public void Parse_JsonListOfObjects_ReadsEachItem()
    {
        const string json = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}},
              {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"a"},"spec":{"ports":[{"port":80}]}}]}
            """;
        var result = ManifestParser.Parse("f.json", json);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["Namespace/a", "Service/a/s"], result.Objects.Select(o => o.Key.ToString()));
    }

    [Fact]
    public void Parse_NamespacedObjectWithoutNamespace_DefaultsToDefault()
    {
        var result = ManifestParser.Parse("f.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n");

        Assert.Equal(new ResourceKey("Service", "default", "s"), Assert.Single(result.Objects).Key);
    }

    [Fact]
    public void Parse_QuotedKind_ReadsTheObjectLikeAPlainOne()
    {
        var plain = ManifestParser.Parse("f.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {ports: [{port: 80}]}\n");
        var quoted = ManifestParser.Parse("f.yaml", "apiVersion: 'v1'\nkind: \"Service\"\nmetadata: {name: s, namespace: a}\nspec: {ports: [{port: 80}]}\n");

        Assert.Equal(Assert.Single(plain.Objects).Key, Assert.Single(quoted.Objects).Key);
        Assert.Equal(CanonicalForm.Significant(plain.Objects[0].Object), CanonicalForm.Significant(quoted.Objects[0].Object));
    }

    [Fact]
    public void CanonicalFormOf_NestedMaps_SortsKeysAtEveryLevelAndKeepsArrayOrder()
    {
        var value = new Dictionary<string, object>
        {
            ["b"] = 1,
            ["a"] = new object[] { new Dictionary<string, object> { ["d"] = "x\"y", ["c"] = 2 }, "z" },
        };

        Assert.Equal("{\"a\":[{\"c\":2,\"d\":\"x\\u0022y\"},\"z\"],\"b\":1}", CanonicalForm.Of(value));
    }
}
