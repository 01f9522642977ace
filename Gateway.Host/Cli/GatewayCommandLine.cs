using System.CommandLine;
using System.CommandLine.Parsing;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.Hosting;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Cli;

/// <summary>What the command line asks for.</summary>
public abstract record CommandLineRequest;

/// <summary>Run the gateway (the default command).</summary>
public sealed record ServeRequest(GatewayHostOptions Options, LogLevel LogLevel, bool DemoBackends = false) : CommandLineRequest;

/// <summary>Translate manifests once and print the result.</summary>
public sealed record TranslateRequest(IReadOnlyList<string> Paths, TranslatorOptions Options) : CommandLineRequest;

/// <summary>Print help or version (handled by System.CommandLine).</summary>
public sealed record InfoRequest(ParseResult Result) : CommandLineRequest;

/// <summary>The command line is invalid; exit code 2.</summary>
public sealed record UsageErrorRequest(IReadOnlyList<string> Errors) : CommandLineRequest;

/// <summary>
/// The command line of Gateway.Host, parsed with System.CommandLine. Every flag and its default is documented in
/// --help. Unknown flags and invalid values are usage errors: a message on stderr and exit code 2.
/// </summary>
public static class GatewayCommandLine
{
    /// <summary>Exit code for an invalid command line.</summary>
    public const int UsageErrorExitCode = 2;

    /// <summary>Parses <paramref name="args"/> into a request; never throws for bad input.</summary>
    public static CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        var symbols = new Symbols();
        // No response files: an argument starting with '@' is a path, not a file of arguments.
        var result = symbols.Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0) return new UsageErrorRequest(result.Errors.Select(e => e.Message).Distinct().ToList());
        // --help and --version carry their own actions; our commands carry the no-op ones set below.
        if (result.Action != symbols.Root.Action && result.Action != symbols.Translate.Action) return new InfoRequest(result);

        var controllerName = result.GetValue(symbols.ControllerName)!;
        var addressPool = result.GetValue(symbols.AddressPool)!;
        if (result.CommandResult.Command == symbols.Translate)
        {
            return new TranslateRequest(result.GetValue(symbols.Paths)!.Select(Path.GetFullPath).ToList(),
                new TranslatorOptions { ControllerName = controllerName, AddressPool = addressPool });
        }

        // The embedded default (file mode without --manifests): the shipped quick-start examples with their demo backends.
        var kubernetes = result.GetValue(symbols.Source) == "kubernetes";
        var manifests = result.GetValue(symbols.Manifests) is { Length: > 0 } given ? given : null;
        var demoBackends = result.GetValue(symbols.DemoBackends) || (!kubernetes && manifests is null);
        var options = new GatewayHostOptions
        {
            ManifestDirectories = (manifests ?? (kubernetes ? [] : [EmbeddedExamples])).Select(Path.GetFullPath).ToList(),
            StatusDirectory = result.GetValue(symbols.StatusDir) is { } dir ? Path.GetFullPath(dir) : null,
            ControllerName = controllerName,
            AddressPool = addressPool,
            Coalescing = new CoalescingOptions
            {
                Window = Duration(result.GetValue(symbols.CoalesceWindow)),
                MaxDelay = Duration(result.GetValue(symbols.CoalesceMaxDelay)),
            },
            RescanInterval = Duration(result.GetValue(symbols.RescanInterval)),
            ShutdownTimeout = Duration(result.GetValue(symbols.ShutdownTimeout)),
            Kubernetes = !kubernetes ? null : new Kubernetes.KubernetesHostOptions
            {
                KubeconfigPath = result.GetValue(symbols.Kubeconfig) is { } kubeconfig ? Path.GetFullPath(kubeconfig) : null,
                ServiceBindAddress = result.GetValue(symbols.ServiceBindAddress)!,
                Services = new Kubernetes.GatewayServiceOptions
                {
                    Namespace = result.GetValue(symbols.ServiceNamespace)!,
                    PodSelector = Kubernetes.KubernetesFlags.ParseSelector(result.GetValue(symbols.PodSelector)!, out _)!,
                    PortRangeStart = Kubernetes.KubernetesFlags.ParsePortRange(result.GetValue(symbols.ContainerPortRange)!, out _)!.Value.Start,
                    PortRangeEnd = Kubernetes.KubernetesFlags.ParsePortRange(result.GetValue(symbols.ContainerPortRange)!, out _)!.Value.End,
                },
            },
            Cluster = ClusterOptions(result, symbols),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            return new UsageErrorRequest([e.Message]);
        }
        return new ServeRequest(options, result.GetValue(symbols.LogLevel), demoBackends);
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
            case ServeRequest serve:
                return await ServeAsync(serve, stderr, configure, ct).ConfigureAwait(false);
            default:
                throw new InvalidOperationException("unknown request");
        }
    }

    private static async Task<int> ServeAsync(ServeRequest serve, TextWriter stderr, Action<GatewayHostBuilder>? configure, CancellationToken ct)
    {
        var builder = GatewayHost.CreateBuilder(serve.Options);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(serve.LogLevel);
        // Per-request forwarding logs would drown everything else at Information; Kestrel's "HTTP/2 needs TLS" warning
        // is wrong for our listeners (cleartext HTTP/2 prior knowledge is handled by the data plane).
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        if (serve.DemoBackends) await AddDemoBackendsAsync(builder, serve.Options, ct).ConfigureAwait(false);
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
    private static async Task AddDemoBackendsAsync(GatewayHostBuilder builder, GatewayHostOptions options, CancellationToken ct)
    {
        var output = Path.Combine(Path.GetTempPath(), $"gateway-demo-backends-{Environment.ProcessId}");
        using var loggers = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
        var demo = new Demo.DemoBackends(options.ManifestDirectories.ToList(), output, loggers.CreateLogger<Demo.DemoBackends>());
        await demo.SyncAsync(ct).ConfigureAwait(false);
        options.ManifestDirectories.Add(output);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(demo);
    }

    private static GatewayClusterOptions ClusterOptions(ParseResult result, Symbols symbols)
    {
        var peers = result.GetValue(symbols.Peers) ?? [];
        var discovery = result.GetValue(symbols.Discovery) ?? (peers.Length > 0 ? "config" : "none");
        var managementPort = result.GetValue(symbols.ManagementPort);
        return new GatewayClusterOptions
        {
            Enabled = !result.GetValue(symbols.NoCluster),
            NodeName = result.GetValue(symbols.NodeName),
            Hostname = result.GetValue(symbols.ClusterHost)!,
            Port = result.GetValue(symbols.ClusterPort),
            Discovery = discovery switch
            {
                "config" => ClusterDiscovery.Config,
                "kubernetes" => ClusterDiscovery.Kubernetes,
                _ => ClusterDiscovery.None,
            },
            Peers = [.. peers],
            // One selector finds the replicas for both the per-Gateway Services and cluster discovery unless told apart.
            KubernetesPodLabelSelector = result.GetValue(symbols.DiscoveryPodSelector) ?? result.GetValue(symbols.PodSelector)!,
            KubernetesNamespace = result.GetValue(symbols.PodNamespace),
            ManagementHostname = result.GetValue(symbols.ManagementHost)!,
            ManagementPort = managementPort == 0 ? null : managementPort,
            RequiredContactPoints = result.GetValue(symbols.RequiredContactPoints),
        };
    }

    private static TimeSpan Duration(string? text) => GatewayDuration.TryParse(text ?? "", out var value) ? value : throw new InvalidOperationException($"unvalidated duration {text}");

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

        public readonly Option<string> CoalesceWindow = new("--coalesce-window")
        {
            Description = "Quiet period: a change after this much quiet is applied at once; inside a burst, changes are applied once they pause this long.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "20ms",
        };

        public readonly Option<string> CoalesceMaxDelay = new("--coalesce-max-delay")
        {
            Description = "The longest a change waits while a burst of changes goes on.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "200ms",
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

        public readonly Option<LogLevel> LogLevel = new("--log-level")
        {
            Description = "Minimum level of console log messages (Trace, Debug, Information, Warning, Error, Critical, None).",
            HelpName = "LEVEL",
            DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Information,
        };

        public readonly Option<bool> DemoBackends = new("--demo-backends")
        {
            Description = "Run the echo-basic Deployments found in the manifests as local echo servers on loopback addresses " +
                "(127.20.0.0/16) and feed their EndpointSlices to the gateway: a laptop demo without a cluster.",
        };

        public readonly Option<bool> NoCluster = new("--no-cluster")
        {
            Description = "Run without the actor cluster: the pipeline writes every status itself and request mirroring is off. " +
                "For tests; a replica normally forms (or joins) a cluster.",
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

        public readonly Option<int> ClusterPort = new("--cluster-port")
        {
            Description = "Cluster transport port; 0 picks a free one (replicas find each other through the management endpoints).",
            HelpName = "PORT",
            DefaultValueFactory = _ => 0,
        };

        public readonly Option<string> ManagementHost = new("--management-host")
        {
            Description = "Address of the read-only management endpoint (health, cluster and routing inspection, cluster bootstrap).",
            HelpName = "HOST",
            DefaultValueFactory = _ => "127.0.0.1",
        };

        public readonly Option<int> ManagementPort = new("--management-port")
        {
            Description = "Port of the management endpoint; 0 serves none (then no --peer or --discovery is possible).",
            HelpName = "PORT",
            DefaultValueFactory = _ => 8558,
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

        public readonly Option<int?> RequiredContactPoints = new("--required-contact-points")
        {
            Description = "Replicas that must be found before a new cluster forms. Default: the number of --peer values (1 for kubernetes).",
            HelpName = "N",
        };

        public readonly Argument<string[]> Paths = new("FILE_OR_DIR")
        {
            Description = "Manifest files or directories (searched like --manifests).",
            Arity = ArgumentArity.OneOrMore,
        };

        public readonly Command Translate;
        public readonly RootCommand Root;

        public Symbols()
        {
            Manifests.Validators.Add(r =>
            {
                foreach (var dir in r.GetValueOrDefault<string[]>() ?? [])
                {
                    if (!Directory.Exists(dir)) r.AddError($"--manifests: directory \"{dir}\" does not exist");
                }
            });
            ControllerName.Validators.Add(r =>
            {
                var value = r.GetValueOrDefault<string>();
                if (!ControllerNames.IsValid(value)) r.AddError($"--controller-name: \"{value}\" is not a domain-prefixed path (example: {TranslatorOptions.DefaultControllerName})");
            });
            AddressPool.Validators.Add(r =>
            {
                if (!AddressPools.TryParse(r.GetValueOrDefault<string>(), out _, out var error)) r.AddError($"--address-pool: {error}");
            });
            foreach (var option in new[] { CoalesceWindow, CoalesceMaxDelay, RescanInterval, ShutdownTimeout })
            {
                option.Validators.Add(r =>
                {
                    var value = r.GetValueOrDefault<string>();
                    if (!GatewayDuration.TryParse(value ?? "", out var duration) || duration < TimeSpan.Zero)
                        r.AddError($"{option.Name}: \"{value}\" is not a duration (examples: 20ms, 2s, 1m)");
                });
            }
            Source.AcceptOnlyFromAmong("file", "kubernetes");
            Kubeconfig.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<string?>() is { } path && !File.Exists(path)) r.AddError($"--kubeconfig: file \"{path}\" does not exist");
            });
            PodSelector.Validators.Add(r =>
            {
                if (Kubernetes.KubernetesFlags.ParseSelector(r.GetValueOrDefault<string>() ?? "", out var error) is null) r.AddError($"--pod-selector: {error}");
            });
            ContainerPortRange.Validators.Add(r =>
            {
                if (Kubernetes.KubernetesFlags.ParsePortRange(r.GetValueOrDefault<string>() ?? "", out var error) is null) r.AddError($"--container-port-range: {error}");
            });
            ServiceBindAddress.Validators.Add(r =>
            {
                if (!System.Net.IPAddress.TryParse(r.GetValueOrDefault<string>(), out _)) r.AddError($"--service-bind-address: \"{r.GetValueOrDefault<string>()}\" is not an IP address");
            });
            Discovery.AcceptOnlyFromAmong("none", "config", "kubernetes");
            foreach (var port in new[] { ClusterPort, ManagementPort })
            {
                port.Validators.Add(r =>
                {
                    if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError($"{port.Name}: must be 0-65535");
                });
            }
            Peers.Validators.Add(r =>
            {
                foreach (var peer in r.GetValueOrDefault<string[]>() ?? [])
                {
                    if (!GatewayClusterOptions.TryParsePeer(peer, out _, out _)) r.AddError($"--peer: \"{peer}\" is not host:port");
                }
            });
            NodeName.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<string?>() is { } name && (name.Length == 0 || name.Any(char.IsWhiteSpace))) r.AddError("--node-name: must be non-empty without spaces");
            });
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
            Root = new RootCommand(
                "An actor-based Kubernetes Gateway API gateway. Reads Gateway API manifests from directories, translates them, " +
                "serves the traffic they describe and writes their status. Exit codes: 0 after a graceful shutdown, 1 on a fatal " +
                "error, 2 for usage errors.")
            {
                Manifests, StatusDir, ControllerName, AddressPool, CoalesceWindow, CoalesceMaxDelay, RescanInterval, ShutdownTimeout, LogLevel,
                DemoBackends, Source, Kubeconfig, ServiceNamespace, PodSelector, ContainerPortRange, ServiceBindAddress,
                NoCluster, NodeName, ClusterHost, ClusterPort, ManagementHost, ManagementPort, Peers, Discovery, DiscoveryPodSelector, PodNamespace,
                RequiredContactPoints, Translate,
            };
            Root.SetAction(_ => 0);
            Translate.SetAction(_ => 0);
        }
    }
}
