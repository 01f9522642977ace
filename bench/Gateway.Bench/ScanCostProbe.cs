using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Actors.Resources;
using Gateway.Host.Sources;
using k8s;
using k8s.Models;

namespace Gateway.Bench;

/// <summary>
/// In-process cost of the file source's initial scan (issue 10, time to ready): the run-controlplane fixtures (N routes,
/// each with its Service and EndpointSlice, 100 routes per file, one Gateway) parsed and stamped several times in one
/// process. Round 1 runs cold (the JIT's tier-0 and instrumented code, first calls); later rounds show the steady cost
/// of our code. Per round, on one thread: every file parsed (<see cref="ManifestParser.Parse"/>), then every object
/// stamped as new (<see cref="ObjectStamping.Stamp"/>); then the parts of both, each a pass of its own over every
/// document or object; then a fresh <see cref="ManifestCatalog"/>'s first scan of the directory as the host runs it
/// (parallel over files and objects). CPU is the process's user + system time (so it includes the JIT's and the GC's
/// threads; robust on a busy machine), per object.
/// </summary>
internal static class ScanCostProbe
{
    public sealed record Options(int Routes, int Rounds, string Directory, bool PartsFirst);

    /// <summary>One round: CPU µs per object of each step, and the catalog scan's CPU and wall time in all.</summary>
    public sealed record Row(int Round, int Objects, double Parse, double Stamp, double ParseThread, double StampThread, IReadOnlyDictionary<string, double> Parts,
        double CatalogCpuMs, double CatalogWallMs);

    public static List<Row> Run(Options options)
    {
        var directory = Path.Combine(options.Directory, $"scancost-{Environment.ProcessId}");
        Fixtures.WriteControlPlane(directory, "gw", "127.0.0.1", 18080, options.Routes, "127.0.0.1", 18081);
        try
        {
            var files = Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).Select(p => (Path: p, Text: File.ReadAllText(p))).ToList();
            var documents = files.SelectMany(f => ManifestParser.SplitDocuments(f.Text).Select(d => d.Text)).Where(d => d.Trim().Length > 0).ToList();
            var rows = new List<Row>();
            var now = DateTime.UtcNow;
            if (Environment.GetEnvironmentVariable("SCANCOST_INIT") is not null)
            {
                Console.WriteLine($"CrdSchema load: {Cpu(() => CrdSchema.Covers("HTTPRoute", "v1")):0} ms thread CPU");
                Console.WriteLine($"YAML first document: {Cpu(() => DocumentTree.Read(documents[0])):0} ms thread CPU");
                Console.WriteLine($"first parse of a route document: {Cpu(() => ManifestParser.Parse("x", documents[^1])):0} ms thread CPU");
            }
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Round 1 is cold for whichever runs first: the whole functions, or with partsFirst their parts.
                var parts = options.PartsFirst ? Parts(files, documents) : null;
                var objects = new List<IKubernetesObject<V1ObjectMeta>>();
                var threadParse = 0.0;
                var parse = ProcessCpu(() =>
                {
                    var perFile = new List<double>();
                    var threadBefore = ChangeCostProbe.ThreadCpu.Now();
                    foreach (var (path, text) in files)
                    {
                        var before = Process.GetCurrentProcess().TotalProcessorTime;
                        objects.AddRange(ManifestParser.Parse(path, text).Objects.Select(o => o.Object));
                        perFile.Add((Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds);
                    }
                    threadParse = (ChangeCostProbe.ThreadCpu.Now() - threadBefore) / 1e6;
                    if (Environment.GetEnvironmentVariable("SCANCOST_PER_FILE") is not null) Console.WriteLine("parse ms per file: " + string.Join(' ', perFile.Select(v => v.ToString("0", CultureInfo.InvariantCulture))));
                });
                var stamped = 0;
                var threadStamp = 0.0;
                var stamp = ProcessCpu(() =>
                {
                    threadStamp = Cpu(() =>
                    {
                        foreach (var obj in objects) stamped += ObjectStamping.Stamp(obj, null, null, false, 0, now, NewUid).Changed ? 1 : 0;
                    });
                });
                if (stamped != objects.Count) throw new InvalidOperationException($"stamped {stamped} of {objects.Count}");
                parts ??= Parts(files, documents);

                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var changes = new ManifestCatalog([directory]).Scan();
                var catalogCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                if (changes.Upserts.Count != objects.Count) throw new InvalidOperationException($"the catalog stamped {changes.Upserts.Count} of {objects.Count}");
                rows.Add(new Row(round, objects.Count, parse * 1000 / objects.Count, stamp * 1000 / objects.Count,
                    threadParse * 1000 / objects.Count, threadStamp * 1000 / objects.Count, parts, catalogCpu, wall.Elapsed.TotalMilliseconds));
                Console.WriteLine($"round {round}: parse {rows[^1].Parse:0.0} µs, stamp {rows[^1].Stamp:0.0} µs per object; catalog scan {catalogCpu:0} ms CPU, {wall.Elapsed.TotalMilliseconds:0} ms wall");
            }
            return rows;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The parts of parse and stamp, each a pass of its own over every document or object: CPU µs per object.</summary>
    private static Dictionary<string, double> Parts(List<(string Path, string Text)> files, List<string> documents)
    {
                var parts = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["parse: split documents"] = Cpu(() => { foreach (var (_, text) in files) foreach (var _ in ManifestParser.SplitDocuments(text)) { } }),
            ["parse: YAML to tree"] = Cpu(() => { foreach (var d in documents) DocumentTree.Read(d); }),
        };
        var trees = documents.Select(d => (Dictionary<string, object?>)DocumentTree.Read(d)!).ToList();
        var infos = trees.Select(t => KindRegistry.Resolve((string)t["apiVersion"]!, (string)t["kind"]!)!).ToList();
        var typed = new List<IKubernetesObject<V1ObjectMeta>>(trees.Count);
        // The parser's bind as it runs it: the tree written as JSON, then bound to the kind's type.
        parts["parse: tree to typed"] = Cpu(() =>
        {
            for (var i = 0; i < trees.Count; i++)
                typed.Add((IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromJson(infos[i].ClrType, JsonSerializer.SerializeToUtf8Bytes(trees[i])));
        });
        parts["parse: validate typed"] = Cpu(() =>
        {
            for (var i = 0; i < trees.Count; i++) ObjectValidator.Validate(infos[i], typed[i]);
        });
        parts["parse: validate CRD rules"] = Cpu(() =>
        {
            for (var i = 0; i < trees.Count; i++)
            {
                var apiVersion = (string)trees[i]["apiVersion"]!;
                CrdSchema.Validate(infos[i].Kind, apiVersion[(apiVersion.LastIndexOf('/') + 1)..], trees[i]);
            }
        });
        var jsons = new List<byte[]>(trees.Count);
        parts["stamp: serialize"] = Cpu(() => { foreach (var obj in typed) jsons.Add(ObjectCopy.ToJsonBytes(obj)); });
        var parsed = new List<JsonDocument>(trees.Count);
        parts["stamp: JSON document"] = Cpu(() => { foreach (var json in jsons) parsed.Add(JsonDocument.Parse(json)); });
        parts["stamp: client form digest"] = Cpu(() => { foreach (var d in parsed) CanonicalForm.ClientSuppliedDigest(d.RootElement); });
        parts["stamp: spec form digest"] = Cpu(() => { foreach (var d in parsed) CanonicalForm.SpecDigest(d.RootElement); });
        parts["stamp: copy"] = Cpu(() => { for (var i = 0; i < typed.Count; i++) ObjectCopy.FromJson(typed[i].GetType(), jsons[i]); });
        foreach (var d in parsed) d.Dispose();
        foreach (var key in parts.Keys.ToList()) parts[key] = parts[key] * 1000 / trees.Count;
        return parts;
    }

    /// <summary>The calling thread's CPU time <paramref name="body"/> took, in milliseconds (the parts run on this thread alone).</summary>
    private static double Cpu(Action body)
    {
        var cpu = ChangeCostProbe.ThreadCpu.Now();
        body();
        return (ChangeCostProbe.ThreadCpu.Now() - cpu) / 1e6;
    }

    /// <summary>The process's CPU time (user + system) <paramref name="body"/> took, in milliseconds: with the JIT's and GC's threads.</summary>
    private static double ProcessCpu(Action body)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        body();
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
    }

    private static string NewUid() => Guid.NewGuid().ToString();

    public static string Markdown(Options options, string machine, IReadOnlyList<Row> rows)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Initial scan cost{(options.PartsFirst ? " (parts first)" : "")}: {options.Routes} routes ({rows.FirstOrDefault()?.Objects ?? 0} objects), {options.Rounds} rounds in one process");
        md.AppendLine();
        md.AppendLine(machine);
        md.AppendLine();
        md.AppendLine("CPU in µs per object, everything on one thread but the catalog scan; round 1 is cold. Parse and stamp are the whole functions, as the process's CPU (user + system: with the JIT's background compilation and the GC's threads) and as the calling thread's alone (CLOCK_THREAD_CPUTIME_ID); the parts (thread CPU) are passes of their own over every document or object, after the whole functions (or, with `--cold parts`, before them, so round 1's parts are the cold ones); the parts do not add up to the whole (the parse's document checks, defaulting, the stamp's metadata and interning are not split out), and the bind part writes the tree's JSON with System.Text.Json's own serializer rather than the parser's writer. The catalog columns: a fresh ManifestCatalog's first scan of the fixture directory, as the host runs it (parallel), in all.");
        md.AppendLine();
        var partNames = rows.FirstOrDefault()?.Parts.Keys.ToList() ?? [];
        md.AppendLine("| round | parse (process) | stamp (process) | parse (thread) | stamp (thread) | " + string.Join(" | ", partNames) + " | catalog scan CPU ms | catalog scan wall ms |");
        md.AppendLine("|---:|---:|---:|---:|---:|" + string.Concat(partNames.Select(_ => "---:|")) + "---:|---:|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Round} | {r.Parse:0.0} | {r.Stamp:0.0} | {r.ParseThread:0.0} | {r.StampThread:0.0} | {string.Join(" | ", partNames.Select(n => r.Parts[n].ToString("0.0", CultureInfo.InvariantCulture)))} | {r.CatalogCpuMs:0} | {r.CatalogWallMs:0} |");
        }
        return md.ToString();
    }

    public static string Json(object machine, Options options, IReadOnlyList<Row> rows) =>
        JsonSerializer.Serialize(new { machine, options, rows }, Report.JsonOptions);
}
