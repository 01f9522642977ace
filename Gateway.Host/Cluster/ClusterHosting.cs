using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Discovery.Config.Hosting;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Remote.Hosting;
using Akka.Streams;
using Gateway.Actors.Actors;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Actors.Serialization;
using Gateway.Actors.Status;
using Gateway.Host.Observability.Logging;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Host.Cluster;

/// <summary>
/// Composes the replica's ActorSystem with Akka.Hosting: remoting, clustering with the split-brain resolver, the four
/// shard regions, the node reporter, the message serializer, and either a self-join (no peers) or Akka.Management
/// Cluster Bootstrap over config or Kubernetes API discovery; Akka.Management also serves the read-only inspection
/// routes (<see cref="GatewayManagementRoutes"/>).
/// </summary>
public static class ClusterHosting
{
    /// <summary>Adds the cluster to <paramref name="services"/>: <see cref="IStatusHandOff"/>, <see cref="IMaterializer"/>, the ActorSystem.</summary>
    public static IServiceCollection AddGatewayCluster(this IServiceCollection services, GatewayClusterOptions cluster, Action<AkkaConfigurationBuilder>? configure = null)
    {
        cluster.Validate();
        // Loaded here so a certificate that cannot be read stops the host before anything starts.
        var tls = RemotingTls.Options(cluster);
        services.AddSingleton(cluster);
        services.AddSingleton<IStatusHandOff, ClusterStatusHandOff>();
        services.AddSingleton<IMaterializer>(sp => sp.GetRequiredService<ActorSystem>().Materializer());
        services.AddSingleton<ClusterInspection>();
        services.AddSingleton<SuspectedMembers>();
        services.AddSingleton<ManagementServer>();
        if (cluster.ManagementPort is not null && cluster.Metrics)
        {
            // GET /metrics on the management endpoint (Observability/Metrics/README.md).
            services.TryAddSingleton(_ => new Observability.Metrics.ControlPlaneMetrics());
            services.AddSingleton<Observability.Metrics.ClusterMetrics>();
            services.AddSingleton<Observability.Metrics.MetricsEndpoint>();
        }
        if (cluster.Discovery == ClusterDiscovery.Kubernetes)
        {
            // In Kubernetes mode the source's client is used (registered by KubernetesHosting); otherwise the pod's own.
            services.TryAddSingleton(_ => Kubernetes.KubernetesClientFactory.Create((string?)null));
            services.TryAddSingleton(sp => new Kubernetes.KubernetesApi(sp.GetRequiredService<k8s.IKubernetes>()));
            services.AddSingleton(_ => new PodDiscoverySettings(cluster.KubernetesNamespace ?? PodNamespace(), string.Format(System.Globalization.CultureInfo.InvariantCulture,
                cluster.KubernetesPodLabelSelector, GatewayClusterOptions.ServiceName)));
        }
        services.AddAkka(GatewayClusterOptions.SystemName, (builder, sp) =>
        {
            // Akka logs through the host's ILoggerFactory in the host's line format (Observability/Logging/README.md).
            var consoleLevel = sp.GetService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Logging.LoggerFilterOptions>>()?.Value.MinLevel
                ?? Microsoft.Extensions.Logging.LogLevel.Information;
            builder.AddSetup(new Akka.Hosting.Logging.LoggerFactorySetup(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
            builder.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLogger<AkkaLogBridge>();
                loggers.LogLevel = GatewayLogging.AkkaLevel(consoleLevel);
            });
            // Akka's minimal logger (before the bridge starts, after it stops) goes through the host's logging too.
            AkkaStdoutBridge.Use(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>());
            builder.AddHocon($"akka.stdout-logger-class = \"{typeof(AkkaStdoutBridge).AssemblyQualifiedName}\"\nakka.stdout-loglevel = {GatewayLogging.AkkaLevel(consoleLevel) switch
            {
                Akka.Event.LogLevel.DebugLevel => "DEBUG",
                Akka.Event.LogLevel.InfoLevel => "INFO",
                Akka.Event.LogLevel.WarningLevel => "WARNING",
                _ => "ERROR",
            }}", HoconAddMode.Prepend);
            builder.AddHocon(ClusterTuning.Hocon(), HoconAddMode.Prepend);
            var remoting = new RemoteOptions { HostName = cluster.Hostname, PublicHostName = cluster.Hostname, Port = cluster.Port };
            if (tls is not null)
            {
                remoting.EnableSsl = true;
                remoting.Ssl = tls;
            }
            builder.WithRemoting(remoting);
            builder.WithClustering(new ClusterOptions { Roles = ["gateway"], SplitBrainResolver = new KeepMajorityOption() });
            builder.WithCustomSerializer(GatewayMessageSerializer.Name, [typeof(IGatewayClusterMessage)], system => new GatewayMessageSerializer(system));

            IStatusSink sink = sp.GetService<Observability.Metrics.ControlPlaneMetrics>() is { } metrics
                ? new Observability.Metrics.MeteredStatusSink(sp.GetRequiredService<IStatusSink>(), metrics)
                : sp.GetRequiredService<IStatusSink>();
            // Kubernetes mode: a Gateway's entity provisions its Service (exactly one entity per Gateway in the cluster).
            var provisioner = sp.GetService<IGatewayProvisioner>();
            // One instance shared by every entity of this node (there is one per route): NodeIds.Of formats a new string
            // per call. Two shards racing on the first call build two equal instances, which is harmless.
            EntityServices? entityServices = null;
            // What this node's idle route entities knew when they passivated, shared by them and the node's reporter.
            var resting = new RestingEntities();
            EntityServices Services(ActorSystem system) => entityServices ??= new(NodeReporter.Path, sink, NodeIds.Of(Akka.Cluster.Cluster.Get(system).SelfUniqueAddress),
                cluster.EffectiveNodeName, cluster.WriteTimeout, provisioner, cluster.RouteEntityIdle, resting, sp.GetService<TimeProvider>(),
                sp.GetService<Kubernetes.KubernetesStatusSink>()?.MaxAttempts ?? EntityServices.DefaultWriteAttempts);
            var shard = new ShardOptions
            {
                // Entities restart from their node's content (asked of its reporter) and the stored status; no persistence is needed.
                RememberEntities = false,
                ShouldPassivateIdleEntities = false,
                StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData,
                HandOffStopMessage = HandOffEntity.Instance,
            };
            builder.WithShardRegion<GatewayClassEntity>(GatewayClassEntity.TypeName, (system, _, _) => id => GatewayClassEntity.PropsFor(id, Services(system)), new GatewayClassExtractor(), shard);
            builder.WithShardRegion<GatewayEntity>(GatewayEntity.TypeName, (system, _, _) => id => GatewayEntity.PropsFor(id, Services(system)), new GatewayExtractor(), shard);
            builder.WithShardRegion<ListenerEntity>(ListenerEntity.TypeName, (system, _, _) => id => ListenerEntity.PropsFor(id, Services(system)), new ListenerExtractor(), shard);
            builder.WithShardRegion<RouteEntity>(RouteEntity.TypeName, (system, _, _) => id => RouteEntity.PropsFor(id, Services(system)), new RouteExtractor(), shard);
            // Cluster-scope rate limit counters (Gateway.Actors/RateLimiting): they passivate themselves when idle.
            builder.WithShardRegion<Gateway.Actors.RateLimiting.RateLimitCounterEntity>(Gateway.Actors.RateLimiting.RateLimitCounterEntity.TypeName,
                (_, _, _) => _ => Gateway.Actors.RateLimiting.RateLimitCounterEntity.PropsFor(), new Gateway.Actors.RateLimiting.RateLimitCounterExtractor(),
                new ShardOptions { RememberEntities = false, ShouldPassivateIdleEntities = false, StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData });
            builder.WithActors((system, registry) =>
            {
                var regions = new ShardRegions(registry.Get<GatewayClassEntity>(), registry.Get<GatewayEntity>(), registry.Get<ListenerEntity>(), registry.Get<RouteEntity>());
                var reporter = system.ActorOf(NodeReporter.PropsFor(regions, NodeIds.Of(Akka.Cluster.Cluster.Get(system).SelfUniqueAddress), cluster.EffectiveNodeName, resting: resting), NodeReporter.Name);
                registry.Register<NodeReporter>(reporter);
                system.ActorOf(DeadMemberProbe.PropsFor(suspected: sp.GetRequiredService<SuspectedMembers>()), "dead-member-probe");
                system.ActorOf(ClusterMembershipLog.PropsFor(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger<ClusterMembershipLog>()), "membership-log");
            });

            if (cluster.ManagementPort is { } managementPort)
            {
                builder.WithAkkaManagement(new AkkaManagementOptions
                {
                    HostName = cluster.ManagementHostname,
                    Port = managementPort,
                    BindHostName = cluster.ManagementHostname,
                    BindPort = managementPort,
                    // Read-only: every route we add answers GET only and changes nothing.
                    RouteProvidersReadOnly = true,
                }.WithRouteProvider<GatewayManagementRoutes>("gateway").WithRouteProvider<Ui.ClusterPageRoutes>("ui"), autoStart: false);
            }

            switch (cluster.Discovery)
            {
                case ClusterDiscovery.Config:
                    builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
                    {
                        IsDefaultPlugin = true,
                        Services = [new Service { Name = GatewayClusterOptions.ServiceName, Endpoints = [.. cluster.Peers] }],
                    });
                    builder.WithClusterBootstrap(Bootstrap(cluster, cluster.RequiredContactPoints ?? cluster.Peers.Count, TimeSpan.FromSeconds(1)), autoStart: false);
                    break;
                case ClusterDiscovery.Kubernetes:
                    builder.AddHocon(KubernetesPodDiscovery.Hocon, HoconAddMode.Prepend);
                    // Pods come up over time; the stable margin (5 s, the bootstrap default) keeps two clusters from forming.
                    builder.WithClusterBootstrap(Bootstrap(cluster, cluster.RequiredContactPoints ?? 1, TimeSpan.FromSeconds(5), portName: "management"), autoStart: false);
                    break;
                default:
                    // One replica without peers (--no-cluster or no discovery flags): it forms its own cluster. Its address is known only once remoting is bound
                    // (port 0 by default), so it joins itself at startup rather than through seed-node configuration.
                    builder.AddStartup((system, _) =>
                    {
                        var self = Akka.Cluster.Cluster.Get(system);
                        self.Join(self.SelfAddress);
                    });
                    break;
            }
            configure?.Invoke(builder);
        });
        // After AddAkka: hosted services start in order, and this one needs the ActorSystem running.
        services.AddHostedService(sp => sp.GetRequiredService<ManagementServer>());
        if (cluster.ManagementPort is not null) services.AddHostedService<PlacementRefresher>();
        return services;
    }

    /// <summary>The pod's own namespace: the service account's namespace file, else "default".</summary>
    private static string PodNamespace()
    {
        const string path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } ns ? ns : "default";
    }

    private static ClusterBootstrapOptions Bootstrap(GatewayClusterOptions cluster, int requiredContactPoints, TimeSpan stableMargin, string? portName = null)
    {
        var options = new ClusterBootstrapOptions();
        options.ContactPointDiscovery.ServiceName = GatewayClusterOptions.ServiceName;
        options.ContactPointDiscovery.PortName = portName;
        options.ContactPointDiscovery.RequiredContactPointsNr = requiredContactPoints;
        // A config list does not change while replicas start, so a short margin is safe there.
        options.ContactPointDiscovery.StableMargin = stableMargin;
        options.ContactPointDiscovery.Interval = TimeSpan.FromSeconds(1);
        options.ContactPoint.ProbeInterval = TimeSpan.FromSeconds(1);
        // Bootstrap keeps only contact points on its own management port unless told otherwise (made for pods that all
        // use one port); replicas on one machine listen on different ports.
        options.ContactPoint.FilterOnFallbackPort = false;
        return options;
    }
}
