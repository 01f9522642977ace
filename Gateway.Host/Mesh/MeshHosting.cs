using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Hosting;
using Gateway.Host.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Mesh;

/// <summary>
/// Turns a gateway host into a mesh proxy (<c>--mode mesh</c>): the same sources, store and translator, but the data
/// plane is a <see cref="MeshProxy"/> and no status is handed to anyone (the gateway replicas own every status; a
/// sidecar per workload writing them too would fight over them), so no Gateway is served and no Service is written.
/// </summary>
public static class MeshHosting
{
    public static void Configure(GatewayHostBuilder builder, MeshOptions mesh)
    {
        builder.Options.MeshPassthrough = true;
        builder.Options.DataPlaneFactory = services => new MeshProxy(mesh,
            (services.GetService<GatewayHostOptions>()?.DataPlane ?? new DataPlane.DataPlaneOptions()) with { Telemetry = services.GetService<Observability.DataPlaneTelemetry>() },
            services.GetRequiredService<ILoggerFactory>(), services.GetService<Akka.Streams.IMaterializer>());
        // Registered after the cluster's hand-off, so this one is resolved.
        builder.Services.AddSingleton<IStatusHandOff, NoStatusHandOff>();
    }

    /// <summary>Statuses are the gateway's to write; the proxy drops them.</summary>
    private sealed class NoStatusHandOff : IStatusHandOff
    {
        private static readonly StatusHandOffResult Nothing = new(0, 0, 0, 0, []);

        public Task<StatusHandOffResult> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied, IReadOnlyCollection<ResourceKey> storedKeys, CancellationToken ct) =>
            Task.FromResult(Nothing);
    }
}
