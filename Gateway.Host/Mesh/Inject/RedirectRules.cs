using System.Globalization;
using System.Net;

namespace Gateway.Host.Mesh.Inject;

/// <summary>
/// The nftables rules that send a pod's outbound TCP to Service ClusterIPs to its mesh proxy: in the nat table's output
/// hook, the proxy's own user is let through (its connections go to endpoints, and must never come back to itself),
/// then every TCP connection to the ClusterIP range is redirected to the proxy's port on loopback. One table of its own
/// (<see cref="Table"/>), so the rules are added and removed as a whole and never touch other tables.
/// </summary>
public static class RedirectRules
{
    public const string Table = "akka_gateway_mesh";

    /// <summary>The ruleset as one nft script (what <c>nft -f -</c> reads).</summary>
    public static string Script(string clusterIpRange, int proxyPort, int proxyUid)
    {
        var range = IPNetwork.Parse(clusterIpRange);
        var family = range.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ip6" : "ip";
        return string.Create(CultureInfo.InvariantCulture, $$"""
            table {{family}} {{Table}} {
              chain output {
                type nat hook output priority -100; policy accept;
                meta skuid {{proxyUid}} return
                {{family}} daddr {{range}} meta l4proto tcp redirect to :{{proxyPort}}
              }
            }

            """);
    }
}
