using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Emulators;

/// <summary>
/// Hands out IPv4 addresses of a CIDR (loopback by default) deterministically: a key hashes to a slot and keeps it
/// while it is held; a taken slot moves on to the next free one. Network and broadcast addresses are never used.
/// </summary>
public sealed class LoopbackAddressPool
{
    private readonly uint _network;
    private readonly uint _size;
    private readonly Dictionary<string, IPAddress> _byKey = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _taken = [];

    /// <summary>A pool over <paramref name="cidr"/> (IPv4, prefix /8 to /30).</summary>
    public LoopbackAddressPool(string cidr)
    {
        var network = IPNetwork.Parse(cidr);
        if (network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || network.PrefixLength is < 8 or > 30)
        {
            throw new ArgumentException($"address pool {cidr} must be an IPv4 CIDR with a prefix between /8 and /30", nameof(cidr));
        }
        _network = ToUInt(network.BaseAddress);
        _size = 1u << (32 - network.PrefixLength);
        Cidr = cidr;
    }

    /// <summary>The pool's CIDR.</summary>
    public string Cidr { get; }

    /// <summary>The address held by <paramref name="key"/>, allocating one if it holds none.</summary>
    public IPAddress Acquire(string key)
    {
        if (_byKey.TryGetValue(key, out var held)) return held;
        var usable = _size - 2;
        if (_taken.Count >= usable) throw new InvalidOperationException($"address pool {Cidr} is exhausted");
        var start = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0) % usable;
        for (var i = 0u; i < usable; i++)
        {
            var offset = 1 + (start + i) % usable;
            if (_taken.Add(offset))
            {
                var address = FromUInt(_network + offset);
                _byKey[key] = address;
                return address;
            }
        }
        throw new InvalidOperationException($"address pool {Cidr} is exhausted");
    }

    /// <summary>Gives the address held by <paramref name="key"/> back to the pool.</summary>
    public void Release(string key)
    {
        if (_byKey.Remove(key, out var address)) _taken.Remove(ToUInt(address) - _network);
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static IPAddress FromUInt(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
