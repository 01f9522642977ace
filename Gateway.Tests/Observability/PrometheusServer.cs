using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Tests.MultiNode;

namespace Gateway.Tests.Observability;

/// <summary>
/// A real Prometheus server (Debian's package, /usr/bin/prometheus; .ci/run installs it) scraping one target every
/// second: configuration and storage in a temporary directory, listening on loopback only, killed at dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/prometheus";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PrometheusServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>What the server wrote (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(40));
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at <paramref name="path"/> every second.</summary>
    public static PrometheusServer Start(string directory, string target, string path)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: apt-get install -y prometheus (.ci/run installs it)");
        var config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: gateway
                metrics_path: {path}
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = ReplicaProcess.FreePort();
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        var server = new PrometheusServer(process, port);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    /// <summary>
    /// An instant PromQL query over the HTTP API: each series of the result as its labels and value. Throws when the
    /// server is not up or answers an error.
    /// </summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken ct)
    {
        var uri = $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/api/v1/query?query={Uri.EscapeDataString(promql)}";
        using var document = JsonDocument.Parse(await Http.GetStringAsync(uri, ct));
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success") throw new InvalidOperationException($"query {promql}: {root}");
        return [.. root.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        _process.Dispose();
    }
}
