using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Gateway.Emulators;

/// <summary>A planned pod that is running at an address.</summary>
public sealed record RunningPod(PodPlan Plan, IPAddress Address);

/// <summary>
/// Pure rendering of what the EndpointSlice controller would write for emulated pods: one IPv4 EndpointSlice per
/// Service with a selector, listing every running pod of the Service's namespace whose labels contain the selector,
/// with the Service's port names, resolved target ports and appProtocols (discovery.k8s.io/v1).
/// </summary>
public static class EndpointSliceRenderer
{
    /// <summary>The label that ties an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>The managed-by label value of slices rendered here.</summary>
    public const string ManagedBy = "backend-emulator.gateway";

    /// <summary>Renders slices for <paramref name="services"/>, sorted by namespace and name.</summary>
    public static IReadOnlyList<V1EndpointSlice> Render(IEnumerable<V1Service> services, IReadOnlyCollection<RunningPod> pods)
    {
        var slices = new List<V1EndpointSlice>();
        foreach (var service in services
                     .OrderBy(s => s.Metadata.NamespaceProperty, StringComparer.Ordinal)
                     .ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var selector = service.Spec?.Selector;
            // Services without a selector have their EndpointSlices managed by someone else (spec.selector docs).
            if (selector is null || selector.Count == 0 || service.Spec?.Type == "ExternalName") continue;
            var ns = service.Metadata.NamespaceProperty ?? "default";
            var members = pods
                .Where(p => p.Plan.Namespace == ns && selector.All(kv => p.Plan.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                .OrderBy(p => p.Plan.Name, StringComparer.Ordinal)
                .ToList();

            var ports = new List<Discoveryv1EndpointPort>();
            foreach (var port in service.Spec?.Ports ?? [])
            {
                var target = TargetPort(port, members);
                if (target is null) continue;
                ports.Add(new Discoveryv1EndpointPort
                {
                    Name = port.Name ?? "",
                    Port = target,
                    Protocol = port.Protocol ?? "TCP",
                    AppProtocol = port.AppProtocol,
                });
            }

            slices.Add(new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{service.Metadata.Name}-{Suffix(ns + "/" + service.Metadata.Name)}",
                    NamespaceProperty = ns,
                    Labels = new Dictionary<string, string>
                    {
                        [ServiceNameLabel] = service.Metadata.Name!,
                        ["endpointslice.kubernetes.io/managed-by"] = ManagedBy,
                    },
                },
                AddressType = "IPv4",
                Ports = ports,
                Endpoints = members.Select(p => new V1Endpoint
                {
                    Addresses = [p.Address.ToString()],
                    Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                    TargetRef = new V1ObjectReference { Kind = "Pod", Name = p.Plan.Name, NamespaceProperty = ns },
                }).ToList(),
            });
        }
        return slices;
    }

    private static int? TargetPort(V1ServicePort port, IReadOnlyList<RunningPod> members)
    {
        var value = port.TargetPort?.Value;
        if (string.IsNullOrEmpty(value)) return port.Port;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        // A named targetPort refers to a container port name (the same in every replica of a Deployment).
        foreach (var member in members)
        {
            if (member.Plan.NamedPorts.TryGetValue(value, out var named)) return named;
        }
        return null;
    }

    private static string Suffix(string key)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new string([.. hash.Take(5).Select(b => alphabet[b % alphabet.Length])]);
    }
}
