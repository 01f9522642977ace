using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;
using Gateway.Tests.Host;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// The file source's warm-up after its first scan (FileSource.WarmUp): the change path run over a file whose text did
/// not change must change nothing, and a real change arriving meanwhile must end it and reach the store. Real files and a
/// real FileSystemWatcher; the settle delay and the rescan interval are 10 minutes, so a change that reaches the store
/// within the 30 s bound was read through the watcher.
/// </summary>
public sealed class FileSourceWarmUpTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly ResourceKey A = new("Namespace", "", "a");
    private static readonly ResourceKey B = new("Namespace", "", "b");
    private static readonly ResourceKey C = new("Namespace", "", "c");

    private readonly TempDir _dir = new();

    public FileSourceWarmUpTests()
    {
        _dir.Write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: one}}\n");
        _dir.Write("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>An HTTPRoute named <paramref name="name"/> in namespace a.</summary>
    private static string Route(string name) =>
        $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: a}}\nspec: {{parentRefs: [{{name: gw}}]}}\n";

    /// <summary>A file source over the test's folder that never rescans or settles by itself, with an unbounded warm-up budget.</summary>
    private FileSource NewSource(ResourceStore store, int warmUpPasses) =>
        new(new FileSourceOptions { Roots = [_dir.Path], SettleDelay = Long, RescanInterval = Long, WarmUpPasses = warmUpPasses, WarmUpBudget = Long },
            store, NullLogger<FileSource>.Instance, TimeProvider.System);

    [Fact]
    public void Catalog_UnchangedFileReadAgainAfterForgetText_YieldsNoChangeAndKeepsEveryStampedCopy()
    {
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();
        var before = catalog.Objects.ToDictionary();
        var file = catalog.WarmUpFile();
        Assert.Equal(_dir.Combine("a.yaml"), file);

        for (var i = 0; i < 3; i++)
        {
            catalog.ForgetText(file!);
            var changes = catalog.Scan(new HashSet<string>(StringComparer.Ordinal) { file! });

            Assert.True(changes.IsEmpty, $"pass {i}: {changes.Upserts.Count} upserts, {changes.Removals.Count} removals");
            Assert.Empty(changes.Added);
            Assert.Empty(changes.Resolved);
        }
        Assert.Equal(before.Keys.Order(), catalog.Objects.Keys.Order());
        foreach (var (key, obj) in before) Assert.Same(obj, catalog.Objects[key]);
    }

    [Fact]
    public void Catalog_WarmUpFile_SkipsFilesWithProblemsAndFilesWhoseObjectsAreDefinedTwice()
    {
        // a.yaml is the smallest, but its object is defined again (and ignored) in d.yaml; b.yaml is next by size.
        _dir.Write("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        _dir.Write("broken.yaml", "apiVersion: v1\nkind: [\n");
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();

        Assert.Equal(_dir.Combine("b.yaml"), catalog.WarmUpFile());
    }

    [Fact]
    public void Catalog_WarmUpFileDefiningARoute_IsTheSmallestRouteFile_WhileTheSmallestOfAllStaysTheOther()
    {
        // Both Namespace files are smaller; of the two route files the smaller is chosen when a route is asked for.
        _dir.Write("r-long.yaml", Route("with-a-longer-name"));
        _dir.Write("r-short.yaml", Route("r"));
        var catalog = new ManifestCatalog([_dir.Path]);
        catalog.Scan();

        Assert.Equal(_dir.Combine("r-short.yaml"), catalog.WarmUpFile(definingARoute: true));
        Assert.Equal(_dir.Combine("a.yaml"), catalog.WarmUpFile());
        Assert.Equal(1, catalog.ObjectCount(_dir.Combine("r-short.yaml")));
    }

    [Fact]
    public async Task WarmUp_WithARouteFile_ReadsTheSmallestFileEveryPassAndTheRouteFileUntilEachObjectRanThatOften_NoStoreChange()
    {
        // Two routes in one file: 40 passes of a.yaml, then 20 of the route file (each of its 2 objects parsed 40 times).
        _dir.Write("routes.yaml", Route("r1") + "---\n" + Route("r2"));
        var store = new ResourceStore();
        await WithStartedSourceAsync(store, 40, async (source, timeout) =>
        {
            var sequence = store.ChangeSequence;

            Assert.Equal(60, await source.WarmedUp.WaitAsync(timeout));
            Assert.Equal(sequence, store.ChangeSequence);
        });
    }

    [Fact]
    public async Task WarmUp_WithARoute_AlsoRunsTheAddedFilePathOnAThrowawayCatalog_NoStoreChange()
    {
        _dir.Write("routes.yaml", Route("r1"));
        var store = new ResourceStore();
        await WithStartedSourceAsync(store, 10, async (source, timeout) =>
        {
            var (sequence, count, diagnostics) = (store.ChangeSequence, store.Count, source.Diagnostics);

            await source.WarmedUp.WaitAsync(timeout);

            Assert.Equal(10, source.AdditionWarmUpPasses);
            Assert.Equal(sequence, store.ChangeSequence);
            Assert.Equal(count, store.Count);
            Assert.Equal(diagnostics, source.Diagnostics);
        });
    }

    [Fact]
    public async Task WarmUp_EndsWithWatcherEventsForAPathOutsideTheRoots_TheLoopReadsThemAndNothingChanges()
    {
        var store = new ResourceStore();
        await WithStartedSourceAsync(store, 2, async (source, timeout) =>
        {
            var (sequence, count) = (store.ChangeSequence, store.Count);
            await source.WarmedUp.WaitAsync(timeout);

            Assert.True(await source.WatcherEventsWarmedUp.WaitAsync(timeout), "the warm-up's watcher events were not sent");
            Assert.Equal((sequence, count), (store.ChangeSequence, store.Count));
            Assert.Empty(source.Diagnostics);
            // The loop still reads real events after them.
            _dir.Write("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n");
            while (store.Get(new ResourceKey("Namespace", "", "d")) is null) await Task.Delay(20, timeout);
        });
    }

    [Fact]
    public async Task WarmUp_Off_SendsNoWatcherEvents()
    {
        var store = new ResourceStore();
        await WithStartedSourceAsync(store, 0, async (source, timeout) =>
        {
            await source.WarmedUp.WaitAsync(timeout);
            Assert.False(await source.WatcherEventsWarmedUp.WaitAsync(timeout));
        });
    }

    [Fact]
    public async Task WarmUp_UnchangedFile_RunsEveryPassAndMakesNoStoreChange()
    {
        var store = new ResourceStore();
        await WithStartedSourceAsync(store, 40, async (source, timeout) =>
        {
            var sequence = store.ChangeSequence;
            var objects = new[] { A, B, C }.Select(k => store.Get(k)).ToList();

            var passes = await source.WarmedUp.WaitAsync(timeout);

            Assert.Equal(40, passes);
            Assert.Equal(sequence, store.ChangeSequence);
            Assert.All(objects, Assert.NotNull);
            Assert.Equal(objects, new[] { A, B, C }.Select(k => store.Get(k)));
            Assert.Empty(source.Diagnostics);
        });
    }

    [Fact]
    public async Task WarmUp_RealChangeDuringIt_EndsItAndTheChangeReachesTheStore()
    {
        var store = new ResourceStore();
        // Unbounded passes and budget: only the change can end the warm-up (the test's bound stops a warm-up that misses it).
        await WithStartedSourceAsync(store, int.MaxValue, async (source, timeout) =>
        {
            var d = new ResourceKey("Namespace", "", "d");
            _dir.Write("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n");
            // The warm-up's own file changes too: its new label must reach the store, whichever scan reads it.
            _dir.Write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: two}}\n");

            var passes = await source.WarmedUp.WaitAsync(timeout);

            Assert.InRange(passes, 0, int.MaxValue - 1);
            Assert.True(await EventuallyAsync(() => store.Get(d) is not null
                && store.Get(A)?.Metadata.Labels is { } labels && labels.TryGetValue("team", out var team) && team == "two"), "the change made during the warm-up did not reach the store");
        });
    }

    [Fact]
    public async Task WarmUp_WithAGate_WaitsForIt_ChangesAreReadMeanwhile_ThenRunsEveryPass()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new ResourceStore();
        using var source = new FileSource(
            new FileSourceOptions { Roots = [_dir.Path], SettleDelay = Long, RescanInterval = Long, WarmUpPasses = 10, WarmUpBudget = Long, WarmUpAfter = () => gate.Task },
            store, NullLogger<FileSource>.Instance, TimeProvider.System);
        await source.StartAsync(CancellationToken.None);
        try
        {
            using var timeout = new CancellationTokenSource(Bound);
            await source.InitialSync.WaitAsync(timeout.Token);

            // A change while the warm-up waits: the watcher's event is read and reaches the store.
            _dir.Write("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: d}\n");
            Assert.True(await EventuallyAsync(() => store.Get(new ResourceKey("Namespace", "", "d")) is not null), "the change did not reach the store");
            Assert.False(source.WarmedUp.IsCompleted, "the warm-up ran before its gate opened");

            var sequence = store.ChangeSequence;
            gate.SetResult();

            Assert.Equal(10, await source.WarmedUp.WaitAsync(timeout.Token));
            Assert.Equal(sequence, store.ChangeSequence);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Starts a file source over the test's folder (<see cref="NewSource"/>), waits for its first scan, runs
    /// <paramref name="test"/> with a token bounded by <see cref="Bound"/>, and stops the source.
    /// </summary>
    private async Task WithStartedSourceAsync(ResourceStore store, int warmUpPasses, Func<FileSource, CancellationToken, Task> test)
    {
        using var source = NewSource(store, warmUpPasses);
        await source.StartAsync(CancellationToken.None);
        try
        {
            using var timeout = new CancellationTokenSource(Bound);
            await source.InitialSync.WaitAsync(timeout.Token);
            await test(source, timeout.Token);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < until)
        {
            if (condition()) return true;
            await Task.Delay(20);
        }
        return condition();
    }
}
