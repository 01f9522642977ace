using Gateway.Actors.Status;
using Gateway.Host.Cluster;
using Gateway.Host.DataPlane;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;
using Gateway.Host.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Hosting;

/// <summary>
/// Composes one gateway process on the generic host: source → store → snapshot pipeline → data plane, and the
/// cluster whose sharded entities write every status through the status sink. Callers add to <see cref="Services"/>
/// and <see cref="Logging"/> before <see cref="Build"/>.
/// </summary>
public sealed class GatewayHostBuilder
{
    private readonly HostApplicationBuilder _builder;

    /// <summary>Creates a builder for <paramref name="options"/> (validated here; throws ArgumentException when invalid).</summary>
    public GatewayHostBuilder(GatewayHostOptions options)
    {
        options.Validate();
        Options = options;
        // No default configuration sources or logging providers: an in-process host must not pick up the test
        // runner's appsettings or environment. The command line adds console logging explicitly.
        _builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "Gateway.Host" });
        _builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = options.ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        Register(_builder.Services, options);
    }

    /// <summary>The options the host is built with.</summary>
    public GatewayHostOptions Options { get; }

    /// <summary>The service collection, for extensions (Akka.Hosting, management, sources).</summary>
    public IServiceCollection Services => _builder.Services;

    /// <summary>The logging builder (no providers by default).</summary>
    public ILoggingBuilder Logging => _builder.Logging;

    /// <summary>Builds the host (validating the options again); it starts with <see cref="GatewayHost.StartAsync(CancellationToken)"/>.</summary>
    public GatewayHost Build()
    {
        Options.Validate();
        return new GatewayHost(_builder.Build(), Options);
    }

    private static void Register(IServiceCollection services, GatewayHostOptions options)
    {
        services.AddSingleton(_ => options.Time);
        services.AddSingleton(options);
        // The file source hands in only real changes (its catalog compares what it read); a Kubernetes watch also echoes
        // our own status writes, which the store drops by digest.
        services.AddSingleton(sp => new ResourceStore(sp.GetRequiredService<TimeProvider>(), everyUpsertIsAChange: options.Kubernetes is null));
        services.AddSingleton<CurrentSnapshot>();
        services.AddSingleton(sp => new Observability.Metrics.ControlPlaneMetrics(sp.GetRequiredService<ResourceStore>()));
        // Everything below reads the options when first resolved, so a caller may still adjust Options (for example
        // the data plane factory) between creating the builder and starting the host.
        services.AddSingleton(sp => new FileSourceOptions
        {
            Roots = [.. options.ManifestDirectories],
            Excluded = options.StatusDirectory is { } status ? [status] : [],
            RescanInterval = options.RescanInterval,
            SettleDelay = options.FileSettleDelay,
            StatusDirectory = options.StatusDirectory,
            // The warm-up's CPU comes after the start-up's statuses are written, not among them.
            WarmUpAfter = () => sp.GetRequiredService<SnapshotPipeline>().Ready,
        });
        services.AddSingleton<FileSource>();
        services.AddSingleton(_ => new PipelineOptions
        {
            Translator = new Actors.Translation.TranslatorOptions
            {
                ControllerName = options.ControllerName, AddressPool = options.AddressPool, MeshClusterIpRange = options.MeshClusterIpRange,
                MeshPassthrough = options.MeshPassthrough,
            },
            Coalescing = options.Coalescing,
            StatusDelay = options.StatusDelay,
            DataPlaneTimeout = options.DataPlaneTimeout,
            Translate = options.Translate,
        });
        services.AddSingleton<StatusSinkBase>(sp => options.StatusDirectory is { } dir
            ? new FileStatusSink(dir, options.ControllerName, sp.GetRequiredService<ILogger<FileStatusSink>>())
            : new MemoryStatusSink(options.ControllerName));
        services.AddSingleton<IStatusSink>(sp => sp.GetRequiredService<StatusSinkBase>());
        services.AddSingleton(sp => new SnapshotPipeline(
            sp.GetRequiredService<ResourceStore>(),
            sp.GetRequiredService<PipelineOptions>(),
            sp.GetRequiredService<CurrentSnapshot>(),
            sp.GetRequiredService<IStatusHandOff>(),
            sp.GetRequiredService<IStatusSink>() as IStatusInventory,
            options.DataPlaneFactory is { } factory ? sp.GetRequiredService<DataPlaneHolder>().Get(sp, factory) : null,
            sp.GetRequiredService<ILogger<SnapshotPipeline>>(),
            sp.GetRequiredService<TimeProvider>())
        {
            Metrics = sp.GetRequiredService<Observability.Metrics.ControlPlaneMetrics>(),
            HostStarted = Started(sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted),
        });
        services.AddSingleton<DataPlaneHolder>();
        Observability.ObservabilityHosting.Register(services, options);
        // Order matters: the source starts first, the pipeline waits for its first full sync.
        if (options.Kubernetes is null) services.AddHostedService(sp => sp.GetRequiredService<FileSource>());
        services.AddHostedService(sp => sp.GetRequiredService<SnapshotPipeline>());
        services.AddHealthChecks().AddCheck<PipelineReadinessCheck>("pipeline", tags: ["ready"]);
        if (options.StartupHeapTrim is { } trim)
        {
            services.AddSingleton(sp => new Memory.StartupHeapTrim(sp.GetRequiredService<SnapshotPipeline>(), sp.GetRequiredService<ILogger<Memory.StartupHeapTrim>>(), trim,
                sp.GetService<StatusSinkBase>() is { } sink ? () => sink.WriteCounts.Count : null));
            services.AddHostedService(sp => sp.GetRequiredService<Memory.StartupHeapTrim>());
        }
        // Kubernetes mode replaces the source, the status sink and the translator's address mode (Kubernetes/README.md).
        if (options.Kubernetes is not null) Kubernetes.KubernetesHosting.Register(services, options);
        // Every status goes to the sharded entities, also on a lone replica (a one-node cluster, --no-cluster
        // included); the ActorSystem also provides the materializer the data plane mirrors requests with.
        var budget = new ShutdownBudget(options.ShutdownTimeout);
        services.AddGatewayCluster(options.Cluster, b => Akka.Hosting.AkkaHostingExtensions.AddHocon(b, Akka.Configuration.ConfigurationFactory.ParseString(budget.Hocon()), Akka.Hosting.HoconAddMode.Prepend));
        // Registered last, so stopped first: the data plane drains before the cluster hand-off (ShutdownBudget).
        services.AddHostedService(sp => new DataPlaneDrain(() => sp.GetRequiredService<DataPlaneHolder>().DisposeAsync(), budget, sp.GetRequiredService<ILogger<DataPlaneDrain>>()));
    }

    /// <summary>A task that completes when <paramref name="started"/> is cancelled (the host's ApplicationStarted).</summary>
    private static Task Started(CancellationToken started)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        started.Register(() => done.TrySetResult());
        return done.Task;
    }

    /// <summary>Owns the data plane made by the factory and disposes it after the pipeline has stopped.</summary>
    private sealed class DataPlaneHolder : IAsyncDisposable
    {
        private IDataPlane? _dataPlane;

        public IDataPlane Get(IServiceProvider services, Func<IServiceProvider, IDataPlane> factory) => _dataPlane ??= factory(services);

        public ValueTask DisposeAsync() => _dataPlane?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
