using Akka.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Hosting;

/// <summary>The shipped data plane, as the command line composes it.</summary>
public static class DefaultDataPlane
{
    /// <summary>
    /// The Kestrel/YARP data plane with the host's logging and, in cluster mode, the ActorSystem's materializer (so
    /// RequestMirror filters work; without a cluster there is no materializer and mirroring is off).
    /// </summary>
    public static DataPlane.DataPlane Create(IServiceProvider services) =>
        new(null, services.GetRequiredService<ILoggerFactory>(), services.GetService<IMaterializer>());
}
