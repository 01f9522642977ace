using System.Net;
using System.Net.Sockets;
using Gateway.Host.Cluster;
using Xunit;

namespace Gateway.Tests.Cluster;

public sealed class DeadMemberProbeTests
{
    [Fact]
    public async Task ProbeAsync_SomethingListens_Accepted()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Equal(PortProbe.Accepted, await DeadMemberProbe.ProbeAsync("127.0.0.1", port, TimeSpan.FromSeconds(2), new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token));
    }

    [Fact]
    public async Task ProbeAsync_NothingListens_Refused()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Assert.Equal(PortProbe.Refused, await DeadMemberProbe.ProbeAsync("127.0.0.1", port, TimeSpan.FromSeconds(2), new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token));
    }

    [Fact]
    public async Task ProbeAsync_NoAnswerInTime_Unknown()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // A timeout that has already passed stands for a peer that never answers (a partition drops packets).
        Assert.Equal(PortProbe.Unknown, await DeadMemberProbe.ProbeAsync("127.0.0.1", port, TimeSpan.Zero, new CancellationToken(canceled: true)));
    }
}
