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

    /// <summary>Creates a sink writing under <paramref name="directory"/> (created when missing).</summary>
    public FileStatusSink(string directory, string controllerName, TimeProvider time, ILogger<FileStatusSink> logger)
        : base(controllerName, time)
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
    protected override async Task PersistAsync(ResourceKey key, IKubernetesObject<V1ObjectMeta> document, CancellationToken ct)
    {
        var path = PathFor(key);
        var directory = Path.GetDirectoryName(path)!;
        System.IO.Directory.CreateDirectory(directory);
        // Hidden temp name: directory readers (and our own StoredKeys) skip it; rename(2) within one directory is atomic.
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllTextAsync(temp, YamlText.Serialize(document), ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <inheritdoc />
    protected override Task DeleteAsync(ResourceKey key, CancellationToken ct)
    {
        File.Delete(PathFor(key));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task<LoadedStatus?> LoadAsync(ResourceKey key, Type objectType, CancellationToken ct)
    {
        var path = PathFor(key);
        if (!File.Exists(path)) return null;
        try
        {
            var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
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
