using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>One IP of a pod (Pod.status.podIPs entry).</summary>
public sealed record PodIp(string Namespace, string Pod, IPAddress Address);

/// <summary>
/// HTTPRouteServiceTypes' setupEndpointSlices as a pure text transformation of the applied manifest: for each family
/// (ip4, ip6) and each prefix, the EndpointSlice "&lt;prefix&gt;-&lt;family&gt;" gets its endpoints replaced by one
/// ready, serving, not terminating endpoint per pod IP of that family (targetRef to the pod); when no pod has an IP
/// of the family the slice is not patched, exactly as upstream skips the PATCH. Other documents are kept verbatim.
/// </summary>
public static class EndpointSlicePatch
{
    /// <summary>The patched manifest text.</summary>
    public static string Apply(string manifest, string ns, IReadOnlyList<string> prefixes, IReadOnlyList<PodIp> podIps)
    {
        var documents = ManifestDocuments.Split(manifest).ToList();
        foreach (var (suffix, family) in new[] { ("ip4", AddressFamily.InterNetwork), ("ip6", AddressFamily.InterNetworkV6) })
        {
            var endpoints = podIps.Where(p => p.Address.AddressFamily == family).Select(p => new V1Endpoint
            {
                Addresses = [p.Address.ToString()],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                TargetRef = new V1ObjectReference { Kind = "Pod", Name = p.Pod, NamespaceProperty = p.Namespace },
            }).ToList();
            if (endpoints.Count == 0) continue;
            foreach (var prefix in prefixes)
            {
                var name = $"{prefix}-{suffix}";
                var index = documents.FindIndex(d => ManifestDocuments.Identifies(d, "EndpointSlice", ns, name));
                if (index < 0) throw new InvalidOperationException($"EndpointSlice {ns}/{name} is not in the applied manifest");
                var slice = KubernetesYaml.Deserialize<V1EndpointSlice>(documents[index]);
                slice.Endpoints = endpoints;
                documents[index] = KubernetesYaml.Serialize(slice).TrimEnd('\n') + "\n";
            }
        }
        return string.Join("---\n", documents);
    }
}
