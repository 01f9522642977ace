using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Bench;

/// <summary>One load run's numbers.</summary>
/// <param name="Requests">Completed requests in the measured period.</param>
/// <param name="Seconds">Length of the measured period.</param>
/// <param name="Rps">Requests per second.</param>
/// <param name="P50Ms">Median latency.</param>
/// <param name="P99Ms">99th percentile latency.</param>
/// <param name="Errors">Non-2xx responses plus socket errors (must be 0 for a valid run).</param>
internal sealed record LoadResult(long Requests, double Seconds, double Rps, double P50Ms, double P99Ms, long Errors);

/// <summary>wrk (HTTP/1.1, keep-alive) from the distribution.</summary>
internal static partial class Wrk
{
    public static LoadResult Run(string url, string host, int connections, int seconds)
    {
        var (code, output) = Util.Run(Util.Which("wrk"),
            ["-t1", $"-c{connections}", $"-d{seconds}s", "--latency", "--timeout", "5s", "-H", $"Host: {host}", url],
            TimeSpan.FromSeconds(seconds + 30));
        if (code != 0) throw new InvalidOperationException($"wrk failed ({code}): {output}");
        var requests = long.Parse(RequestsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var elapsed = Duration(RequestsLine().Match(output).Groups[2].Value);
        var rps = double.Parse(RpsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var p50 = Percentile(output, "50");
        var p99 = Percentile(output, "99");
        var errors = 0L;
        if (Non2xx().Match(output) is { Success: true } non2xx) errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        if (SocketErrors().Match(output) is { Success: true } socket)
        {
            for (var i = 1; i <= 4; i++) errors += long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture);
        }
        return new LoadResult(requests, elapsed, rps, p50, p99, errors);
    }

    private static double Percentile(string output, string p)
    {
        var m = Regex.Match(output, @"^\s*" + p + @"%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success) throw new InvalidOperationException($"no {p}% line in wrk output: {output}");
        return ToMs(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value);
    }

    private static double Duration(string text)
    {
        var m = Regex.Match(text, @"([\d.]+)(us|ms|s|m)");
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1e6, "ms" => value / 1e3, "m" => value * 60, _ => value };
    }

    private static double ToMs(double value, string unit) => unit switch { "us" => value / 1000, "s" => value * 1000, _ => value };

    [GeneratedRegex(@"(\d+) requests in ([\d.]+\w+),")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RpsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}

/// <summary>
/// h2load (nghttp2-client) for HTTP/2: one stream in flight per connection (-m1), so it loads a proxy like wrk's
/// keep-alive connections do. Latency percentiles come from its per-request log (h2load prints only mean/sd).
/// </summary>
internal static partial class H2Load
{
    public static LoadResult Run(string url, string host, int connections, int seconds, string logPath)
    {
        if (File.Exists(logPath)) File.Delete(logPath);
        var (code, output) = Util.Run(Util.Which("h2load"),
            ["-t1", $"-c{connections}", "-m1", $"-D{seconds}", "--warm-up-time=1", "-H", $":authority: {host}", "--log-file", logPath, url],
            TimeSpan.FromSeconds(seconds + 40));
        if (code != 0) throw new InvalidOperationException($"h2load failed ({code}): {output}");
        var finished = Finished().Match(output);
        if (!finished.Success) throw new InvalidOperationException($"unexpected h2load output: {output}");
        var rps = double.Parse(finished.Groups[2].Value, CultureInfo.InvariantCulture);
        var status = Status().Match(output);
        var requests = Summary().Match(output);
        var errors = long.Parse(requests.Groups[2].Value, CultureInfo.InvariantCulture) + long.Parse(requests.Groups[3].Value, CultureInfo.InvariantCulture)
            + long.Parse(status.Groups[2].Value, CultureInfo.InvariantCulture) + long.Parse(status.Groups[3].Value, CultureInfo.InvariantCulture)
            + long.Parse(status.Groups[4].Value, CultureInfo.InvariantCulture);
        // Log lines: start time (µs since the epoch), status, duration (µs). The log covers the measured period only.
        var durations = File.ReadLines(logPath)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3)
            .Select(f => double.Parse(f[2], CultureInfo.InvariantCulture) / 1000.0)
            .Order()
            .ToArray();
        return new LoadResult(long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), seconds, rps,
            Util.Percentile(durations, 50), Util.Percentile(durations, 99), errors);
    }

    [GeneratedRegex(@"finished in ([\d.]+)(?:s|ms), ([\d.]+) req/s")]
    private static partial Regex Finished();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored")]
    private static partial Regex Summary();

    [GeneratedRegex(@"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")]
    private static partial Regex Status();
}
