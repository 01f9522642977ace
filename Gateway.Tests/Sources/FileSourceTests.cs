using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;
using Gateway.Tests.Host;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// The file source's watcher decisions with real files and a real FileSystemWatcher. The settle delay and the rescan
/// interval are set to 10 minutes, so a change that reaches the store within the tests' 30 s bound was read at once,
/// without waiting for either.
/// </summary>
public sealed class FileSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly ResourceKey A = new("Namespace", "", "a");
    private static readonly ResourceKey B = new("Namespace", "", "b");

    private readonly TempDir _dir = new();
    private readonly ResourceStore _store = new();
    private FileSource _source = null!;

    public async Task InitializeAsync()
    {
        _dir.Write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        _source = new FileSource(new FileSourceOptions { Roots = [_dir.Path], SettleDelay = Long, RescanInterval = Long }, _store,
            NullLogger<FileSource>.Instance, TimeProvider.System);
        await _source.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(Bound);
        await _source.InitialSync.WaitAsync(timeout.Token);
        Assert.NotNull(_store.Get(A));
    }

    public async Task DisposeAsync()
    {
        await _source.StopAsync(CancellationToken.None);
        _source.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task InitialScanStartedAheadOfTheLoop_TheLoopTakesThatScan_AndWatchesAfterIt()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var store = new ResourceStore();
        using var source = new FileSource(new FileSourceOptions { Roots = [dir.Path], SettleDelay = Long, RescanInterval = Long }, store,
            NullLogger<FileSource>.Instance, TimeProvider.System);

        var scan = source.StartInitialScan();
        await scan.WaitAsync(Bound);
        Assert.True(store.IsSynced);
        Assert.NotNull(store.Get(A));
        Assert.Same(scan, source.StartInitialScan());

        // The loop starts later (the host's start), reuses the scan, and reads changes from then on.
        await source.StartAsync(CancellationToken.None);
        Assert.Same(scan, source.StartInitialScan());
        dir.Write("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
        Assert.True(await EventuallyAsync(() => store.Get(B) is not null), "a file written after the early scan is not in the store");
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Dispose_ScanStartedButTheLoopNeverRan_ReturnsOnceTheScanHasReachedTheStore()
    {
        using var dir = new TempDir();
        for (var i = 0; i < 20; i++) dir.Write($"n{i}.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: n{i}}}\n");
        var store = new ResourceStore();
        var source = new FileSource(new FileSourceOptions { Roots = [dir.Path], SettleDelay = Long, RescanInterval = Long }, store,
            NullLogger<FileSource>.Instance, TimeProvider.System);

        var scan = source.StartInitialScan();
        source.Dispose();

        Assert.True(scan.IsCompletedSuccessfully);
        Assert.True(store.IsSynced);
        Assert.Equal(20, store.Count);
    }

    [Fact]
    public async Task DeletedManifestFile_RemovedFromStoreWithoutWaitingForTheSettleDelay()
    {
        File.Delete(Path.Combine(_dir.Path, "a.yaml"));

        Assert.True(await EventuallyAsync(() => _store.Get(A) is null), "the removed file's object is still in the store");
    }

    [Fact]
    public async Task ManifestRenamedIntoPlace_ReadWithoutWaitingForTheSettleDelay()
    {
        var temp = Path.Combine(_dir.Path, ".b.yaml.tmp");
        await File.WriteAllTextAsync(temp, "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
        File.Move(temp, Path.Combine(_dir.Path, "b.yaml"));

        Assert.True(await EventuallyAsync(() => _store.Get(B) is not null), "the renamed file's object is not in the store");
    }

    [Theory]
    // An event, the last walk recent: its paths alone.
    [InlineData(true, false, 1, 100, true, false)]
    // An event, the last walk older than the interval: its paths first, then the walk.
    [InlineData(true, false, 1, 2500, true, true)]
    // No event within the interval: the periodic walk.
    [InlineData(false, false, 0, 2000, false, false)]
    // A rescan request or a watcher failure: a walk of everything, at once.
    [InlineData(true, true, 1, 2500, false, false)]
    // Woken with no path (a request only): a walk.
    [InlineData(true, false, 0, 100, false, false)]
    public void PlanScan_ReadsReportedPathsFirst_AndWalksAfterThemWhenTheWalkIsDue(bool woken, bool forceAll, int paths, int sinceWalkMs, bool readPaths, bool walkAfter)
    {
        var plan = FileSource.PlanScan(woken, forceAll, paths, TimeSpan.FromMilliseconds(sinceWalkMs), TimeSpan.FromSeconds(2));

        Assert.Equal(new FileSource.ScanPlan(readPaths, walkAfter), plan);
    }

    [Fact]
    public async Task WatcherEventsKeepComing_AChangeNoWatcherReports_StillReadByTheWalk()
    {
        // Watcher events are read by path alone; the walk of every root is the safety net for changes no watcher
        // reports. Here: a file written behind a directory link (inotify does not follow links). A steady stream of
        // events (a file rewritten every 50 ms, faster than the 400 ms rescan interval) keeps the periodic rescan
        // from firing, so the walk must still run once the last one is older than the interval (without that rule this
        // test fails at its 30 s bound).
        var outside = new TempDir();
        var dir = new TempDir();
        var store = new ResourceStore();
        dir.Write("busy.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: busy}\n");
        Directory.CreateSymbolicLink(dir.Combine("linked"), outside.Path);
        var source = new FileSource(new FileSourceOptions { Roots = [dir.Path], SettleDelay = Long, RescanInterval = TimeSpan.FromMilliseconds(400) },
            store, NullLogger<FileSource>.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        try
        {
            await source.StartAsync(CancellationToken.None);
            await source.InitialSync.WaitAsync(new CancellationTokenSource(Bound).Token);
            var busy = new ResourceKey("Namespace", "", "busy");
            var x = new ResourceKey("Namespace", "", "x");
            var writes = 0;
            var churn = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var temp = dir.Combine(".busy.yaml.tmp");
                    await File.WriteAllTextAsync(temp, $"apiVersion: v1\nkind: Namespace\nmetadata: {{name: busy, labels: {{n: w{++writes}}}}}\n");
                    File.Move(temp, dir.Combine("busy.yaml"), overwrite: true);
                    await Task.Delay(50);
                }
            });
            // The stream is being read (by path) before the unreported file is written.
            Assert.True(await EventuallyAsync(() => store.Get(busy)?.Metadata.Labels?.ContainsKey("n") == true), "the rewritten file is not read");
            outside.Write("x.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");

            Assert.True(await EventuallyAsync(() => store.Get(x) is not null), "the file behind the link was never read while events kept coming");
            await stop.CancelAsync();
            await churn;
        }
        finally
        {
            await stop.CancelAsync();
            await source.StopAsync(CancellationToken.None);
            source.Dispose();
            dir.Dispose();
            outside.Dispose();
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
