using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Bench;

/// <summary>
/// System calls per request of one target: `strace -c -f` attached to the target's processes (every thread, nginx's
/// workers included) while h2load sends an exact number of HTTP/1.1 requests over 50 keep-alive connections. strace
/// slows the target down a lot, so only the counts mean anything, not the times.
/// </summary>
internal sealed partial record SyscallCount(string Target, long Requests, IReadOnlyDictionary<string, (long Calls, long Errors)> Calls)
{
    /// <summary>Counts the system calls of <paramref name="pids"/> while <paramref name="requests"/> requests go to <paramref name="url"/>.</summary>
    public static SyscallCount Measure(string target, IReadOnlyCollection<int> pids, string url, string host, long requests, string workDirectory)
    {
        var output = Path.Combine(workDirectory, $"strace-{target}.txt");
        var args = new List<string> { "-c", "-f", "-o", output };
        foreach (var pid in pids) args.AddRange(["-p", pid.ToString(CultureInfo.InvariantCulture)]);
        using var strace = ChildProcess.Start("strace-" + target, Util.Which("strace"), args, Path.Combine(workDirectory, $"strace-{target}.log"));
        // strace reports every thread it attached before it traces; give it time to attach to all of them.
        if (!SpinWait.SpinUntil(() => strace.Lines.Count(l => l.Line.Contains("attached", StringComparison.Ordinal)) >= pids.Count, TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"strace did not attach to {target}");
        Thread.Sleep(500);
        var (code, load) = Util.Run(Util.Which("h2load"),
            ["--h1", "-t1", "-c50", $"-n{requests}", "-H", $":authority: {host}", url], TimeSpan.FromMinutes(5));
        if (code != 0 || !load.Contains($"{requests} succeeded", StringComparison.Ordinal)) throw new InvalidOperationException($"h2load failed ({code}): {load}");
        Thread.Sleep(500);
        // SIGINT detaches strace, which then writes its summary.
        strace.Stop(TimeSpan.FromSeconds(10));
        var calls = Parse(File.ReadAllText(output));
        File.Delete(output);
        return new SyscallCount(target, requests, calls);
    }

    /// <summary>The rows of strace's summary table: calls and errors by system call.</summary>
    public static Dictionary<string, (long Calls, long Errors)> Parse(string summary)
    {
        var calls = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (Match m in Row().Matches(summary))
        {
            var name = m.Groups["name"].Value;
            if (name == "total") continue;
            calls[name] = (long.Parse(m.Groups["calls"].Value, CultureInfo.InvariantCulture),
                m.Groups["errors"].Success ? long.Parse(m.Groups["errors"].Value, CultureInfo.InvariantCulture) : 0);
        }
        return calls;
    }

    // "% time  seconds  usecs/call  calls  errors  syscall"; errors may be empty.
    [GeneratedRegex(@"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(?<calls>\d+)\s+(?:(?<errors>\d+)\s+)?(?<name>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Row();

    /// <summary>A table: one row per system call (most frequent first), one column per target, calls (errors) per request.</summary>
    public static string Markdown(IReadOnlyList<SyscallCount> counts)
    {
        if (counts.Count == 0) return "";
        var sb = new StringBuilder();
        sb.AppendLine($"System calls per request: `strace -c -f` on the target's processes while `h2load --h1 -c50 -n{counts[0].Requests}` sends " +
            "exactly that many requests (one target at a time, after the rounds); calls per request, failed ones (EAGAIN and the like) in brackets.").AppendLine();
        sb.Append("| system call |");
        foreach (var c in counts) sb.Append($" {c.Target} |");
        sb.AppendLine();
        sb.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", counts.Count))).AppendLine();
        var names = counts.SelectMany(c => c.Calls.Keys).Distinct(StringComparer.Ordinal)
            .Select(n => (Name: n, Most: counts.Max(c => c.Calls.TryGetValue(n, out var v) ? (double)v.Calls / c.Requests : 0)))
            .Where(n => n.Most >= 0.01).OrderByDescending(n => n.Most).Select(n => n.Name).ToList();
        foreach (var name in names)
        {
            sb.Append($"| {name} |");
            foreach (var c in counts)
            {
                sb.Append(c.Calls.TryGetValue(name, out var v)
                    ? $" {Util.F((double)v.Calls / c.Requests, 2)}{(v.Errors > 0 ? $" ({Util.F((double)v.Errors / c.Requests, 2)})" : "")} |"
                    : " - |");
            }
            sb.AppendLine();
        }
        sb.Append("| **all** |");
        foreach (var c in counts) sb.Append($" **{Util.F((double)c.Calls.Values.Sum(v => v.Calls) / c.Requests, 2)}** |");
        sb.AppendLine();
        return sb.ToString();
    }
}
