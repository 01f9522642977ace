using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gateway.Emulators;
using Gateway.Emulators.Grpc;
using Gateway.Host.Mesh.Inject;

namespace Gateway.Tests.Mesh.Harness;

/// <summary>
/// A meshed client pod: a <see cref="NetworkNamespace"/> with the product's redirect rules (<see cref="RedirectRules"/>,
/// the same script the inject command's init container loads) and the mesh proxy started in it as a process the way
/// users start it (<c>dotnet Gateway.Host.dll --mode mesh --manifests DIR --mesh-namespace NS</c>). Echo backends
/// ("pods" on addresses such as 127.97.0.1) are started inside the same namespace, so the proxy reaches them and
/// nothing leaves the namespace. Every wait is bounded; Dispose stops everything and deletes the namespace.
/// </summary>
public sealed class MeshPod : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly List<IAsyncDisposable> _servers = [];
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _proxy;

    private MeshPod(NetworkNamespace ns, string clientNamespace)
    {
        Namespace = ns;
        ClientNamespace = clientNamespace;
    }

    public NetworkNamespace Namespace { get; }

    /// <summary>The Kubernetes namespace the pod's workload is in (the proxy's --mesh-namespace).</summary>
    public string ClientNamespace { get; }

    /// <summary>What the proxy printed so far (for failure messages).</summary>
    public string ProxyOutput => string.Join('\n', _output);

    /// <summary>A namespace with the redirect rules loaded; no proxy yet.</summary>
    public static MeshPod Create(string clientNamespace, string clusterIpRange = InjectOptions.DefaultClusterIpRange, int proxyPort = Gateway.Host.Mesh.MeshOptions.DefaultPort)
    {
        var ns = NetworkNamespace.Create();
        try
        {
            ns.Nft(RedirectRules.Script(clusterIpRange, proxyPort, InjectOptions.DefaultProxyUid));
            return new MeshPod(ns, clientNamespace);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP echo "pod" listening inside the namespace.</summary>
    public EchoServer StartEcho(string address, EchoIdentity identity, int port = 3000)
    {
        var echo = Namespace.Run(() => EchoServer.StartAsync(new EchoServerOptions(IPAddress.Parse(address), identity) { HttpPort = port }).GetAwaiter().GetResult());
        _servers.Add(echo);
        return echo;
    }

    /// <summary>A gRPC echo "pod" (h2c) listening inside the namespace.</summary>
    public GrpcEchoServer StartGrpcEcho(string address, EchoIdentity identity, int port = 3000)
    {
        var echo = Namespace.Run(() => GrpcEchoServer.StartAsync(new GrpcEchoServerOptions(IPAddress.Parse(address), identity) { HttpPort = port }).GetAwaiter().GetResult());
        _servers.Add(echo);
        return echo;
    }

    /// <summary>Starts the mesh proxy on <paramref name="manifests"/> and waits (bounded) until it listens (after its first apply).</summary>
    /// <param name="manifests">The --manifests folder.</param>
    /// <param name="ct">Cancels the wait (which is bounded by <see cref="StartTimeout"/> anyway).</param>
    /// <param name="statusDirectory">Passed as --status-dir when given (to see that the proxy writes no status).</param>
    public Task StartProxyAsync(string manifests, CancellationToken ct, string? statusDirectory = null) =>
        StartProxyAsync(["--manifests", manifests, "--rescan-interval", "200ms", .. (statusDirectory is null ? Array.Empty<string>() : ["--status-dir", statusDirectory])], ct);

    /// <summary>
    /// Starts the mesh proxy with <paramref name="sourceArguments"/> (for example <c>--source kubernetes --kubeconfig
    /// FILE</c>) after <c>--mode mesh --mesh-namespace NS</c>, and waits (bounded) until it listens.
    /// </summary>
    public async Task StartProxyAsync(IReadOnlyList<string> sourceArguments, CancellationToken ct)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _proxy = Namespace.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"), "--mode", "mesh",
            "--mesh-namespace", ClientNamespace, "--log-level", "Information", .. sourceArguments]);
        void Read(string? line)
        {
            if (line is null) return;
            _output.Enqueue(line);
            if (line.Contains("mesh proxy for namespace", StringComparison.Ordinal)) listening.TrySetResult();
        }
        _proxy.OutputDataReceived += (_, e) => Read(e.Data);
        _proxy.ErrorDataReceived += (_, e) => Read(e.Data);
        _proxy.BeginOutputReadLine();
        _proxy.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        var exited = _proxy.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(Timeout.Infinite, timeout.Token));
        if (first != listening.Task)
        {
            throw new InvalidOperationException($"the mesh proxy did not start listening ({(_proxy.HasExited ? $"exit code {_proxy.ExitCode}" : "timed out")}):\n{ProxyOutput}");
        }
    }

    /// <summary>An HttpClient whose connections are made from inside the pod (so they are redirected to its proxy).</summary>
    public HttpClient HttpClient() => new(Namespace.HttpHandler()) { Timeout = TimeSpan.FromSeconds(15) };

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        Namespace.Dispose();
    }
}
