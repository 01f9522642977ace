using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>nginx from the distribution, run in the foreground with a generated configuration.</summary>
internal static class Nginx
{
    /// <summary>
    /// The backend: one worker answering every request with a fixed 200 (body "ok"), keep-alive without limits. With
    /// <paramref name="echoHost"/> the body is the request's Host instead (the control plane checks that a response
    /// came through the route it just added).
    /// </summary>
    public static ChildProcess StartBackend(string directory, string address, int port, bool echoHost = false) =>
        Start(directory, "backend", $$"""
            server {
                listen {{address}}:{{port}} backlog=4096 reuseport;
                location / { return 200 "{{(echoHost ? "$host" : "ok")}}\n"; }
            }
            """);

    /// <summary>
    /// nginx as the reverse proxy users would otherwise pick: <paramref name="workers"/> worker processes (the bench's
    /// --proxy-workers, by default one per core, as the gateway uses every core), upstream keep-alive, HTTP/1.1 on
    /// <paramref name="httpPort"/>, HTTPS (HTTP/1.1 and h2 by ALPN) on <paramref name="httpsPort"/>, cleartext HTTP/2
    /// (prior knowledge) on <paramref name="h2cPort"/>.
    /// </summary>
    public static ChildProcess StartProxy(string directory, string address, int httpPort, int httpsPort, int h2cPort, BenchCertificate certificate,
        string backendAddress, int backendPort, int workers)
    {
        const string location = """
            location / {
                    proxy_pass http://backend;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                }
            """;
        return Start(directory, "proxy", $$"""
            upstream backend {
                server {{backendAddress}}:{{backendPort}};
                keepalive 128;
                keepalive_requests 1000000;
            }
            server {
                listen {{address}}:{{httpPort}} backlog=4096;
                listen {{address}}:{{httpsPort}} ssl http2 backlog=4096;
                ssl_certificate {{certificate.CertificatePath}};
                ssl_certificate_key {{certificate.KeyPath}};
                {{location}}
            }
            server {
                listen {{address}}:{{h2cPort}} http2 backlog=4096;
                {{location}}
            }
            """, workers);
    }

    private static ChildProcess Start(string directory, string name, string server, int workers = 1)
    {
        var prefix = Path.Combine(directory, "nginx-" + name);
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        var conf = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(conf, $$"""
            worker_processes {{workers}};
            daemon off;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 8192; }
            http {
                access_log off;
                keepalive_requests 1000000;
                keepalive_timeout 300s;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                {{server}}
            }
            """);
        return ChildProcess.Start("nginx-" + name, Util.Which("nginx"), ["-p", prefix, "-c", conf], Path.Combine(prefix, "stdout.log"));
    }
}

/// <summary>
/// HAProxy from the distribution as a peer proxy: <c>nbthread</c> = the bench's --proxy-workers (nginx's worker count), backend connections reused
/// across client connections (http-reuse always, the closest to nginx's upstream keepalive), HTTP/1.1 on
/// the http port, HTTPS (h2 and http/1.1 by ALPN) on the https port, cleartext HTTP/2
/// (prior knowledge) on the h2c port; no logging.
/// </summary>
internal static class HaProxy
{
    public static ChildProcess Start(string directory, string address, int httpPort, int httpsPort, int h2cPort, BenchCertificate certificate,
        string backendAddress, int backendPort, int workers)
    {
        var prefix = Path.Combine(directory, "haproxy");
        Directory.CreateDirectory(prefix);
        // HAProxy reads the certificate and its key from one PEM file.
        var pem = Path.Combine(prefix, "bench.pem");
        File.WriteAllText(pem, certificate.CertificatePem.TrimEnd() + "\n" + certificate.KeyPem.TrimEnd() + "\n");
        var conf = Path.Combine(prefix, "haproxy.cfg");
        File.WriteAllText(conf, $$"""
            global
                nbthread {{workers}}
                maxconn 8192
                pidfile {{prefix}}/haproxy.pid
            defaults
                mode http
                timeout connect 5s
                timeout client 300s
                timeout server 300s
                timeout http-keep-alive 300s
                http-reuse always
            frontend proxy
                bind {{address}}:{{httpPort}}
                bind {{address}}:{{httpsPort}} ssl crt {{pem}} alpn h2,http/1.1
                bind {{address}}:{{h2cPort}} proto h2
                default_backend backend
            backend backend
                server b1 {{backendAddress}}:{{backendPort}}

            """);
        return ChildProcess.Start("haproxy", Util.Which("haproxy"), ["-db", "-f", conf], Path.Combine(prefix, "stdout.log"));
    }
}

/// <summary>
/// Caddy from the distribution as a peer proxy: GOMAXPROCS = the bench's --proxy-workers (nginx's worker count), 128 idle backend
/// connections kept, HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on the http port, HTTPS with the
/// bench certificate on the https port; no admin endpoint, no automatic HTTPS, no access log.
/// </summary>
internal static class Caddy
{
    public static ChildProcess Start(string directory, string address, int httpPort, int httpsPort, BenchCertificate certificate,
        string backendAddress, int backendPort, int workers)
    {
        var prefix = Path.Combine(directory, "caddy");
        Directory.CreateDirectory(prefix);
        var proxy = $$"""
            reverse_proxy {{backendAddress}}:{{backendPort}} {
                    transport http {
                        keepalive 300s
                        keepalive_idle_conns 128
                        keepalive_idle_conns_per_host 128
                    }
                }
            """;
        var conf = Path.Combine(prefix, "Caddyfile");
        File.WriteAllText(conf, $$"""
            {
                admin off
                auto_https off
                default_sni {{Fixtures.DataPlaneHost}}
                servers {
                    protocols h1 h2 h2c
                }
            }
            http://:{{httpPort}} {
                bind {{address}}
                {{proxy}}
            }
            https://:{{httpsPort}} {
                bind {{address}}
                tls {{certificate.CertificatePath}} {{certificate.KeyPath}}
                {{proxy}}
            }
            """);
        var env = new Dictionary<string, string>
        {
            ["GOMAXPROCS"] = workers.ToString(CultureInfo.InvariantCulture),
            ["HOME"] = prefix,
            ["XDG_DATA_HOME"] = Path.Combine(prefix, "data"),
            ["XDG_CONFIG_HOME"] = Path.Combine(prefix, "config"),
        };
        return ChildProcess.Start("caddy", Util.Which("caddy"), ["run", "--config", conf, "--adapter", "caddyfile"], Path.Combine(prefix, "stdout.log"), env);
    }
}

/// <summary>The Release gateway, run as a real process in file mode with a status directory.</summary>
internal sealed class GatewayProcess : IDisposable
{
    private static readonly HttpClient Management = new() { Timeout = TimeSpan.FromSeconds(120) };

    private GatewayProcess(ChildProcess process, int managementPort, string statusDirectory, long startedAt)
    {
        Process = process;
        ManagementPort = managementPort;
        StatusDirectory = statusDirectory;
        StartedAt = startedAt;
    }

    public ChildProcess Process { get; }

    public int ManagementPort { get; }

    public string StatusDirectory { get; }

    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedAt { get; }

    /// <summary>Extra environment for every gateway process (--gateway-env: A/B experiments with runtime knobs).</summary>
    public static Dictionary<string, string> Environment { get; } = [];

    public static GatewayProcess Start(string gatewayDll, string name, string manifests, string workDirectory, IEnumerable<string>? extraArgs = null,
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>()) environment[key] = value;
        var status = Path.Combine(workDirectory, name + "-status");
        Directory.CreateDirectory(status);
        var management = Util.FreePort();
        var startedAt = Stopwatch.GetTimestamp();
        var process = ChildProcess.Start("gateway-" + name, Util.Which("dotnet"),
            [gatewayDll, "--manifests", manifests, "--status-dir", status, "--management-port", management.ToString(CultureInfo.InvariantCulture),
             "--node-name", name, .. extraArgs ?? []],
            Path.Combine(workDirectory, name + ".log"), environment);
        return new GatewayProcess(process, management, status, startedAt);
    }

    /// <summary>
    /// Starts the gateway with <paramref name="arguments"/> as given (besides the management port and node name), for
    /// sources other than a manifests folder; its status directory is unused.
    /// </summary>
    public static GatewayProcess StartWith(string gatewayDll, string name, string workDirectory, IEnumerable<string> arguments)
    {
        var management = Util.FreePort();
        var startedAt = Stopwatch.GetTimestamp();
        var process = ChildProcess.Start("gateway-" + name, Util.Which("dotnet"),
            [gatewayDll, "--management-host", "127.0.0.1", "--management-port", management.ToString(CultureInfo.InvariantCulture), "--node-name", name, .. arguments],
            Path.Combine(workDirectory, name + ".log"), new Dictionary<string, string>(Environment));
        return new GatewayProcess(process, management, Path.Combine(workDirectory, name + "-status"), startedAt);
    }

    public Uri ManagementUri(string path) => new($"http://127.0.0.1:{ManagementPort}{path}");

    public async Task<bool> WaitReadyAsync(TimeSpan timeout) =>
        await Util.WaitUntilAsync(async () =>
        {
            if (Process.HasExited) throw new InvalidOperationException($"{Process.Name} exited; see its log");
            using var response = await Management.GetAsync(ManagementUri("/health/ready")).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }, timeout, TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);

    /// <summary>The /debug/memory reading (optionally after a full GC).</summary>
    public async Task<MemoryReading> MemoryAsync(bool fullGc) =>
        (await Management.GetFromJsonAsync<MemoryReading>(ManagementUri(fullGc ? "/debug/memory/gc" : "/debug/memory"), JsonOptions).ConfigureAwait(false))!;

    /// <summary>The reading after an aggressive GC (free memory returned to the OS); null from a build without that route.</summary>
    public async Task<MemoryReading?> FloorMemoryAsync()
    {
        try
        {
            return await Management.GetFromJsonAsync<MemoryReading>(ManagementUri("/debug/memory/gc-aggressive"), JsonOptions).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The gateway's GET /metrics now (Prometheus text format).</summary>
    public async Task<MetricsReading> MetricsAsync() =>
        MetricsReading.Parse(await Management.GetStringAsync(ManagementUri("/metrics")).ConfigureAwait(false));

    public void Dispose() => Process.Dispose();
}

/// <summary>
/// Sample values of one /metrics scrape, by series as written (name and label set). Parsed by hand: the bench reads
/// the sums and counts of a few series; each sample line is "name{labels} value" (the exposition format), and no
/// Prometheus text parser is in this project's dependencies.
/// </summary>
internal sealed class MetricsReading(IReadOnlyDictionary<string, double> samples)
{
    public static MetricsReading Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            samples[line[..space]] = value;
        }
        return new MetricsReading(samples);
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain <paramref name="label"/> (e.g. phase="pass").</summary>
    public double Sum(string name, string label = "") =>
        samples.Where(s => (s.Key.StartsWith(name + "{", StringComparison.Ordinal) || s.Key == name) && s.Key.Contains(label, StringComparison.Ordinal)).Sum(s => s.Value);

    /// <summary>Mean milliseconds per observation of a seconds histogram between <paramref name="before"/> and this reading (NaN without observations).</summary>
    public double MeanMsSince(MetricsReading? before, string histogram, string label)
    {
        var count = Sum(histogram + "_count", label) - (before?.Sum(histogram + "_count", label) ?? 0);
        var sum = Sum(histogram + "_sum", label) - (before?.Sum(histogram + "_sum", label) ?? 0);
        return count > 0 ? sum / count * 1000 : double.NaN;
    }

    /// <summary>Observations of a histogram between <paramref name="before"/> and this reading.</summary>
    public int CountSince(MetricsReading? before, string histogram, string label) =>
        (int)(Sum(histogram + "_count", label) - (before?.Sum(histogram + "_count", label) ?? 0));
}

/// <summary>What /debug/memory answers (Gateway.Host/Cluster/MemoryView).</summary>
internal sealed record MemoryReading(long WorkingSetBytes, long ManagedHeapBytes, long TotalAllocatedBytes, int Gen0Collections, int Gen1Collections,
    int Gen2Collections, double CpuSeconds, bool ServerGc, bool FullGcRan);
