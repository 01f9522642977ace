using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>A child process (nginx, the gateway) whose output goes to a log file and whose CPU time can be read.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly List<(DateTime At, string Line)> _lines = [];

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Pid => _process.Id;

    public string Name { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/>; stdout and stderr go to <paramref name="logPath"/> and are kept in memory.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, string logPath, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var child = new ChildProcess(process, log) { Name = name };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Add((DateTime.UtcNow, line));
            _log.WriteLine(line);
        }
    }

    /// <summary>Output lines seen so far (with the time they arrived).</summary>
    public IReadOnlyList<(DateTime At, string Line)> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }

    /// <summary>User + system CPU seconds of the process and all its descendants (nginx workers), from /proc.</summary>
    public double CpuSeconds() => ProcFs.TreeCpuSeconds(_process.Id);

    /// <summary>SIGTERM, then kill after <paramref name="grace"/>.</summary>
    public void Stop(TimeSpan grace)
    {
        try
        {
            if (_process.HasExited) return;
            Posix.Kill(_process.Id, 15);
            if (!_process.WaitForExit(grace)) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(10));
        _process.Dispose();
        lock (_gate) _log.Dispose();
    }
}

/// <summary>SIGTERM without a P/Invoke: the kill command.</summary>
internal static class Posix
{
    public static void Kill(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit(5000);
    }
}

/// <summary>Reads CPU times from /proc (Linux).</summary>
internal static class ProcFs
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ is 100 on Linux x86-64.

    /// <summary><paramref name="root"/> and every descendant process.</summary>
    public static HashSet<int> TreePids(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
            {
            }
        }
        var tree = new HashSet<int> { root };
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            var pid = queue.Dequeue();
            foreach (var (child, parent) in parents) if (parent == pid && tree.Add(child)) queue.Enqueue(child);
        }
        return tree;
    }

    public static double TreeCpuSeconds(int root)
    {
        var parents = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name (which may contain spaces) start after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                cpu[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
            {
            }
        }
        var total = 0.0;
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            var pid = queue.Dequeue();
            total += cpu.GetValueOrDefault(pid);
            foreach (var (child, parent) in parents) if (parent == pid) queue.Enqueue(child);
        }
        return total;
    }
}

/// <summary>Small helpers: ports, commands, waiting, statistics.</summary>
internal static class Util
{
    public static int FreePort(string address = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Runs a command to completion (bounded) and returns its stdout + stderr.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Which(string name) =>
        TryWhich(name) ?? throw new InvalidOperationException($"{name} not found on PATH (apt-get install -y nginx wrk nghttp2-client haproxy caddy)");

    public static string? TryWhich(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Waits until <paramref name="probe"/> is true, polling, at most <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> probe, TimeSpan timeout, TimeSpan? every = null)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            try
            {
                if (await probe().ConfigureAwait(false)) return true;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or SocketException or TaskCanceledException or JsonException)
            {
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        }
        return false;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile of <paramref name="sorted"/> (ascending).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static string F(double value, int digits = 1) =>
        double.IsNaN(value) ? "n/a" : value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Bytes(double bytes) => double.IsNaN(bytes) ? "n/a"
        : bytes >= 1 << 20 ? $"{F(bytes / (1 << 20))} MiB" : bytes >= 1 << 10 ? $"{F(bytes / 1024.0)} KiB" : $"{F(bytes, 0)} B";
}

/// <summary>Where and on what the benchmark ran: written at the top of every result file.</summary>
internal sealed record MachineInfo(string Date, string Host, string Cpu, int Cores, string MemoryTotal, string Kernel, string Os, string DotNet,
    string Nginx, string Wrk, string H2Load, string GitCommit, string CommandLine, string LoadAtStart)
{
    /// <summary>The 1-minute load average (/proc/loadavg), NaN when unreadable.</summary>
    public static double LoadAverage1()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    public static MachineInfo Collect(string repo, string commandLine)
    {
        static string Try(Func<string> f)
        {
            try
            {
                return f().Trim();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
            {
                return "unknown";
            }
        }
        var cpuinfo = Try(() => File.ReadAllText("/proc/cpuinfo"));
        var cpu = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var mem = Try(() => File.ReadAllLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(':', 2)[1]);
        var os = Try(() => File.ReadAllLines("/etc/os-release").First(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))["PRETTY_NAME=".Length..].Trim('"'));
        return new MachineInfo(
            DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Environment.MachineName, cpu, Environment.ProcessorCount, mem,
            Try(() => File.ReadAllText("/proc/sys/kernel/osrelease")), os,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            Try(() => Util.Run("nginx", ["-v"], TimeSpan.FromSeconds(10)).Output),
            Try(() => Util.Run("wrk", ["-v"], TimeSpan.FromSeconds(10)).Output.Split('\n')[0]),
            Try(() => Util.Run("h2load", ["--version"], TimeSpan.FromSeconds(10)).Output),
            Try(() => Util.Run("git", ["-C", repo, "rev-parse", "--short", "HEAD"], TimeSpan.FromSeconds(10)).Output)
                + (Try(() => Util.Run("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"], TimeSpan.FromSeconds(10)).Output).Length > 0 ? " (+ uncommitted changes)" : ""),
            commandLine,
            Try(() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))));
    }

    public string Markdown() =>
        $"""
        | | |
        |---|---|
        | date | {Date} |
        | machine | {Cpu}, {Cores} cores, {MemoryTotal}; {Os}; kernel {Kernel} |
        | runtime | {DotNet} |
        | tools | {Nginx}; {Wrk}; {H2Load} |
        | commit | {GitCommit} |
        | command | `{CommandLine}` |
        | load average at start (1, 5, 15 min) | {LoadAtStart} |
        """;
}
