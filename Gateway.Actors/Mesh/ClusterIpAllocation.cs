using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Actors.Mesh;

/// <summary>
/// The ClusterIPs of the mesh Services of one snapshot, and the Services that cannot have one (with why).
/// </summary>
/// <param name="ClusterIPs">Service key → its ClusterIPs (never empty).</param>
/// <param name="Problems">One line per Service that should have a ClusterIP and has none, naming the Service and why.</param>
public sealed record ClusterIpAssignment(ImmutableSortedDictionary<ResourceKey, ImmutableArray<IPAddress>> ClusterIPs, ImmutableArray<string> Problems);

/// <summary>
/// Finds or allocates the ClusterIP of every Service that can be a mesh parent (GEP-1294 "Service as parentRef":
/// ClusterIP Services, with or without selector, and NodePort/LoadBalancer ones, which have a ClusterIP too; not
/// headless Services, spec.clusterIP "None", which "do not implement the frontend functionality", and not
/// ExternalName Services).
/// <list type="bullet">
/// <item><see cref="MeshClusterIpMode.FromService"/> (Kubernetes): spec.clusterIPs (or spec.clusterIP) as the API
/// server assigned them; a Service the API server has not assigned one yet is left out until it has.</item>
/// <item><see cref="MeshClusterIpMode.Allocate"/> (file mode, no API server): a spec.clusterIP inside the range is
/// honoured (the first Service by age, then namespace/name, keeps a contested one; the others are problems); one
/// outside the range, or not an IP address, is a problem and the Service gets none, since the mesh proxies' traffic
/// interception only covers the range; an empty one is allocated by <see cref="AddressAllocator"/> (SHA-256 of
/// namespace/name for the home slot, linear probing, older Services first, so adding a Service never moves an older
/// one's address) around the honoured ones.</item>
/// </list>
/// Pure and deterministic: every replica and every mesh proxy computes the same assignment from the same snapshot.
/// </summary>
public static class ClusterIpAllocation
{
    /// <summary>True when <paramref name="service"/> can be a mesh parent at all (not headless, not ExternalName).</summary>
    public static bool IsMeshParent(V1Service service, out string? whyNot)
    {
        whyNot = null;
        if (service.Spec?.Type == "ExternalName") whyNot = "it is an ExternalName Service";
        else if (service.Spec?.ClusterIP == "None") whyNot = "it is headless (spec.clusterIP None)";
        return whyNot is null;
    }

    /// <summary>Assigns the ClusterIPs of every mesh-parent Service in <paramref name="services"/>.</summary>
    public static ClusterIpAssignment Assign(IEnumerable<V1Service> services, MeshClusterIpMode mode, string range)
    {
        var result = ImmutableSortedDictionary.CreateBuilder<ResourceKey, ImmutableArray<IPAddress>>();
        var problems = ImmutableArray.CreateBuilder<string>();
        var candidates = services
            .Where(s => IsMeshParent(s, out _))
            .Select(s => (Key: KindRegistry.KeyOf(KindRegistry.Service, s), Service: s))
            .OrderBy(s => s.Service.Metadata.CreationTimestamp is null)
            .ThenBy(s => s.Service.Metadata.CreationTimestamp)
            .ThenBy(s => s.Key)
            .ToList();

        if (mode == MeshClusterIpMode.FromService)
        {
            foreach (var (key, s) in candidates)
            {
                var given = (s.Spec?.ClusterIPs is { Count: > 0 } ips ? ips : [s.Spec?.ClusterIP ?? ""])
                    .Select(v => IPAddress.TryParse(v, out var ip) ? ip : null)
                    .OfType<IPAddress>()
                    .ToImmutableArray();
                if (given.Length > 0) result[key] = given;
            }
            return new ClusterIpAssignment(result.ToImmutable(), problems.ToImmutable());
        }

        if (!AddressAllocator.TryParsePool(range, out _, out _))
        {
            problems.Add($"The mesh ClusterIP range \"{range}\" is not an IPv4 CIDR: no Service has a ClusterIP.");
            return new ClusterIpAssignment(result.ToImmutable(), problems.ToImmutable());
        }
        var honoured = new Dictionary<string, ResourceKey>(StringComparer.Ordinal);
        var requests = new List<AddressRequest>();
        foreach (var (key, s) in candidates)
        {
            var wanted = s.Spec?.ClusterIP;
            if (string.IsNullOrEmpty(wanted))
            {
                requests.Add(new AddressRequest(key, s.Metadata.CreationTimestamp));
                continue;
            }
            if (!IPAddress.TryParse(wanted, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || !AddressAllocator.InPool(range, ip.ToString()))
            {
                problems.Add($"Service {key.NamespacedName}: spec.clusterIP {wanted} is not an IPv4 address in the mesh ClusterIP range {range}; the Service is not in the mesh.");
                continue;
            }
            if (honoured.TryGetValue(ip.ToString(), out var holder))
            {
                problems.Add($"Service {key.NamespacedName}: spec.clusterIP {wanted} is already the ClusterIP of Service {holder.NamespacedName}; the Service is not in the mesh.");
                continue;
            }
            honoured[ip.ToString()] = key;
            result[key] = [ip];
        }
        var assigned = AddressAllocator.Assign(range, requests, honoured.Keys.ToHashSet(StringComparer.Ordinal));
        foreach (var (key, address) in assigned)
        {
            if (address is null) problems.Add($"Service {key.NamespacedName}: the mesh ClusterIP range {range} is exhausted; the Service is not in the mesh.");
            else result[key] = [IPAddress.Parse(address)];
        }
        return new ClusterIpAssignment(result.ToImmutable(), problems.ToImmutable());
    }
}
