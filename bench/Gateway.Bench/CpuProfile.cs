using System.Globalization;
using System.Text;

namespace Gateway.Bench;

/// <summary>
/// Where one target's CPU goes per request: `perf record -a` samples taken while wrk loads the target, kept for the
/// target's processes (its root and every descendant, so nginx's workers count), grouped by component, scaled to the
/// CPU the target used per request in the same window. .NET code is named through the runtime's perf map
/// (DOTNET_PerfMapEnabled=1 with DOTNET_EnableWriteXorExecute=0, set on every gateway when profiling: with W^X the JIT's
/// code runs from a memfd mapping perf does not look up in the map) and grouped by assembly; precompiled (ReadyToRun)
/// framework code perf cannot name is grouped by the assembly file it runs from. The CLR runtime's own symbols are
/// stripped, so garbage collection, allocation helpers and stubs are one group there.
/// </summary>
internal sealed partial record CpuProfile(string Target, int Connections, long Requests, double CpuSeconds, long Samples, IReadOnlyDictionary<string, long> Components)
{
    /// <summary>Microseconds of CPU per request in total.</summary>
    public double MicrosecondsPerRequest => Requests > 0 ? CpuSeconds / Requests * 1e6 : double.NaN;

    /// <summary>Microseconds of CPU per request spent in <paramref name="component"/>.</summary>
    public double MicrosecondsIn(string component) =>
        Samples > 0 ? MicrosecondsPerRequest * Components.GetValueOrDefault(component) / Samples : double.NaN;

    /// <summary>Samples every CPU at 999 Hz for <paramref name="seconds"/> into <paramref name="path"/>.</summary>
    public static void Record(string path, int seconds)
    {
        var (code, output) = Util.Run(Util.Which("perf"), ["record", "-a", "-F", "999", "-o", path, "--", "sleep", seconds.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(seconds + 60));
        if (code != 0) throw new InvalidOperationException($"perf record failed ({code}): {output}");
    }

    /// <summary>The samples of <paramref name="pids"/> in <paramref name="path"/>, counted by component.</summary>
    public static (long Samples, Dictionary<string, long> Components) Count(string path, IReadOnlySet<int> pids)
    {
        var (code, output) = Util.Run(Util.Which("perf"), ["script", "-i", path, "-F", "pid,ip,sym,dso"], TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"perf script failed ({code}): {output[..Math.Min(output.Length, 2000)]}");
        var components = new Dictionary<string, long>(StringComparer.Ordinal);
        long samples = 0;
        foreach (var raw in output.Split('\n'))
        {
            // "<pid> <ip> <symbol> (<dso>)"; the symbol may contain spaces and parentheses, the dso is the last group.
            var line = raw.Trim();
            var firstSpace = line.IndexOf(' ');
            if (firstSpace <= 0 || !int.TryParse(line.AsSpan(0, firstSpace), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !pids.Contains(pid)) continue;
            var rest = line[(firstSpace + 1)..].TrimStart();
            var ipEnd = rest.IndexOf(' ');
            if (ipEnd < 0) continue;
            rest = rest[(ipEnd + 1)..];
            var dsoStart = rest.LastIndexOf(" (", StringComparison.Ordinal);
            var (symbol, dso) = dsoStart < 0 ? (rest, "") : (rest[..dsoStart], rest[(dsoStart + 2)..].TrimEnd(')'));
            var component = Component(symbol, dso);
            components[component] = components.GetValueOrDefault(component) + 1;
            samples++;
        }
        return (samples, components);
    }

    /// <summary>The component a sample belongs to, from its symbol and the file its code runs from.</summary>
    public static string Component(string symbol, string dso)
    {
        var file = Path.GetFileName(dso);
        if (dso.Contains("kernel.kallsyms", StringComparison.Ordinal) || dso == "[vdso]") return "kernel: " + KernelPart(symbol);
        if (file.StartsWith("libcoreclr", StringComparison.Ordinal)) return "CLR runtime (GC, allocation, casts, stubs)";
        if (file.StartsWith("libclrjit", StringComparison.Ordinal)) return "JIT compiler";
        if (file.StartsWith("libSystem.Native", StringComparison.Ordinal)) return "System.Native (syscall shims)";
        if (file.StartsWith("libc.so", StringComparison.Ordinal) || file.StartsWith("libpthread", StringComparison.Ordinal) || file.StartsWith("ld-linux", StringComparison.Ordinal)) return "libc";
        if (file.StartsWith("libssl", StringComparison.Ordinal) || file.StartsWith("libcrypto", StringComparison.Ordinal)) return "OpenSSL";
        // JIT-compiled .NET code, named by the perf map: "<return type> [Assembly] Namespace.Type::Method(...)[Tier]" (types
        // in the signature are written "[Assembly]Type", without the space).
        if (ManagedSymbol().Match(symbol) is { Success: true } m) return Managed(m.Groups[1].Value, m.Groups[2].Value);
        if (file == "nginx" || file == "haproxy" || file == "caddy") return file;
        if (file.EndsWith(".dll", StringComparison.Ordinal)) return Managed(file[..^4], "");
        if (dso.Contains("doublemapper", StringComparison.Ordinal) || dso.StartsWith("/tmp/perf-", StringComparison.Ordinal)) return ".NET code, unnamed (stubs, not yet in the perf map)";
        return file.Length > 0 ? file : "unknown";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[([\w.]+)\] ([^\s(]+)::")]
    private static partial System.Text.RegularExpressions.Regex ManagedSymbol();

    private static string Managed(string assembly, string method)
    {
        if (assembly.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)) return ".NET: Kestrel (HTTP server)";
        if (assembly.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || assembly.StartsWith("Microsoft.Extensions", StringComparison.Ordinal)) return ".NET: ASP.NET Core hosting";
        if (assembly.StartsWith("Yarp", StringComparison.Ordinal)) return ".NET: YARP forwarder";
        if (assembly.StartsWith("Gateway", StringComparison.Ordinal)) return ".NET: gateway code";
        if (assembly.StartsWith("Akka", StringComparison.Ordinal)) return ".NET: Akka";
        if (assembly == "System.Net.Http") return ".NET: SocketsHttpHandler (backend client)";
        if (assembly == "System.Net.Sockets") return ".NET: sockets";
        if (assembly == "System.IO.Pipelines") return ".NET: pipelines";
        if (assembly == "System.Net.Security") return ".NET: TLS (SslStream)";
        if (assembly == "System.Private.CoreLib")
        {
            if (method.StartsWith("System.Threading.", StringComparison.Ordinal) || method.StartsWith("System.Runtime.CompilerServices.", StringComparison.Ordinal))
                return ".NET: CoreLib threading, tasks, async";
            return ".NET: CoreLib other (collections, strings, memory)";
        }
        return ".NET: other framework (" + assembly + ")";
    }

    private static string KernelPart(string symbol)
    {
        static bool Any(string s, params string[] parts) => parts.Any(p => s.Contains(p, StringComparison.Ordinal));
        if (Any(symbol, "tcp", "ip_", "ipv4", "inet", "sock", "skb", "net_", "netif", "napi", "loopback", "dev_", "nf_", "sk_", "__sys_recv", "__sys_send", "_copy_to_iter", "_copy_from_iter", "csum"))
            return "TCP/IP, sockets, copies";
        if (Any(symbol, "epoll", "ep_", "poll"))
            return "epoll";
        if (Any(symbol, "schedule", "futex", "switch", "sched", "wake", "ttwu", "enqueue", "dequeue", "pick_next", "update_curr", "idle", "yield", "hrtimer", "tick", "rcu"))
            return "scheduler, futex, timers";
        if (Any(symbol, "syscall", "entry_", "sys_", "fget", "fput", "fdget", "exit_to_user", "syscall_exit"))
            return "syscall entry and exit";
        if (Any(symbol, "page", "mm_", "alloc", "kmem", "kfree", "slab", "memcg", "folio", "clear_", "memset", "memcpy"))
            return "memory";
        return "other";
    }

    /// <summary>A table: one row per component (largest first in the first profile), one column per target, microseconds per request.</summary>
    public static string Markdown(IReadOnlyList<CpuProfile> profiles, int seconds)
    {
        if (profiles.Count == 0) return "";
        var sb = new StringBuilder();
        sb.AppendLine($"CPU per request by component: `perf record -a -F 999` for {seconds} s while wrk loads each target (one target at a time, after the rounds), " +
            "the target's processes only; microseconds of CPU per request, the column's total is the CPU the target used per request in that window " +
            "(samples: how many perf samples the target had).").AppendLine();
        sb.Append("| component |");
        foreach (var p in profiles) sb.Append($" {p.Target} c={p.Connections} |");
        sb.AppendLine();
        sb.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", profiles.Count))).AppendLine();
        var components = profiles.SelectMany(p => p.Components.Keys).Distinct(StringComparer.Ordinal)
            .OrderByDescending(c => profiles.Max(p => p.MicrosecondsIn(c))).ToList();
        foreach (var c in components)
        {
            sb.Append($"| {c} |");
            foreach (var p in profiles) sb.Append(p.Components.ContainsKey(c) ? $" {Util.F(p.MicrosecondsIn(c), 2)} |" : " - |");
            sb.AppendLine();
        }
        sb.Append("| **total µs per request** |");
        foreach (var p in profiles) sb.Append($" **{Util.F(p.MicrosecondsPerRequest, 2)}** |");
        sb.AppendLine();
        sb.Append("| samples / requests in the window |");
        foreach (var p in profiles) sb.Append($" {p.Samples} / {p.Requests} |");
        sb.AppendLine();
        return sb.ToString();
    }
}
