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
        // Kubernetes mode: list and watch only what the mesh table reads. Registered after KubernetesHosting's source
        // options, so these are resolved.
        if (builder.Options.Kubernetes is { } kubernetes) builder.Services.AddSingleton(kubernetes.Source with { Kinds = WatchedKinds });
    }

    /// <summary>
    /// The kinds a proxy lists and watches in Kubernetes mode: what its mesh table is built from, nothing else. Mesh
    /// routes (HTTPRoute, GRPCRoute; other route kinds on a Service parent only get a status, which the gateway
    /// writes), ReferenceGrants (the backendRefs of a route that also has a Gateway parent keep the Gateway rules),
    /// Services and EndpointSlices (ClusterIPs, ports, endpoints), BackendTLSPolicies and the ConfigMaps their CA
    /// bundles live in (TLS to mesh backends). Not Secrets (they hold listener and Gateway client certificates, which
    /// only a Gateway serves: a sidecar in every pod should not be able to read every TLS key of the cluster),
    /// Gateways, GatewayClasses, ListenerSets, Namespaces (their labels select routes for Gateway listeners only), XMesh
    /// (its status is the gateway's) or RateLimitPolicies (applied on Gateway listeners). Every proxy opens one watch
    /// per kind on the API server, so the list is kept short. k8s/mesh/rbac.yaml grants exactly these (tested).
    /// </summary>
    public static readonly IReadOnlyList<KindInfo> WatchedKinds =
    [
        KindRegistry.HTTPRoute, KindRegistry.GRPCRoute, KindRegistry.ReferenceGrant, KindRegistry.BackendTLSPolicy,
        KindRegistry.Service, KindRegistry.EndpointSlice, KindRegistry.ConfigMap,
    ];

    /// <summary>Statuses are the gateway's to write; the proxy drops them.</summary>
    private sealed class NoStatusHandOff : IStatusHandOff
    {
        private static readonly StatusHandOffResult Nothing = new(0, 0, 0, 0, []);

        public Task<StatusHandOffResult> HandOffAsync(TranslationResult result, Snapshot snapshot, bool applied, IReadOnlyCollection<ResourceKey> storedKeys, CancellationToken ct) =>
            Task.FromResult(Nothing);
    }
}
