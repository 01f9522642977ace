using Gateway.Actors.Resources;
using Gateway.Host.Sources;
using Xunit;

namespace Gateway.Tests.Sources;

public class ManifestMergeTests
{
    private static ManifestFileContent File(string path, string text) =>
        ManifestFileContent.Update(ManifestFileContent.Empty, ManifestParser.Parse(path, text));

    [Fact]
    public void Merge_SameObjectInTwoFiles_FirstInPathOrderWinsOtherReported()
    {
        var first = File("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {from: a}}\n");
        var second = File("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {from: b}}\n");

        var merged = ManifestMerge.Merge([first, second]);

        Assert.Equal(["Namespace/x", "Namespace/y"], merged.Order.Select(k => k.ToString()));
        Assert.Equal("a", merged.Objects[new ResourceKey("Namespace", "", "x")].Object.Metadata.Labels["from"]);
        var d = Assert.Single(merged.Duplicates);
        Assert.Equal(("b.yaml", 1, DiagnosticCategory.Duplicate), (d.File, d.DocumentIndex, d.Category));
        Assert.Contains("already defined in a.yaml (document 0)", d.Reason);
    }

    [Fact]
    public void Merge_SameObjectTwiceInOneFile_FirstDocumentWins()
    {
        var file = File("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {n: '0'}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {n: '1'}}\n");

        var merged = ManifestMerge.Merge([file]);

        Assert.Equal("0", Assert.Single(merged.Objects).Value.Object.Metadata.Labels["n"]);
        Assert.Equal(1, Assert.Single(merged.Duplicates).DocumentIndex);
    }
}
