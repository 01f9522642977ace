using k8s;

namespace Gateway.Host.Kubernetes;

/// <summary>Builds the KubernetesClient configuration and clients: an explicit kubeconfig, else in-cluster, else the default kubeconfig.</summary>
public static class KubernetesClientFactory
{
    /// <summary>
    /// <paramref name="kubeconfigPath"/> (--kubeconfig) when given; otherwise the in-cluster service account (a pod:
    /// KUBERNETES_SERVICE_HOST and the mounted token), otherwise $KUBECONFIG or ~/.kube/config (a laptop).
    /// </summary>
    public static KubernetesClientConfiguration Configuration(string? kubeconfigPath)
    {
        if (kubeconfigPath is not null) return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        return KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile();
    }

    /// <summary>A client for <paramref name="kubeconfigPath"/> (see <see cref="Configuration"/>).</summary>
    public static IKubernetes Create(string? kubeconfigPath) => Create(Configuration(kubeconfigPath));

    /// <summary>
    /// The only way the product builds a client: every response body is read asynchronously before KubernetesClient
    /// deserializes it (<see cref="BufferedResponseHandler"/>), and no connection a watch streamed on is reused
    /// (<see cref="WatchConnectionCloseHandler"/>).
    /// </summary>
    public static IKubernetes Create(KubernetesClientConfiguration configuration) =>
        new k8s.Kubernetes(configuration, new WatchConnectionCloseHandler(), new BufferedResponseHandler());
}
