using System.CommandLine;
using System.Globalization;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.Hosting;
using Gateway.Host.Observability.Logging;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Cli;

/// <summary>What the command line asks for.</summary>
public abstract record CommandLineRequest;

/// <summary>
/// Run the gateway (the default command). With <paramref name="DemoBackendsDirectory"/> set, the demo backends write
/// their EndpointSlices there; it is already the last of the options' manifest directories.
/// </summary>
public sealed record ServeRequest(GatewayHostOptions Options, LogLevel LogLevel, string? DemoBackendsDirectory = null,
    LogFormat LogFormat = LogFormat.Text) : CommandLineRequest
{
    /// <summary>Set with --mode mesh: run as a mesh proxy (Gateway.Host/Mesh) instead of a gateway.</summary>
    public Mesh.MeshOptions? Mesh { get; init; }

    /// <summary>True when the echo Deployments of the manifests are emulated (--demo-backends or the embedded default).</summary>
    public bool DemoBackends => DemoBackendsDirectory is not null;
}

/// <summary>Translate manifests once and print the result.</summary>
public sealed record TranslateRequest(IReadOnlyList<string> Paths, TranslatorOptions Options) : CommandLineRequest;

/// <summary>Add the mesh proxy to the workloads of a manifest file and print it (the inject command).</summary>
public sealed record InjectRequest(string Path, Mesh.Inject.InjectOptions Options) : CommandLineRequest;

/// <summary>Print help or version (handled by System.CommandLine).</summary>
public sealed record InfoRequest(ParseResult Result) : CommandLineRequest;

/// <summary>The command line is invalid; exit code 2.</summary>
public sealed record UsageErrorRequest(IReadOnlyList<string> Errors) : CommandLineRequest;

/// <summary>
/// The command line of Gateway.Host, parsed with System.CommandLine. Every flag and its default is documented in
/// --help. Every flag can also be given as an environment variable named after it (<see cref="VariableFor"/>), as
/// containers expect; a flag on the command line wins over its variable. Unknown flags and invalid values are usage
/// errors: a message naming the flag or variable on stderr and exit code 2.
/// </summary>
/// <remarks>
/// This class turns text into values (durations, numbers, names from a fixed set, label selectors) and checks that
/// the paths typed exist; every rule about the values themselves is <see cref="GatewayHostOptions.Errors"/>'s, which
/// the host applies again when it is built.
/// </remarks>
public static class GatewayCommandLine
{
    /// <summary>Exit code for an invalid command line.</summary>
    public const int UsageErrorExitCode = 2;

    /// <summary>The prefix of the environment variables that stand for flags.</summary>
    public const string VariablePrefix = "AKKA_GATEWAY_";

    /// <summary>The environment variable of a flag: "--management-port" → "AKKA_GATEWAY_MANAGEMENT_PORT".</summary>
    public static string VariableFor(string flag) => VariablePrefix + flag.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// Parses <paramref name="args"/> into a request; never throws for bad input. <paramref name="environment"/> reads
    /// environment variables (default: the process's); an unset or empty variable is absent.
    /// </summary>
    public static CommandLineRequest Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        var symbols = new Symbols();
        // No response files: an argument starting with '@' is a path, not a file of arguments.
        var result = symbols.Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0) return new UsageErrorRequest(result.Errors.Select(e => e.Message).Distinct().ToList());
        // --help and --version carry their own actions; our commands carry the no-op ones set below.
        if (result.Action != symbols.Root.Action && result.Action != symbols.Translate.Action && result.Action != symbols.Inject.Action) return new InfoRequest(result);
        if (result.CommandResult.Command == symbols.Inject) return Mesh.MeshCommandLine.ParseInject(result, symbols.InjectSymbols);

        var input = new Inputs(result, environment ?? Environment.GetEnvironmentVariable);
        var controllerName = input.Text(symbols.ControllerName);
        var addressPool = input.Text(symbols.AddressPool);
        var meshClusterIpRange = input.Text(symbols.MeshClusterIpRange);
        if (result.CommandResult.Command == symbols.Translate)
        {
            input.Report(GatewayHostOptions.TranslatorErrors(controllerName, addressPool));
            if (!AddressPools.TryParse(meshClusterIpRange, out _, out var meshRangeError)) input.Error(symbols.MeshClusterIpRange, meshRangeError);
            return input.Errors.Count > 0
                ? new UsageErrorRequest(input.Errors)
                : new TranslateRequest(result.GetValue(symbols.Paths)!.Select(Path.GetFullPath).ToList(),
                    new TranslatorOptions { ControllerName = controllerName, AddressPool = addressPool, MeshClusterIpRange = meshClusterIpRange });
        }

        var kubernetes = input.Converted(symbols.Source, OneOf("file", "kubernetes"), "file") == "kubernetes";
        var manifests = input.List(symbols.Manifests);
        foreach (var dir in manifests.Where(d => !Directory.Exists(d))) input.Error(symbols.Manifests, $"directory \"{dir}\" does not exist");
        var kubeconfig = input.OptionalText(symbols.Kubeconfig);
        if (kubeconfig is not null && !File.Exists(kubeconfig)) input.Error(symbols.Kubeconfig, $"file \"{kubeconfig}\" does not exist");
        // The embedded default (file mode without --manifests): the shipped quick-start examples with their demo backends.
        var demoBackends = input.Switch(symbols.DemoBackends) || (!kubernetes && manifests.Count == 0);
        var directories = (manifests.Count > 0 ? manifests : kubernetes ? [] : [EmbeddedExamples]).Select(Path.GetFullPath).ToList();
        var demoDirectory = demoBackends ? Path.Combine(Path.GetTempPath(), $"gateway-demo-backends-{Environment.ProcessId}") : null;
        if (demoDirectory is not null) directories.Add(demoDirectory);
        // Every value is converted whatever the mode, so a malformed one is reported even where it would not be used.
        var podSelector = input.Text(symbols.PodSelector);
        var podLabels = input.Converted(symbols.PodSelector, text => (Kubernetes.KubernetesFlags.ParseSelector(text, out var e), e),
            Kubernetes.GatewayServiceOptions.DefaultPodSelector);
        var portRange = input.Converted<(int Start, int End)>(symbols.ContainerPortRange,
            text => Kubernetes.KubernetesFlags.ParsePortRange(text, out var e) is { } range ? (range, "") : (default, e), (1, 1));
        var coalescing = new CoalescingOptions
        {
            Window = input.Converted(symbols.CoalesceWindow, Duration, TimeSpan.Zero),
            MaxDelay = input.Converted(symbols.CoalesceMaxDelay, Duration, TimeSpan.Zero),
        };
        // Bounded: a status held back for long would look lost to whoever waits for it.
        var statusDelay = input.Converted(symbols.StatusDelay,
            text => Duration(text) is ({ } delay, "") && delay <= TimeSpan.FromSeconds(1) ? (delay, "") : (default, "is not a duration from 0s to 1s (examples: 0s, 3ms, 50ms)"),
            TimeSpan.Zero);
        var rescanInterval = input.Converted(symbols.RescanInterval, Duration, TimeSpan.FromSeconds(1));
        var secretTypes = input.List(symbols.SecretTypes);
        var secretNamespaces = input.List(symbols.SecretNamespaces);
        var shutdownTimeout = input.Converted(symbols.ShutdownTimeout, Duration, TimeSpan.Zero);
        var logLevel = input.Converted(symbols.LogLevel, LogLevelFrom, LogLevel.Information);
        var logFormat = input.Converted(symbols.LogFormat,
            text => GatewayLogging.ParseFormat(text) is { } format ? (format, "") : (LogFormat.Text, "is not one of text, json"), LogFormat.Text);
        var cluster = ClusterOptions(input, symbols, podSelector);
        byte[]? sessionKey = null;
        if (input.OptionalFile(symbols.SessionKeyFile) is { } sessionKeyFile && File.Exists(sessionKeyFile))
        {
            sessionKey = DataPlane.Sessions.SessionKey.Load(sessionKeyFile, out var sessionKeyError);
            if (sessionKeyError is not null) input.Error(symbols.SessionKeyFile, sessionKeyError);
        }
        var dataPlane = new DataPlane.DataPlaneOptions
        {
            MaxConnections = input.Converted(symbols.MaxConnections, Limit("auto"), null),
            MaxListenerConnections = input.Converted(symbols.MaxListenerConnections, Limit("none"), null),
            MaxUpgradedConnections = input.Converted(symbols.MaxUpgradedConnections, Limit("none"), null),
            BackendMaxConnectionsPerServer = (int)(input.Converted(symbols.BackendMaxConnections, Limit(null), null) ?? 1),
            ForwardedHeaders = input.Converted(symbols.ForwardedHeaders, OneOf("append", "off"), "append") == "off" ? DataPlane.ForwardedHeadersMode.Off : DataPlane.ForwardedHeadersMode.Append,
            ForwardedTrustedHops = (int?)input.Converted(symbols.ForwardedTrustedHops, Limit("all", allowZero: true), null),
            SessionKey = sessionKey,
        };
        var options = new GatewayHostOptions
        {
            ManifestDirectories = directories,
            StatusDirectory = input.OptionalText(symbols.StatusDir) is { } status ? Path.GetFullPath(status) : null,
            ControllerName = controllerName,
            AddressPool = addressPool,
            MeshClusterIpRange = meshClusterIpRange,
            Coalescing = coalescing,
            StatusDelay = statusDelay,
            RescanInterval = rescanInterval,
            ShutdownTimeout = shutdownTimeout,
            Kubernetes = !kubernetes ? null : new Kubernetes.KubernetesHostOptions
            {
                KubeconfigPath = kubeconfig is null ? null : Path.GetFullPath(kubeconfig),
                Source = new Kubernetes.KubernetesSourceOptions { SecretTypes = secretTypes, SecretNamespaces = secretNamespaces },
                ServiceBindAddress = input.Text(symbols.ServiceBindAddress),
                Services = new Kubernetes.GatewayServiceOptions
                {
                    Namespace = input.Text(symbols.ServiceNamespace),
                    PodSelector = podLabels,
                    PortRangeStart = portRange.Start,
                    PortRangeEnd = portRange.End,
                },
            },
            Cluster = cluster,
            AccessLog = input.OptionalText(symbols.AccessLog),
            OtlpEndpoint = input.OptionalConverted(symbols.OtlpEndpoint,
                text => Observability.Tracing.GatewayTracing.Problem(text) is { } problem ? ((Uri?)null, problem) : (new Uri(text, UriKind.Absolute), "")),
            DataPlane = dataPlane,
            StartupHeapTrim = input.Switch(symbols.NoStartupHeapTrim) ? null : Memory.StartupHeapTrimOptions.Default.AfterPassivation(cluster.RouteEntityIdle),
        };
        var mesh = Mesh.MeshCommandLine.Serve(symbols.MeshSymbols, input.Text, input.OptionalText, input.Error, environment ?? Environment.GetEnvironmentVariable);
        if (mesh is not null)
        {
            // A proxy is alone (its statuses are dropped, MeshHosting) and serves management only when asked to.
            options.Cluster.Standalone = true;
            if (!input.Given(symbols.ManagementPort)) options.Cluster.ManagementPort = null;
        }
        if (input.Errors.Count == 0) input.Report(options.Errors());
        return input.Errors.Count > 0 ? new UsageErrorRequest(input.Errors) : new ServeRequest(options, logLevel, demoDirectory, logFormat) { Mesh = mesh };
    }

    /// <summary>
    /// Parses and runs. <paramref name="configure"/> adds to the host before it is built (the data plane factory,
    /// later Akka). Returns the process exit code: 0 success, 1 runtime failure, 2 usage error.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Action<GatewayHostBuilder>? configure = null,
        CancellationToken ct = default)
    {
        switch (Parse(args))
        {
            case UsageErrorRequest error:
                foreach (var message in error.Errors) stderr.WriteLine($"error: {message}");
                stderr.WriteLine("Run 'Gateway.Host --help' for usage.");
                return UsageErrorExitCode;
            case InfoRequest info:
                return await info.Result.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, ct).ConfigureAwait(false);
            case TranslateRequest translate:
                return TranslateCommand.Run(translate.Paths, translate.Options, stdout, stderr);
            case InjectRequest inject:
                return Mesh.Inject.MeshInjector.Run(inject.Path, inject.Options, stdout, stderr);
            case ServeRequest serve:
                return await ServeAsync(serve, stderr, configure, ct).ConfigureAwait(false);
            default:
                throw new InvalidOperationException("unknown request");
        }
    }

    private static async Task<int> ServeAsync(ServeRequest serve, TextWriter stderr, Action<GatewayHostBuilder>? configure, CancellationToken ct)
    {
        var builder = GatewayHost.CreateBuilder(serve.Options);
        builder.Logging.AddGatewayConsole(serve.LogFormat, serve.LogLevel);
        // Per-request forwarding logs would drown everything else at Information; Kestrel's "HTTP/2 needs TLS" warning
        // is wrong for our listeners (cleartext HTTP/2 prior knowledge is handled by the data plane).
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        if (serve.DemoBackendsDirectory is { } demo) await AddDemoBackendsAsync(builder, serve, demo, ct).ConfigureAwait(false);
        if (serve.Mesh is { } mesh) Mesh.MeshHosting.Configure(builder, mesh);
        configure?.Invoke(builder);
        await using var host = builder.Build();
        try
        {
            // Runs until SIGTERM/Ctrl+C (the generic host's console lifetime), then stops within --shutdown-timeout.
            await host.RunAsync(ct).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"fatal: {e}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The quick-start examples copied next to the binary (served when no --manifests is given).</summary>
    public static string EmbeddedExamples => Path.Combine(AppContext.BaseDirectory, "examples", "quickstart");

    // The emulated pods must answer, and their EndpointSlices exist, before the first full sync, so the first
    // translation already has endpoints.
    private static async Task AddDemoBackendsAsync(GatewayHostBuilder builder, ServeRequest serve, string output, CancellationToken ct)
    {
        var options = serve.Options;
        using var loggers = LoggerFactory.Create(l => l.AddGatewayConsole(serve.LogFormat, serve.LogLevel));
        var manifests = options.ManifestDirectories.Where(d => d != output).ToList();
        var demo = new Demo.DemoBackends(manifests, output, loggers.CreateLogger<Demo.DemoBackends>());
        await demo.SyncAsync(ct).ConfigureAwait(false);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(demo);
    }

    private static GatewayClusterOptions ClusterOptions(Inputs input, Symbols symbols, string podSelector)
    {
        var standalone = input.Switch(symbols.NoCluster);
        var peers = input.List(symbols.Peers);
        // --peer implies config discovery, except on a standalone replica, which rejects --peer itself.
        var discovery = input.OptionalConverted(symbols.Discovery, OneOf("none", "config", "kubernetes")) ?? (peers.Count > 0 && !standalone ? "config" : "none");
        // A standalone replica serves the management endpoint only when asked to: several can then run on one machine.
        var managementPort = standalone && !input.Given(symbols.ManagementPort) ? 0 : input.Converted(symbols.ManagementPort, Integer, 0);
        return new GatewayClusterOptions
        {
            Standalone = standalone,
            NodeName = input.OptionalText(symbols.NodeName),
            Hostname = input.Text(symbols.ClusterHost),
            Port = input.Converted(symbols.ClusterPort, Integer, 0),
            Discovery = discovery switch
            {
                "config" => ClusterDiscovery.Config,
                "kubernetes" => ClusterDiscovery.Kubernetes,
                _ => ClusterDiscovery.None,
            },
            Peers = [.. peers],
            // One selector finds the replicas for both the per-Gateway Services and cluster discovery unless told apart.
            KubernetesPodLabelSelector = input.OptionalText(symbols.DiscoveryPodSelector) ?? podSelector,
            KubernetesNamespace = input.OptionalText(symbols.PodNamespace),
            ManagementHostname = input.Text(symbols.ManagementHost),
            ManagementPort = managementPort == 0 ? null : managementPort,
            ManagementTokenFile = input.OptionalText(symbols.ManagementTokenFile) is { } tokenFile ? Path.GetFullPath(tokenFile) : null,
            Metrics = !input.Switch(symbols.NoMetrics),
            RequiredContactPoints = input.OptionalConverted(symbols.RequiredContactPoints, text =>
            {
                var (value, error) = Integer(text);
                return ((int?)value, error);
            }),
            RemotingTlsCertificate = input.OptionalFile(symbols.RemotingTlsCertificate),
            RemotingTlsKey = input.OptionalFile(symbols.RemotingTlsKey),
            RemotingTlsPassword = input.OptionalText(symbols.RemotingTlsPassword),
            RemotingTlsCa = input.OptionalFile(symbols.RemotingTlsCa),
            RouteEntityIdle = input.Converted<TimeSpan?>(symbols.RouteEntityIdle,
                text => text == "off" ? (null, "") : Duration(text) is ({ } idle, "") && idle > TimeSpan.Zero ? (idle, "") : (null, "is not a positive duration (examples: 500ms, 5s, 1m) or off"),
                null),
        };
    }

    // Conversions from text to values: (value, "") or (anything, what the text is not).
    private static (TimeSpan, string) Duration(string text) =>
        GatewayDuration.TryParse(text, out var value) ? (value, "") : (default, "is not a duration (examples: 20ms, 2s, 1m)");

    private static (int, string) Integer(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? (value, "") : (default, "is not an integer");

    /// <summary>A count: <paramref name="none"/> (when given) means null, otherwise a positive (or, with <paramref name="allowZero"/>, non-negative) integer up to int.MaxValue.</summary>
    private static Func<string, (long?, string)> Limit(string? none, bool allowZero = false) => text =>
        none is not null && text == none ? (null, "")
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && (value > 0 || (allowZero && value == 0)) ? (value, "")
        : (null, $"is not {(allowZero ? "a non-negative" : "a positive")} integer{(none is null ? "" : $" or {none}")}");

    private static (LogLevel, string) LogLevelFrom(string text) =>
        Enum.TryParse<LogLevel>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text.TrimStart('-')[0])
            ? (value, "")
            : (default, $"is not one of {string.Join(", ", Enum.GetNames<LogLevel>())}");

    private static Func<string, (string?, string)> OneOf(params string[] values) =>
        text => values.Contains(text, StringComparer.Ordinal) ? (text, "") : (null, $"is not one of {string.Join(", ", values)}");

    private static (bool, string) Boolean(string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" => (true, ""),
        "false" or "0" => (false, ""),
        _ => (false, "is not true, false, 1 or 0"),
    };

    /// <summary>
    /// The text of each setting, from the command line when the flag is given, else from its environment variable when
    /// that is set (not empty), else the flag's default; conversion errors and <see cref="OptionsError"/>s are
    /// reported under the name the value came from.
    /// </summary>
    private sealed class Inputs(ParseResult result, Func<string, string?> environment)
    {
        private readonly Dictionary<string, string> _fromEnvironment = new(StringComparer.Ordinal);

        public List<string> Errors { get; } = [];

        public string Text(Option<string> option) => FromEnvironment(option) ?? result.GetValue(option)!;

        public string? OptionalText(Option<string?> option) => FromEnvironment(option) ?? result.GetValue(option);

        public IReadOnlyList<string> List(Option<string[]> option) =>
            FromEnvironment(option) is { } text ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : result.GetValue(option) ?? [];

        /// <summary>An optional file path, made absolute; a path to no file is an error.</summary>
        public string? OptionalFile(Option<string?> option)
        {
            if (OptionalText(option) is not { } path) return null;
            if (!File.Exists(path)) Error(option, $"file \"{path}\" does not exist");
            return Path.GetFullPath(path);
        }

        /// <summary>True when the option is on the command line or its variable is set (not only its default).</summary>
        public bool Given(Option option) => result.GetResult(option) is { Implicit: false } || environment(VariableFor(option.Name)) is { Length: > 0 };

        public bool Switch(Option<bool> option) => FromEnvironment(option) is { } text ? Convert(option, text, Boolean, false) : result.GetValue(option);

        public T Converted<T>(Option<string> option, Func<string, (T?, string)> convert, T fallback) => Convert(option, Text(option), convert, fallback);

        public T? OptionalConverted<T>(Option<string?> option, Func<string, (T?, string)> convert) =>
            OptionalText(option) is { } text ? Convert(option, text, convert, default) : default;

        public void Error(Option option, string message) => Errors.Add($"{NameOf(option.Name)}: {message}");

        public void Report(IEnumerable<OptionsError> errors) => Errors.AddRange(errors.Select(e => $"{NameOf(e.Setting)}: {e.Message}"));

        private T Convert<T>(Option option, string text, Func<string, (T?, string)> convert, T fallback)
        {
            var (value, error) = convert(text);
            if (error.Length == 0) return value!;
            Error(option, $"\"{text}\" {error}");
            return fallback;
        }

        private string NameOf(string flag) => _fromEnvironment.GetValueOrDefault(flag, flag);

        private string? FromEnvironment(Option option)
        {
            if (result.GetResult(option) is { Implicit: false }) return null;
            var variable = VariableFor(option.Name);
            if (environment(variable) is not { Length: > 0 } text) return null;
            _fromEnvironment[option.Name] = variable;
            return text;
        }
    }

    /// <summary>--version prints the stamped version of this build (not the entry assembly's, which a test host replaces).</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(GatewayVersion.Current);
            return 0;
        }
    }

    /// <summary>The symbols of one parse (System.CommandLine symbols are built per parser).</summary>
    private sealed class Symbols
    {
        public readonly Option<string[]> Manifests = new("--manifests")
        {
            Description = "Directory of Gateway API manifests: every *.yaml, *.yml and *.json below it (recursive, multi-document) is loaded, " +
                "and files created, changed or deleted while running are picked up. Repeat for several directories; when two define the " +
                "same object, the first in path order wins and the other is reported. With --source file and no directory, the " +
                "quick-start examples shipped with the binary are served with --demo-backends (the embedded default).",
            HelpName = "DIR",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        public readonly Option<string?> StatusDir = new("--status-dir")
        {
            Description = "Write every object that has status to SDIR/<Kind>/<namespace>/<name>.yaml (cluster-scoped: SDIR/<Kind>/<name>.yaml), " +
                "the whole object as the API server would return it, replaced atomically, removed when the object goes away. " +
                "Default: none (statuses are kept in memory).",
            HelpName = "SDIR",
        };

        public readonly Option<string> ControllerName = new("--controller-name")
        {
            Description = "The GatewayClass spec.controllerName this instance owns.",
            HelpName = "NAME",
            DefaultValueFactory = _ => TranslatorOptions.DefaultControllerName,
            Recursive = true,
        };

        public readonly Option<string> AddressPool = new("--address-pool")
        {
            Description = "IPv4 CIDR from which each Gateway gets its own address (spec.addresses that this node can bind are used instead).",
            HelpName = "CIDR",
            DefaultValueFactory = _ => TranslatorOptions.DefaultAddressPool,
            Recursive = true,
        };

        public readonly Option<string> MeshClusterIpRange = new("--mesh-cluster-ip-range")
        {
            Description = "IPv4 CIDR from which file mode gives each non-headless Service its mesh ClusterIP (a spec.clusterIP inside it is kept); Kubernetes mode uses the Services' own ClusterIPs.",
            HelpName = "CIDR",
            DefaultValueFactory = _ => TranslatorOptions.DefaultMeshClusterIpRange,
            Recursive = true,
        };

        public readonly Option<string> CoalesceWindow = new("--coalesce-window")
        {
            Description = "Quiet period: a change after this much quiet is applied at once; inside a burst, changes are applied once they pause this long. 0s: every change is applied as soon as the previous pass is, with whatever arrived meanwhile.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "0s",
        };

        public readonly Option<string> CoalesceMaxDelay = new("--coalesce-max-delay")
        {
            Description = "The longest a change waits while a burst of changes goes on.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "200ms",
        };

        public readonly Option<string> StatusDelay = new("--status-delay")
        {
            Description = "How long after a change is applied to the data plane its statuses are handed to their writers, so the change's first requests are served before the status work takes the cores; 0s hands off at once.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "3ms",
        };

        public readonly Option<string> RescanInterval = new("--rescan-interval")
        {
            Description = "Period of the safety-net rescan of the manifest directories (file watchers can miss events).",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "2s",
        };

        public readonly Option<string> ShutdownTimeout = new("--shutdown-timeout")
        {
            Description = "The longest a graceful shutdown (SIGTERM, Ctrl+C) may take.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "10s",
        };

        public readonly Option<string> MaxConnections = new("--max-connections")
        {
            Description = "Client connections over all HTTP/HTTPS listener sockets together; one more is closed as soon as it is accepted. " +
                "auto: three quarters of what the file descriptor limit leaves after the descriptors the process holds at start and 64 more " +
                "(the soft limit is raised to the hard one at start).",
            HelpName = "N|auto",
            DefaultValueFactory = _ => "auto",
        };

        public readonly Option<string> MaxListenerConnections = new("--max-listener-connections")
        {
            Description = "Client connections per HTTP/HTTPS listener socket (address and port).",
            HelpName = "N|none",
            DefaultValueFactory = _ => "none",
        };

        public readonly Option<string> MaxUpgradedConnections = new("--max-upgraded-connections")
        {
            Description = "Upgraded (WebSocket) connections per HTTP/HTTPS listener socket.",
            HelpName = "N|none",
            DefaultValueFactory = _ => "none",
        };

        public readonly Option<string> BackendMaxConnections = new("--backend-max-connections")
        {
            Description = "Connections to one backend endpoint at most (per backend protocol); further requests wait for a free one.",
            HelpName = "N",
            DefaultValueFactory = _ => "1024",
        };

        public readonly Option<string> ForwardedHeaders = new("--forwarded-headers")
        {
            Description = "append: add the client address, scheme and Host to X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host " +
                "(after the values received); off: add nothing.",
            HelpName = "append|off",
            DefaultValueFactory = _ => "append",
        };

        public readonly Option<string> ForwardedTrustedHops = new("--forwarded-trusted-hops")
        {
            Description = "Proxies in front of the gateway whose X-Forwarded-* entries are kept: only the last N received entries of each " +
                "header are, before the gateway's own (0: the client's values are replaced); all keeps every entry.",
            HelpName = "N|all",
            DefaultValueFactory = _ => "all",
        };

        public readonly Option<string?> SessionKeyFile = new("--session-key-file")
        {
            Description = "File holding the key (at least 16 bytes) that authenticates session persistence values; give every replica the same " +
                "file (mount a Secret's key). Without it a session value is only checked against the rule's current endpoints.",
            HelpName = "FILE",
        };

        public readonly Option<string> Source = new("--source")
        {
            Description = "Where objects come from and status goes: \"file\" (--manifests, status in --status-dir or memory, Gateway addresses from " +
                "--address-pool) or \"kubernetes\" (list+watch the API server, status through the status subresource, one Service per Gateway).",
            HelpName = "file|kubernetes",
            DefaultValueFactory = _ => "file",
        };

        public readonly Option<string?> Kubeconfig = new("--kubeconfig")
        {
            Description = "With --source kubernetes: the kubeconfig file to use. Default: the pod's service account in a cluster, else $KUBECONFIG or ~/.kube/config.",
            HelpName = "PATH",
        };

        public readonly Option<string> ServiceNamespace = new("--service-namespace")
        {
            Description = "With --source kubernetes: the namespace of the gateway replicas, where each Gateway's Service is created. Default: $POD_NAMESPACE, else \"default\".",
            HelpName = "NAMESPACE",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : "default",
        };

        public readonly Option<string> PodSelector = new("--pod-selector")
        {
            Description = "With --source kubernetes: the labels (key=value[,key=value]) selecting the gateway replicas; every Gateway's Service selects them.",
            HelpName = "LABELS",
            DefaultValueFactory = _ => "app.kubernetes.io/name=akka-gateway",
        };

        public readonly Option<string> ContainerPortRange = new("--container-port-range")
        {
            Description = "With --source kubernetes: the container ports (FIRST-LAST) Gateway listener ports are mapped to, so several Gateways can use port 80 at once.",
            HelpName = "FIRST-LAST",
            DefaultValueFactory = _ => "20000-29999",
        };

        public readonly Option<string> ServiceBindAddress = new("--service-bind-address")
        {
            Description = "With --source kubernetes: the address the container ports are bound on.",
            HelpName = "IP",
            DefaultValueFactory = _ => "0.0.0.0",
        };

        public readonly Option<string[]> SecretTypes = new("--secret-types")
        {
            Description = "With --source kubernetes: the Secret types read, each through its own list and watch with the field selector type=TYPE, " +
                "so Secrets of other types never reach the gateway. Listener and backend client certificates must be kubernetes.io/tls; " +
                "add Opaque for CA bundles kept in Opaque Secrets (a ConfigMap or a kubernetes.io/tls Secret with ca.crt needs nothing). " +
                "RBAC cannot grant by type: the permission still covers every Secret the namespaces allow.",
            HelpName = "TYPE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => [.. Kubernetes.KubernetesSourceOptions.DefaultSecretTypes],
        };

        public readonly Option<string[]> SecretNamespaces = new("--secret-namespaces")
        {
            Description = "With --source kubernetes: read Secrets only in these namespaces (repeat, or comma-separated in the variable), " +
                "each through its own list and watch, so Roles in those namespaces replace the ClusterRole's cluster-wide Secret " +
                "permission (k8s/examples/namespaced-secrets). A certificateRef to a Secret in another namespace then finds nothing. " +
                "Default: every namespace.",
            HelpName = "NAMESPACE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        public readonly Option<string> LogLevel = new("--log-level")
        {
            Description = "Minimum level of console log messages (Trace, Debug, Information, Warning, Error, Critical, None).",
            HelpName = "LEVEL",
            DefaultValueFactory = _ => nameof(Microsoft.Extensions.Logging.LogLevel.Information),
        };

        public readonly Option<string> LogFormat = new("--log-format")
        {
            Description = "Console log line format: \"text\" (one readable line per message) or \"json\" (one JSON object per line, for log collectors).",
            HelpName = "text|json",
            DefaultValueFactory = _ => "text",
        };

        public readonly Option<string?> AccessLog = new("--access-log")
        {
            Description = "Write one JSON line per HTTP request and per TCP/TLS/UDP session to this file (appended), or to stdout with \"-\". " +
                "Lines are queued and written off the request path; when the queue is full lines are dropped and counted. Default: off.",
            HelpName = "PATH",
        };

        public readonly Option<string?> OtlpEndpoint = new("--otlp-endpoint")
        {
            Description = "Record a server span per request and export the spans over OTLP/HTTP (protobuf) to this collector URL " +
                "(http://collector:4318; a URL without a path gets /v1/traces). Default: off (no spans are created).",
            HelpName = "URL",
        };

        public readonly Option<bool> DemoBackends = new("--demo-backends")
        {
            Description = "Run the echo-basic Deployments found in the manifests as local echo servers on loopback addresses " +
                "(127.20.0.0/16) and feed their EndpointSlices to the gateway: a laptop demo without a cluster.",
        };

        public readonly Option<bool> NoCluster = new("--no-cluster")
        {
            Description = "Run a lone replica that no other can join: a one-node cluster with its transport on loopback (--cluster-host " +
                "must be a loopback address) and no discovery (--peer, --discovery and --required-contact-points are refused). Its " +
                "statuses are written by the same sharded entities as in a cluster. The management endpoint is off unless " +
                "--management-port is given, so several can run on one machine. (Without this flag a replica given no peers also " +
                "forms a one-node cluster, with the management endpoint on 8558.)",
        };

        public readonly Option<string> RouteEntityIdle = new("--route-entity-idle")
        {
            Description = "How long a route's entity stays idle (status written, nothing pending) before it passivates to save memory " +
                "(about 4 KB per route); the next change or inspection of the route restarts it from what this replica keeps. off: never.",
            HelpName = "DURATION|off",
            DefaultValueFactory = _ => "5s",
        };

        public readonly Option<string?> NodeName = new("--node-name")
        {
            Description = "This replica's name in logs and inspection routes. Default: the host name and management port.",
            HelpName = "NAME",
        };

        public readonly Option<string> ClusterHost = new("--cluster-host")
        {
            Description = "Address the cluster transport binds and other replicas reach it on (in Kubernetes: the pod IP).",
            HelpName = "HOST",
            DefaultValueFactory = _ => "127.0.0.1",
        };

        public readonly Option<string> ClusterPort = new("--cluster-port")
        {
            Description = "Cluster transport port; 0 picks a free one (replicas find each other through the management endpoints).",
            HelpName = "PORT",
            DefaultValueFactory = _ => "0",
        };

        public readonly Option<string> ManagementHost = new("--management-host")
        {
            Description = "Address of the read-only management endpoint (health, cluster and routing inspection, cluster bootstrap).",
            HelpName = "HOST",
            DefaultValueFactory = _ => "127.0.0.1",
        };

        public readonly Option<string?> ManagementTokenFile = new("--management-token-file")
        {
            Description = "File holding the bearer token the inspection routes require (mount a Secret's key); without it they answer loopback connections only. Probes and bootstrap need no token.",
            HelpName = "FILE",
        };

        public readonly Option<string> ManagementPort = new("--management-port")
        {
            Description = "Port of the management endpoint; 0 serves none (then no --peer or --discovery is possible). With --no-cluster the default is none.",
            HelpName = "PORT",
            DefaultValueFactory = _ => "8558",
        };

        public readonly Option<bool> NoMetrics = new("--no-metrics")
        {
            Description = "Serve no GET /metrics on the management endpoint and measure nothing (by default every replica with a management " +
                "endpoint exports Prometheus metrics there).",
        };

        public readonly Option<bool> NoStartupHeapTrim = new("--no-startup-heap-trim")
        {
            Description = "Keep the memory the garbage collector committed during start-up. By default, once the first pass's statuses " +
                "are handed off and the process has allocated less than 16 MiB a second for 3 s, one aggressive collection gives it " +
                "back to the OS (about 100 MiB at 10,000 routes, for one pause of 0.25 to 0.55 s on 2 cores; the pause scales with the " +
                "live heap; skipped if the process is not quiet within 5 minutes).",
        };

        public readonly Option<string[]> Peers = new("--peer")
        {
            Description = "Management endpoint (host:port) of a replica, this one included; repeat for each. Implies --discovery config: " +
                "the replicas form one cluster once all listed ones are found, and a replica started later joins it. Without --peer " +
                "(and without --discovery kubernetes) the replica forms its own one-node cluster.",
            HelpName = "HOST:PORT",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        public readonly Option<string?> Discovery = new("--discovery")
        {
            Description = "How replicas find each other: none (a one-node cluster), config (the --peer list), kubernetes (pods found " +
                "through the Kubernetes API by --k8s-pod-selector). Default: config with --peer, else none.",
            HelpName = "none|config|kubernetes",
        };

        public readonly Option<string?> DiscoveryPodSelector = new("--k8s-pod-selector")
        {
            Description = "Kubernetes discovery: label selector of the gateway pods. Default: the --pod-selector value.",
            HelpName = "SELECTOR",
        };

        public readonly Option<string?> PodNamespace = new("--k8s-namespace")
        {
            Description = "Kubernetes discovery: namespace of the gateway pods. Default: the pod's own namespace.",
            HelpName = "NAMESPACE",
        };

        public readonly Option<string?> RequiredContactPoints = new("--required-contact-points")
        {
            Description = "Replicas that must be found before a new cluster forms. Default: the number of --peer values (1 for kubernetes).",
            HelpName = "N",
        };

        public readonly Option<string?> RemotingTlsCertificate = new("--remoting-tls-certificate")
        {
            Description = "Mutual TLS for the cluster transport: this replica's certificate, PEM (with --remoting-tls-key, e.g. tls.crt of a " +
                "kubernetes.io/tls Secret) or PKCS#12 (with --remoting-tls-password if it has one). Replicas then connect only to, and accept " +
                "only, peers presenting a certificate issued by --remoting-tls-ca; host names are not checked. Default: none, the " +
                "transport is plaintext (development only).",
            HelpName = "PATH",
        };

        public readonly Option<string?> RemotingTlsKey = new("--remoting-tls-key")
        {
            Description = "The PEM private key of a PEM --remoting-tls-certificate (tls.key of a kubernetes.io/tls Secret).",
            HelpName = "PATH",
        };

        public readonly Option<string?> RemotingTlsPassword = new("--remoting-tls-password")
        {
            Description = "The password of a PKCS#12 --remoting-tls-certificate (prefer the environment variable to the command line).",
            HelpName = "PASSWORD",
        };

        public readonly Option<string?> RemotingTlsCa = new("--remoting-tls-ca")
        {
            Description = "PEM file of the CA certificates that issue the replicas' certificates (ca.crt of the Secret); required with " +
                "--remoting-tls-certificate. Use a CA that issues nothing else: any certificate it issued admits a peer.",
            HelpName = "PATH",
        };

        public readonly Argument<string[]> Paths = new("FILE_OR_DIR")
        {
            Description = "Manifest files or directories (searched like --manifests).",
            Arity = ArgumentArity.OneOrMore,
        };

        public readonly Command Translate;
        public readonly RootCommand Root;
        public readonly Mesh.MeshCommandLine.ServeSymbols MeshSymbols = new();
        public readonly Mesh.MeshCommandLine.InjectSymbols InjectSymbols = new();
        public readonly Command Inject;

        public Symbols()
        {
            Paths.Validators.Add(r =>
            {
                foreach (var path in r.GetValueOrDefault<string[]>() ?? [])
                {
                    if (!File.Exists(path) && !Directory.Exists(path)) r.AddError($"\"{path}\" does not exist");
                }
            });

            Translate = new Command("translate",
                "Load the manifests, translate them once and print the desired statuses and route tables as YAML on stdout. " +
                "Manifest problems are reported on stderr. Exit code 0 (1 if translation fails, 2 for usage errors).")
            {
                Paths,
            };
            Inject = InjectSymbols.Command;
            Root = new RootCommand(
                "An actor-based Kubernetes Gateway API gateway. Reads Gateway API manifests from directories, translates them, " +
                "serves the traffic they describe and writes their status. Exit codes: 0 after a graceful shutdown, 1 on a fatal " +
                "error, 2 for usage errors. Every option can also be set by the environment variable named after it: " +
                $"{VariablePrefix} and the flag in capitals with '-' as '_' (--management-port: {VariableFor("--management-port")}), " +
                "values of a repeatable option separated by commas, true or false for a switch; an option given on the command " +
                "line wins over its variable, and an empty variable counts as unset.")
            {
                Manifests, StatusDir, ControllerName, AddressPool, MeshClusterIpRange, CoalesceWindow, CoalesceMaxDelay, StatusDelay, RescanInterval, ShutdownTimeout, LogLevel, LogFormat, AccessLog, OtlpEndpoint,
                MaxConnections, MaxListenerConnections, MaxUpgradedConnections, BackendMaxConnections, ForwardedHeaders, ForwardedTrustedHops,
                SessionKeyFile, DemoBackends, Source, Kubeconfig, ServiceNamespace, PodSelector, ContainerPortRange, ServiceBindAddress, SecretTypes, SecretNamespaces,
                NoCluster, NodeName, ClusterHost, ClusterPort, ManagementHost, ManagementPort, ManagementTokenFile, Peers, Discovery, DiscoveryPodSelector, PodNamespace,
                RequiredContactPoints, RemotingTlsCertificate, RemotingTlsKey, RemotingTlsPassword, RemotingTlsCa, RouteEntityIdle, Translate, Inject,
            };
            foreach (var option in MeshSymbols.All) Root.Options.Add(option);
            Root.Options.Add(NoMetrics);
            Root.Options.Add(NoStartupHeapTrim);
            Root.SetAction(_ => 0);
            Translate.SetAction(_ => 0);
            Inject.SetAction(_ => 0);
            foreach (var option in Root.Options)
            {
                if (option is VersionOption version) version.Action = new PrintVersion();
                else if (option is not System.CommandLine.Help.HelpOption) option.Description += $" Env: {VariableFor(option.Name)}.";
            }
        }
    }
}
