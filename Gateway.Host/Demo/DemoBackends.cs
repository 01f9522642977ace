using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Demo;

/// <summary>
/// --demo-backends: runs the echo-basic Deployments found in the manifest directories as local echo servers
/// (<see cref="DemoEchoServer"/>, one per replica on a loopback address of its own) and writes the EndpointSlices of
/// their Services into a directory of its own, which the host watches like any other manifest directory. So the quick
/// start works on a laptop with no cluster: the Deployments and Services in the examples are ordinary Kubernetes YAML.
/// </summary>
public sealed class DemoBackends : BackgroundService
{
    /// <summary>Where pod addresses come from by default: each replica gets its own loopback address, deterministically.</summary>
    public const string DefaultAddressPool = "127.20.0.0/16";

    private readonly IReadOnlyList<string> _manifestDirectories;
    private readonly IPNetwork _addressPool;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, (DemoPod Pod, IPAddress Address, DemoEchoServer Server)> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private string _lastFingerprint = "";

    /// <summary>Creates the demo backends of <paramref name="manifestDirectories"/>; EndpointSlices go to <see cref="OutputDirectory"/>.</summary>
    public DemoBackends(IReadOnlyList<string> manifestDirectories, string outputDirectory, ILogger<DemoBackends> logger, TimeSpan? interval = null,
        string addressPool = DefaultAddressPool)
    {
        _manifestDirectories = manifestDirectories;
        _addressPool = IPNetwork.Parse(addressPool);
        if (_addressPool.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || _addressPool.PrefixLength is < 8 or > 30)
        {
            throw new ArgumentException($"demo address pool {addressPool} must be an IPv4 CIDR with a prefix between /8 and /30", nameof(addressPool));
        }
        OutputDirectory = outputDirectory;
        _logger = logger;
        _interval = interval ?? TimeSpan.FromSeconds(2);
    }

    /// <summary>Where the generated EndpointSlices are written (add it to the host's manifest directories).</summary>
    public string OutputDirectory { get; }

    /// <summary>The running pods and their addresses, sorted by namespace and name.</summary>
    public IReadOnlyList<(DemoPod Pod, IPAddress Address)> Pods
    {
        get
        {
            lock (_running)
            {
                return [.. _running.Values.Select(r => (r.Pod, r.Address)).OrderBy(r => r.Pod.Namespace, StringComparer.Ordinal).ThenBy(r => r.Pod.Name, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Reads the manifests and starts/stops pods to match them; rewrites the EndpointSlices when they changed.</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
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

            var manifests = DemoPlan.Read(files);
            var (pods, notRun) = DemoPlan.Pods(manifests.Deployments);
            await ReconcileAsync(pods, ct).ConfigureAwait(false);
            foreach (var reason in notRun) _logger.LogInformation("Demo backends: not run: {Reason}", reason);

            Directory.CreateDirectory(OutputDirectory);
            var path = Path.Combine(OutputDirectory, "endpointslices.yaml");
            var text = string.Join("---\n", DemoPlan.EndpointSlices(manifests.Services, Pods).Select(s => k8s.KubernetesYaml.Serialize(s).TrimEnd('\n') + "\n"));
            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, text, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ReconcileAsync(IReadOnlyList<DemoPod> pods, CancellationToken ct)
    {
        var wanted = pods.ToDictionary(p => p.SlotKey, StringComparer.Ordinal);
        foreach (var (slot, running) in _running.ToList())
        {
            if (wanted.TryGetValue(slot, out var next) && next.Fingerprint == running.Pod.Fingerprint) continue;
            await running.Server.DisposeAsync().ConfigureAwait(false);
            lock (_running) _running.Remove(slot);
            _logger.LogInformation("Demo backend pod stopped: {Namespace}/{Pod}", running.Pod.Namespace, running.Pod.Name);
        }
        foreach (var pod in pods.Where(p => !_running.ContainsKey(p.SlotKey)))
        {
            var address = Allocate(pod.SlotKey);
            try
            {
                var server = await DemoEchoServer.StartAsync(pod, address, ct).ConfigureAwait(false);
                lock (_running) _running[pod.SlotKey] = (pod, address, server);
                _logger.LogInformation("Demo backend pod started: {Namespace}/{Pod} on {Address}:{Port}", pod.Namespace, pod.Name, address, pod.Port);
            }
            catch (IOException e)
            {
                _logger.LogWarning("Demo backend pod failed: {Namespace}/{Pod} on {Address}: {Reason}", pod.Namespace, pod.Name, address, e.Message);
            }
        }
    }

    /// <summary>
    /// The address of a replica: a hash of its slot picks a host of the address pool, and a taken host moves on to the
    /// next free one, so a replica keeps its address while it runs.
    /// </summary>
    private IPAddress Allocate(string slot)
    {
        var baseBytes = _addressPool.BaseAddress.GetAddressBytes();
        var baseValue = (uint)(baseBytes[0] << 24 | baseBytes[1] << 16 | baseBytes[2] << 8 | baseBytes[3]);
        var usable = (1u << (32 - _addressPool.PrefixLength)) - 2;
        var taken = _running.Values.Select(r => r.Address).ToHashSet();
        var start = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(slot)), 0) % usable;
        for (var i = 0u; i < usable; i++)
        {
            var value = baseValue + 1 + (start + i) % usable;
            var address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
            if (!taken.Contains(address)) return address;
        }
        throw new InvalidOperationException($"demo address pool {_addressPool} is exhausted");
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
        foreach (var (_, _, server) in _running.Values) await server.DisposeAsync().ConfigureAwait(false);
        lock (_running) _running.Clear();
        try
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp folder; harmless.
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _lock.Dispose();
        base.Dispose();
    }
}
