using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Demo;

/// <summary>One demo pod: a replica of an echo-basic Deployment, answering HTTP/1.1 on <see cref="Port"/>.</summary>
public sealed record DemoPod(string Namespace, string Deployment, int Replica, string Name, IReadOnlyDictionary<string, string> Labels, int Port,
    IReadOnlyDictionary<string, int> NamedPorts)
{
    /// <summary>Stable across template changes, so a restarted replica keeps its address.</summary>
    public string SlotKey => $"{Namespace}/{Deployment}/{Replica}";

    /// <summary>Two pods with the same fingerprint run the same server.</summary>
    public string Fingerprint => string.Join('\u001f', Namespace, Deployment, Replica, Name, Port,
        string.Join(',', Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")),
        string.Join(',', NamedPorts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
}

/// <summary>The Deployments and Services of the manifest directories (ManifestParser skips Deployments, so they are read here).</summary>
public sealed record DemoManifests(IReadOnlyList<V1Deployment> Deployments, IReadOnlyList<V1Service> Services);

/// <summary>
/// Pure planning for <c>--demo-backends</c>: which Deployments run as demo pods (the HTTP mode of the upstream
/// echo-basic image: no GRPC_ECHO_SERVER, TCP_ECHO_SERVER or UDP_ECHO_SERVER), how Kubernetes would name their pods
/// (deployment-templatehash-suffix), and the EndpointSlices the EndpointSlice controller would write for them.
/// </summary>
public static class DemoPlan
{
    // Kubernetes' rand.SafeEncodeString alphabet: no vowels, no confusable characters.
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private static readonly string[] OtherModes = ["GRPC_ECHO_SERVER", "TCP_ECHO_SERVER", "UDP_ECHO_SERVER"];

    /// <summary>Reads the Deployments and Services of multi-document YAML files; unreadable documents are skipped.</summary>
    public static DemoManifests Read(IEnumerable<(string Source, string Text)> files)
    {
        var deployments = new List<V1Deployment>();
        var services = new List<V1Service>();
        foreach (var (_, text) in files)
        {
            foreach (var (document, _) in ManifestParser.SplitDocuments(text))
            {
                if (document.Trim().Length == 0) continue;
                try
                {
                    var header = KubernetesYaml.Deserialize<TypeHeader>(document);
                    switch (header?.ApiVersion, header?.Kind)
                    {
                        case ("apps/v1", "Deployment"): deployments.Add(Defaulted(KubernetesYaml.Deserialize<V1Deployment>(document))); break;
                        case ("v1", "Service"): services.Add(Defaulted(KubernetesYaml.Deserialize<V1Service>(document))); break;
                    }
                }
                catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or FormatException or ArgumentException)
                {
                    // The gateway's own file source reports broken documents; the demo only runs what it can read.
                }
            }
        }
        return new DemoManifests(deployments, services);
    }

    /// <summary>The pods of every echo-basic Deployment in HTTP mode, and why each other Deployment is not run.</summary>
    public static (IReadOnlyList<DemoPod> Pods, IReadOnlyList<string> NotRun) Pods(IEnumerable<V1Deployment> deployments)
    {
        var pods = new List<DemoPod>();
        var notRun = new List<string>();
        foreach (var deployment in deployments.OrderBy(d => d.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(d => d.Metadata.Name, StringComparer.Ordinal))
        {
            var ns = deployment.Metadata.NamespaceProperty;
            var name = deployment.Metadata.Name ?? "";
            var template = deployment.Spec?.Template;
            var container = template?.Spec?.Containers?.FirstOrDefault(c => c.Image?.Contains("gateway-api/echo-basic", StringComparison.Ordinal) == true);
            if (container is null)
            {
                notRun.Add($"{ns}/{name}: image {template?.Spec?.Containers?.FirstOrDefault()?.Image ?? "(none)"} is not echo-basic");
                continue;
            }
            var env = container.Env ?? [];
            if (OtherModes.FirstOrDefault(m => env.Any(e => e.Name == m && !string.IsNullOrEmpty(e.Value))) is { } mode)
            {
                notRun.Add($"{ns}/{name}: {mode} is set; the demo runs only the HTTP echo");
                continue;
            }
            var port = int.TryParse(env.FirstOrDefault(e => e.Name == "HTTP_PORT")?.Value, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : 3000;
            var labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
            var namedPorts = (container.Ports ?? []).Where(c => !string.IsNullOrEmpty(c.Name)).ToDictionary(c => c.Name, c => c.ContainerPort, StringComparer.Ordinal);
            var templateHash = Encode($"{ns}/{name}/{KubernetesJson.Serialize(template)}", 10);
            for (var replica = 0; replica < (deployment.Spec?.Replicas ?? 1); replica++)
            {
                var podName = $"{name}-{templateHash}-{Encode($"{ns}/{name}/{templateHash}/{replica}", 5)}";
                pods.Add(new DemoPod(ns, name, replica, podName, labels, port, namedPorts));
            }
        }
        return (pods, notRun);
    }

    /// <summary>
    /// One IPv4 EndpointSlice per Service with a selector, listing the running pods of its namespace whose labels
    /// contain the selector, with the Service's port names and resolved target ports (discovery.k8s.io/v1).
    /// </summary>
    public static IReadOnlyList<V1EndpointSlice> EndpointSlices(IEnumerable<V1Service> services, IReadOnlyCollection<(DemoPod Pod, IPAddress Address)> running)
    {
        var slices = new List<V1EndpointSlice>();
        foreach (var service in services.OrderBy(s => s.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var selector = service.Spec?.Selector;
            // Services without a selector have their EndpointSlices managed by someone else (spec.selector docs).
            if (selector is null || selector.Count == 0 || service.Spec?.Type == "ExternalName") continue;
            var ns = service.Metadata.NamespaceProperty;
            var members = running.Where(r => r.Pod.Namespace == ns && selector.All(kv => r.Pod.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                .OrderBy(r => r.Pod.Name, StringComparer.Ordinal).ToList();
            var ports = new List<Discoveryv1EndpointPort>();
            foreach (var port in service.Spec?.Ports ?? [])
            {
                if (TargetPort(port, members) is not { } target) continue;
                ports.Add(new Discoveryv1EndpointPort { Name = port.Name ?? "", Port = target, Protocol = port.Protocol ?? "TCP", AppProtocol = port.AppProtocol });
            }
            slices.Add(new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{service.Metadata.Name}-demo",
                    NamespaceProperty = ns,
                    Labels = new Dictionary<string, string>
                    {
                        ["kubernetes.io/service-name"] = service.Metadata.Name!,
                        ["endpointslice.kubernetes.io/managed-by"] = "demo-backends.gateway",
                    },
                },
                AddressType = "IPv4",
                Ports = ports,
                Endpoints = [.. members.Select(m => new V1Endpoint
                {
                    Addresses = [m.Address.ToString()],
                    Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                    TargetRef = new V1ObjectReference { Kind = "Pod", Name = m.Pod.Name, NamespaceProperty = ns },
                })],
            });
        }
        return slices;
    }

    private static int? TargetPort(V1ServicePort port, IReadOnlyList<(DemoPod Pod, IPAddress Address)> members)
    {
        var value = port.TargetPort?.Value;
        if (string.IsNullOrEmpty(value)) return port.Port;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        // A named targetPort refers to a container port name (the same in every replica of a Deployment).
        return members.Select(m => m.Pod.NamedPorts.TryGetValue(value, out var named) ? named : (int?)null).FirstOrDefault(p => p is not null);
    }

    private static T Defaulted<T>(T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        obj.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(obj.Metadata.NamespaceProperty)) obj.Metadata.NamespaceProperty = "default";
        return obj;
    }

    private static string Encode(string text, int length)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new string([.. hash.Take(length).Select(b => NameAlphabet[b % NameAlphabet.Length])]);
    }

    private sealed class TypeHeader
    {
        [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
        [JsonPropertyName("kind")] public string? Kind { get; set; }
    }
}
