using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Mesh;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Gateway.Host.Kubernetes;
using k8s;
using k8s.Models;

namespace Gateway.Bench;

/// <summary>
/// In-process per-change cost of the control plane (issue 10: "translate + apply for a one-route change: &lt; 2 ms at
/// 10,000 routes, and within 2x of the cost at 100 routes"): the product's <see cref="IncrementalTranslator"/> and
/// <see cref="DataPlane"/> (a real Kestrel socket on loopback) fed the run-controlplane fixtures, one change per call,
/// with no process boundary or file watcher around them, and the status stage's hand-off preparation
/// (<see cref="NodeContentBuilder.Next"/>, fed every pass as the host's hand-off feeds it: what the status stage does
/// on its own thread after each pass). Each change is timed by wall clock and by the thread's CPU time (robust on a
/// busy machine: time the thread waits for a core is not counted).
/// <para>
/// Changes, in this order per size: additions as file mode delivers them (route, Service and EndpointSlice in one
/// snapshot), additions as Kubernetes mode delivers them (EndpointSlice, Service, route: three snapshots, each
/// translated and applied), route changes (path prefix), and deletions (route, Service and EndpointSlice together).
/// File mode runs with the file-mode gateway's options, Kubernetes mode with the Kubernetes-mode gateway's
/// (Service per Gateway, ClusterIPs from the Services).
/// </para>
/// </summary>
internal static class ChangeCostProbe
{
    /// <param name="Sizes">Route counts, one fixture each.</param>
    /// <param name="Changes">Changes of each kind per size.</param>
    /// <param name="Mode">file, kubernetes or both: how changes arrive (see the class summary).</param>
    /// <param name="Survivors">
    /// Also measure what each change leaves alive: a gen0 collection is forced before the change and after its hand-off
    /// (outside the timed parts) and the second one's promoted bytes recorded. Off by default: with a collection forced
    /// before every change, no collection falls inside the timed parts, which the default run leaves as they happen.
    /// </param>
    public sealed record Options(IReadOnlyList<int> Sizes, int Changes, string Mode, bool Survivors = false);

    /// <summary>
    /// One kind of change at one size: p50 (and p90) of wall and thread CPU ms per part; KiB allocated on the calling
    /// thread per part (p50; apply and hand-off up to their first asynchronous wait, as their CPU); KiB that survived the
    /// gen0 collection after the change (p50 and p90; NaN unless <see cref="Options.Survivors"/>).
    /// </summary>
    public sealed record Row(int Routes, string Mode, string Change, int Count, double TranslateWallP50, double TranslateCpuP50, double TranslateCpuP90,
        double ApplyWallP50, double ApplyCpuP50, double ApplyCpuP90, double HandOffCpuP50, double HandOffCpuP90, string LastTranslation,
        double TranslateAllocatedKiBP50, double ApplyAllocatedKiBP50, double HandOffAllocatedKiBP50, double SurvivedKiBP50, double SurvivedKiBP90);

    private const string SystemNamespace = "akka-gateway-system";
    private const string Address = "127.0.0.1";

    public static async Task<List<Row>> RunAsync(Options options)
    {
        var rows = new List<Row>();
        foreach (var size in options.Sizes)
        {
            foreach (var mode in options.Mode == "both" ? ["file", "kubernetes"] : new[] { options.Mode })
            {
                rows.AddRange(await RunSizeAsync(size, mode, options.Changes, options.Survivors));
            }
        }
        return rows;
    }

    private static async Task<List<Row>> RunSizeAsync(int size, string mode, int changes, bool survivors)
    {
        var port = FreePort();
        var translatorOptions = mode == "kubernetes"
            ? new TranslatorOptions
            {
                MeshPassthrough = false, AddressMode = AddressMode.ServicePerGateway, MeshClusterIpMode = MeshClusterIpMode.FromService,
                ServiceNamespace = SystemNamespace, ServiceBindAddress = Address,
            }
            : new TranslatorOptions { MeshPassthrough = false, UsableStaticAddresses = new HashSet<string> { Address } };
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        objects.AddRange(Parse(Fixtures.GatewayClass() + Fixtures.Gateway("gw", Address, port, null, null)));
        for (var i = 0; i < size; i++) objects.AddRange(Parse(Fixtures.ControlPlaneRoute(i, "gw", "127.0.0.1", 9), i));
        var snapshot = Snapshot.From(1, objects);
        if (mode == "kubernetes")
        {
            // The Gateway's own Service as its entity provisions it (the listener's socket is the Service's container port).
            var services = GatewayServicePlanner.Plan(snapshot, TranslatorOptions.DefaultControllerName,
                    new GatewayServiceOptions { Namespace = SystemNamespace, PortRangeStart = port, PortRangeEnd = port })
                .Select(c => c.Build(null)).OfType<V1Service>().ToList();
            if (services.Count != 1) throw new InvalidOperationException($"expected the Gateway's Service, planned {services.Count}");
            snapshot = Snapshot.From(1, [.. objects, .. services]);
        }
        var translator = new IncrementalTranslator();
        await using var dataPlane = new DataPlane();
        var handOff = new NodeContentBuilder();
        const string node = "akka.tcp://gateway@127.0.0.1:1#1";
        var revision = 1L;

        var first = translator.Translate(snapshot, translatorOptions);
        await dataPlane.ApplyAsync(revision, first.Gateways, CancellationToken.None);
        handOff.Next(node, first, snapshot, applied: true);
        var sockets = first.Gateways.SelectMany(g => g.Ports.SelectMany(p => g.Addresses.Select(a => $"{a}:{p.SocketPort}"))).ToList();
        Console.WriteLine($"{mode} {size}: initial translation {translator.LastMode}, sockets {string.Join(", ", sockets)}");
        if (sockets.Count != 1) throw new InvalidOperationException($"expected the Gateway's one socket, got {sockets.Count}");

        var rows = new List<Row>();
        var samples = new Dictionary<string, List<(double TW, double TC, double AW, double AC, double HC, long TA, long AA, long HA, long Survived)>>();
        var last = new Dictionary<string, string>();

        async Task Step(string change, IEnumerable<IKubernetesObject<V1ObjectMeta>> upserts, IEnumerable<ResourceKey> removals)
        {
            if (survivors) GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            snapshot = snapshot.With(++revision, upserts.Select(o => (KeyOf(o), o)), removals);
            var (w0, c0, a0) = (Stopwatch.GetTimestamp(), ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            var result = translator.Translate(snapshot, translatorOptions);
            var (w1, c1, a1) = (Stopwatch.GetTimestamp(), ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            // Apply runs synchronously up to the socket swap when no socket is bound or unbound (the usual change).
            var apply = dataPlane.ApplyAsync(revision, result.Gateways, CancellationToken.None);
            var (w2, c2, a2) = (Stopwatch.GetTimestamp(), ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            var applied = await apply;
            if (applied.FailedSockets.Count > 0) throw new InvalidOperationException($"apply failed for {applied.FailedSockets.Count} sockets");
            var (c3, a3) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            handOff.Next(node, result, snapshot, applied: true);
            var (c4, a4) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            var survived = -1L;
            if (survivors)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                survived = GC.GetGCMemoryInfo(GCKind.Ephemeral).PromotedBytes;
            }
            if (!samples.TryGetValue(change, out var list)) samples[change] = list = [];
            list.Add((Stopwatch.GetElapsedTime(w0, w1).TotalMilliseconds, (c1 - c0) / 1e6, Stopwatch.GetElapsedTime(w1, w2).TotalMilliseconds, (c2 - c1) / 1e6, (c4 - c3) / 1e6,
                a1 - a0, a2 - a1, a4 - a3, survived));
            last[change] = $"{translator.LastMode.ToString().ToLowerInvariant()}, {translator.LastRoutesTranslated} routes compiled";
        }

        // Warm-up: each kind of change 40 times on routes outside the measured range, so the samples run tier-1 code
        // (the runtime re-compiles a method after 30 calls), as a gateway does after its first few changes.
        for (var round = 0; round < 40; round++)
        {
            var w = size + 1_000_000 + round;
            var added = Parse(Fixtures.ControlPlaneRoute(w, "gw", "127.0.0.1", 9), w);
            foreach (var o in added) await Step("warm-up", [o], []);
            await Step("warm-up", Parse(Fixtures.ControlPlaneChangedRoute(w, "gw", "127.0.0.1", 9), w).Where(o => o.Kind == "HTTPRoute"), []);
            await Step("warm-up", [], added.Select(KeyOf));
        }
        samples.Remove("warm-up");

        for (var n = 0; n < changes; n++)
        {
            var i = size + n;
            var added = Parse(Fixtures.ControlPlaneRoute(i, "gw", "127.0.0.1", 9), i);
            if (mode == "file")
            {
                await Step("add (route, Service, slice in one snapshot)", added, []);
            }
            else
            {
                // The order the bench creates them in through the API: EndpointSlice and Service first, then the route.
                await Step("add: EndpointSlice", added.Where(o => o.Kind == "EndpointSlice"), []);
                await Step("add: Service", added.Where(o => o.Kind == "Service"), []);
                await Step("add: HTTPRoute", added.Where(o => o.Kind == "HTTPRoute"), []);
            }
        }
        for (var n = 0; n < changes; n++)
        {
            var i = size + n;
            await Step("change route path", Parse(Fixtures.ControlPlaneChangedRoute(i, "gw", "127.0.0.1", 9), i).Where(o => o.Kind == "HTTPRoute"), []);
        }
        for (var n = 0; n < changes; n++)
        {
            var i = size + n;
            await Step("delete (route, Service, slice)", [], Parse(Fixtures.ControlPlaneRoute(i, "gw", "127.0.0.1", 9), i).Select(KeyOf));
        }

        foreach (var (change, list) in samples)
        {
            rows.Add(new Row(size, mode, change, list.Count,
                P(list.Select(s => s.TW), 0.5), P(list.Select(s => s.TC), 0.5), P(list.Select(s => s.TC), 0.9),
                P(list.Select(s => s.AW), 0.5), P(list.Select(s => s.AC), 0.5), P(list.Select(s => s.AC), 0.9),
                P(list.Select(s => s.HC), 0.5), P(list.Select(s => s.HC), 0.9), last[change],
                P(list.Select(s => s.TA / 1024.0), 0.5), P(list.Select(s => s.AA / 1024.0), 0.5), P(list.Select(s => s.HA / 1024.0), 0.5),
                survivors ? P(list.Select(s => s.Survived / 1024.0), 0.5) : double.NaN, survivors ? P(list.Select(s => s.Survived / 1024.0), 0.9) : double.NaN));
        }
        return rows;
    }

    public static string Markdown(Options options, string machine, IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Change cost probe (in-process translate + apply per change)").AppendLine();
        sb.AppendLine(machine).AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{options.Changes} changes of each kind per size after a warm-up; p50 (and p90 of thread CPU) in ms. Translate: `IncrementalTranslator.Translate`; apply: `DataPlane.ApplyAsync` (compile and swap the socket table of a real loopback socket); hand-off: `NodeContentBuilder.Next` (the status stage's preparation of what the entities are sent, on its own thread in the host).").AppendLine();
        sb.AppendLine("| routes | mode | change | n | translate wall p50 | translate CPU p50 | p90 | apply wall p50 | apply CPU p50 | p90 | hand-off CPU p50 | p90 | translator did |");
        sb.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Routes} | {r.Mode} | {r.Change} | {r.Count} | {r.TranslateWallP50:F3} | {r.TranslateCpuP50:F3} | {r.TranslateCpuP90:F3} | {r.ApplyWallP50:F3} | {r.ApplyCpuP50:F3} | {r.ApplyCpuP90:F3} | {r.HandOffCpuP50:F3} | {r.HandOffCpuP90:F3} | {r.LastTranslation} |");
        }
        sb.AppendLine().AppendLine("Memory per change: KiB allocated on the calling thread per part (p50; apply and hand-off up to their first asynchronous wait, as their CPU)" +
            (options.Survivors
                ? ", and KiB that survived a gen0 collection forced after the change's hand-off (one forced before the change too, so it counts what the change left alive: the new tables and content that replace the old ones)."
                : "; run with --survivors for what each change leaves alive.")).AppendLine();
        sb.AppendLine("| routes | mode | change | translate KiB | apply KiB | hand-off KiB | survived KiB p50 | p90 |");
        sb.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|");
        static string KiB(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F1", CultureInfo.InvariantCulture);
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Routes} | {r.Mode} | {r.Change} | {KiB(r.TranslateAllocatedKiBP50)} | {KiB(r.ApplyAllocatedKiBP50)} | {KiB(r.HandOffAllocatedKiBP50)} | {KiB(r.SurvivedKiBP50)} | {KiB(r.SurvivedKiBP90)} |");
        }
        return sb.ToString();
    }

    private static double P(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }

    private static ResourceKey KeyOf(IKubernetesObject<V1ObjectMeta> o) => new(o.Kind, o.Metadata.NamespaceProperty ?? "", o.Metadata.Name);

    private static List<IKubernetesObject<V1ObjectMeta>> Parse(string yaml, int age = 0)
    {
        var parsed = ManifestParser.Parse("probe", yaml);
        if (parsed.Diagnostics.Count > 0) throw new InvalidOperationException(string.Join("; ", parsed.Diagnostics));
        // Creation order as a real cluster has it (older objects first), which ClusterIP allocation reads.
        var created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(age);
        foreach (var p in parsed.Objects) p.Object.Metadata.CreationTimestamp = created;
        return [.. parsed.Objects.Select(p => p.Object)];
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The calling thread's CPU time in nanoseconds. .NET has no API for one thread's CPU time on Linux
    /// (ProcessThread.TotalProcessorTime reads /proc and is per process thread id, not cheap per call), so this asks
    /// the C library for CLOCK_THREAD_CPUTIME_ID.
    /// </summary>
    internal static class ThreadCpu
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int ClockGetTime(int clock, out TimeSpec time);

        private const int ClockThreadCpuTimeId = 3;

        public static long Now() => ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
    }
}
