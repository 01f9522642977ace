using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace Gateway.Emulators;

/// <summary>
/// Pure planning of the emulated pods: which Deployments become which backend, with which identity, ports and
/// certificates. Mirrors what the echo-basic binary does with its environment: the mode (GRPC_ECHO_SERVER,
/// TCP_ECHO_SERVER, UDP_ECHO_SERVER, else HTTP), HTTP_PORT 3000, H2C_PORT 3001, HTTPS_PORT 8443 when TLS_SERVER_CERT
/// and TLS_SERVER_PRIVKEY (HTTP) / TLS_SERVER_PRIV_KEY (gRPC, TCP) name mounted files, TCP_PORT 3000, TLS_PORT 8443,
/// UDP_PORT 8080, TLS_CLIENT_CACERTS, POD_NAME, NAMESPACE, SERVICE_NAME, INGRESS_NAME; what the CoreDNS image does with
/// <c>-conf</c> (the mounted Corefile); and how Kubernetes names pods (deployment-templatehash-suffix).
/// </summary>
public static class BackendPlanner
{
    // Kubernetes' rand.SafeEncodeString alphabet: no vowels, no confusable characters.
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Plans every replica of every Deployment in <paramref name="manifests"/>.</summary>
    public static BackendPlan Plan(BackendManifests manifests)
    {
        var pods = new List<PodPlan>();
        var notEmulated = new List<NotEmulatedDeployment>();
        foreach (var deployment in manifests.Deployments
                     .OrderBy(d => d.Metadata.NamespaceProperty, StringComparer.Ordinal)
                     .ThenBy(d => d.Metadata.Name, StringComparer.Ordinal))
        {
            var ns = deployment.Metadata.NamespaceProperty ?? "default";
            var name = deployment.Metadata.Name ?? "";
            var template = deployment.Spec?.Template;
            var container = template?.Spec?.Containers?.FirstOrDefault(c => c.Image is { } image && IsEchoBasic(image));
            var coreDns = template?.Spec?.Containers?.FirstOrDefault(c => c.Image?.Contains("coredns/coredns", StringComparison.Ordinal) == true);
            if (container is null && coreDns is null)
            {
                var image = template?.Spec?.Containers?.FirstOrDefault()?.Image ?? "(none)";
                notEmulated.Add(new(ns, name, $"image {image} is neither echo-basic nor CoreDNS"));
                continue;
            }
            container ??= coreDns!;
            var env = container.Env ?? [];
            // echo-basic picks its mode from these variables (any non-empty value); without one it is the HTTP echo.
            var kind = coreDns is not null && ReferenceEquals(container, coreDns) ? BackendKind.CoreDns
                : Set(env, "GRPC_ECHO_SERVER") ? BackendKind.GrpcEcho
                : Set(env, "TCP_ECHO_SERVER") ? BackendKind.TcpEcho
                : Set(env, "UDP_ECHO_SERVER") ? BackendKind.UdpEcho
                : BackendKind.HttpEcho;

            var templateHash = Encode(Hash($"{ns}/{name}/{KubernetesJson.Serialize(template)}"), 10);
            var replicas = deployment.Spec?.Replicas ?? 1;
            var labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
            var namedPorts = (container.Ports ?? []).Where(p => !string.IsNullOrEmpty(p.Name))
                .ToDictionary(p => p.Name, p => p.ContainerPort, StringComparer.Ordinal);
            var volumes = template?.Spec?.Volumes ?? [];

            for (var replica = 0; replica < replicas; replica++)
            {
                var podName = $"{name}-{templateHash}-{Encode(Hash($"{ns}/{name}/{templateHash}/{replica}"), 5)}";
                string Env(string key) => Resolve(env.FirstOrDefault(e => e.Name == key), podName, ns);

                string? missing = null;
                string? certPem = null, keyPem = null, caPem = null, corefile = null;
                int? httpsPort = null, tlsPort = null;
                var certPath = Env("TLS_SERVER_CERT");
                switch (kind)
                {
                    case BackendKind.HttpEcho:
                        // The HTTP echo spells its key variable TLS_SERVER_PRIVKEY; the TCP and gRPC echoes TLS_SERVER_PRIV_KEY.
                        var keyPath = Env("TLS_SERVER_PRIVKEY");
                        if (certPath.Length > 0 && keyPath.Length > 0)
                        {
                            certPem = ReadMountedFile(container, volumes, certPath, ns, manifests, ref missing);
                            keyPem = ReadMountedFile(container, volumes, keyPath, ns, manifests, ref missing);
                            httpsPort = Port(Env("HTTPS_PORT"), 8443);
                            var caPath = Env("TLS_CLIENT_CACERTS");
                            if (caPath.Length > 0) caPem = ReadMountedFile(container, volumes, caPath, ns, manifests, ref missing);
                        }
                        break;
                    case BackendKind.GrpcEcho or BackendKind.TcpEcho:
                        var privKeyPath = Env("TLS_SERVER_PRIV_KEY");
                        if (certPath.Length > 0 && privKeyPath.Length > 0)
                        {
                            certPem = ReadMountedFile(container, volumes, certPath, ns, manifests, ref missing);
                            keyPem = ReadMountedFile(container, volumes, privKeyPath, ns, manifests, ref missing);
                            if (kind == BackendKind.GrpcEcho) httpsPort = Port(Env("HTTPS_PORT"), 8443);
                            else tlsPort = Port(Env("TLS_PORT"), 8443);
                        }
                        break;
                    case BackendKind.CoreDns:
                        // CoreDNS reads -conf <file> (default ./Corefile, which no manifest here mounts).
                        var args = container.Args ?? [];
                        var conf = args.SkipWhile(a => a != "-conf").Skip(1).FirstOrDefault() ?? "Corefile";
                        corefile = ReadMountedFile(container, volumes, conf, ns, manifests, ref missing);
                        if (corefile is not null && Dns.Corefile.Parse(corefile, out var corefileError) is null)
                        {
                            notEmulated.Add(new(ns, name, $"replica {replica}: Corefile {conf} cannot be read: {corefileError}"));
                            continue;
                        }
                        break;
                }
                if (missing is not null)
                {
                    // Kubernetes keeps such a pod in ContainerCreating: it has no address and no endpoint.
                    notEmulated.Add(new(ns, name, $"replica {replica} pending: {missing}", Pending: true));
                    continue;
                }

                pods.Add(new PodPlan(
                    ns, name, replica, podName, labels,
                    new EchoIdentity(Env("NAMESPACE"), Env("POD_NAME"), Env("SERVICE_NAME"), Env("INGRESS_NAME")),
                    Port(Env("HTTP_PORT"), 3000), Port(Env("H2C_PORT"), 3001), httpsPort, certPem, keyPem, caPem,
                    kind == BackendKind.HttpEcho && RetrySupport(container.Image!), namedPorts)
                {
                    Kind = kind,
                    TcpPort = kind == BackendKind.TcpEcho ? Port(Env("TCP_PORT"), 3000) : null,
                    TlsPort = tlsPort,
                    UdpPort = kind == BackendKind.UdpEcho ? Port(Env("UDP_PORT"), 8080) : null,
                    Corefile = corefile,
                });
            }
        }
        return new BackendPlan(pods, notEmulated);
    }

    /// <summary>
    /// echo-basic under either of its published names: registry.k8s.io/gateway-api/echo-basic (v1.6.1 manifests) and
    /// registry.k8s.io/gateway-api/conformance/echo-basic (upstream main, built from gateway-api-conformance-images).
    /// </summary>
    public static bool IsEchoBasic(string image) =>
        image.Contains("gateway-api/echo-basic", StringComparison.Ordinal) || image.Contains(ConformanceImagesEchoBasic, StringComparison.Ordinal);

    // The image line of kubernetes-sigs/gateway-api-conformance-images; its versions restart at v0.1.0.
    private const string ConformanceImagesEchoBasic = "gateway-api/conformance/echo-basic";

    /// <summary>
    /// The /retry/ handler exists from echo-basic v1.6 on (v1.6.1 base manifests: only infra-backend-v3 runs such an
    /// image) and in every gateway-api/conformance/echo-basic image, which was moved out of the v1.6 sources.
    /// </summary>
    public static bool RetrySupport(string image)
    {
        if (image.Contains(ConformanceImagesEchoBasic, StringComparison.Ordinal)) return true;
        var colon = image.LastIndexOf(':');
        if (colon < 0) return false;
        var parts = image[(colon + 1)..].TrimStart('v').Split('.', '-');
        return parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var major) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var minor)
            && (major > 1 || major == 1 && minor >= 6);
    }

    private static string Resolve(V1EnvVar? variable, string podName, string ns)
    {
        if (variable is null) return "";
        if (variable.Value is not null) return variable.Value;
        // Downward API fields the echo images read; anything else resolves to empty as an unset variable would.
        return variable.ValueFrom?.FieldRef?.FieldPath switch
        {
            "metadata.name" => podName,
            "metadata.namespace" => ns,
            _ => "",
        };
    }

    private static bool Set(IList<V1EnvVar> env, string name) => env.Any(e => e.Name == name && !string.IsNullOrEmpty(e.Value));

    private static int Port(string text, int fallback) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 ? port : fallback;

    /// <summary>Reads a file the container sees at <paramref name="path"/> through its Secret/ConfigMap volume mounts.</summary>
    private static string? ReadMountedFile(V1Container container, IList<V1Volume> volumes, string path, string ns, BackendManifests manifests, ref string? missing)
    {
        foreach (var mount in container.VolumeMounts ?? [])
        {
            var prefix = mount.MountPath.TrimEnd('/') + "/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var relative = path[prefix.Length..];
            var volume = volumes.FirstOrDefault(v => v.Name == mount.Name);
            if (volume?.Secret is { } secretSource)
            {
                var key = secretSource.Items?.FirstOrDefault(i => i.Path == relative)?.Key ?? relative;
                var secret = manifests.Secrets.FirstOrDefault(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == secretSource.SecretName);
                if (secret?.Data?.TryGetValue(key, out var bytes) == true) return Encoding.UTF8.GetString(bytes);
                if (secret?.StringData?.TryGetValue(key, out var text) == true) return text;
                missing ??= secret is null ? $"Secret {ns}/{secretSource.SecretName} not found" : $"Secret {ns}/{secretSource.SecretName} has no key {key}";
                return null;
            }
            if (volume?.ConfigMap is { } mapSource)
            {
                var key = mapSource.Items?.FirstOrDefault(i => i.Path == relative)?.Key ?? relative;
                var map = manifests.ConfigMaps.FirstOrDefault(m => m.Metadata.NamespaceProperty == ns && m.Metadata.Name == mapSource.Name);
                if (map?.Data?.TryGetValue(key, out var text) == true) return text;
                if (map?.BinaryData?.TryGetValue(key, out var bytes) == true) return Encoding.UTF8.GetString(bytes);
                missing ??= map is null ? $"ConfigMap {ns}/{mapSource.Name} not found" : $"ConfigMap {ns}/{mapSource.Name} has no key {key}";
                return null;
            }
        }
        missing ??= $"no Secret or ConfigMap volume mounted at {path}";
        return null;
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private static string Encode(byte[] hash, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = NameAlphabet[hash[i] % NameAlphabet.Length];
        return new string(chars);
    }
}
