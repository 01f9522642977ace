using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Bench;

/// <summary>
/// In-process cost of the file-mode status sink at start-up (issue 10, time to ready): N route entities each read
/// their stored status (none: a fresh directory) and write their first status, 64 at a time as the entities' messages
/// arrive, into a fresh directory under --dir (default: the system temp directory). Per round: the process's CPU
/// time (user + system; robust on a busy machine) and wall time for all N, and the mean CPU per write.
/// </summary>
internal static class StatusWriteProbe
{
    public sealed record Options(int Routes, int Rounds, string Directory);

    public sealed record Row(int Round, int Writes, double CpuMs, double WallMs, double CpuMicrosecondsPerWrite,
        double EmitterTextCpuMicroseconds, double TextCpuMicroseconds, double Utf8CpuMicroseconds);

    public static async Task<List<Row>> RunAsync(Options options)
    {
        var statuses = Enumerable.Range(0, options.Routes).Select(Desired).ToList();
        var rows = new List<Row>();
        var directories = new List<string>();
        for (var round = 0; round < options.Rounds; round++)
        {
            // The status file's text alone, one thread, for every route's document: YamlDotNet's emitter (the reference
            // the block writers reproduce), YamlText.Serialize's text and the UTF-8 bytes the sink writes (SerializeToUtf8).
            var documents = statuses.Select(s => StatusDocument.Build(s.Object, s.Status)).ToList();
            var emitterText = TextCpu(documents, d =>
            {
                using var json = JsonDocument.Parse(k8s.KubernetesJson.Serialize(d));
                return YamlText.SerializeWithEmitter(json.RootElement);
            });
            var text = TextCpu(documents, YamlText.Serialize);
            var utf8 = TextCpu(documents, d => YamlText.SerializeToUtf8(d).Length);
            var directory = Path.Combine(options.Directory, $"status-{Environment.ProcessId}-{round}");
            var sink = new FileStatusSink(directory, Controller, NullLogger<FileStatusSink>.Instance);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await Parallel.ForEachAsync(statuses, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (status, ct) =>
            {
                // As the entity does: read once, merge into what was read (ReconciledObject.Merge), hand the sink the result.
                var stored = await sink.ReadAsync(status.Key, ct).ConfigureAwait(false);
                var core = ReconciledObject.Create(EntityRef.ForStatus(status.Key), "bench", "bench").Apply(new StoredStatusRead(stored));
                var merged = core.Merge(status, Controller, sink.StoresObjects, DateTime.UtcNow);
                if ((await sink.WriteAsync(merged.Write, ct).ConfigureAwait(false)).Outcome != StatusWriteOutcome.Written)
                    throw new InvalidOperationException($"{status.Key}: the first write did not write");
            }).ConfigureAwait(false);
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            rows.Add(new Row(round + 1, statuses.Count, used.TotalMilliseconds, wall.Elapsed.TotalMilliseconds, used.TotalMicroseconds / statuses.Count, emitterText, text, utf8));
            directories.Add(directory);
        }
        // Removed after the last round, not between rounds: ext4 scans past inodes freed in the last seconds when it
        // allocates new ones (recently_deleted), which made most of a round's CPU the previous round's deletion
        // (perf: 72% kernel, ext4_create → find_inode_bit → recently_deleted).
        foreach (var directory in directories) Directory.Delete(directory, recursive: true);
        return rows;
    }

    private static double TextCpu(List<k8s.IKubernetesObject<V1ObjectMeta>> documents, Func<object, string> text) =>
        TextCpu(documents, d => text(d).Length);

    private static double TextCpu(List<k8s.IKubernetesObject<V1ObjectMeta>> documents, Func<object, int> length)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = 0L;
        foreach (var document in documents) total += length(document);
        if (total == 0) throw new InvalidOperationException("no text written");
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / documents.Count;
    }

    public static string Markdown(Options options, string machine, IReadOnlyList<Row> rows)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Status sink writes at start-up: {options.Routes} routes, {options.Rounds} rounds");
        md.AppendLine();
        md.AppendLine(machine);
        md.AppendLine();
        md.AppendLine("Each round: a fresh FileStatusSink and directory; every route's entity reads its stored status (none), merges its first status into it and the sink writes it, 64 at a time.");
        md.AppendLine();
        md.AppendLine("The text columns: CPU per document for the status file's text alone (one thread, before the round's writes): YamlDotNet's emitter, then YamlText.Serialize (UTF-16 text), then YamlText.SerializeToUtf8 (the bytes the sink writes).");
        md.AppendLine();
        md.AppendLine("| round | writes | CPU ms | wall ms | CPU per write µs | text µs, emitter | text µs, YamlText | bytes µs, SerializeToUtf8 |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Round} | {r.Writes} | {r.CpuMs:0} | {r.WallMs:0} | {r.CpuMicrosecondsPerWrite:0} | {r.EmitterTextCpuMicroseconds:0.0} | {r.TextCpuMicroseconds:0.0} | {r.Utf8CpuMicroseconds:0.0} |");
        return md.ToString();
    }

    private const string Controller = "akka-gateway.dev/controller";

    /// <summary>A route as the run-controlplane fixtures have it (stamped as the file source stamps it), Accepted and resolved.</summary>
    private static DesiredRouteStatus Desired(int i)
    {
        var route = new V1HTTPRoute
        {
            ApiVersion = "gateway.networking.k8s.io/v1",
            Kind = "HTTPRoute",
            Metadata = new V1ObjectMeta
            {
                Name = $"r{i}", NamespaceProperty = "bench", Generation = 1, ResourceVersion = "1", Uid = Guid.NewGuid().ToString(),
                CreationTimestamp = new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc),
            },
            Spec = new V1HTTPRouteSpec
            {
                ParentRefs = [new V1GatewayParentReference { Name = "gw" }],
                Hostnames = [$"r{i}.cp.example"],
                Rules =
                [
                    new V1HTTPRouteRule
                    {
                        Matches = [new V1HTTPRouteMatch { Path = new V1HTTPPathMatch { Type = "PathPrefix", Value = $"/r{i}" } }],
                        BackendRefs = [new V1HTTPBackendRef { Name = $"svc-{i}", Port = 8080 }],
                    },
                ],
            },
        };
        return new DesiredRouteStatus(new ResourceKey("HTTPRoute", "bench", route.Metadata.Name), 1, route, new V1RouteStatus
        {
            Parents =
            [
                new V1RouteParentStatus
                {
                    ControllerName = Controller,
                    ParentRef = new V1GatewayParentReference { Name = "gw" },
                    Conditions =
                    [
                        new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = "Accepted", ObservedGeneration = 1 },
                        new V1Condition { Type = "ResolvedRefs", Status = "True", Reason = "ResolvedRefs", Message = "Resolved", ObservedGeneration = 1 },
                    ],
                },
            ],
        });
    }
}
