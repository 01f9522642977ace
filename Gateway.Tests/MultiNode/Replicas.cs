using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests.MultiNode;

/// <summary>One replica: a real Gateway.Host process on loopback, reached through its management endpoint.</summary>
internal sealed partial class ReplicaProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private readonly IReadOnlyDictionary<string, string?> _environment;

    /// <param name="name">Name in failure messages.</param>
    /// <param name="managementPort">The replica's --management-port.</param>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="environment">Variables set for the process; a null value removes a variable of the test process, so the product's own default applies.</param>
    public ReplicaProcess(string name, int managementPort, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Name = name;
        ManagementPort = managementPort;
        Args = args;
        _environment = environment ?? new Dictionary<string, string?>();
    }

    public string Name { get; }

    public int ManagementPort { get; }

    public IReadOnlyList<string> Args { get; }

    public Uri Management => new($"http://127.0.0.1:{ManagementPort}/");

    public bool Running => _process is { HasExited: false };

    /// <summary>The last lines the process wrote (for failure messages).</summary>
    public string Tail => string.Join('\n', _output.TakeLast(Environment.GetEnvironmentVariable("GATEWAY_MULTINODE_LOG_LEVEL") is null ? 40 : 5000));

    /// <summary>True when a line the process wrote (of the last 5,000) contains <paramref name="text"/>.</summary>
    public bool Wrote(string text) => _output.Any(l => l.Contains(text, StringComparison.Ordinal));

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
        foreach (var arg in Args) info.ArgumentList.Add(arg);
        foreach (var (variable, value) in _environment)
        {
            if (value is null) info.Environment.Remove(variable);
            else info.Environment[variable] = value;
        }
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>True once the process has written a line containing every one of <paramref name="parts"/>.</summary>
    public bool Wrote(params string[] parts) => LineOf(parts) >= 0;

    /// <summary>
    /// The position, among the lines kept, of the first line containing every one of <paramref name="parts"/>; -1 when
    /// there is none. Positions of lines written at start-up compare in the order they were written.
    /// </summary>
    public int LineOf(params string[] parts)
    {
        var position = 0;
        foreach (var line in _output)
        {
            if (parts.All(p => line.Contains(p, StringComparison.Ordinal))) return position;
            position++;
        }
        return -1;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 5000) _output.TryDequeue(out _);
    }

    /// <summary>
    /// Sends SIGTERM, as Kubernetes does when it deletes a pod, and waits (at most 30 s) for the process to exit.
    /// Returns its exit code and how long it took to exit after the signal.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started");
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return (process.ExitCode, clock.Elapsed);
    }

    /// <summary>Ends the process at once, as a crash would: no leaving, no hand-off.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, CancellationToken ct)
    {
        using var response = await Http.GetAsync(new Uri(Management, path.TrimStart('/')), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken ct)
    {
        var (status, body) = await GetAsync(path, ct);
        if (status != HttpStatusCode.OK) throw new HttpRequestException($"{Name} {path}: {(int)status} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// GET <paramref name="path"/> as a client honouring the management API's contract: a 503 with Retry-After (an
    /// object whose shard is moving, or whose owner did not answer in time) is asked again after that many seconds, at
    /// most <paramref name="attempts"/> times in all; any other non-200 answer, or the last 503, throws.
    /// </summary>
    public async Task<JsonElement> GetJsonRetryingAsync(string path, int attempts, Action<string> log, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await Http.GetAsync(new Uri(Management, path.TrimStart('/')), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(body).RootElement.Clone();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } delay || attempt >= attempts)
                throw new HttpRequestException($"{Name} {path}: {(int)response.StatusCode} (attempt {attempt} of {attempts}) {body}");
            log($"{Name} {path}: 503, retry after {delay.TotalSeconds:0.#} s: {body}");
            await Task.Delay(delay, ct);
        }
    }

    /// <summary>The addresses this replica's data plane serves (from its live routing table).</summary>
    public async Task<IReadOnlyList<string>> LiveAddressesAsync(CancellationToken ct)
    {
        var (_, yaml) = await GetAsync("routetable", ct);
        return [.. AddressLine().Matches(yaml).Select(m => m.Groups[1].Value).Distinct()];
    }

    [GeneratedRegex(@"^\s+- (127\.\d+\.\d+\.\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AddressLine();

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Three replicas of one file-mode cluster on loopback (not started): each reads <paramref name="manifests"/>, writes
    /// statuses to <paramref name="statusDir"/>, takes addresses from its own /24 under 127.<paramref name="poolBase"/>,
    /// and names every replica as a peer; <paramref name="extra"/> is appended to each command line.
    /// </summary>
    public static List<ReplicaProcess> FileCluster(string manifests, string statusDir, int poolBase, params string[] extra)
    {
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToList();
        return [.. Enumerable.Range(0, 3).Select(i => new ReplicaProcess($"n{i + 1}", ports[i],
        [
            "--manifests", manifests, "--status-dir", statusDir, "--address-pool", $"127.{poolBase}.{i + 1}.0/24",
            "--management-port", ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", $"n{i + 1}",
            .. ports.SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" }),
            "--log-level", Environment.GetEnvironmentVariable("GATEWAY_MULTINODE_LOG_LEVEL") ?? "Warning", "--rescan-interval", "500ms", "--shutdown-timeout", "5s",
            .. extra,
        ]))];
    }

    /// <summary>Stops every replica, writing the log tail of those still running to <paramref name="output"/> first.</summary>
    public static async Task DisposeAllAsync(IEnumerable<ReplicaProcess> replicas, Xunit.Abstractions.ITestOutputHelper output)
    {
        foreach (var replica in replicas)
        {
            if (replica.Running) output.WriteLine($"--- {replica.Name}\n{replica.Tail}");
            await replica.DisposeAsync();
        }
    }

    /// <summary>Status writes per object, summed over <paramref name="replicas"/> (GET /status/writes).</summary>
    public static async Task<Dictionary<string, int>> WritesAsync(IEnumerable<ReplicaProcess> replicas, CancellationToken ct)
    {
        var sum = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            foreach (var p in (await replica.GetJsonAsync("status/writes", ct)).EnumerateObject())
                sum[p.Name] = sum.GetValueOrDefault(p.Name) + p.Value.GetInt32();
        }
        return sum;
    }

    /// <summary>This replica's cluster member address (without its uid).</summary>
    public async Task<string> MemberAddressAsync(CancellationToken ct) =>
        (await GetJsonAsync("cluster/members", ct)).GetProperty("self").GetString()!.Split('#')[0];

    /// <summary>
    /// A port that is free now for TCP and UDP on every address, for a process the test starts to bind later. Never one
    /// of the kernel's ephemeral ports (<c>ip_local_port_range</c>): a port found by binding port 0 and released again is
    /// the kernel's to hand to the next outgoing connection of any test, which then holds it when the gateway binds it
    /// (a full suite opens thousands of connections; the gateway then fails to bind, or a client's connect reaches the
    /// wrong socket). Below that range only explicit binds take ports. Each call takes the next port of this process's
    /// own sequence (it starts at an offset of the process id) that binds, so one test process never hands out a port twice.
    /// </summary>
    public static int FreePort() => NextFreePort(ref _nextPort, FixedPorts.Value);

    /// <summary>The first port after <paramref name="next"/> (advanced past it) in <paramref name="range"/> that binds.</summary>
    internal static int NextFreePort(ref int next, (int Low, int High) range)
    {
        var size = range.High - range.Low;
        // Bounded: at most one pass over the range.
        for (var attempt = 0; attempt < size; attempt++)
        {
            var port = range.Low + (int)((uint)Interlocked.Increment(ref next) % (uint)size);
            if (Binds(port)) return port;
        }
        throw new InvalidOperationException($"no port in {range.Low}..{range.High - 1} binds on this machine");
    }

    /// <summary>The range <see cref="FreePort"/> takes ports from: below the ephemeral range, above the well-known ports.</summary>
    public static (int Low, int High) FreePortRange => FixedPorts.Value;

    private static readonly Lazy<(int Low, int High)> FixedPorts = new(() =>
    {
        const int low = 10000;
        // Linux's default ephemeral range starts at 32768; the file says what this machine uses.
        var ephemeralLow = 32768;
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && int.TryParse(parts[0], out var first)) ephemeralLow = first;
        }
        catch (IOException)
        {
            // Not Linux, or no procfs: the default range.
        }
        if (ephemeralLow - low < 1000)
            throw new InvalidOperationException($"the ephemeral port range starts at {ephemeralLow}: too few ports below it for the tests' listeners");
        return (low, ephemeralLow);
    });

    private static int _nextPort = (int)((uint)Environment.ProcessId * 2654435761u % 1_000_000u);

    private static bool Binds(int port)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Any, port));
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
