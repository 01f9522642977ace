using System.Collections.Concurrent;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Status;

/// <summary>
/// Keeps statuses in memory: used when no status directory is configured (a laptop run, the in-process tiers), with
/// the same write and counting rules as the file sink. <see cref="Get"/> returns the whole object as written.
/// </summary>
public sealed class MemoryStatusSink : StatusSinkBase, IStatusInventory
{
    private readonly ConcurrentDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>> _documents = new();

    /// <summary>Creates an empty sink.</summary>
    public MemoryStatusSink(string controllerName)
        : base(controllerName)
    {
    }

    /// <summary>The object last written for <paramref name="key"/>, with its status, or null.</summary>
    public IKubernetesObject<V1ObjectMeta>? Get(ResourceKey key) => _documents.GetValueOrDefault(key);

    /// <inheritdoc />
    public IReadOnlyCollection<ResourceKey> StoredKeys() => _documents.Keys.ToList();

    /// <inheritdoc />
    protected override Task PersistAsync(ResourceKey key, IKubernetesObject<V1ObjectMeta> document, CancellationToken ct)
    {
        _documents[key] = document;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task<LoadedStatus?> LoadAsync(ResourceKey key, Type objectType, CancellationToken ct) =>
        Task.FromResult(_documents.TryGetValue(key, out var document) && StatusDocument.StatusOf(document) is { } status
            ? new LoadedStatus(status, document.Metadata?.ResourceVersion)
            : null);

    /// <inheritdoc />
    protected override Task DeleteAsync(ResourceKey key, CancellationToken ct)
    {
        _documents.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
