using System.Net;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Discovery;
using Gateway.Host.Kubernetes;
using k8s.Models;

namespace Gateway.Host.Cluster;

/// <summary>Where <see cref="KubernetesPodDiscovery"/> looks: the replicas' namespace and label selector.</summary>
/// <param name="Namespace">The pods' namespace.</param>
/// <param name="LabelSelector">Equality-based label selector of the gateway pods ("k=v,k2=v2").</param>
public sealed record PodDiscoverySettings(string Namespace, string LabelSelector);

/// <summary>
/// Akka.Discovery over the Kubernetes API for Cluster Bootstrap: the running gateway pods matching the label selector,
/// each as its pod IP and the container port named by the lookup ("management").
/// <para>
/// Written here instead of using Akka.Discovery.KubernetesApi because that plugin builds a KubernetesClient of its own
/// for every lookup, and KubernetesClient reads response bodies synchronously: with a pod list large enough to arrive
/// after its headers, the read blocks whatever thread runs the continuation, a socket engine thread included. This one
/// goes through the product's own client (<see cref="KubernetesClientFactory"/>), which reads every body asynchronously,
/// and needs only "list pods" in the replicas' namespace.
/// </para>
/// Akka creates it by class name with the actor system; its settings and API come from the host's services.
/// </summary>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    /// <summary>The discovery method name in HOCON (akka.discovery.method).</summary>
    public const string Method = "akka-gateway-kubernetes";

    private readonly KubernetesApi _api;
    private readonly PodDiscoverySettings _settings;

    /// <summary>Called by Akka.Discovery.</summary>
    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        var services = DependencyResolver.For(system).Resolver;
        _api = services.GetService<KubernetesApi>();
        _settings = services.GetService<PodDiscoverySettings>();
    }

    /// <summary>The HOCON that makes this the default discovery method.</summary>
    public static string Hocon => $$"""
        akka.discovery.method = {{Method}}
        akka.discovery.{{Method}}.class = "{{typeof(KubernetesPodDiscovery).AssemblyQualifiedName}}"
        """;

    /// <inheritdoc />
    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var pods = await _api.ListPodsAsync(_settings.Namespace, _settings.LabelSelector, timeout.Token).ConfigureAwait(false);
        return new Resolved(lookup.ServiceName, Targets(pods, lookup.PortName));
    }

    /// <summary>
    /// The contact points among <paramref name="pods"/>: running, not being deleted, with a pod IP; the port is the
    /// container port named <paramref name="portName"/> (none when no name is asked or no container has it).
    /// </summary>
    public static IReadOnlyList<ResolvedTarget> Targets(IEnumerable<V1Pod> pods, string? portName)
    {
        var targets = new List<ResolvedTarget>();
        foreach (var pod in pods)
        {
            if (pod.Metadata?.DeletionTimestamp is not null) continue;
            if (!string.Equals(pod.Status?.Phase, "Running", StringComparison.Ordinal)) continue;
            if (!IPAddress.TryParse(pod.Status?.PodIP, out var ip)) continue;
            int? port = portName is null
                ? null
                : pod.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => string.Equals(p.Name, portName, StringComparison.Ordinal))?.ContainerPort;
            targets.Add(new ResolvedTarget(pod.Status!.PodIP, port, ip));
        }
        return targets;
    }
}
