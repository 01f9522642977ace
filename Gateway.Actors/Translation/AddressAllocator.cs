using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Resources;

namespace Gateway.Actors.Translation;

/// <summary>A Gateway that needs an address from the pool, with its age (null when unknown).</summary>
public readonly record struct AddressRequest(ResourceKey Gateway, DateTime? Created);

/// <summary>
/// Gives each Gateway its own IPv4 address from a pool (ARCHITECTURE "Gateway addresses": Gateways on the same port
/// must not collide). The scheme, chosen so that an existing Gateway keeps its address when another is added:
/// <list type="number">
/// <item>Each Gateway's home slot is SHA-256("namespace/name") mod the pool size; on collision it probes the following
/// slots (linear probing), so the outcome depends only on which Gateways exist, never on input order.</item>
/// <item>Gateways claim slots oldest first (creationTimestamp, unknown age last), then by namespace/name. A newly
/// created Gateway is the youngest, so it claims last and can never take a slot an older Gateway holds. Only
/// when ages are unknown (file mode) can a newcomer that sorts earlier by name win a contested slot; the chance is
/// the pool's occupancy ratio, tiny for the default /16.</item>
/// <item>Addresses in <c>reserved</c> (static spec.addresses of other Gateways) are never handed out; the network and
/// broadcast addresses of pools larger than /31 are skipped.</item>
/// </list>
/// Pure and deterministic: every replica computes the same assignment from the same snapshot.
/// </summary>
public static class AddressAllocator
{
    /// <summary>Assigns addresses; a Gateway maps to null when the pool is invalid or exhausted.</summary>
    public static IReadOnlyDictionary<ResourceKey, string?> Assign(string pool, IEnumerable<AddressRequest> requests, IReadOnlySet<string> reserved)
    {
        var ordered = requests.Distinct()
            .OrderBy(r => r.Created is null)
            .ThenBy(r => r.Created ?? DateTime.MaxValue)
            .ThenBy(r => r.Gateway)
            .ToList();
        var result = new Dictionary<ResourceKey, string?>();
        if (!TryParsePool(pool, out var first, out var size))
        {
            foreach (var r in ordered) result[r.Gateway] = null;
            return result;
        }
        var taken = new HashSet<uint>();
        foreach (var address in reserved)
        {
            if (IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork) taken.Add(ToUInt(ip));
        }
        foreach (var r in ordered)
        {
            var home = HomeSlot(r.Gateway, size);
            string? assigned = null;
            for (ulong i = 0; i < size; i++)
            {
                var candidate = first + (uint)((home + i) % size);
                if (taken.Add(candidate))
                {
                    assigned = FromUInt(candidate);
                    break;
                }
            }
            result[r.Gateway] = assigned;
        }
        return result;
    }

    /// <summary>Parses "a.b.c.d/len" into the first usable address and the number of usable addresses.</summary>
    public static bool TryParsePool(string pool, out uint first, out ulong size)
    {
        first = 0;
        size = 0;
        var slash = pool.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(pool[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        if (!int.TryParse(pool[(slash + 1)..], out var len) || len is < 0 or > 32) return false;
        var mask = len == 0 ? 0u : uint.MaxValue << (32 - len);
        var network = ToUInt(ip) & mask;
        var total = 1UL << (32 - len);
        if (total > 2)
        {
            first = network + 1;
            size = total - 2;
        }
        else
        {
            first = network;
            size = total;
        }
        return true;
    }

    /// <summary>True when <paramref name="address"/> lies inside the pool's usable range.</summary>
    public static bool InPool(string pool, string address)
    {
        if (!TryParsePool(pool, out var first, out var size) || !IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        var v = ToUInt(ip);
        return v >= first && v - first < size;
    }

    private static ulong HomeSlot(ResourceKey gateway, ulong size)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(gateway.NamespacedName));
        return BinaryPrimitives.ReadUInt64BigEndian(hash) % size;
    }

    private static uint ToUInt(IPAddress ip) => BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());

    private static string FromUInt(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }
}
