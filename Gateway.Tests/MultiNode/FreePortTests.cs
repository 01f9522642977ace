using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Gateway.Tests.MultiNode;

/// <summary>The test infrastructure's port choice (<see cref="ReplicaProcess.FreePort"/>).</summary>
public sealed class FreePortTests
{
    [Fact]
    public void FreePort_ManyCalls_DistinctPortsBelowTheEphemeralRange_EachFreeForTcpAndUdp()
    {
        var (low, high) = ReplicaProcess.FreePortRange;
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal(ephemeralLow, high);

        var ports = Enumerable.Range(0, 200).Select(_ => ReplicaProcess.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, low, high - 1));
        foreach (var port in ports.Take(20))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
        }
    }

    [Fact]
    public void NextFreePort_PortsTakenForTcpOrUdp_Skipped()
    {
        // A sequence of its own, so other tests' calls do not move it: the two ports it would hand out next are taken.
        var range = ReplicaProcess.FreePortRange;
        var next = 0;
        var first = ReplicaProcess.NextFreePort(ref next, range);
        using var taken = new TcpListener(IPAddress.Any, first + 1);
        taken.Start();
        using var takenUdp = new UdpClient(new IPEndPoint(IPAddress.Any, first + 2));

        var after = ReplicaProcess.NextFreePort(ref next, range);

        Assert.True(after > first + 2, $"after {first}, with {first + 1} (TCP) and {first + 2} (UDP) taken, the next port was {after}");
    }
}
