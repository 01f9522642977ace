using Gateway.Host.Backends;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Demo;

/// <summary>
/// --demo-backends: runs the echo-basic Deployments found in the manifest directories as local echo servers (the
/// same <see cref="BackendEmulator"/> the conformance tier uses) and writes the EndpointSlices of their Services into
/// a directory of its own, which the host watches like any other manifest directory. So the quick start works on a
/// laptop with no cluster: the Deployments and Services in the examples are ordinary Kubernetes YAML.
/// </summary>
public sealed class DemoBackends : BackgroundService
{
    private readonly IReadOnlyList<string> _manifestDirectories;
    private readonly BackendEmulator _emulator;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private string _lastFingerprint = "";

    /// <summary>Creates the emulator for <paramref name="manifestDirectories"/>; EndpointSlices go to <see cref="OutputDirectory"/>.</summary>
    public DemoBackends(IReadOnlyList<string> manifestDirectories, string outputDirectory, ILogger<DemoBackends> logger, TimeSpan? interval = null)
    {
        _manifestDirectories = manifestDirectories;
        OutputDirectory = outputDirectory;
        _logger = logger;
        _interval = interval ?? TimeSpan.FromSeconds(2);
        _emulator = new BackendEmulator();
    }

    /// <summary>Where the generated EndpointSlices are written (add it to the host's manifest directories).</summary>
    public string OutputDirectory { get; }

    /// <summary>The emulated pods.</summary>
    public IReadOnlyList<EmulatedPod> Pods => _emulator.Pods;

    /// <summary>Reads the manifests and starts/stops pods to match them; rewrites the EndpointSlices when they changed.</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        var files = _manifestDirectories.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, ReadOrEmpty(f)))
            .ToList();
        var fingerprint = string.Join("\n", files.Select(f => f.f + "\0" + f.Item2.GetHashCode(StringComparison.Ordinal)));
        if (fingerprint == _lastFingerprint) return;
        _lastFingerprint = fingerprint;

        var result = await _emulator.SyncAsync(BackendManifests.Parse(files), ct).ConfigureAwait(false);
        foreach (var pod in result.Started) _logger.LogInformation("Demo backend pod started: {Pod}", pod);
        foreach (var pod in result.Stopped) _logger.LogInformation("Demo backend pod stopped: {Pod}", pod);
        foreach (var failed in result.Failed) _logger.LogWarning("Demo backend pod failed: {Pod}", failed);

        Directory.CreateDirectory(OutputDirectory);
        var path = Path.Combine(OutputDirectory, "endpointslices.yaml");
        var text = string.Join("---\n", _emulator.EndpointSlices().Select(s => k8s.KubernetesYaml.Serialize(s).TrimEnd('\n') + "\n"));
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Deployments are not part of the gateway's store (it ignores them), so follow them with a cheap poll.
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SyncAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                _logger.LogWarning(e, "Demo backends: sync failed; retrying");
            }
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _emulator.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp folder; harmless.
        }
    }
}
