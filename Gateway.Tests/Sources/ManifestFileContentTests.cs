using Gateway.Actors.Resources;
using Gateway.Host.Sources;
using Xunit;

namespace Gateway.Tests.Sources;

public class ManifestFileContentTests
{
    private const string Ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: NAME}\n";

    private static string Doc(string name) => Ns.Replace("NAME", name);

    private static ManifestFileContent Load(ManifestFileContent previous, params string[] documents) =>
        ManifestFileContent.Update(previous, ManifestParser.Parse("f.yaml", string.Join("---\n", documents)));

    [Fact]
    public void Update_DocumentTurnsInvalid_KeepsItsLastObjectsAndSaysSo()
    {
        var valid = Load(ManifestFileContent.Empty, Doc("a"), Doc("b"));
        var broken = Load(valid, Doc("a"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: [oops\n");

        Assert.Equal(["Namespace/a", "Namespace/b"], broken.Objects.Select(o => o.Key.ToString()));
        var d = Assert.Single(broken.Diagnostics);
        Assert.Equal(1, d.DocumentIndex);
        Assert.Equal(DiagnosticCategory.Parse, d.Category);
        Assert.Contains("keeping its last valid objects: Namespace/b", d.Reason);
    }

    [Fact]
    public void Update_InvalidDocumentFixed_TakesTheNewObjects()
    {
        var valid = Load(ManifestFileContent.Empty, Doc("a"), Doc("b"));
        var broken = Load(valid, Doc("a"), "kind: [");
        var fixedAgain = Load(broken, Doc("a"), Doc("c"));

        Assert.Equal(["Namespace/a", "Namespace/c"], fixedAgain.Objects.Select(o => o.Key.ToString()));
        Assert.Empty(fixedAgain.Diagnostics);
    }

    [Fact]
    public void Update_DocumentRemoved_DropsItsObjects()
    {
        var two = Load(ManifestFileContent.Empty, Doc("a"), Doc("b"));
        var one = Load(two, Doc("a"));

        Assert.Equal(["Namespace/a"], one.Objects.Select(o => o.Key.ToString()));
    }

    [Fact]
    public void Update_NeverValidDocument_KeepsNothing()
    {
        var content = Load(ManifestFileContent.Empty, "apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n");

        Assert.Empty(content.Objects);
        Assert.Contains("unknown kind", Assert.Single(content.Diagnostics).Reason);
    }

    [Fact]
    public void Update_DocumentBecomesAKindWeIgnore_DropsItsObjects()
    {
        var before = Load(ManifestFileContent.Empty, Doc("a"));
        var after = Load(before, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");

        Assert.Empty(after.Objects);
        Assert.Empty(after.Diagnostics);
    }
}
