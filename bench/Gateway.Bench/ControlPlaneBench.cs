using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Bench;

/// <summary>Options of the control plane benchmark.</summary>
internal sealed record ControlPlaneOptions
{
    public IReadOnlyList<int> Sizes { get; init; } = [100, 1000, 5000, 10000];
    public int Additions { get; init; } = 100;

    /// <summary>Added routes then changed one by one (at most <see cref="Additions"/>).</summary>
    public int Changes { get; init; } = 100;

    /// <summary>Added routes then deleted one by one (at most <see cref="Additions"/>).</summary>
    public int Deletions { get; init; } = 100;
    public int SteadyClients { get; init; } = 2;
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Rest after ready before the first addition, and again after the last deletion before the memory reading: idle
    /// route entities passivate after the gateway's --route-entity-idle (5 s), so a reading right after the churn still
    /// holds the ones that wrote last; and the first addition meets code the JIT has had this long to optimize.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// File mode: before the first addition, wait (under the steady traffic, at most 20 s) until the gateway has run this
    /// many GCs since the steady traffic started (bench/README.md, "GC pauses in the propagation tail").
    /// </summary>
    public int WarmGcs { get; init; }

    /// <summary>
    /// Kubernetes mode: after the memory reading, create this many routes (each with its Service and EndpointSlice) back
    /// to back through the API, as one kubectl apply of a large file does, and report how many passes the gateway ran
    /// for them and its CPU until all are served and Accepted (0: no burst).
    /// </summary>
    public int Burst { get; init; }

    /// <summary>
    /// Before the first addition the steady traffic sends one request to every existing route (in route order, shared by
    /// the clients), at most 120 s, so the additions run under traffic that has reached every route once: a route's first
    /// request makes its request-metric series, and the first seconds of traffic over thousands of routes make thousands
    /// of them, which the first GCs under traffic promote (bench/README.md, "Propagation under steady traffic"); then
    /// (file mode) until the gateway's next gen1 GC has moved them to gen2. Off (--no-sweep): the additions start once
    /// the traffic sent 200 requests, as before 2026-12-05's seventh session. Without additions (a memory reading at
    /// rest) there is no sweep: it would leave every route's request metrics in the reading.
    /// </summary>
    public bool Sweep { get; init; } = true;
    public string Label { get; init; } = "";

    /// <summary>Where the objects come from: "file" (a manifests folder, the default) or "kubernetes" (the in-process API server).</summary>
    public string Source { get; init; } = "file";
}

/// <summary>The numbers of one size N.</summary>
internal sealed record ControlPlaneResult(
    int Routes,
    bool Ready,
    int AcceptedRoutes,
    string Note,
    double HealthReadySeconds,
    double TimeToReadySeconds,
    long WorkingSetBytes,
    long ManagedHeapBytes,
    bool ServerGc,
    IReadOnlyList<double> PropagationMs,
    double PropagationP50Ms,
    double PropagationP99Ms,
    double PropagationMaxMs,
    long SteadyRequests,
    long SteadyNon2xx,
    long SteadyExceptions,
    double InitialPassMs,
    double InitialTranslateMs,
    double ChangeTranslateMeanMs,
    double ChangeApplyMeanMs,
    double ChangeStatusMeanMs,
    double ChangePassMeanMs,
    int ChangePasses,
    IReadOnlyList<double> ChangeServedMs,
    double ChangeServedP50Ms,
    double ChangeServedP99Ms,
    IReadOnlyList<double> StatusAfterServedMs,
    double StatusAfterServedP50Ms,
    double StatusAfterServedP99Ms,
    double StatusAfterServedMaxMs,
    IReadOnlyList<double> DeletionMs,
    double DeletionP50Ms,
    double DeletionP99Ms,
    double DeletionMaxMs)
{
    /// <summary>Resident memory after an aggressive GC, which returns the GC's free memory to the OS (null: not read).</summary>
    public long? FloorWorkingSetBytes { get; init; }

    /// <summary>File mode: the bench's own CPU seconds from health ready to ready (its ready wait shares the 2 cores with the gateway's start-up).</summary>
    public double? ReadyWaitBenchCpuSeconds { get; init; }

    /// <summary>Every addition, change and deletion with the gateway's runtime pauses that overlapped it (file mode).</summary>
    public IReadOnlyList<PausedSample> Samples { get; init; } = [];

    /// <summary>The pauses of each phase (null or empty: not read).</summary>
    public IReadOnlyList<PhasePauses>? PhasePauses { get; init; }

    /// <summary>Kubernetes mode: the same samples timed from the start of the API call instead of its commit (null in file mode).</summary>
    public ApiCallTimes? FromApiCall { get; init; }

    /// <summary>Kubernetes mode with --burst: the burst's outcome (null otherwise).</summary>
    public BurstOutcome? Burst { get; init; }
}

/// <summary>
/// A burst of <paramref name="Routes"/> routes created back to back: how long the writes took, when the last was served
/// and all were Accepted (from the first write), the passes the gateway translated and applied, those whose statuses
/// were handed off (the others were superseded), and its CPU seconds over that time.
/// </summary>
internal sealed record BurstOutcome(int Routes, double WriteMs, double LastServedMs, double AllAcceptedMs, int Passes, int HandOffs, double GatewayCpuSeconds);

/// <summary>Kubernetes-mode samples timed from the start of each API call: additions, changes served, deletions to 404 (ms).</summary>
internal sealed record ApiCallTimes(IReadOnlyList<double> Additions, IReadOnlyList<double> Changes, IReadOnlyList<double> Deletions);

/// <summary>
/// The control plane measurements (bench/README.md): time to ready, propagation of added routes under steady
/// traffic, changed routes (served, then their status written), deleted routes (to the first 404), memory after a full
/// GC, and the pipeline's own per-pass phase times, for each fixture size.
/// </summary>
internal sealed partial class ControlPlaneBench(string gatewayDll, string workDirectory, ControlPlaneOptions options)
{
    /// <summary>Runs every size; <paramref name="progress"/> gets the results so far after each (partial reports survive a failure).</summary>
    public async Task<IReadOnlyList<ControlPlaneResult>> RunAsync(Action<IReadOnlyList<ControlPlaneResult>>? progress = null)
    {
        var backendPort = Util.FreePort();
        using var backend = Nginx.StartBackend(workDirectory, "127.0.0.1", backendPort, echoHost: true);
        var results = new List<ControlPlaneResult>();
        var address = 10;
        foreach (var n in options.Sizes)
        {
            var ip = $"127.0.0.{address++}";
            ControlPlaneResult result;
            if (options.Source == "kubernetes")
            {
                result = await RunKubernetesSizeAsync(n, ip, backendPort).ConfigureAwait(false);
            }
            else
            {
                var port = Util.FreePort(ip);
                var manifests = Path.Combine(workDirectory, $"cp-manifests-{n}");
                Fixtures.WriteControlPlane(manifests, "gw", ip, port, n, "127.0.0.1", backendPort);
                result = await RunSizeAsync(n, ip, port, manifests, backendPort).ConfigureAwait(false);
            }
            results.Add(result);
            progress?.Invoke(results);
            if (result.Samples.Count > 0) Console.Write(PauseReport(result, 10));
            Console.WriteLine($"N={n}: ready {result.TimeToReadySeconds:F2} s (health {result.HealthReadySeconds:F2} s), RSS {Util.Bytes(result.WorkingSetBytes)}, " +
                $"propagation p50 {result.PropagationP50Ms:F1} ms p99 {result.PropagationP99Ms:F1} ms, non-2xx {result.SteadyNon2xx}/{result.SteadyRequests}, " +
                $"change served p99 {result.ChangeServedP99Ms:F1} ms, status after served p99 {result.StatusAfterServedP99Ms:F1} ms, deletion p99 {result.DeletionP99Ms:F1} ms, " +
                $"translate/change mean {result.ChangeTranslateMeanMs:F1} ms, pass mean {result.ChangePassMeanMs:F1} ms");
        }
        return results;
    }

    private async Task<ControlPlaneResult> RunSizeAsync(int n, string ip, int port, string manifests, int backendPort)
    {
        using var client = NewClient(4);
        var settle = await HarnessSettle.BeforeGatewayStartAsync(() => ServedAsync(client, "127.0.0.1", backendPort, 0)).ConfigureAwait(false);
        var benchCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        using var gateway = GatewayProcess.Start(gatewayDll, $"cp-{n}", manifests, workDirectory);
        // The process start on the wall clock: the status files' write times are read against it.
        var startedUtc = DateTime.UtcNow - Stopwatch.GetElapsedTime(gateway.StartedAt);
        if (!await gateway.WaitReadyAsync(options.ReadyTimeout).ConfigureAwait(false)) throw new TimeoutException($"N={n}: not ready within {options.ReadyTimeout}");
        var healthReady = Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds;
        var benchCpuAtHealth = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine($"N={n}: health ready at {healthReady:F2} s; the bench settled {settle.TotalSeconds:F2} s before the start and took " +
            $"{(benchCpuAtHealth - benchCpuAtStart).TotalSeconds:F2} s of its CPU from the start to health ready");
        var statuses = new AcceptedStatusFiles(gateway.StatusDirectory, n);
        var lastStatusPoll = 0L;
        var sampleServed = healthReady;

        // Ready = every route Accepted with resolved references in its status file, and sampled routes served.
        var sample = SampleOf(n, 100);
        var pendingServe = sample.ToHashSet();
        var until = Stopwatch.GetTimestamp() + (long)(options.ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (statuses.Pending > 0 || pendingServe.Count > 0)
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                // Not ready: recorded as such (with how far it got), and there is nothing to propagate into.
                var note = $"not ready after {options.ReadyTimeout.TotalSeconds:F0} s: {n - statuses.Pending} of {n} routes Accepted, " +
                    $"{sample.Length - pendingServe.Count} of {sample.Length} sampled routes served";
                Console.WriteLine($"N={n}: {note}");
                var reading = await gateway.MemoryAsync(fullGc: true).ConfigureAwait(false);
                var passes = await gateway.MetricsAsync().ConfigureAwait(false);
                return new ControlPlaneResult(n, false, n - statuses.Pending, note, healthReady, double.NaN, reading.WorkingSetBytes, reading.ManagedHeapBytes,
                    reading.ServerGc, [], double.NaN, double.NaN, double.NaN, 0, 0, 0, passes.MeanMsSince(null, ReconcileHistogram, PassPhase),
                    passes.MeanMsSince(null, ReconcileHistogram, "phase=\"translate\""), double.NaN, double.NaN, double.NaN, double.NaN, 0,
                    [], double.NaN, double.NaN, [], double.NaN, double.NaN, double.NaN, [], double.NaN, double.NaN, double.NaN);
            }
            if (pendingServe.Count > 0)
            {
                foreach (var i in pendingServe.ToList())
                {
                    if (await ServedAsync(client, ip, port, i).ConfigureAwait(false)) pendingServe.Remove(i);
                }
                if (pendingServe.Count == 0) sampleServed = Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds;
            }
            if (Stopwatch.GetElapsedTime(lastStatusPoll) >= AcceptedStatusFiles.PollInterval)
            {
                lastStatusPoll = Stopwatch.GetTimestamp();
                statuses.Update();
            }
            if (statuses.Pending > 0 || pendingServe.Count > 0) await Task.Delay(10).ConfigureAwait(false);
        }
        // Ready when the last route's Accepted status was written (the file's own time) and the sampled routes were served.
        var seenReady = Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds;
        var timeToReady = Math.Max(sampleServed, (statuses.LastAcceptedWriteUtc - startedUtc).TotalSeconds);
        var readyWaitCpu = (Process.GetCurrentProcess().TotalProcessorTime - benchCpuAtHealth).TotalSeconds;
        Console.WriteLine($"N={n}: ready at {timeToReady:F2} s (the last Accepted status file's write time), seen by the bench's poll at {seenReady:F2} s; " +
            $"the ready wait took {readyWaitCpu:F2} s of the bench's CPU from health ready");
        // Pass and phase times come from the gateway's gateway_reconcile_duration_seconds histogram (GET /metrics).
        var metricsAtReady = await gateway.MetricsAsync().ConfigureAwait(false);

        if (options.Settle > TimeSpan.Zero) await Task.Delay(options.Settle).ConfigureAwait(false);

        // Propagation under steady traffic on the routes already there. The memory readings (a full GC, then an aggressive
        // one that hands the heap's free pages back to the OS) come after the churn: taken here, the first ephemeral GCs
        // after them promoted what the ramp-up allocated (4.5 to 9 MiB at 5,000 routes) and paused the process for 21 to
        // 96 ms during the first additions, a state a gateway that has been running is never in (bench/README.md, "GC
        // pauses in the propagation tail").
        var steady = new SteadyTraffic(client, ip, port, n, options.SteadyClients, options.Sweep && options.Additions > 0);
        // The first addition waits until the traffic is steady (200 responses, at most 5 s): with the clients'
        // connections still opening, the first sample measured that ramp-up on the same 2 cores.
        await Util.WaitUntilAsync(() => Task.FromResult(steady.Requests >= 200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        await steady.WaitSweptAsync(n).ConfigureAwait(false);
        if (options.Sweep && options.Additions > 0) await WaitForGen1Async(gateway, n).ConfigureAwait(false);
        if (options.WarmGcs > 0)
        {
            var gcsAtReading = (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).Gen0Collections;
            if (!await Util.WaitUntilAsync(async () => (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).Gen0Collections >= gcsAtReading + options.WarmGcs,
                    TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100)).ConfigureAwait(false))
                Console.WriteLine($"N={n}: the gateway ran fewer than {options.WarmGcs} GCs in 20 s of steady traffic; additions start anyway");
        }

        var propagation = new List<double>();
        var additionWindows = new List<(int, DateTime, double, double)>();
        using var poller = await OpenPollerAsync(ip, port).ConfigureAwait(false);
        for (var k = 0; k < options.Additions; k++)
        {
            var id = n + k;
            var file = AddedFile(manifests, k);
            var content = Fixtures.ControlPlaneRoute(id, "gw", "127.0.0.1", backendPort);
            var writtenUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var written = Stopwatch.GetTimestamp();
            Fixtures.WriteAtomically(file, content);
            var deadline = written + 30 * Stopwatch.Frequency;
            while (!await ServedAsync(poller, ip, port, id).ConfigureAwait(false))
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: added route r{id} not served within 30 s");
            }
            propagation.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            additionWindows.Add((id, writtenUtc, propagation[^1], BenchPausedSince(benchPauses)));
            // One by one: the next route is written once this one's status is written (its pass is complete).
            if (!await Util.WaitUntilAsync(() => Task.FromResult(Accepted(gateway.StatusDirectory, id)), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(5)).ConfigureAwait(false))
                throw new TimeoutException($"N={n}: added route r{id} not Accepted within 60 s");
            await Task.Delay(20).ConfigureAwait(false);
        }

        // Changes of added routes, still under steady traffic: file rename to the first response of the changed route
        // (its new path), and from that response to the status file showing it Accepted for generation 2 (the status
        // file's write time, so a status written before the response counts as negative).
        var (additionSamples, additionPauses) = await AttributeAsync(gateway, "addition", additionWindows).ConfigureAwait(false);
        var changeServed = new List<double>();
        var changeWindows = new List<(int, DateTime, double, double)>();
        var statusAfterServed = new List<double>();
        for (var k = 0; k < Math.Min(options.Changes, options.Additions); k++)
        {
            var id = n + k;
            var writtenUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var written = Stopwatch.GetTimestamp();
            Fixtures.WriteAtomically(AddedFile(manifests, k), Fixtures.ControlPlaneChangedRoute(id, "gw", "127.0.0.1", backendPort));
            var deadline = written + 30 * Stopwatch.Frequency;
            while (!await ServedAsync(poller, ip, port, id, "v2").ConfigureAwait(false))
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: changed route r{id} not served within 30 s");
            }
            var servedAt = DateTime.UtcNow;
            changeServed.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            changeWindows.Add((id, writtenUtc, changeServed[^1], BenchPausedSince(benchPauses)));
            DateTime? statusAt = null;
            if (!await Util.WaitUntilAsync(() => Task.FromResult((statusAt = AcceptedAt(gateway.StatusDirectory, id, generation: 2)) is not null),
                    TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(1)).ConfigureAwait(false))
                throw new TimeoutException($"N={n}: changed route r{id} not Accepted for generation 2 within 60 s");
            statusAfterServed.Add((statusAt!.Value - servedAt).TotalMilliseconds);
            await Task.Delay(20).ConfigureAwait(false);
        }

        // Deletions of added routes, still under steady traffic: file removal to the first 404 on the route.
        var (changeSamples, changePauses) = await AttributeAsync(gateway, "change", changeWindows).ConfigureAwait(false);
        var deletion = new List<double>();
        var deletionWindows = new List<(int, DateTime, double, double)>();
        for (var k = 0; k < Math.Min(options.Deletions, options.Additions); k++)
        {
            var id = n + k;
            var path = k < options.Changes ? "v2" : "";
            var removedUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var removed = Stopwatch.GetTimestamp();
            File.Delete(AddedFile(manifests, k));
            var deadline = removed + 30 * Stopwatch.Frequency;
            while (await StatusCodeAsync(poller, ip, port, id, path).ConfigureAwait(false) != 404)
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: deleted route r{id} still answered after 30 s");
            }
            deletion.Add(Stopwatch.GetElapsedTime(removed).TotalMilliseconds);
            deletionWindows.Add((id, removedUtc, deletion[^1], BenchPausedSince(benchPauses)));
            await Task.Delay(20).ConfigureAwait(false);
        }
        var (deletionSamples, deletionPauses) = await AttributeAsync(gateway, "deletion", deletionWindows).ConfigureAwait(false);
        await steady.StopAsync().ConfigureAwait(false);

        var metricsAtEnd = await gateway.MetricsAsync().ConfigureAwait(false);
        // Memory after the churn (with the standard counts every added route is deleted again), after the same rest as after ready.
        if (options.Settle > TimeSpan.Zero) await Task.Delay(options.Settle).ConfigureAwait(false);
        var memory = await gateway.MemoryAsync(fullGc: true).ConfigureAwait(false);
        var floor = await gateway.FloorMemoryAsync().ConfigureAwait(false);
        const string reconcile = ReconcileHistogram;
        double Initial(string phase) => metricsAtReady.MeanMsSince(null, reconcile, $"phase=\"{phase}\"");
        double PerChange(string phase) => metricsAtEnd.MeanMsSince(metricsAtReady, reconcile, $"phase=\"{phase}\"");
        var sorted = propagation.Order().ToArray();
        return new ControlPlaneResult(n, true, n, "", healthReady, timeToReady, memory.WorkingSetBytes, memory.ManagedHeapBytes, memory.ServerGc, propagation,
            Util.Percentile(sorted, 50), Util.Percentile(sorted, 99), sorted.Length > 0 ? sorted[^1] : double.NaN,
            steady.Requests, steady.Non2xx, steady.Exceptions,
            Initial("pass"), Initial("translate"),
            PerChange("translate"), PerChange("apply"), PerChange("status"),
            PerChange("pass"), metricsAtEnd.CountSince(metricsAtReady, reconcile, "phase=\"pass\""),
            changeServed, P(changeServed, 50), P(changeServed, 99),
            statusAfterServed, P(statusAfterServed, 50), P(statusAfterServed, 99), statusAfterServed.Count > 0 ? statusAfterServed.Max() : double.NaN,
            deletion, P(deletion, 50), P(deletion, 99), deletion.Count > 0 ? deletion.Max() : double.NaN)
        {
            FloorWorkingSetBytes = floor?.WorkingSetBytes,
            ReadyWaitBenchCpuSeconds = readyWaitCpu,
            Samples = [.. additionSamples, .. changeSamples, .. deletionSamples],
            PhasePauses = [.. new[] { additionPauses, changePauses, deletionPauses }.OfType<PhasePauses>()],
        };
    }

    private static double P(IEnumerable<double> values, double p) => Util.Percentile(values.Order().ToArray(), p);

    /// <summary>The gateway's pass and phase histogram (GET /metrics) and its label of whole passes.</summary>
    private const string ReconcileHistogram = "gateway_reconcile_duration_seconds";
    private const string PassPhase = "phase=\"pass\"";

    private static string AddedFile(string manifests, int k) => Path.Combine(manifests, $"new-{k.ToString("D4", CultureInfo.InvariantCulture)}.yaml");

    private static int[] SampleOf(int n, int count)
    {
        var random = new Random(42);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(n)).Append(0).Append(n - 1).Distinct()];
    }

    private static HttpClient NewClient(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    }) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// The client that waits for each change, its connection opened by one request to route r0 (served from the start):
    /// the first sample then times the gateway, not this client's TCP connect on a new connection pool.
    /// </summary>
    private static async Task<HttpClient> OpenPollerAsync(string ip, int port)
    {
        var poller = NewClient(1);
        if (await ServedAsync(poller, ip, port, 0).ConfigureAwait(false)) return poller;
        poller.Dispose();
        throw new InvalidOperationException("route r0 is not served: the poller's connection could not be opened on it");
    }

    private static HttpRequestMessage Request(string ip, int port, int i, string pathSuffix = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{ip}:{port}/r{i}{pathSuffix}/bench");
        request.Headers.Host = Fixtures.ControlPlaneHost(i);
        return request;
    }

    private static async Task<int> StatusCodeAsync(HttpClient client, string ip, int port, int i, string pathSuffix)
    {
        using var request = Request(ip, port, i, pathSuffix);
        using var response = await client.SendAsync(request).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    private static async Task<bool> ServedAsync(HttpClient client, string ip, int port, int i, string pathSuffix = "")
    {
        using var request = Request(ip, port, i, pathSuffix);
        using var response = await client.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return false;
        // The backend echoes the Host: a 200 with this route's hostname went through this route.
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return body.Trim() == Fixtures.ControlPlaneHost(i);
    }

    private static bool Accepted(string statusDirectory, int i) =>
        AcceptedStatusFiles.Accepted(Path.Combine(statusDirectory, "HTTPRoute", Fixtures.Namespace, $"r{i}.yaml"));

    /// <summary>
    /// When route <paramref name="i"/>'s status file was written, if it shows the route Accepted with resolved
    /// references for <paramref name="generation"/> (every observedGeneration in it equal to it); otherwise null.
    /// </summary>
    private static DateTime? AcceptedAt(string statusDirectory, int i, long generation)
    {
        var path = Path.Combine(statusDirectory, "HTTPRoute", Fixtures.Namespace, $"r{i}.yaml");
        try
        {
            var writtenAt = File.GetLastWriteTimeUtc(path);
            var text = File.ReadAllText(path);
            var generations = ObservedGeneration().Matches(text).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            var current = generations.Count > 0 && generations.All(g => g == generation) &&
                text.Contains("reason: Accepted", StringComparison.Ordinal) && text.Contains("reason: ResolvedRefs", StringComparison.Ordinal);
            return current && File.GetLastWriteTimeUtc(path) == writtenAt ? writtenAt : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"observedGeneration: (\d+)")]
    private static partial Regex ObservedGeneration();

    public static string Markdown(MachineInfo machine, ControlPlaneOptions options, IReadOnlyList<ControlPlaneResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Control plane benchmark{(options.Label.Length > 0 ? $": {options.Label}" : "")}").AppendLine();
        sb.AppendLine(machine.Markdown()).AppendLine();
        sb.AppendLine(options.Source == "kubernetes"
            ? $"Kubernetes mode: the objects are served by the in-process API server (Gateway.Emulators' FakeApiServer: lists, watches, status subresource) and " +
              $"the gateway runs as one StatefulSet replica (--source kubernetes, its own per-Gateway Service). Fixtures: N HTTPRoutes with distinct hostnames " +
              $"and paths, each with its own Service and EndpointSlice, one Gateway. Propagation: {options.Additions} routes created one by one through the API " +
              $"(Service and EndpointSlice first; from the route's creation, committed in the API server, to its first 200; the next once the previous one's status is in the API server), " +
              $"{options.SteadyClients} clients sending steady traffic to the existing routes meanwhile. Status times are when the bench saw the status in the API server (polled every 1 ms)."
            : $"Fixtures: N HTTPRoutes with distinct hostnames and paths, each with its own Service and EndpointSlice, 100 routes per file, one Gateway. " +
              $"Propagation: {options.Additions} routes added one by one (file written atomically; the next once the previous one's status is written), " +
              $"{options.SteadyClients} clients sending steady traffic to the existing routes meanwhile.").AppendLine();
        if (options.Sweep && options.Additions > 0)
            sb.AppendLine("Before the first addition the steady traffic sent one request to every existing route (a sweep in route order), then the bench waited for " +
                          "the gateway's next gen1 GC (without them, --no-sweep, the additions start after 200 requests and run while most routes get their first request).").AppendLine();
        if (options.WarmGcs > 0 && options.Source != "kubernetes")
            sb.AppendLine($"The first addition waited under the steady traffic until the gateway had run {options.WarmGcs} GC(s) under it (--warm-gcs).").AppendLine();
        sb.AppendLine("| routes | time to ready s | (health ready s) | RSS after full GC | managed heap | propagation p50 ms | p99 ms | max ms | non-2xx / steady requests | initial pass ms (translate) | per change (mean): translate ms | apply ms | status ms | pass ms |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            sb.AppendLine($"| {r.Routes} | {(r.Ready ? Util.F(r.TimeToReadySeconds, 2) : "not ready¹")} | {Util.F(r.HealthReadySeconds, 2)} | {Util.Bytes(r.WorkingSetBytes)} | {Util.Bytes(r.ManagedHeapBytes)} | " +
                $"{Util.F(r.PropagationP50Ms)} | {Util.F(r.PropagationP99Ms)} | {Util.F(r.PropagationMaxMs)} | {r.SteadyNon2xx + r.SteadyExceptions} / {r.SteadyRequests} | " +
                $"{Util.F(r.InitialPassMs, 0)} ({Util.F(r.InitialTranslateMs, 0)}) | {Util.F(r.ChangeTranslateMeanMs)} | {Util.F(r.ChangeApplyMeanMs)} | {Util.F(r.ChangeStatusMeanMs)} | {Util.F(r.ChangePassMeanMs)} |");
        }
        foreach (var r in results.Where(r => !r.Ready)) sb.AppendLine().AppendLine($"¹ {r.Routes} routes: {r.Note}.");
        if (results.Any(r => r.ReadyWaitBenchCpuSeconds is not null))
            sb.AppendLine().AppendLine("Time to ready: the later of the last route's Accepted status file's write time and the first answer of the last sampled route; the " +
                $"bench lists the status directory every {AcceptedStatusFiles.PollInterval.TotalMilliseconds:F0} ms and reads the files once every route has one. The bench's own CPU from health ready to ready: " +
                string.Join(", ", results.Where(r => r.ReadyWaitBenchCpuSeconds is not null).Select(r => $"{Util.F(r.ReadyWaitBenchCpuSeconds!.Value, 2)} s at {r.Routes}")) + ".");
        sb.AppendLine().AppendLine(options.Source == "kubernetes"
            ? $"Changes and deletions under the same steady traffic: {Math.Min(options.Changes, options.Additions)} added routes updated one by one through the API " +
              "(path prefix /rN → /rNv2, generation 2; served = the update's commit to the first 200 on the new path; status after served = from that response until the bench " +
              "saw the route's status Accepted for generation 2 in the API server), then " +
              $"{Math.Min(options.Deletions, options.Additions)} added routes deleted one by one through the API (the delete's commit to the first 404)."
            : $"Changes and deletions under the same steady traffic: {Math.Min(options.Changes, options.Additions)} added routes changed one by one " +
              "(path prefix /rN → /rNv2, generation 2; served = file rename to the first 200 on the new path; status after served = from that response " +
              "to the write time of the status file showing the route Accepted for generation 2, negative when the status was written first), then " +
              $"{Math.Min(options.Deletions, options.Additions)} added routes deleted one by one (file removal to the first 404).").AppendLine();
        sb.AppendLine("| routes | change served p50 ms | p99 ms | status after served p50 ms | p99 ms | max ms | deletion to 404 p50 ms | p99 ms | max ms |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results.Where(r => r.Ready))
        {
            sb.AppendLine($"| {r.Routes} | {Util.F(r.ChangeServedP50Ms)} | {Util.F(r.ChangeServedP99Ms)} | {Util.F(r.StatusAfterServedP50Ms)} | {Util.F(r.StatusAfterServedP99Ms)} | " +
                $"{Util.F(r.StatusAfterServedMaxMs)} | {Util.F(r.DeletionP50Ms)} | {Util.F(r.DeletionP99Ms)} | {Util.F(r.DeletionMaxMs)} |");
        }
        if (results.Any(r => r.FromApiCall is { Additions.Count: > 0 }))
        {
            sb.AppendLine().AppendLine("The samples above run from the commit of each API write in the in-process API server (the object stored and its watch " +
                "event queued, as a rename is in file mode). The same samples from the start of the API call, which adds the API server's own write path " +
                "(the object's JSON, the lock it shares with the gateway's status writes):").AppendLine();
            sb.AppendLine("| routes | propagation p50 ms | p99 ms | change served p50 ms | p99 ms | deletion to 404 p50 ms | p99 ms |");
            sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in results.Where(r => r.FromApiCall is { Additions.Count: > 0 }))
            {
                var c = r.FromApiCall!;
                sb.AppendLine($"| {r.Routes} | {Util.F(P(c.Additions, 50))} | {Util.F(P(c.Additions, 99))} | {Util.F(P(c.Changes, 50))} | {Util.F(P(c.Changes, 99))} | " +
                    $"{Util.F(P(c.Deletions, 50))} | {Util.F(P(c.Deletions, 99))} |");
            }
        }
        foreach (var r in results.Where(r => r.Burst is not null))
        {
            var b = r.Burst!;
            sb.AppendLine().AppendLine($"Burst at {r.Routes} routes (--burst, after the memory reading, no steady traffic): {b.Routes} routes, each with its Service and " +
                $"EndpointSlice, created back to back through the API in {Util.F(b.WriteMs, 0)} ms; the last one served {Util.F(b.LastServedMs, 0)} ms and all Accepted " +
                $"{Util.F(b.AllAcceptedMs, 0)} ms after the first write; {b.Passes} passes translated and applied, {b.HandOffs} of them handed their statuses off; " +
                $"gateway CPU {Util.F(b.GatewayCpuSeconds, 2)} s over that time.");
        }
        if (results.Any(r => r.Samples.Count > 0))
        {
            sb.AppendLine().AppendLine("Runtime pauses of the gateway process (its `/debug/memory/pauses`, read after each phase) that overlapped each sample's " +
                "window (file operation, or API write in Kubernetes mode, to the answer waited for; \"paused ms\" is the part of the overlapping pauses inside the window):").AppendLine();
            foreach (var r in results.Where(r => r.Samples.Count > 0)) sb.AppendLine(PauseReport(r, 10));
        }
        if (results.Count >= 2)
        {
            var small = results.MinBy(r => r.Routes)!;
            var large = results.MaxBy(r => r.Routes)!;
            var slope = (double)(large.WorkingSetBytes - small.WorkingSetBytes) / (large.Routes - small.Routes);
            var heapSlope = (double)(large.ManagedHeapBytes - small.ManagedHeapBytes) / (large.Routes - small.Routes);
            sb.AppendLine().AppendLine($"Memory per route (slope between {small.Routes} and {large.Routes} routes, each route with its Service and EndpointSlice): " +
                $"resident {Util.Bytes(slope)}, managed heap {Util.Bytes(heapSlope)}. Server GC: {large.ServerGc}. " +
                $"Read after the churn (additions, changes, deletions){(options.Settle > TimeSpan.Zero ? $" and {options.Settle.TotalSeconds:0.#} s of rest (--settle)" : "")}." +
                (large.FloorWorkingSetBytes is { } largeFloor && small.FloorWorkingSetBytes is { } smallFloor
                    ? $" After an aggressive GC (the GC's free memory returned to the OS): resident {Util.Bytes((double)(largeFloor - smallFloor) / (large.Routes - small.Routes))} per route, " +
                      $"{Util.Bytes(largeFloor)} at {large.Routes}."
                    : ""));
        }
        return sb.ToString();
    }

    public static string Json(MachineInfo machine, ControlPlaneOptions options, IReadOnlyList<ControlPlaneResult> results) =>
        JsonSerializer.Serialize(new { kind = "controlplane", machine, options, results }, Report.JsonOptions);

    /// <summary>Clients sending requests to random existing routes until stopped, counting answers that are not 2xx and failures.</summary>
    /// <summary>
    /// After the sweep: waits (at most 20 s, under the steady traffic) for the gateway's next gen1 GC, which moves what the
    /// sweep made and the gen0 GCs kept (the routes' request-metric series) into gen2, where a steady gateway holds it.
    /// </summary>
    private static async Task WaitForGen1Async(GatewayProcess gateway, int n)
    {
        var started = Stopwatch.GetTimestamp();
        var before = (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).Gen1Collections;
        if (await Util.WaitUntilAsync(async () => (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).Gen1Collections > before,
                TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100)).ConfigureAwait(false))
            Console.WriteLine($"N={n}: the gateway's first gen1 GC after the sweep came {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s after it");
        else
            Console.WriteLine($"N={n}: no gen1 GC within 20 s after the sweep; additions start anyway");
    }

    private sealed class SteadyTraffic
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;
        private readonly long _startedAt = Stopwatch.GetTimestamp();
        private long _requests, _non2xx, _exceptions;
        // The sweep: the next route to send its one request to (shared by the clients), and the sweep's answered requests.
        private int _sweepNext = -1;
        private long _swept;

        public SteadyTraffic(HttpClient client, string ip, int port, int routes, int clients, bool sweep = false)
        {
            if (!sweep) _sweepNext = routes;
            _clients = [.. Enumerable.Range(0, clients).Select(c => Task.Run(() => RunAsync(client, ip, port, routes, new Random(c))))];
        }

        public long Requests => Interlocked.Read(ref _requests);
        public long Non2xx => Interlocked.Read(ref _non2xx);
        public long Exceptions => Interlocked.Read(ref _exceptions);

        /// <summary>Waits (at most 120 s) until the sweep has had an answer from every one of the <paramref name="routes"/> routes; at once without a sweep.</summary>
        public async Task WaitSweptAsync(int routes)
        {
            if (Volatile.Read(ref _sweepNext) >= routes && Interlocked.Read(ref _swept) == 0) return;
            if (await Util.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref _swept) >= routes), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(20)).ConfigureAwait(false))
                Console.WriteLine($"steady traffic reached all {routes} routes in {Stopwatch.GetElapsedTime(_startedAt).TotalSeconds:F1} s");
            else
                Console.WriteLine($"steady traffic reached {Interlocked.Read(ref _swept)} of {routes} routes in 120 s; additions start anyway");
        }

        private async Task RunAsync(HttpClient client, string ip, int port, int routes, Random random)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var next = Volatile.Read(ref _sweepNext) < routes ? Interlocked.Increment(ref _sweepNext) : routes;
                    var sweeping = next < routes;
                    using var request = Request(ip, port, sweeping ? next : random.Next(routes));
                    using var response = await client.SendAsync(request, _stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _requests);
                    if (sweeping) Interlocked.Increment(ref _swept);
                    if ((int)response.StatusCode is < 200 or > 299) Interlocked.Increment(ref _non2xx);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _exceptions);
                }
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_clients).ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
