using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

/// <summary>Documents beyond the nesting, alias and size limits are refused with their reason; the others in the file are read.</summary>
public class ManifestLimitsTests
{
    private const string Namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n";

    [Fact]
    public void Parse_JsonNested100000Levels_IsRefusedAtTheDepthLimitAndTheNextDocumentIsRead()
    {
        var deep = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"data\":"
            + new string('[', 100_000) + new string(']', 100_000) + "}\n";

        var result = ManifestParser.Parse("f.json", deep + "---\n" + Namespace);

        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal(0, problem.DocumentIndex);
        Assert.Contains($"refused: nested deeper than {ManifestLimits.MaxDepth} levels", problem.Reason);
        Assert.Equal(new ResourceKey("Namespace", "", "ok"), Assert.Single(result.Objects).Key);
    }

    [Fact]
    public void Parse_BlockYamlNestedDeeperThanTheLimit_IsRefused()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n"
            + string.Concat(Enumerable.Range(0, ManifestLimits.MaxDepth + 1).Select(i => new string(' ', i * 2) + "k:\n")) + new string(' ', (ManifestLimits.MaxDepth + 1) * 2) + "v\n";

        Assert.Contains("nested deeper than", Assert.Single(ManifestParser.Parse("f.yaml", yaml).Diagnostics).Reason);
    }

    [Fact]
    public void Parse_NestingWithinTheLimit_IsRead()
    {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  annotations: {a: b}\nx: "
            + new string('[', ManifestLimits.MaxDepth - 2) + new string(']', ManifestLimits.MaxDepth - 2) + "\n";

        Assert.Single(ManifestParser.Parse("f.yaml", text).Objects);
    }

    [Fact]
    public void Parse_AliasBomb_IsRefusedWithoutExpandingIt()
    {
        var lines = new List<string> { "apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i <= 9; i++) lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]");

        var reason = Assert.Single(ManifestParser.Parse("f.yaml", string.Join("\n", lines) + "\n").Diagnostics).Reason;

        Assert.Contains("refused: expands to more than", reason);
    }

    [Fact]
    public void Parse_ObjectLargerThanTheApiServerStores_IsRefusedWithItsSize()
    {
        var big = $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{a: \"{new string('x', ManifestLimits.MaxObjectBytes)}\"}}\n";

        var result = ManifestParser.Parse("f.yaml", big + "---\n" + Namespace);

        var problem = Assert.Single(result.Diagnostics);
        Assert.Contains($"refused: ConfigMap is {big.Length:N0} bytes; the API server stores at most {ManifestLimits.MaxObjectBytes:N0} bytes per object", problem.Reason);
        Assert.Single(result.Objects);
    }

    [Fact]
    public void Parse_ListLargerThanOneObjectButOfSmallItems_ReadsEveryItem()
    {
        var value = new string('x', 200_000);
        var items = Enumerable.Range(0, 10).Select(i => $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"c{i}\"}},\"data\":{{\"a\":\"{value}\"}}}}");
        var list = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";

        var result = ManifestParser.Parse("f.json", list);

        Assert.True(list.Length > ManifestLimits.MaxObjectBytes);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(10, result.Objects.Count);
    }
}
