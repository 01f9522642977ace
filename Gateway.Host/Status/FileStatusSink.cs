using System.Collections.Concurrent;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Status;

/// <summary>
/// The file-mode status sink: every object we own a status for is kept as
/// <c>DIR/&lt;Kind&gt;/&lt;namespace&gt;/&lt;name&gt;.yaml</c> (<see cref="StatusPaths"/>), the whole object as the API
/// server would return it, replaced atomically (temp file in the same directory, then rename) so a reader never sees
/// half a file, and deleted when the object goes away or stops being ours.
/// </summary>
public sealed class FileStatusSink : StatusSinkBase, IStatusInventory
{
    private readonly ILogger<FileStatusSink> _logger;

    // Directories this sink created or found (one per kind and namespace): a write into one of them skips
    // CreateDirectory's stat and mkdir. A directory removed from outside is recreated on the write that misses it.
    private readonly ConcurrentDictionary<string, byte> _directories = new(StringComparer.Ordinal);

    /// <summary>Creates a sink writing under <paramref name="directory"/> (created when missing).</summary>
    public FileStatusSink(string directory, string controllerName, ILogger<FileStatusSink> logger)
        : base(controllerName)
    {
        Directory = Path.GetFullPath(directory);
        _logger = logger;
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The status directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The file that holds <paramref name="key"/>.</summary>
    public string PathFor(ResourceKey key) => StatusPaths.PathFor(Directory, key);

    /// <inheritdoc />
    public IReadOnlyCollection<ResourceKey> StoredKeys()
    {
        var keys = new List<ResourceKey>();
        if (!System.IO.Directory.Exists(Directory)) return keys;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.yaml", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            if (StatusPaths.TryParse(Directory, path, StatusPaths.IsHashed(path) ? StoredName(path) : null, out var key)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>metadata.name of a stored object (the file of a long name does not spell it); null when unreadable.</summary>
    private string? StoredName(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var yaml = new YamlDotNet.RepresentationModel.YamlStream();
            yaml.Load(reader);
            return yaml.Documents.FirstOrDefault()?.RootNode is YamlDotNet.RepresentationModel.YamlMappingNode root
                && root.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("metadata"), out var metadata)
                && metadata is YamlDotNet.RepresentationModel.YamlMappingNode meta
                && meta.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("name"), out var name)
                ? (name as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            _logger.LogWarning(e, "Ignoring unreadable status file {Path}", path);
            return null;
        }
    }

    /// <inheritdoc />
    protected override Task PersistAsync(ResourceKey key, IKubernetesObject<V1ObjectMeta> document, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = PathFor(key);
        var directory = Path.GetDirectoryName(path)!;
        var bytes = YamlText.SerializeToUtf8(document);
        // Hidden temp name: directory readers (and our own StoredKeys) skip it; rename(2) within one directory is atomic.
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            if (!_directories.ContainsKey(directory)) CreateDirectory(directory);
            try
            {
                WriteNew(temp, bytes);
            }
            catch (DirectoryNotFoundException)
            {
                // The directory was removed behind the sink's back (it remembers directories it created): create it again.
                CreateDirectory(directory);
                WriteNew(temp, bytes);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Cleanup only: the write's own exception is the one that matters and is rethrown.
            }
            throw;
        }
        return Task.CompletedTask;
    }

    private void CreateDirectory(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        _directories.TryAdd(directory, 0);
    }

    /// <summary>
    /// Writes a new file synchronously: a status file is a few KiB, so open, one pwrite and close on the caller's
    /// thread cost less than the async file API, which on Linux hands each step to a thread-pool thread. The caller
    /// (<see cref="StatusSinkBase"/>) bounds how many run at once.
    /// </summary>
    private static void WriteNew(string path, byte[] bytes)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        RandomAccess.Write(handle, bytes, 0);
    }

    /// <inheritdoc />
    protected override Task DeleteAsync(ResourceKey key, CancellationToken ct)
    {
        File.Delete(PathFor(key));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task<LoadedStatus?> LoadAsync(ResourceKey key, Type objectType, CancellationToken ct) =>
        Task.FromResult(Load(key, objectType));

    /// <summary>Synchronous for the reason <see cref="WriteNew"/> gives.</summary>
    private LoadedStatus? Load(ResourceKey key, Type objectType)
    {
        var path = PathFor(key);
        if (!File.Exists(path)) return null;
        try
        {
            var text = File.ReadAllText(path);
            var obj = (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromYaml(objectType, text);
            return StatusDocument.StatusOf(obj) is { } status ? new LoadedStatus(status, obj.Metadata?.ResourceVersion) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException or InvalidOperationException)
        {
            // An unreadable leftover is simply replaced; only lastTransitionTime continuity is lost.
            _logger.LogWarning(e, "Ignoring unreadable status file {Path}", path);
            return null;
        }
    }
}
