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
