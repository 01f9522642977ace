using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>Options of the data plane benchmark.</summary>
internal sealed record DataPlaneOptions
{
    public int Rounds { get; init; } = 3;
    public int Seconds { get; init; } = 10;
    public int WarmupSeconds { get; init; } = 2;
    public IReadOnlyList<int> Connections { get; init; } = [50, 1];
    public IReadOnlyList<int> RouteCounts { get; init; } = [1000, 10000];
    public IReadOnlyList<string>? Targets { get; init; }
    public string Label { get; init; } = "";

    /// <summary>
    /// Worker processes of the nginx proxy, HAProxy's nbthread and Caddy's GOMAXPROCS (--proxy-workers): by default one
    /// per core, as the gateway's thread pool uses every core. The backend keeps one worker.
    /// </summary>
    public int ProxyWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>Another build of Gateway.Host.dll run side by side (targets gw-N-before), interleaved with this one.</summary>
    public string? CompareGateway { get; init; }

    /// <summary>Extra environment for the compared gateway only (--compare-env): A/B of a runtime knob in the same rounds.</summary>
    public IReadOnlyDictionary<string, string> CompareEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// After the rounds, profile each wrk target for this many seconds at the first connection count (--perf-seconds;
    /// 0: no profile). Needs perf (apt-get install -y linux-perf).
    /// </summary>
    public int PerfSeconds { get; init; }

    /// <summary>
    /// After the rounds, count each wrk target's system calls over this many requests (--syscalls; 0: no count).
    /// Needs strace (apt-get install -y strace).
    /// </summary>
    public int SyscallRequests { get; init; }
}

/// <summary>One measured run.</summary>
internal sealed record DataPlaneRun(int Round, string Target, int Connections, LoadResult Load, double CpuSeconds, double? AllocatedBytes, double LoadAverage,
    int? Collections = null, long? WorkingSetBytes = null)
{
    /// <summary>Garbage collections (any generation) per 1,000 requests: a count, so the machine's load does not move it.</summary>
    public double? CollectionsPer1000 => Collections is { } c && Load.Requests > 0 ? c * 1000.0 / Load.Requests : null;

    public double CpuPer1000 => Load.Requests > 0 ? CpuSeconds / Load.Requests * 1000 : double.NaN;
    public double? AllocatedPerRequest => AllocatedBytes is { } a && Load.Requests > 0 ? a / Load.Requests : null;
}

/// <summary>Median of the rounds of one (target, connections).</summary>
internal sealed record DataPlaneSummary(string Target, string Description, int Connections, double Rps, double P50Ms, double P99Ms, double CpuPer1000,
    double? AllocatedPerRequest, long Errors, string? Baseline, double? RpsRatio, double? P99Ratio, double? CollectionsPer1000 = null, double? WorkingSetMiB = null);

/// <summary>
/// The data plane comparison (bench/README.md): the same nginx backend, the same wrk/h2load, runs interleaved
/// (every target once per round, rounds repeated), medians reported.
/// </summary>
internal sealed class DataPlaneBench(string gatewayDll, string workDirectory, DataPlaneOptions options)
{
    private sealed record Target(string Name, string Description, string Tool, string Url, Func<double> Cpu, GatewayProcess? Gateway, string? Baseline, int Pid);

    /// <summary>The CPU profiles taken after the rounds (empty without --perf-seconds).</summary>
    public List<CpuProfile> Profiles { get; } = [];

    /// <summary>The system call counts taken after the rounds (empty without --syscalls).</summary>
    public List<SyscallCount> Syscalls { get; } = [];

    public async Task<(IReadOnlyList<DataPlaneRun> Runs, IReadOnlyList<DataPlaneSummary> Summary)> RunAsync()
    {
        var backendPort = Util.FreePort();
        const string proxyAddress = "127.0.0.2";
        int proxyHttp = Util.FreePort(proxyAddress), proxyHttps = Util.FreePort(proxyAddress), proxyH2c = Util.FreePort(proxyAddress);
        var certificate = BenchCertificate.Create(workDirectory, Fixtures.DataPlaneHost);
        using var backend = Nginx.StartBackend(workDirectory, "127.0.0.1", backendPort);
        using var proxy = Nginx.StartProxy(workDirectory, proxyAddress, proxyHttp, proxyHttps, proxyH2c, certificate, "127.0.0.1", backendPort, options.ProxyWorkers);

        var wanted = options.Targets is { Count: > 0 } t ? t.ToHashSet(StringComparer.Ordinal) : null;
        bool Want(string name) => wanted is null || wanted.Contains(name);
        var gateways = new List<GatewayProcess>();
        var peers = new List<ChildProcess>();
        var targets = new List<Target>();
        try
        {
            const string path = "/p0/bench";
            if (Want("direct")) targets.Add(new("direct", "wrk → backend nginx (no proxy)", "wrk", $"http://127.0.0.1:{backendPort}{path}", backend.CpuSeconds, null, null, backend.Pid));
            if (Want("nginx")) targets.Add(new("nginx", "nginx proxy, HTTP/1.1, 1 route", "wrk", $"http://{proxyAddress}:{proxyHttp}{path}", proxy.CpuSeconds, null, null, proxy.Pid));

            // The other proxies users would pick, behind the same backend; by default only those installed.
            var peerUrls = new List<string>();
            if (PeerWanted("haproxy", wanted))
            {
                int http = Util.FreePort(proxyAddress), https = Util.FreePort(proxyAddress), h2c = Util.FreePort(proxyAddress);
                var haproxy = HaProxy.Start(workDirectory, proxyAddress, http, https, h2c, certificate, "127.0.0.1", backendPort, options.ProxyWorkers);
                peers.Add(haproxy);
                AddPeer("haproxy", "HAProxy", haproxy, $"http://{proxyAddress}:{http}{path}", $"https://{proxyAddress}:{https}{path}", $"http://{proxyAddress}:{h2c}{path}");
            }
            if (PeerWanted("caddy", wanted))
            {
                int http = Util.FreePort(proxyAddress), https = Util.FreePort(proxyAddress);
                var caddy = Caddy.Start(workDirectory, proxyAddress, http, https, certificate, "127.0.0.1", backendPort, options.ProxyWorkers);
                peers.Add(caddy);
                AddPeer("caddy", "Caddy", caddy, $"http://{proxyAddress}:{http}{path}", $"https://{proxyAddress}:{https}{path}", $"http://{proxyAddress}:{http}{path}");
            }
            foreach (var url in peerUrls)
            {
                if (!await ProbeAsync(url).ConfigureAwait(false)) throw new TimeoutException($"peer proxy does not answer 200 on {url}");
            }

            void AddPeer(string name, string title, ChildProcess process, string http, string https, string h2c)
            {
                if (Want(name)) targets.Add(new(name, $"{title} proxy, HTTP/1.1, 1 route", "wrk", http, process.CpuSeconds, null, "nginx", process.Pid));
                if (Want($"{name}-https")) targets.Add(new($"{name}-https", $"{title} proxy, HTTPS (TLS 1.3) termination", "wrk", https, process.CpuSeconds, null, "nginx-https", process.Pid));
                if (Want($"{name}-h2")) targets.Add(new($"{name}-h2", $"{title} proxy, HTTP/2 cleartext (h2load -m1)", "h2load", h2c, process.CpuSeconds, null, "nginx-h2", process.Pid));
                peerUrls.Add(http);
                peerUrls.Add(https);
            }

            // One gateway process per route count; the 1-route one also serves the HTTPS and HTTP/2 scenarios.
            var sizes = new List<int> { 1 };
            sizes.AddRange(options.RouteCounts.Where(n => n > 1 && Want($"gw-{Label(n)}")));
            var address = 3;
            foreach (var n in sizes)
            {
                var ip = $"127.0.0.{address++}";
                var http = Util.FreePort(ip);
                int? https = n == 1 ? Util.FreePort(ip) : null;
                var manifests = Path.Combine(workDirectory, $"manifests-{n}");
                Fixtures.WriteDataPlane(manifests, "gw", ip, http, https, https is null ? null : certificate, n, "127.0.0.1", backendPort);
                var gateway = GatewayProcess.Start(gatewayDll, $"dp-{n}", manifests, workDirectory);
                gateways.Add(gateway);
                if (!await gateway.WaitReadyAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false)) throw new TimeoutException($"gateway with {n} routes not ready in 5 minutes");
                var url = $"http://{ip}:{http}{path}";
                if (!await ProbeAsync(url).ConfigureAwait(false)) throw new TimeoutException($"gateway with {n} routes does not answer 200 on {url}");
                Console.WriteLine($"gateway with {n} routes ready after {(System.Diagnostics.Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds):F1} s");
                if (Want($"gw-{Label(n)}")) targets.Add(new($"gw-{Label(n)}", $"gateway, HTTP/1.1, {n} HTTPRoute{(n == 1 ? "" : "s")}", "wrk", url, gateway.Process.CpuSeconds, gateway, "nginx", gateway.Process.Pid));
                if (options.CompareGateway is { } other && Want($"gw-{Label(n)}"))
                {
                    // The other build serves the same routes from its own address, so both are measured in the same rounds.
                    var otherIp = $"127.0.0.{address++}";
                    var otherHttp = Util.FreePort(otherIp);
                    var otherManifests = Path.Combine(workDirectory, $"manifests-{n}-before");
                    Fixtures.WriteDataPlane(otherManifests, "gw", otherIp, otherHttp, null, null, n, "127.0.0.1", backendPort);
                    var before = GatewayProcess.Start(other, $"dp-{n}-before", otherManifests, workDirectory, extraEnvironment: options.CompareEnvironment);
                    gateways.Add(before);
                    if (!await before.WaitReadyAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false)) throw new TimeoutException($"compared gateway with {n} routes not ready in 5 minutes");
                    var otherUrl = $"http://{otherIp}:{otherHttp}{path}";
                    if (!await ProbeAsync(otherUrl).ConfigureAwait(false)) throw new TimeoutException($"compared gateway with {n} routes does not answer 200 on {otherUrl}");
                    targets.Add(new($"gw-{Label(n)}-before", $"compared build{(options.CompareEnvironment.Count > 0 ? " with " + string.Join(' ', options.CompareEnvironment.Select(e => $"{e.Key}={e.Value}")) : "")}, HTTP/1.1, {n} HTTPRoute{(n == 1 ? "" : "s")}", "wrk", otherUrl, before.Process.CpuSeconds, before, "nginx", before.Process.Pid));
                }
                if (n == 1)
                {
                    if (Want("nginx-https")) targets.Add(new("nginx-https", "nginx proxy, HTTPS (TLS 1.3) termination", "wrk", $"https://{proxyAddress}:{proxyHttps}{path}", proxy.CpuSeconds, null, null, proxy.Pid));
                    if (Want("gw-https")) targets.Add(new("gw-https", "gateway, HTTPS (TLS 1.3) termination", "wrk", $"https://{ip}:{https}{path}", gateway.Process.CpuSeconds, gateway, "nginx-https", gateway.Process.Pid));
                    if (Want("nginx-h2")) targets.Add(new("nginx-h2", "nginx proxy, HTTP/2 cleartext (h2load -m1)", "h2load", $"http://{proxyAddress}:{proxyH2c}{path}", proxy.CpuSeconds, null, null, proxy.Pid));
                    if (Want("gw-h2")) targets.Add(new("gw-h2", "gateway, HTTP/2 cleartext (h2load -m1)", "h2load", url, gateway.Process.CpuSeconds, gateway, "nginx-h2", gateway.Process.Pid));
                }
            }
            if (Want("nginx") || Want("direct"))
            {
                if (!await ProbeAsync($"http://{proxyAddress}:{proxyHttp}{path}").ConfigureAwait(false)) throw new TimeoutException("nginx proxy does not answer");
            }

            var runs = new List<DataPlaneRun>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var connections in options.Connections)
                {
                    foreach (var target in targets)
                    {
                        var run = await MeasureAsync(round, target, connections).ConfigureAwait(false);
                        runs.Add(run);
                        Console.WriteLine($"round {round} {target.Name,-12} c={connections,-3} {run.Load.Rps,9:F0} req/s p50 {run.Load.P50Ms,7:F3} ms p99 {run.Load.P99Ms,7:F3} ms " +
                            $"cpu {run.CpuPer1000,6:F3} s/1k alloc {(run.AllocatedPerRequest is { } a ? a.ToString("F0", CultureInfo.InvariantCulture) : "-"),6} B/req errors {run.Load.Errors} load {run.LoadAverage:F2}");
                    }
                }
            }
            if (options.PerfSeconds > 0)
            {
                foreach (var target in targets.Where(t => t.Tool == "wrk")) Profiles.Add(Profile(target, options.Connections[0]));
            }
            if (options.SyscallRequests > 0)
            {
                foreach (var target in targets.Where(t => t.Tool == "wrk"))
                {
                    var count = SyscallCount.Measure(target.Name, ProcFs.TreePids(target.Pid), target.Url, Fixtures.DataPlaneHost, options.SyscallRequests, workDirectory);
                    Syscalls.Add(count);
                    Console.WriteLine($"syscalls {target.Name,-12} {(double)count.Calls.Values.Sum(v => v.Calls) / count.Requests:F2} per request");
                }
            }
            return (runs, Summarize(runs, targets));
        }
        finally
        {
            foreach (var g in gateways) g.Dispose();
            foreach (var p in peers) p.Dispose();
            proxy.Stop(TimeSpan.FromSeconds(5));
            backend.Stop(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>
    /// A peer runs when one of its targets is asked for (missing binary: an error), or, without --targets, when it is
    /// installed (missing: a note, the rest still runs).
    /// </summary>
    private static bool PeerWanted(string name, HashSet<string>? wanted)
    {
        if (wanted is not null) return wanted.Contains(name) || wanted.Contains($"{name}-https") || wanted.Contains($"{name}-h2");
        if (Util.TryWhich(name) is not null) return true;
        Console.WriteLine($"{name} is not installed (apt-get install -y {name}): its targets are left out");
        return false;
    }

    private static string Label(int n) => n >= 1000 && n % 1000 == 0 ? $"{n / 1000}k" : n.ToString(CultureInfo.InvariantCulture);

    private async Task<DataPlaneRun> MeasureAsync(int round, Target target, int connections)
    {
        if (target.Tool == "wrk" && options.WarmupSeconds > 0) Wrk.Run(target.Url, Fixtures.DataPlaneHost, connections, options.WarmupSeconds);
        // The machine is shared: the 1-minute load average before each run says how much else was running.
        var loadAverage = MachineInfo.LoadAverage1();
        var before = target.Gateway is null ? null : await target.Gateway.MemoryAsync(fullGc: false).ConfigureAwait(false);
        var cpu = target.Cpu();
        var load = target.Tool == "wrk"
            ? Wrk.Run(target.Url, Fixtures.DataPlaneHost, connections, options.Seconds)
            : H2Load.Run(target.Url, Fixtures.DataPlaneHost, connections, options.Seconds, Path.Combine(workDirectory, "h2load.log"));
        var cpuUsed = target.Cpu() - cpu;
        double? allocated = null;
        int? collections = null;
        long? workingSet = null;
        if (target.Gateway is not null)
        {
            var after = await target.Gateway.MemoryAsync(fullGc: false).ConfigureAwait(false);
            allocated = after.TotalAllocatedBytes - before!.TotalAllocatedBytes;
            // CollectionCount(0) counts every collection (a gen1 or gen2 collection collects gen0 too).
            collections = after.Gen0Collections - before.Gen0Collections;
            workingSet = after.WorkingSetBytes;
        }
        return new DataPlaneRun(round, target.Name, connections, load, cpuUsed, allocated, loadAverage, collections, workingSet);
    }

    /// <summary>
    /// Loads <paramref name="target"/> with wrk and records every CPU with perf in the middle of that run; the target's
    /// CPU and requests are taken over the recorded window (wrk's rate times the window).
    /// </summary>
    private CpuProfile Profile(Target target, int connections)
    {
        var seconds = options.PerfSeconds;
        var load = Task.Run(() => Wrk.Run(target.Url, Fixtures.DataPlaneHost, connections, seconds + 4));
        Thread.Sleep(TimeSpan.FromSeconds(2));
        var pids = ProcFs.TreePids(target.Pid);
        var path = Path.Combine(workDirectory, $"perf-{target.Name}.data");
        var cpu = target.Cpu();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        CpuProfile.Record(path, seconds);
        var window = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuUsed = target.Cpu() - cpu;
        var result = load.GetAwaiter().GetResult();
        var (samples, components) = CpuProfile.Count(path, pids);
        File.Delete(path);
        var profile = new CpuProfile(target.Name, connections, (long)(result.Rps * window), cpuUsed, samples, components);
        Console.WriteLine($"profile {target.Name,-12} c={connections,-3} {profile.MicrosecondsPerRequest:F1} µs/request, {samples} samples");
        return profile;
    }

    private static IReadOnlyList<DataPlaneSummary> Summarize(List<DataPlaneRun> runs, List<Target> targets)
    {
        var summary = new List<DataPlaneSummary>();
        foreach (var connections in runs.Select(r => r.Connections).Distinct())
        {
            // Every median first: a target may be listed before its baseline.
            var medians = new Dictionary<string, (double Rps, double P99)>();
            foreach (var target in targets)
            {
                var mine = runs.Where(r => r.Target == target.Name && r.Connections == connections).ToList();
                if (mine.Count > 0) medians[target.Name] = (Util.Median(mine.Select(r => r.Load.Rps)), Util.Median(mine.Select(r => r.Load.P99Ms)));
            }
            foreach (var target in targets)
            {
                var mine = runs.Where(r => r.Target == target.Name && r.Connections == connections).ToList();
                if (mine.Count == 0) continue;
                var (rps, p99) = medians[target.Name];
                var baseline = target.Baseline is not null && medians.TryGetValue(target.Baseline, out var b) ? b : ((double, double)?)null;
                var alloc = mine.All(r => r.AllocatedPerRequest is not null) ? Util.Median(mine.Select(r => r.AllocatedPerRequest!.Value)) : (double?)null;
                var gcs = mine.All(r => r.CollectionsPer1000 is not null) ? Util.Median(mine.Select(r => r.CollectionsPer1000!.Value)) : (double?)null;
                var rss = mine.All(r => r.WorkingSetBytes is not null) ? Util.Median(mine.Select(r => (double)r.WorkingSetBytes!.Value / (1 << 20))) : (double?)null;
                summary.Add(new DataPlaneSummary(target.Name, target.Description, connections, rps, Util.Median(mine.Select(r => r.Load.P50Ms)), p99,
                    Util.Median(mine.Select(r => r.CpuPer1000)), alloc, mine.Sum(r => r.Load.Errors), target.Baseline,
                    baseline is { } bb ? rps / bb.Item1 : null, baseline is { } bp ? p99 / bp.Item2 : null, gcs, rss));
            }
        }
        return summary;
    }

    private static async Task<bool> ProbeAsync(string url)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = TimeSpan.FromSeconds(5) };
        return await Util.WaitUntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Host = Fixtures.DataPlaneHost;
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    public static string Markdown(MachineInfo machine, DataPlaneOptions options, IReadOnlyList<DataPlaneSummary> summary, IReadOnlyList<DataPlaneRun> runs,
        IReadOnlyList<CpuProfile>? profiles = null, IReadOnlyList<SyscallCount>? syscalls = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Data plane benchmark{(options.Label.Length > 0 ? $": {options.Label}" : "")}").AppendLine();
        sb.AppendLine(machine.Markdown()).AppendLine();
        sb.AppendLine($"{options.Rounds} interleaved rounds (every target once per round), {options.Seconds} s per run after a {options.WarmupSeconds} s warm-up; medians of the rounds. " +
            "Ratios compare with nginx in the same scenario (HTTP/1.1, HTTPS or HTTP/2): throughput ratio ≥ 1 and p99 ratio ≤ 1 are at least as good as nginx. " +
            $"Peer proxies: {options.ProxyWorkers} worker(s) each (nginx worker_processes, HAProxy nbthread, Caddy GOMAXPROCS); the backend nginx has 1.").AppendLine();
        if (runs.Count > 0)
        {
            var loads = runs.Select(r => r.LoadAverage).ToList();
            sb.AppendLine($"1-minute load average before each run (2 cores; the benchmark itself adds about 2): min {Util.F(loads.Min(), 2)}, median {Util.F(Util.Median(loads), 2)}, max {Util.F(loads.Max(), 2)}.").AppendLine();
        }
        sb.AppendLine("| target | conns | req/s | p50 ms | p99 ms | CPU s / 1k req | alloc B / req | GCs / 1k req | RSS MiB | req/s vs nginx | p99 vs nginx | errors |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in summary)
        {
            sb.AppendLine($"| {s.Target} ({s.Description}) | {s.Connections} | {Util.F(s.Rps, 0)} | {Util.F(s.P50Ms, 3)} | {Util.F(s.P99Ms, 3)} | {Util.F(s.CpuPer1000, 3)} | " +
                $"{(s.AllocatedPerRequest is { } a ? Util.F(a, 0) : "-")} | {(s.CollectionsPer1000 is { } g ? Util.F(g, 2) : "-")} | {(s.WorkingSetMiB is { } w ? Util.F(w, 0) : "-")} | {(s.RpsRatio is { } r ? Util.F(r, 2) + "x" : "-")} | {(s.P99Ratio is { } p ? Util.F(p, 2) + "x" : "-")} | {s.Errors} |");
        }
        if (profiles is { Count: > 0 }) sb.AppendLine().Append(CpuProfile.Markdown(profiles, options.PerfSeconds));
        if (syscalls is { Count: > 0 }) sb.AppendLine().Append(SyscallCount.Markdown(syscalls));
        return sb.ToString();
    }

    public static string Json(MachineInfo machine, DataPlaneOptions options, IReadOnlyList<DataPlaneRun> runs, IReadOnlyList<DataPlaneSummary> summary,
        IReadOnlyList<CpuProfile>? profiles = null, IReadOnlyList<SyscallCount>? syscalls = null) =>
        JsonSerializer.Serialize(new
        {
            kind = "dataplane", machine, options, summary, runs, profiles = profiles ?? [],
            syscalls = (syscalls ?? []).Select(c => new { c.Target, c.Requests, calls = c.Calls.ToDictionary(p => p.Key, p => new { p.Value.Calls, p.Value.Errors }) }),
        }, Report.JsonOptions);
}
