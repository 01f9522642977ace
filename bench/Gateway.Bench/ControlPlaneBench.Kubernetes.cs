using System.Diagnostics;
using System.Globalization;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Emulators.Kubernetes;
using k8s;
using k8s.Models;

namespace Gateway.Bench;

/// <summary>
/// The control plane measurements in Kubernetes mode: the same fixtures and steps as the file mode, with the objects
/// served by the in-process API server the Kubernetes tests use (<see cref="FakeApiServer"/>: lists, watches, the status
/// subresource) and the gateway started as a StatefulSet replica starts it (one replica, its own per-Gateway Service).
/// A change is an API write (create, update, delete) instead of a file operation; a status is read back from the API
/// server.
/// </summary>
internal sealed partial class ControlPlaneBench
{
    private const string SystemNamespace = "akka-gateway-system";
    private static readonly ResourceKey GatewayKey = new("Gateway", Fixtures.Namespace, "gw");

    private async Task<ControlPlaneResult> RunKubernetesSizeAsync(int n, string bindAddress, int backendPort)
    {
        await using var server = await FakeApiServer.StartAsync().ConfigureAwait(false);
        server.Committed += static (_, _) => t_committedAt = Stopwatch.GetTimestamp();
        foreach (var obj in Objects(Fixtures.GatewayClass() + KubernetesGateway())) server.Apply(obj);
        server.Apply(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = SystemNamespace } });
        for (var i = 0; i < n; i++)
        {
            foreach (var obj in Objects(Fixtures.ControlPlaneRoute(i, "gw", "127.0.0.1", backendPort))) server.Apply(obj);
        }
        var kubeconfig = Path.Combine(workDirectory, $"kubeconfig-{n}");
        await File.WriteAllTextAsync(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: bench
              cluster: {server: {{server.BaseAddress.ToString().TrimEnd('/')}}}
            users:
            - name: bench
              user: {token: bench}
            contexts:
            - name: bench
              context: {cluster: bench, user: bench}
            current-context: bench
            """).ConfigureAwait(false);
        var portBase = 20000 + (n % 97) * 100;
        using var gateway = GatewayProcess.StartWith(gatewayDll, $"cp-k8s-{n}", workDirectory,
        [
            "--source", "kubernetes", "--kubeconfig", kubeconfig, "--service-namespace", SystemNamespace,
            "--pod-selector", "app.kubernetes.io/name=akka-gateway", "--container-port-range", $"{portBase}-{portBase + 99}",
            "--service-bind-address", bindAddress, "--cluster-host", "127.0.0.1", "--cluster-port", "0",
        ]);
        using var client = NewClient(4);
        if (!await gateway.WaitReadyAsync(options.ReadyTimeout).ConfigureAwait(false)) throw new TimeoutException($"N={n}: not ready within {options.ReadyTimeout}");
        var healthReady = Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds;

        // The listener's container port, from the Service the Gateway's entity provisioned.
        var serviceKey = new ResourceKey("Service", SystemNamespace, GatewayServices.ServiceName(GatewayKey));
        if (!await Util.WaitUntilAsync(() => Task.FromResult(server.Get<V1Service>(serviceKey) is not null), options.ReadyTimeout, TimeSpan.FromMilliseconds(20)).ConfigureAwait(false))
            throw new TimeoutException($"N={n}: the Gateway's Service was not provisioned");
        var port = GatewayServices.ContainerPorts(server.Get<V1Service>(serviceKey)!)[new ServicePortKey("TCP", 80)];

        var pendingStatus = Enumerable.Range(0, n).ToHashSet();
        var sample = SampleOf(n, 100);
        var pendingServe = sample.ToHashSet();
        var until = Stopwatch.GetTimestamp() + (long)(options.ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (pendingStatus.Count > 0 || pendingServe.Count > 0)
        {
            if (Stopwatch.GetTimestamp() > until)
                throw new TimeoutException($"N={n}: not ready after {options.ReadyTimeout.TotalSeconds:F0} s: {n - pendingStatus.Count} of {n} routes Accepted, " +
                    $"{sample.Length - pendingServe.Count} of {sample.Length} sampled routes served");
            foreach (var i in pendingServe.ToList())
            {
                try
                {
                    if (await ServedAsync(client, bindAddress, port, i).ConfigureAwait(false)) pendingServe.Remove(i);
                }
                catch (HttpRequestException)
                {
                    // The listener's port is bound once the translation that allocated it is applied.
                    break;
                }
            }
            foreach (var i in pendingStatus.ToList())
            {
                if (AcceptedInApi(server, i, generation: 1)) pendingStatus.Remove(i);
            }
            if (pendingStatus.Count > 0 || pendingServe.Count > 0) await Task.Delay(50).ConfigureAwait(false);
        }
        var timeToReady = Stopwatch.GetElapsedTime(gateway.StartedAt).TotalSeconds;
        // Pass and phase times come from the gateway's gateway_reconcile_duration_seconds histogram (GET /metrics).
        // The start-up's passes end first: the pass that binds the Gateway's socket (its address comes from the Service
        // its entity provisions, after the first pass) is a full translation whose statuses can complete after the
        // routes are ready, and read too early it counted among the changes' per-pass means.
        var metricsAtReady = await QuietMetricsAsync(gateway).ConfigureAwait(false);
        if (options.Settle > TimeSpan.Zero) await Task.Delay(options.Settle).ConfigureAwait(false);

        // The memory readings come after the churn, as in file mode (their forced GCs would pause the first additions).
        var steady = new SteadyTraffic(client, bindAddress, port, n, options.SteadyClients, options.Sweep && options.Additions > 0);
        await Util.WaitUntilAsync(() => Task.FromResult(steady.Requests >= 200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        await steady.WaitSweptAsync(n).ConfigureAwait(false);
        // As in file mode: the first gen1 GC after the sweep promotes every route's new request-metric series.
        if (options.Sweep && options.Additions > 0) await WaitForGen1Async(gateway, n).ConfigureAwait(false);

        // Additions: the route, its Service and EndpointSlice created through the API (slice, Service, then route, as a
        // user's kubectl apply of one file creates them in order); from the route's creation to its first 200.
        // Each sample runs from the route's commit in the API server (stored, its watch event queued: what the rename is in
        // file mode) to the answer; the same from the start of the API call, which adds the in-process API server's own
        // write path (the object's JSON, its lock, shared with the gateway's status writes), is reported beside it.
        var propagation = new List<double>();
        var propagationFromCall = new List<double>();
        var additionWindows = new List<(int, DateTime, double, double)>();
        using var poller = await OpenPollerAsync(bindAddress, port).ConfigureAwait(false);
        for (var k = 0; k < options.Additions; k++)
        {
            var id = n + k;
            var objects = Objects(Fixtures.ControlPlaneRoute(id, "gw", "127.0.0.1", backendPort));
            OffPool(() => { foreach (var obj in objects.Where(o => o.Kind != "HTTPRoute")) server.Apply(obj); });
            var writtenUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var written = Stopwatch.GetTimestamp();
            var committed = OffPool(() => server.Apply(objects.Single(o => o.Kind == "HTTPRoute")));
            var deadline = written + 30 * Stopwatch.Frequency;
            while (!await ServedAsync(poller, bindAddress, port, id).ConfigureAwait(false))
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: added route r{id} not served within 30 s");
            }
            propagation.Add(Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
            propagationFromCall.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            additionWindows.Add((id, writtenUtc + Stopwatch.GetElapsedTime(written, committed), propagation[^1], BenchPausedSince(benchPauses)));
            if (!await Util.WaitUntilAsync(() => Task.FromResult(AcceptedInApi(server, id, 1)), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(5)).ConfigureAwait(false))
                throw new TimeoutException($"N={n}: added route r{id} not Accepted within 60 s");
            await Task.Delay(20).ConfigureAwait(false);
        }

        // Changes: the route updated (path /rN → /rNv2, generation 2); served, then its status for generation 2 seen in
        // the API server (polled every millisecond: the time is when the bench saw it, at most about 1 ms late).
        // The gateway's own pauses that overlapped each sample, read after each phase (the ring holds the last 1,024);
        // the bench process's (it runs the API server) are not in it.
        var (additionSamples, additionPauses) = await AttributeAsync(gateway, "addition", additionWindows).ConfigureAwait(false);
        var changeServed = new List<double>();
        var changeServedFromCall = new List<double>();
        var changeWindows = new List<(int, DateTime, double, double)>();
        var statusAfterServed = new List<double>();
        for (var k = 0; k < Math.Min(options.Changes, options.Additions); k++)
        {
            var id = n + k;
            var route = Objects(Fixtures.ControlPlaneChangedRoute(id, "gw", "127.0.0.1", backendPort)).Single(o => o.Kind == "HTTPRoute");
            var writtenUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var written = Stopwatch.GetTimestamp();
            var committed = OffPool(() => server.Apply(route));
            var deadline = written + 30 * Stopwatch.Frequency;
            while (!await ServedAsync(poller, bindAddress, port, id, "v2").ConfigureAwait(false))
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: changed route r{id} not served within 30 s");
            }
            var servedAt = Stopwatch.GetTimestamp();
            changeServed.Add(Stopwatch.GetElapsedTime(committed, servedAt).TotalMilliseconds);
            changeServedFromCall.Add(Stopwatch.GetElapsedTime(written, servedAt).TotalMilliseconds);
            changeWindows.Add((id, writtenUtc + Stopwatch.GetElapsedTime(written, committed), changeServed[^1], BenchPausedSince(benchPauses)));
            if (!await Util.WaitUntilAsync(() => Task.FromResult(AcceptedInApi(server, id, 2)), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(1)).ConfigureAwait(false))
                throw new TimeoutException($"N={n}: changed route r{id} not Accepted for generation 2 within 60 s");
            statusAfterServed.Add(Stopwatch.GetElapsedTime(servedAt).TotalMilliseconds);
            await Task.Delay(20).ConfigureAwait(false);
        }

        // Deletions: the route deleted through the API, to its first 404 (its Service and slice deleted after).
        var (changeSamples, changePauses) = await AttributeAsync(gateway, "change", changeWindows).ConfigureAwait(false);
        var deletion = new List<double>();
        var deletionFromCall = new List<double>();
        var deletionWindows = new List<(int, DateTime, double, double)>();
        for (var k = 0; k < Math.Min(options.Deletions, options.Additions); k++)
        {
            var id = n + k;
            var path = k < options.Changes ? "v2" : "";
            var removedUtc = DateTime.UtcNow;
            var benchPauses = GC.GetTotalPauseDuration();
            var removed = Stopwatch.GetTimestamp();
            var committed = OffPool(() => server.Delete(new ResourceKey("HTTPRoute", Fixtures.Namespace, $"r{id}")));
            var deadline = removed + 30 * Stopwatch.Frequency;
            while (await StatusCodeAsync(poller, bindAddress, port, id, path).ConfigureAwait(false) != 404)
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: deleted route r{id} still answered after 30 s");
            }
            deletion.Add(Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
            deletionFromCall.Add(Stopwatch.GetElapsedTime(removed).TotalMilliseconds);
            deletionWindows.Add((id, removedUtc + Stopwatch.GetElapsedTime(removed, committed), deletion[^1], BenchPausedSince(benchPauses)));
            server.Delete(new ResourceKey("Service", Fixtures.Namespace, $"svc-{id}"));
            server.Delete(new ResourceKey("EndpointSlice", Fixtures.Namespace, $"svc-{id}-1"));
            await Task.Delay(20).ConfigureAwait(false);
        }
        var (deletionSamples, deletionPauses) = await AttributeAsync(gateway, "deletion", deletionWindows).ConfigureAwait(false);
        await steady.StopAsync().ConfigureAwait(false);

        var metricsAtEnd = await gateway.MetricsAsync().ConfigureAwait(false);
        if (options.Settle > TimeSpan.Zero) await Task.Delay(options.Settle).ConfigureAwait(false);
        var memory = await gateway.MemoryAsync(fullGc: true).ConfigureAwait(false);
        var floor = await gateway.FloorMemoryAsync().ConfigureAwait(false);
        var burst = options.Burst > 0 ? await BurstAsync(server, gateway, n, backendPort, bindAddress, port, poller).ConfigureAwait(false) : null;
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
            FromApiCall = new ApiCallTimes(propagationFromCall, changeServedFromCall, deletionFromCall),
            Burst = burst,
            Samples = [.. additionSamples, .. changeSamples, .. deletionSamples],
            PhasePauses = [.. new[] { additionPauses, changePauses, deletionPauses }.OfType<PhasePauses>()],
        };
    }

    /// <summary>
    /// Creates <see cref="ControlPlaneOptions.Burst"/> routes with their Services and EndpointSlices back to back from one
    /// thread (as one kubectl apply of a large file), then waits (at most 120 s) until the last is served and every one
    /// is Accepted in the API server.
    /// </summary>
    private async Task<BurstOutcome> BurstAsync(FakeApiServer server, GatewayProcess gateway, int n, int backendPort, string bindAddress, int port, HttpClient poller)
    {
        var ids = Enumerable.Range(n + 100_000, options.Burst).ToList();
        var objects = ids.SelectMany(id => Objects(Fixtures.ControlPlaneRoute(id, "gw", "127.0.0.1", backendPort))).ToList();
        var metricsBefore = await QuietMetricsAsync(gateway).ConfigureAwait(false);
        var cpuBefore = (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).CpuSeconds;
        var started = Stopwatch.GetTimestamp();
        OffPool(() => { foreach (var obj in objects) server.Apply(obj); });
        var written = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var deadline = started + 120 * Stopwatch.Frequency;
        while (!await ServedAsync(poller, bindAddress, port, ids[^1]).ConfigureAwait(false))
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: the burst's last route not served within 120 s");
        }
        var served = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var pending = ids.ToHashSet();
        while (pending.Count > 0)
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"N={n}: {pending.Count} of the burst's routes not Accepted within 120 s");
            pending.RemoveWhere(id => AcceptedInApi(server, id, 1));
            if (pending.Count > 0) await Task.Delay(5).ConfigureAwait(false);
        }
        var accepted = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var cpuAfter = (await gateway.MemoryAsync(fullGc: false).ConfigureAwait(false)).CpuSeconds;
        var metricsAfter = await QuietMetricsAsync(gateway).ConfigureAwait(false);
        return new BurstOutcome(options.Burst, written, served, accepted, metricsAfter.CountSince(metricsBefore, "gateway_propagation_duration_seconds", ""),
            metricsAfter.CountSince(metricsBefore, ReconcileHistogram, PassPhase), cpuAfter - cpuBefore);
    }

    /// <summary>
    /// The gateway's metrics once no pass completed for 300 ms (at most about 10 s of waiting): the per-change means
    /// then count only the bench's own changes.
    /// </summary>
    private static async Task<MetricsReading> QuietMetricsAsync(GatewayProcess gateway)
    {
        var reading = await gateway.MetricsAsync().ConfigureAwait(false);
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(300).ConfigureAwait(false);
            var next = await gateway.MetricsAsync().ConfigureAwait(false);
            if (next.CountSince(reading, ReconcileHistogram, PassPhase) == 0) return next;
            reading = next;
        }
        Console.WriteLine("passes still completing 9 s after ready; the per-change means may include start-up passes");
        return reading;
    }

    /// <summary>The bench Gateway for Kubernetes mode: no spec.addresses (its address is its Service's), one HTTP listener on port 80.</summary>
    private static string KubernetesGateway() => $"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: {Fixtures.Namespace}
        spec:
          gatewayClassName: {Fixtures.ClassName}
          listeners:
          - name: http
            port: 80
            protocol: HTTP
            allowedRoutes:
              namespaces:
                from: Same

        """;

    /// <summary>The objects of a fixture text, as a user's manifest holds them.</summary>
    /// <summary>
    /// Runs an API write on a thread of its own and waits for it. The in-process API server hands each watch event to
    /// Kestrel from the writing thread; written from a thread-pool thread (the bench's async loop), the sends of one
    /// apply's events were queued on that thread's local queue, which runs last-in first-out, behind the steady traffic's
    /// work: the route's event left first and the Service's, written first, 1 to 7 ms later, which no API server (a
    /// process of its own) does. A thread outside the pool queues them on the pool's shared queue, in order.
    /// </summary>
    /// <remarks>
    /// Returns when the write was committed (the Stopwatch timestamp of the last <see cref="FakeApiServer.Committed"/> the
    /// write raised on its thread); throws when it committed nothing.
    /// </remarks>
    private static long OffPool(Action write)
    {
        var committed = 0L;
        var thread = new Thread(() =>
        {
            t_committedAt = 0;
            write();
            committed = t_committedAt;
        }) { IsBackground = true, Name = "api-write" };
        thread.Start();
        thread.Join();
        return committed != 0 ? committed : throw new InvalidOperationException("the API write committed nothing");
    }

    // Set by the server's Committed event on the writing thread (OffPool's thread for the bench's own writes).
    [ThreadStatic] private static long t_committedAt;

    private static List<IKubernetesObject<V1ObjectMeta>> Objects(string yaml)
    {
        var parsed = ManifestParser.Parse("bench.yaml", yaml, crdRules: false);
        if (parsed.Diagnostics.Count > 0) throw new InvalidOperationException("bench fixture: " + string.Join("; ", parsed.Diagnostics.Select(d => d.Reason)));
        return [.. parsed.Objects.Select(o => o.Object)];
    }

    /// <summary>True when route r<paramref name="i"/>'s status in the API server shows it Accepted with resolved references for <paramref name="generation"/>.</summary>
    private static bool AcceptedInApi(FakeApiServer server, int i, long generation)
    {
        var route = server.Get<V1HTTPRoute>(new ResourceKey("HTTPRoute", Fixtures.Namespace, $"r{i}"));
        var parent = route?.Status?.Parents?.FirstOrDefault(p => p.ControllerName == TranslatorOptions.DefaultControllerName);
        var conditions = parent?.Conditions;
        return conditions is not null && route!.Metadata.Generation == generation
            && conditions.All(c => c.ObservedGeneration == generation)
            && conditions.Any(c => c.Type == "Accepted" && c.Status == "True")
            && conditions.Any(c => c.Type == "ResolvedRefs" && c.Status == "True");
    }
}
