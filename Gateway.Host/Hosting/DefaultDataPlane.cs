using Akka.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Hosting;

/// <summary>The shipped data plane, as the command line composes it.</summary>
public static class DefaultDataPlane
{
    /// <summary>
    /// The Kestrel/YARP data plane with the host's logging and the ActorSystem's materializer (RequestMirror filters
    /// run on it; a host composed without the cluster has none, and mirroring is then off).
    /// </summary>
    public static DataPlane.DataPlane Create(IServiceProvider services) =>
        new((services.GetService<GatewayHostOptions>()?.DataPlane ?? new DataPlane.DataPlaneOptions()) with
            {
                Telemetry = services.GetService<Observability.DataPlaneTelemetry>(),
                // Cluster-scope rate limits lease from their sharded owners (the ActorSystem starts after the data plane is built).
                LeaseSource = new DataPlane.RateLimiting.ShardedLeaseSource(() => services.GetService<Akka.Actor.ActorSystem>()),
            },
            services.GetRequiredService<ILoggerFactory>(), services.GetService<IMaterializer>());
}
