using System.Security.Cryptography.X509Certificates;
using Gateway.Emulators.Dns;
using Gateway.Emulators.Grpc;
using k8s.Models;

namespace Gateway.Emulators;

/// <summary>Options of the backend emulator.</summary>
public sealed record BackendEmulatorOptions
{
    /// <summary>Where pod addresses come from; each replica gets its own address, deterministically.</summary>
    public string AddressPool { get; init; } = "127.20.0.0/16";
}

/// <summary>An emulated pod: its plan, its address and the server answering for it.</summary>
public sealed class EmulatedPod
{
    internal EmulatedPod(PodPlan plan, System.Net.IPAddress address, IEmulatedServer server)
    {
        Plan = plan;
        Address = address;
        Server = server;
    }

    /// <summary>What the pod was started from.</summary>
    public PodPlan Plan { get; }

    /// <summary>The pod name (deployment-templatehash-suffix).</summary>
    public string Name => Plan.Name;

    /// <summary>The pod namespace.</summary>
    public string Namespace => Plan.Namespace;

    /// <summary>The pod IP: a loopback address of its own.</summary>
    public System.Net.IPAddress Address { get; }

    /// <summary>The running server (<see cref="EchoServer"/>, <see cref="GrpcEchoServer"/>, <see cref="TcpEchoServer"/>, <see cref="UdpEchoServer"/> or <see cref="CoreDnsServer"/>).</summary>
    public IEmulatedServer Server { get; }

    /// <summary>The pod's log lines since <paramref name="since"/> (what kubectl logs --since-time shows).</summary>
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => Server.LogSince(since);
}

/// <summary>What one <see cref="BackendEmulator.SyncAsync"/> changed.</summary>
public sealed record BackendSyncResult(IReadOnlyList<string> Started, IReadOnlyList<string> Stopped, IReadOnlyList<NotEmulatedDeployment> NotEmulated, IReadOnlyList<string> Failed);

/// <summary>
/// Runs the backends a set of manifests describes, the way a cluster would run their Deployments: one server per
/// replica on its own loopback address (echo-basic's HTTP, gRPC, TCP or UDP echo, or CoreDNS, see
/// <see cref="BackendKind"/>), and the EndpointSlices pointing at them. <see cref="SyncAsync"/> reconciles: pods whose
/// plan changed are restarted, pods no longer wanted are stopped. Used by the conformance tier and the
/// end-to-end tests. Other images (the mesh echo) are not emulated and are listed in <see cref="NotEmulated"/>.
/// </summary>
public sealed class BackendEmulator : IAsyncDisposable
{
    private readonly LoopbackAddressPool _pool;
    private readonly Dictionary<string, EmulatedPod> _pods = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IReadOnlyList<V1Service> _services = [];

    /// <summary>An emulator with nothing running yet.</summary>
    public BackendEmulator(BackendEmulatorOptions? options = null)
    {
        _pool = new LoopbackAddressPool((options ?? new BackendEmulatorOptions()).AddressPool);
    }

    /// <summary>The running pods, sorted by namespace and name.</summary>
    public IReadOnlyList<EmulatedPod> Pods
    {
        get
        {
            lock (_pods) return _pods.Values.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Deployments (or replicas) not running after the last sync, with the reason.</summary>
    public IReadOnlyList<NotEmulatedDeployment> NotEmulated { get; private set; } = [];

    /// <summary>Makes the running pods match <paramref name="manifests"/>.</summary>
    public async Task<BackendSyncResult> SyncAsync(BackendManifests manifests, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var plan = BackendPlanner.Plan(manifests);
            var wanted = plan.Pods.ToDictionary(p => p.SlotKey, StringComparer.Ordinal);
            var stopped = new List<string>();
            var started = new List<string>();
            var failed = new List<string>();

            foreach (var (slot, pod) in _pods.ToList())
            {
                if (wanted.TryGetValue(slot, out var next) && next.Fingerprint == pod.Plan.Fingerprint) continue;
                await pod.Server.DisposeAsync().ConfigureAwait(false);
                lock (_pods) _pods.Remove(slot);
                if (!wanted.ContainsKey(slot)) _pool.Release(slot);
                stopped.Add($"{pod.Namespace}/{pod.Name}");
            }

            var toStart = plan.Pods.Where(p => !_pods.ContainsKey(p.SlotKey)).ToList();
            var starts = toStart.Select(async p =>
            {
                var address = _pool.Acquire(p.SlotKey);
                try
                {
                    var server = await StartServerAsync(p, address, ct).ConfigureAwait(false);
                    return (p, new EmulatedPod(p, address, server), (string?)null);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or System.Security.Cryptography.CryptographicException or System.Net.Sockets.SocketException)
                {
                    return (p, (EmulatedPod?)null, $"{p.Namespace}/{p.Name} on {address}: {e.Message}");
                }
            }).ToList();
            foreach (var (p, pod, error) in await Task.WhenAll(starts).ConfigureAwait(false))
            {
                if (pod is null)
                {
                    failed.Add(error!);
                    continue;
                }
                lock (_pods) _pods[p.SlotKey] = pod;
                started.Add($"{pod.Namespace}/{pod.Name}");
            }

            _services = manifests.Services;
            NotEmulated = plan.NotEmulated;
            return new BackendSyncResult(started, stopped, plan.NotEmulated, failed);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The EndpointSlices of the Services of the last sync, pointing at the running pods.</summary>
    public IReadOnlyList<V1EndpointSlice> EndpointSlices() =>
        EndpointSliceRenderer.Render(_services, Pods.Select(p => new RunningPod(p.Plan, p.Address)).ToList());

    /// <summary>The running pods a Service (by its selector) selects; empty when the Service is unknown.</summary>
    public IReadOnlyList<EmulatedPod> PodsOfService(string ns, string service)
    {
        var selector = _services.FirstOrDefault(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == service)?.Spec?.Selector;
        if (selector is null || selector.Count == 0) return [];
        return Pods.Where(p => p.Namespace == ns && selector.All(kv => p.Plan.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
    }

    private static async Task<IEmulatedServer> StartServerAsync(PodPlan plan, System.Net.IPAddress address, CancellationToken ct)
    {
        switch (plan.Kind)
        {
            case BackendKind.GrpcEcho:
                return await GrpcEchoServer.StartAsync(new GrpcEchoServerOptions(address, plan.Identity)
                {
                    HttpPort = plan.HttpPort,
                    HttpsPort = plan.HttpsPort,
                    ServerCertificate = plan.HttpsPort is null ? null : X509Certificate2.CreateFromPem(plan.ServerCertificatePem, plan.ServerKeyPem),
                }, ct).ConfigureAwait(false);
            case BackendKind.TcpEcho:
                return TcpEchoServer.Start(new TcpEchoServerOptions(address, plan.Identity)
                {
                    TcpPort = plan.TcpPort ?? 3000,
                    TlsPort = plan.TlsPort,
                    ServerCertificate = plan.TlsPort is null ? null : X509Certificate2.CreateFromPem(plan.ServerCertificatePem, plan.ServerKeyPem),
                });
            case BackendKind.UdpEcho:
                return UdpEchoServer.Start(address, plan.UdpPort ?? 8080, plan.Identity);
            case BackendKind.CoreDns:
                var blocks = Corefile.Parse(plan.Corefile ?? "", out var error) ?? throw new ArgumentException($"Corefile: {error}");
                return CoreDnsServer.Start(address, blocks);
            default:
                return await EchoServer.StartAsync(ServerOptions(plan, address), ct).ConfigureAwait(false);
        }
    }

    private static EchoServerOptions ServerOptions(PodPlan plan, System.Net.IPAddress address)
    {
        X509Certificate2? certificate = null;
        X509Certificate2Collection? authorities = null;
        if (plan.HttpsPort is not null)
        {
            certificate = X509Certificate2.CreateFromPem(plan.ServerCertificatePem, plan.ServerKeyPem);
            if (plan.ClientCaPem is not null)
            {
                authorities = [];
                authorities.ImportFromPem(plan.ClientCaPem);
            }
        }
        return new EchoServerOptions(address, plan.Identity)
        {
            HttpPort = plan.HttpPort,
            H2cPort = plan.H2cPort,
            HttpsPort = plan.HttpsPort,
            ServerCertificate = certificate,
            ClientCaCertificates = authorities,
            RetrySupport = plan.RetrySupport,
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in Pods) await pod.Server.DisposeAsync().ConfigureAwait(false);
        lock (_pods) _pods.Clear();
        _lock.Dispose();
    }
}
