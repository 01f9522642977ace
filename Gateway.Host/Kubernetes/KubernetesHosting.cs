using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Hosting;
using Gateway.Host.Pipeline;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>Everything Kubernetes mode needs beyond <see cref="GatewayHostOptions"/> (command line: --source kubernetes ...).</summary>
public sealed class KubernetesHostOptions
{
    /// <summary>A kubeconfig file (--kubeconfig); null: in-cluster, else $KUBECONFIG or ~/.kube/config.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Makes the client; null builds one from <see cref="KubeconfigPath"/> (tests point it at their API server).</summary>
    public Func<IKubernetes>? ClientFactory { get; set; }

    /// <summary>List/watch settings.</summary>
    public KubernetesSourceOptions Source { get; set; } = new();

    /// <summary>Namespace, pod selector and container port range of the per-Gateway Services.</summary>
    public GatewayServiceOptions Services { get; set; } = new();

    /// <summary>The address replicas bind the container ports on (--service-bind-address).</summary>
    public string ServiceBindAddress { get; set; } = "0.0.0.0";

    /// <summary>Attempts per status write or removal (a fresh read each; only 409 Conflict causes another).</summary>
    public int StatusWriteAttempts { get; set; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting (see <see cref="Errors"/>).</summary>
    public void Validate() => OptionsError.ThrowIfAny(Errors());

    /// <summary>Every invalid setting.</summary>
    public IReadOnlyList<OptionsError> Errors()
    {
        var errors = new List<OptionsError>();
        var s = Services;
        if (s.PortRangeStart < 1 || s.PortRangeEnd > 65535 || s.PortRangeStart > s.PortRangeEnd)
            errors.Add(new("--container-port-range", $"{s.PortRangeStart}-{s.PortRangeEnd} is not FIRST-LAST with 1 <= FIRST <= LAST <= 65535"));
        if (s.PodSelector.Count == 0) errors.Add(new("--pod-selector", "at least one key=value label is needed"));
        if (string.IsNullOrWhiteSpace(s.Namespace)) errors.Add(new("--service-namespace", "must not be empty"));
        if (!System.Net.IPAddress.TryParse(ServiceBindAddress, out _)) errors.Add(new("--service-bind-address", $"\"{ServiceBindAddress}\" is not an IP address"));
        if (StatusWriteAttempts < 1) errors.Add(new(nameof(StatusWriteAttempts), $"{StatusWriteAttempts} is less than 1"));
        if (Source.SecretTypes.Count == 0) errors.Add(new("--secret-types", "at least one Secret type is needed (kubernetes.io/tls for listener certificates)"));
        // A type goes into a field selector (type=TYPE): separators of the selector syntax would change its meaning.
        foreach (var type in Source.SecretTypes.Where(t => t.Length == 0 || t.IndexOfAny([',', '=', '!', ' ']) >= 0))
            errors.Add(new("--secret-types", $"\"{type}\" is not a Secret type"));
        foreach (var ns in Source.SecretNamespaces.Where(n => !System.Text.RegularExpressions.Regex.IsMatch(n, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")))
            errors.Add(new("--secret-namespaces", $"\"{ns}\" is not a namespace name"));
        return errors;
    }
}

/// <summary>
/// Registers Kubernetes mode on the generic host: <see cref="KubernetesSource"/> feeds the store (instead of the file
/// source), <see cref="KubernetesStatusSink"/> receives statuses, the translator runs in
/// <see cref="AddressMode.ServicePerGateway"/>, and <see cref="GatewayServiceProvisioning"/> plans each Gateway's Service
/// on every node while the Gateway's entity (one per Gateway in the cluster) carries the plan out.
/// </summary>
public static class KubernetesHosting
{
    /// <summary>Adds the Kubernetes services; called by <see cref="GatewayHostBuilder"/> when <see cref="GatewayHostOptions.Kubernetes"/> is set.</summary>
    public static void Register(IServiceCollection services, GatewayHostOptions options)
    {
        var k8sOptions = options.Kubernetes ?? throw new ArgumentException("Kubernetes options are missing", nameof(options));
        services.AddSingleton(_ => k8sOptions.ClientFactory?.Invoke() ?? KubernetesClientFactory.Create(k8sOptions.KubeconfigPath));
        services.AddSingleton(sp => new KubernetesApi(sp.GetRequiredService<IKubernetes>()));
        services.AddSingleton(k8sOptions.Source);
        services.AddSingleton<KubernetesSource>();
        services.AddSingleton(sp => new KubernetesStatusSink(sp.GetRequiredService<KubernetesApi>(), options.ControllerName,
            sp.GetRequiredService<ILogger<KubernetesStatusSink>>(), k8sOptions.StatusWriteAttempts,
            watched: () => sp.GetRequiredService<ResourceStore>().Published));
        // Registered after the file-mode sink: the last registration is the one the pipeline resolves.
        services.AddSingleton<IStatusSink>(sp => sp.GetRequiredService<KubernetesStatusSink>());
        services.AddSingleton(_ => new PipelineOptions
        {
            Translator = new TranslatorOptions
            {
                ControllerName = options.ControllerName,
                MeshPassthrough = options.MeshPassthrough,
                AddressPool = options.AddressPool,
                AddressMode = AddressMode.ServicePerGateway,
                // Mesh Services' ClusterIPs are the API server's (spec.clusterIPs), never allocated.
                MeshClusterIpMode = Actors.Mesh.MeshClusterIpMode.FromService,
                ServiceNamespace = k8sOptions.Services.Namespace,
                ServiceBindAddress = k8sOptions.ServiceBindAddress,
            },
            Coalescing = options.Coalescing,
            StatusDelay = options.StatusDelay,
            DataPlaneTimeout = options.DataPlaneTimeout,
            Translate = options.Translate,
        });
        services.AddSingleton(sp => new GatewayServiceApplier(sp.GetRequiredService<KubernetesApi>(), sp.GetRequiredService<ILogger<GatewayServiceApplier>>()));
        services.AddSingleton(_ => new GatewayServiceProvisioningOptions { ControllerName = options.ControllerName, Services = k8sOptions.Services });
        services.AddSingleton<GatewayServiceProvisioning>();
        // Every node plans each Gateway's Service per pass; the Gateway's entity carries the plan out (Cluster/ClusterHosting).
        services.AddSingleton<IGatewayProvisioningPlanner>(sp => sp.GetRequiredService<GatewayServiceProvisioning>());
        services.AddSingleton<IGatewayProvisioner>(sp => sp.GetRequiredService<GatewayServiceProvisioning>());
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesSource>());
    }
}
