using Gateway.Actors.Resources;
using Gateway.Host.Sources;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// The catalog against hostile manifest folders: symbolic link loops are walked once and reported, oversized files are
/// refused unread, and an object that turns invalid keeps its last accepted version while other changes go through.
/// </summary>
public sealed class HostileManifestTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Ns(string name) => $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n";

    private static string Route(string name, IEnumerable<string> hostnames) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: default}
        spec:
          hostnames: [{{string.Join(", ", hostnames)}}]
        """;

    [Fact]
    public void Walk_SymlinkLoops_EachRealDirectoryIsReadOnceAndEveryLinkNotFollowedIsReported()
    {
        _dir.Write("m/a.yaml", Ns("a"));
        _dir.Write("m/sub/b.yaml", Ns("b"));
        _dir.Write("m/sub/deeper/c.yaml", Ns("c"));
        // Each link leads back up: followed naively, the tree grows exponentially with the depth walked.
        Directory.CreateSymbolicLink(_dir.Combine("m", "sub", "up"), "..");
        Directory.CreateSymbolicLink(_dir.Combine("m", "sub", "deeper", "up"), "../..");
        Directory.CreateSymbolicLink(_dir.Combine("m", "sub", "deeper", "self"), ".");
        Directory.CreateSymbolicLink(_dir.Combine("m", "sub", "deeper", "root"), _dir.Combine("m"));
        var skipped = new List<(string Link, string Reason)>();

        var files = ManifestDirectoryWalk.Files(_dir.Combine("m"), ManifestCatalog.IsManifestExtension, (l, r) => skipped.Add((l, r)));

        Assert.Equal([_dir.Combine("m", "a.yaml"), _dir.Combine("m", "sub", "b.yaml"), _dir.Combine("m", "sub", "deeper", "c.yaml")], files);
        Assert.Equal(["root", "self", "up", "up"], skipped.Select(s => Path.GetFileName(s.Link)).Order(StringComparer.Ordinal));
        Assert.All(skipped, s => Assert.Contains("symbolic link loop", s.Reason));
    }

    [Fact]
    public void Walk_TwoLinksToOneDirectoryOutsideTheRoot_ReadItOnce()
    {
        _dir.Write("shared/s.yaml", Ns("s"));
        _dir.Write("m/a.yaml", Ns("a"));
        Directory.CreateSymbolicLink(_dir.Combine("m", "one"), _dir.Combine("shared"));
        Directory.CreateSymbolicLink(_dir.Combine("m", "two"), _dir.Combine("shared"));
        var skipped = new List<(string Link, string Reason)>();

        var files = ManifestDirectoryWalk.Files(_dir.Combine("m"), ManifestCatalog.IsManifestExtension, (l, r) => skipped.Add((l, r)));

        Assert.Equal(2, files.Count);
        var (link, reason) = Assert.Single(skipped);
        Assert.Contains("already read", reason);
    }

    [Fact]
    public void Scan_SymlinkLoop_LoadsEveryObjectOnceAndReportsTheLoop()
    {
        _dir.Write("m/a.yaml", Ns("a"));
        _dir.Write("m/x/b.yaml", Ns("b"));
        for (var i = 0; i < 4; i++) Directory.CreateSymbolicLink(_dir.Combine("m", "x", $"loop{i}"), _dir.Combine("m"));
        var catalog = new ManifestCatalog([_dir.Combine("m")]);

        catalog.Scan();

        Assert.Equal(2, catalog.Objects.Count);
        Assert.Equal(4, catalog.Diagnostics.Count(d => d.Category == DiagnosticCategory.Read && d.Reason.Contains("symbolic link loop", StringComparison.Ordinal)));
    }

    [Fact]
    public void Scan_FileLargerThanTheLimit_IsRefusedUnreadAndItsLastObjectsStay()
    {
        var path = _dir.Write("m/big.yaml", Ns("kept"));
        _dir.Write("m/other.yaml", Ns("other"));
        var catalog = new ManifestCatalog([_dir.Combine("m")]);
        catalog.Scan();

        using (var stream = File.OpenWrite(path)) stream.SetLength(ManifestLimits.MaxFileBytes + 1);
        _dir.Write("m/other.yaml", Ns("other2"));
        var changes = catalog.Scan();

        var problem = Assert.Single(catalog.Diagnostics);
        Assert.Equal((path, -1, DiagnosticCategory.Read), (problem.File, problem.DocumentIndex, problem.Category));
        Assert.Contains($"refused: {ManifestLimits.MaxFileBytes + 1:N0} bytes", problem.Reason);
        Assert.Contains(new ResourceKey("Namespace", "", "kept"), catalog.Objects.Keys);
        // The other file's change went through in the same scan.
        Assert.Contains(new ResourceKey("Namespace", "", "other2"), catalog.Objects.Keys);
        Assert.Contains(new ResourceKey("Namespace", "", "other"), changes.Removals);

        File.Delete(path);
        catalog.Scan();
        Assert.Empty(catalog.Diagnostics);
        Assert.DoesNotContain(new ResourceKey("Namespace", "", "kept"), catalog.Objects.Keys);
    }

    [Fact]
    public void Scan_RouteEditedPastTheHostnameLimit_KeepsItsLastAcceptedVersionAndOtherChangesApply()
    {
        var key = new ResourceKey("HTTPRoute", "default", "r");
        _dir.Write("m/route.yaml", Route("r", ["a.example.com"]));
        _dir.Write("m/ns.yaml", Ns("one"));
        var catalog = new ManifestCatalog([_dir.Combine("m")]);
        catalog.Scan();

        _dir.Write("m/route.yaml", Route("r", Enumerable.Range(0, 10_000).Select(i => $"h{i}.example.com")));
        _dir.Write("m/ns.yaml", Ns("two"));
        catalog.Scan();

        var problem = Assert.Single(catalog.Diagnostics);
        Assert.Contains("spec.hostnames: Too many: 10000: must have at most 16 items", problem.Reason);
        Assert.Contains("keeping its last valid objects: HTTPRoute/default/r", problem.Reason);
        var route = Assert.IsType<Gateway.Actors.Model.V1HTTPRoute>(catalog.Objects[key]);
        Assert.Equal(["a.example.com"], route.Spec.Hostnames);
        Assert.Contains(new ResourceKey("Namespace", "", "two"), catalog.Objects.Keys);
    }
}
