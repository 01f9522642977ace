using Gateway.Actors.Resources;
using Gateway.Host.Sources;
using Gateway.Tests.Host;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// <see cref="ManifestCatalog.ScanPaths"/>, the file source's read of the paths its watchers reported: it must leave
/// the catalog exactly where a walk of every root (<see cref="ManifestCatalog.Scan"/> forcing the same paths) leaves it,
/// and hand back to the walk whatever only the walk reads correctly.
/// </summary>
public sealed class ManifestCatalogScanPathsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string Namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n";

    /// <summary>What two catalogs must agree on: keys, generations, resourceVersions and content (uid and creation time are each catalog's own).</summary>
    private static List<string> Comparable(ManifestCatalog catalog) =>
    [
        .. catalog.Objects.OrderBy(p => p.Key).Select(p =>
        {
            var copy = ObjectCopy.Clone(p.Value);
            copy.Metadata.Uid = null;
            copy.Metadata.CreationTimestamp = null;
            return $"{p.Key} g{copy.Metadata.Generation} rv{copy.Metadata.ResourceVersion} {CanonicalForm.Of(copy)}";
        }),
    ];

    [Fact]
    public void ScanPaths_RandomFileChanges_LeaveTheCatalogWhereAWalkLeavesIt_StepByStep()
    {
        // Files in the root and in a subdirectory, written in place or through a hidden temp file renamed into place
        // (both paths reported, as the watcher reports a rename), deleted, with objects defined twice (duplicates move
        // the work to the whole merge) and references that dangle. After every step both catalogs hold the same objects
        // and diagnostics, and the step's upserts and removals are the same keys.
        var random = new Random(20261206);
        var targeted = new ManifestCatalog([_dir.Path]);
        var walking = new ManifestCatalog([_dir.Path]);
        _dir.Write("base.yaml", Namespace);
        targeted.Scan();
        walking.Scan();
        var readByPaths = 0;
        for (var step = 0; step < 150; step++)
        {
            var file = random.Next(2) == 0 ? $"f{random.Next(4)}.yaml" : $"sub/f{random.Next(3)}.yaml";
            var reported = new List<string> { _dir.Combine(file) };
            if (random.Next(6) == 0 && File.Exists(_dir.Combine(file)))
            {
                File.Delete(_dir.Combine(file));
            }
            else
            {
                var documents = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(3) switch
                {
                    0 => $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: n{random.Next(6)}, labels: {{v: s{step}}}}}\n",
                    1 => $"apiVersion: v1\nkind: Service\nmetadata: {{name: s{random.Next(4)}, namespace: default, labels: {{v: s{random.Next(3)}}}}}\nspec: {{ports: [{{port: 80}}]}}\n",
                    _ => $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r{random.Next(4)}, namespace: default}}\n" +
                         $"spec:\n  rules:\n  - backendRefs:\n    - {{name: s{random.Next(4)}, port: 80}}\n",
                });
                var text = string.Join("---\n", documents.Distinct());
                if (random.Next(2) == 0)
                {
                    var temp = _dir.Combine(Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.tmp"));
                    _dir.Write(Path.GetRelativePath(_dir.Path, temp), text);
                    File.Move(temp, _dir.Combine(file), overwrite: true);
                    reported.Insert(0, temp);
                }
                else
                {
                    _dir.Write(file, text);
                }
            }

            var byPaths = targeted.ScanPaths(reported);
            if (byPaths is not null) readByPaths++;
            var targetedChanges = byPaths ?? targeted.Scan(reported.ToHashSet());
            var walkingChanges = walking.Scan(reported.ToHashSet());

            Assert.Equal(Comparable(walking), Comparable(targeted));
            Assert.Equal(walking.Diagnostics, targeted.Diagnostics);
            Assert.Equal(walkingChanges.Upserts.Select(Key).Order(), targetedChanges.Upserts.Select(Key).Order());
            Assert.Equal(walkingChanges.Removals.Order(), targetedChanges.Removals.Order());
            Assert.Equal(walkingChanges.Added, targetedChanges.Added);
            Assert.Equal(walkingChanges.Resolved, targetedChanges.Resolved);
        }
        // Every step is a plain file under real directories: none needed the walk.
        Assert.Equal(150, readByPaths);
    }

    private static ResourceKey Key(IKubernetesObject<V1ObjectMeta> obj) => KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj);

    [Fact]
    public void ScanPaths_FileWrittenThroughAHiddenTempFile_ReadsTheFileAndIgnoresTheTempName()
    {
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();
        _dir.Write(".a.yaml.tmp", Namespace);
        File.Move(_dir.Combine(".a.yaml.tmp"), _dir.Combine("a.yaml"));

        var changes = catalog.ScanPaths([_dir.Combine(".a.yaml.tmp"), _dir.Combine("a.yaml")]);

        Assert.NotNull(changes);
        Assert.Equal([new ResourceKey("Namespace", "", "n")], changes.Upserts.Select(Key));
    }

    [Fact]
    public void ScanPaths_PathsTheWalkNeverReads_IgnoredWithoutAWalk()
    {
        _dir.Write("a.yaml", Namespace);
        var catalog = new ManifestCatalog([_dir.Path], excluded: [_dir.Combine("status")]);
        catalog.Scan();
        _dir.Write("notes.txt", Namespace);
        _dir.Write(".swap.yaml", Namespace);
        _dir.Write("status/Gateway/g.yaml", Namespace);

        var changes = catalog.ScanPaths([_dir.Combine("notes.txt"), _dir.Combine(".swap.yaml"), _dir.Combine("status/Gateway/g.yaml"), "/elsewhere/x.yaml", _dir.Combine("gone.yaml")]);

        Assert.NotNull(changes);
        Assert.True(changes.IsEmpty);
        Assert.Equal([new ResourceKey("Namespace", "", "n")], catalog.Objects.Keys);
    }

    [Fact]
    public void ScanPaths_DirectoriesLinksAndRemovedDirectories_LeftToTheWalk_WhichReadsThem()
    {
        var outside = new TempDir();
        try
        {
            _dir.Write("sub/a.yaml", Namespace);
            var catalog = new ManifestCatalog([_dir.Path]);
            Assert.Null(catalog.ScanPaths([_dir.Combine("sub/a.yaml")])); // before the first walk
            catalog.Scan();

            // A new directory (its files were written before the watcher saw it).
            _dir.Write("new/b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
            Assert.Null(catalog.ScanPaths([_dir.Combine("new")]));
            Assert.Contains(new ResourceKey("Namespace", "", "b"), catalog.Scan(new HashSet<string> { _dir.Combine("new") }).Upserts.Select(Key));

            // A link to a file, and a file under a linked directory.
            outside.Write("c.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n");
            File.CreateSymbolicLink(_dir.Combine("c.yaml"), outside.Combine("c.yaml"));
            Assert.Null(catalog.ScanPaths([_dir.Combine("c.yaml")]));
            Directory.CreateSymbolicLink(_dir.Combine("linked"), outside.Path);
            Assert.Null(catalog.ScanPaths([_dir.Combine("linked/c.yaml")]));
            catalog.Scan();
            Assert.Contains(new ResourceKey("Namespace", "", "c"), catalog.Objects.Keys);

            // A removed directory under which a file was read.
            Directory.Delete(_dir.Combine("sub"), recursive: true);
            Assert.Null(catalog.ScanPaths([_dir.Combine("sub")]));
            catalog.Scan(new HashSet<string> { _dir.Combine("sub") });
            Assert.DoesNotContain(new ResourceKey("Namespace", "", "n"), catalog.Objects.Keys);
        }
        finally
        {
            outside.Dispose();
        }
    }

    [Fact]
    public void ScanPaths_MountedConfigMapSwapsItsDataLink_LeftToTheWalk_WhichReadsTheNewText()
    {
        // (The new text has another length: the walk notices a file that is not among the reported paths by its size and
        // modification time, and two writes within one tick of the kernel's coarse file clock can share a time.)
        // The kubelet's atomic writer: the visible file links to ..data/a.yaml, ..data links to a hidden timestamped
        // directory, and an update writes a new directory, links ..data_tmp to it and renames ..data_tmp over ..data.
        _dir.Write("..2026_12_05_a/a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {v: a}}\n");
        Directory.CreateSymbolicLink(_dir.Combine("..data"), "..2026_12_05_a");
        File.CreateSymbolicLink(_dir.Combine("a.yaml"), "..data/a.yaml");
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();
        Assert.Equal("a", catalog.Objects.Values.Single().Metadata.Labels["v"]);

        _dir.Write("..2026_12_05_b/a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {v: bb}}\n");
        Directory.CreateSymbolicLink(_dir.Combine("..data_tmp"), "..2026_12_05_b");
        // rename(2) of the link over the link, as the kubelet does (File.Move refuses a link to a directory).
        using (var mv = System.Diagnostics.Process.Start("mv", ["-T", _dir.Combine("..data_tmp"), _dir.Combine("..data")]))
        {
            Assert.True(mv.WaitForExit(10_000) && mv.ExitCode == 0, "mv -T failed");
        }
        string[] reported = [_dir.Combine("..data_tmp"), _dir.Combine("..data")];

        Assert.Null(catalog.ScanPaths(reported));
        catalog.Scan(reported.ToHashSet());
        Assert.Equal("bb", catalog.Objects.Values.Single().Metadata.Labels["v"]);
    }
}
