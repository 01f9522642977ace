using System.Globalization;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>Writes result files.</summary>
internal static class Report
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes NAME.md and NAME.json into <paramref name="directory"/> and returns the markdown path.</summary>
    public static string Write(string directory, string name, string markdown, string json)
    {
        Directory.CreateDirectory(directory);
        var md = Path.Combine(directory, name + ".md");
        File.WriteAllText(md, markdown);
        File.WriteAllText(Path.Combine(directory, name + ".json"), json);
        return md;
    }
}

/// <summary>
/// Entry point: <c>Gateway.Bench dataplane|controlplane --gateway PATH/Gateway.Host.dll [options]</c>
/// (bench/run-dataplane.sh and bench/run-controlplane.sh build and call it).
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: Gateway.Bench dataplane|controlplane --gateway PATH/Gateway.Host.dll [--out DIR] [--label TEXT] [--keep]
                             [--gateway-env NAME=VALUE,...] [--work-root DIR]
          dataplane:    [--rounds 3] [--duration 10] [--warmup 2] [--connections 50,1] [--routes 1000,10000]
                        [--targets direct,nginx,gw-1,gw-1k,gw-10k,nginx-https,gw-https,nginx-h2,gw-h2,
                                   haproxy,haproxy-https,haproxy-h2,caddy,caddy-https,caddy-h2]
                        [--compare OTHER/Gateway.Host.dll]   (another build, interleaved: targets gw-N-before)
                        [--compare-env NAME=VALUE,...]       (environment of the compared gateway only)
                        [--proxy-workers N]                  (nginx workers, HAProxy threads, Caddy GOMAXPROCS; default: cores)
                        [--perf-seconds N]                   (after the rounds, CPU per request by component from perf, each wrk target N s)
                        [--syscalls N]                       (after the rounds, system calls per request from strace over N requests, each wrk target)
          controlplane: [--sizes 100,1000,5000,10000] [--additions 100] [--changes 100] [--deletions 100] [--ready-timeout 120] [--settle 0] [--warm-gcs 0] [--source file|kubernetes] [--burst 0]
        Gateway.Bench changecost [--sizes 100,1000,10000] [--changes 200] [--source file|kubernetes|both] [--survivors] [--out DIR] [--label TEXT]
                                 (in-process translate + apply per one-route change; no --gateway: bench/run-changecost.sh)
        Gateway.Bench statuswrite [--routes 10000] [--rounds 3] [--dir TEMP] [--out DIR] [--label TEXT]
                                 (in-process file status sink: every route's first status read and written; bench/run-statuswrite.sh)
        Gateway.Bench scancost [--routes 10000] [--rounds 3] [--cold whole|parts] [--dir TEMP] [--out DIR] [--label TEXT]
                                 (in-process initial scan: the control-plane fixtures parsed and stamped per round; bench/run-scancost.sh)
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var mode = args[0];
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return Fail($"unexpected argument {args[i]}");
            if (args[i] == "--keep") { flags["--keep"] = "true"; continue; }
            if (args[i] == "--no-sweep") { flags["--no-sweep"] = "true"; continue; }
            if (args[i] == "--survivors") { flags["--survivors"] = "true"; continue; }
            if (i + 1 >= args.Length) return Fail($"{args[i]} needs a value");
            flags[args[i]] = args[++i];
        }
        if (mode == "changecost") return await ChangeCostAsync(flags);
        if (mode == "statuswrite") return await StatusWriteAsync(flags);
        if (mode == "scancost") return ScanCost(flags);
        if (!flags.TryGetValue("--gateway", out var gateway) || !File.Exists(gateway)) return Fail("--gateway must name the built Gateway.Host.dll");
        var repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(gateway))!, "..", "..", "..", ".."));
        foreach (var pair in (flags.GetValueOrDefault("--gateway-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) return Fail($"--gateway-env: {pair} is not NAME=VALUE");
            GatewayProcess.Environment[pair[..eq]] = pair[(eq + 1)..];
        }
        var compareEnvironment = new Dictionary<string, string>();
        foreach (var pair in (flags.GetValueOrDefault("--compare-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) return Fail($"--compare-env: {pair} is not NAME=VALUE");
            compareEnvironment[pair[..eq]] = pair[(eq + 1)..];
        }
        var outDir = flags.GetValueOrDefault("--out") ?? Path.Combine(repo, "bench", "results");
        var label = flags.GetValueOrDefault("--label") ?? "";
        // --work-root: where the fixtures, the gateways' status directories and logs go (default: the system's temp
        // directory). Its file system matters to start-up: on ext4, new files are slow to create for minutes after many
        // files were deleted (bench/README.md, "Issue 10 in the tenth session").
        var work = flags.TryGetValue("--work-root", out var workRoot)
            ? Directory.CreateDirectory(Path.Combine(Path.GetFullPath(workRoot), $"gateway-bench-{Guid.NewGuid():N}"[..27])).FullName
            : Directory.CreateTempSubdirectory("gateway-bench-").FullName;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        var suffix = LabelSuffix(label);
        var script = mode == "dataplane" ? "bench/run-dataplane.sh" : "bench/run-controlplane.sh";
        var shown = args.Skip(1).Where((a, i) => a != "--gateway" && (i == 0 || args[i] != "--gateway")).Select(a => a.Contains(' ') ? $"\"{a}\"" : a);
        var machine = MachineInfo.Collect(repo, string.Join(' ', [script, .. shown]));
        Console.WriteLine($"work directory: {work} (file system: {FileSystemOf(work)})");
        try
        {
            switch (mode)
            {
                case "dataplane":
                {
                    var options = new DataPlaneOptions
                    {
                        Rounds = Int(flags, "--rounds", 3),
                        Seconds = Int(flags, "--duration", 10),
                        WarmupSeconds = Int(flags, "--warmup", 2),
                        Connections = Ints(flags, "--connections", [50, 1]),
                        RouteCounts = Ints(flags, "--routes", [1000, 10000]),
                        Targets = flags.TryGetValue("--targets", out var t) ? t.Split(',', StringSplitOptions.RemoveEmptyEntries) : null,
                        Label = label,
                        ProxyWorkers = Int(flags, "--proxy-workers", Environment.ProcessorCount),
                        CompareEnvironment = compareEnvironment,
                        PerfSeconds = Int(flags, "--perf-seconds", 0),
                        SyscallRequests = Int(flags, "--syscalls", 0),
                        CompareGateway = flags.TryGetValue("--compare", out var compare) ? (File.Exists(compare) ? compare : throw new FileNotFoundException($"--compare: {compare} not found")) : null,
                    };
                    // Profiles name .NET code through the runtime's perf map (CpuProfile says why W^X is off then).
                    if (options.PerfSeconds > 0)
                    {
                        GatewayProcess.Environment["DOTNET_PerfMapEnabled"] = "1";
                        GatewayProcess.Environment["DOTNET_EnableWriteXorExecute"] = "0";
                    }
                    var bench = new DataPlaneBench(gateway, work, options);
                    var (runs, summary) = await bench.RunAsync();
                    var md = Report.Write(outDir, $"{stamp}-dataplane{suffix}", DataPlaneBench.Markdown(machine, options, summary, runs, bench.Profiles, bench.Syscalls),
                        DataPlaneBench.Json(machine, options, runs, summary, bench.Profiles, bench.Syscalls));
                    Console.WriteLine(File.ReadAllText(md));
                    Console.WriteLine($"written: {md}");
                    break;
                }
                case "controlplane":
                {
                    var options = new ControlPlaneOptions
                    {
                        Sizes = Ints(flags, "--sizes", [100, 1000, 5000, 10000]),
                        Additions = Int(flags, "--additions", 100),
                        Changes = Int(flags, "--changes", 100),
                        Deletions = Int(flags, "--deletions", 100),
                        ReadyTimeout = TimeSpan.FromSeconds(Int(flags, "--ready-timeout", 120)),
                        Settle = TimeSpan.FromSeconds(Int(flags, "--settle", 0)),
                        WarmGcs = Int(flags, "--warm-gcs", 0),
                        Burst = Int(flags, "--burst", 0),
                        Sweep = !flags.ContainsKey("--no-sweep"),
                        Label = label,
                        Source = flags.GetValueOrDefault("--source") is { } source
                            ? source is "file" or "kubernetes" ? source : throw new ArgumentException($"--source: {source} is not file or kubernetes")
                            : "file",
                    };
                    var name = $"{stamp}-controlplane{(options.Source == "kubernetes" ? "-kubernetes" : "")}{suffix}";
                    var results = await new ControlPlaneBench(gateway, work, options).RunAsync(partial =>
                        Report.Write(outDir, name, ControlPlaneBench.Markdown(machine, options, partial), ControlPlaneBench.Json(machine, options, partial)));
                    var md = Report.Write(outDir, name, ControlPlaneBench.Markdown(machine, options, results), ControlPlaneBench.Json(machine, options, results));
                    Console.WriteLine(File.ReadAllText(md));
                    Console.WriteLine($"written: {md}");
                    break;
                }
                default:
                    return Fail($"unknown mode {mode}");
            }
            return 0;
        }
        finally
        {
            if (!flags.ContainsKey("--keep")) TryDelete(work);
        }
    }

    private static async Task<int> ChangeCostAsync(Dictionary<string, string> flags)
    {
        var source = flags.GetValueOrDefault("--source") ?? "both";
        if (source is not ("file" or "kubernetes" or "both")) return Fail($"--source: {source} is not file, kubernetes or both");
        ChangeCostProbe.Options options;
        try
        {
            options = new ChangeCostProbe.Options(Ints(flags, "--sizes", [100, 1000, 10000]), Int(flags, "--changes", 200), source, flags.ContainsKey("--survivors"));
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return Fail("--sizes takes comma-separated whole numbers and --changes a whole number");
        }
        if (options.Changes < 1 || options.Sizes.Count == 0 || options.Sizes.Any(s => s < 1)) return Fail("--changes and --sizes must be positive");
        var machine = ProbeMachine(flags, "changecost");
        var rows = await ChangeCostProbe.RunAsync(options);
        return WriteProbeReport(flags, "changecost", ChangeCostProbe.Markdown(options, machine.Markdown(), rows), JsonSerializer.Serialize(new { machine, options, rows }, Report.JsonOptions));
    }

    /// <summary>The repository root, seen from the bench's build output (the in-process probes write their results there).</summary>
    private static readonly string ProbeRepo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    /// <summary>The machine facts of an in-process probe, taken before it runs (the load average at its start).</summary>
    private static MachineInfo ProbeMachine(Dictionary<string, string> flags, string kind) =>
        MachineInfo.Collect(ProbeRepo, $"bench/run-{kind}.sh " + string.Join(' ', flags.Select(p => $"{p.Key} {p.Value}")));

    /// <summary>Writes an in-process probe's report (bench/results/&lt;stamp&gt;-&lt;kind&gt;[-label].md and .json, or under --out) and prints it.</summary>
    private static int WriteProbeReport(Dictionary<string, string> flags, string kind, string markdown, string json)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        var md = Report.Write(flags.GetValueOrDefault("--out") ?? Path.Combine(ProbeRepo, "bench", "results"),
            $"{stamp}-{kind}{LabelSuffix(flags.GetValueOrDefault("--label") ?? "")}", markdown, json);
        Console.WriteLine(File.ReadAllText(md));
        Console.WriteLine($"written: {md}");
        return 0;
    }

    /// <summary>"-label" with every character but letters and digits made a dash, lower case; empty without a label.</summary>
    /// <summary>The type of the file system <paramref name="path"/> is on (the longest mount point in /proc/mounts above it), or "unknown".</summary>
    private static string FileSystemOf(string path)
    {
        try
        {
            return File.ReadLines("/proc/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 2 && (path == f[1] || path.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
                .OrderByDescending(f => f[1].Length).Select(f => f[2]).FirstOrDefault() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string LabelSuffix(string label) =>
        label.Length > 0 ? "-" + new string([.. label.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]) : "";

    private static async Task<int> StatusWriteAsync(Dictionary<string, string> flags)
    {
        StatusWriteProbe.Options options;
        try
        {
            options = new StatusWriteProbe.Options(Int(flags, "--routes", 10000), Int(flags, "--rounds", 3), flags.GetValueOrDefault("--dir") ?? Path.GetTempPath());
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return Fail("--routes and --rounds take whole numbers");
        }
        if (options.Routes < 1 || options.Rounds < 1) return Fail("--routes and --rounds must be positive");
        if (!Directory.Exists(options.Directory)) return Fail($"--dir {options.Directory} does not exist");
        var machine = ProbeMachine(flags, "statuswrite");
        var rows = await StatusWriteProbe.RunAsync(options);
        return WriteProbeReport(flags, "statuswrite", StatusWriteProbe.Markdown(options, machine.Markdown(), rows), JsonSerializer.Serialize(new { machine, options, rows }, Report.JsonOptions));
    }

    private static int ScanCost(Dictionary<string, string> flags)
    {
        ScanCostProbe.Options options;
        try
        {
            options = new ScanCostProbe.Options(Int(flags, "--routes", 10000), Int(flags, "--rounds", 3), flags.GetValueOrDefault("--dir") ?? Path.GetTempPath(),
                flags.GetValueOrDefault("--cold") == "parts");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return Fail("--routes and --rounds take whole numbers");
        }
        if (options.Routes < 1 || options.Rounds < 1) return Fail("--routes and --rounds must be positive");
        if (!Directory.Exists(options.Directory)) return Fail($"--dir {options.Directory} does not exist");
        var machine = ProbeMachine(flags, "scancost");
        var rows = ScanCostProbe.Run(options);
        return WriteProbeReport(flags, "scancost", ScanCostProbe.Markdown(options, machine.Markdown(), rows), ScanCostProbe.Json(machine, options, rows));
    }

    private static int Int(Dictionary<string, string> flags, string name, int fallback) =>
        flags.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static IReadOnlyList<int> Ints(Dictionary<string, string> flags, string name, int[] fallback) =>
        flags.TryGetValue(name, out var v) ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
