using System.Net;
using System.Net.Sockets;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Pipeline;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Pipeline;

public class SocketProbeTests
{
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to this machine, so binding it fails; nothing is sent.
    private const string Foreign = "192.0.2.10";

    [Fact]
    public void CanBind_LoopbackAddress_True_ForeignAddress_False()
    {
        Assert.True(SocketProbe.CanBind(IPAddress.Parse("127.0.0.1")));
        Assert.True(SocketProbe.CanBind(IPAddress.Parse("127.10.200.3")));
        Assert.False(SocketProbe.CanBind(IPAddress.Parse(Foreign)));
    }

    [Fact]
    public void CanBind_SocketInUse_False()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        Assert.False(SocketProbe.CanBind(new ListenerSocket("127.0.0.1", port)));
    }

    [Fact]
    public void UsableStaticAddresses_KeepsBindableIpAddressValuesOnly()
    {
        var gateway = new V1Gateway
        {
            Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns" },
            Spec = new V1GatewaySpec
            {
                GatewayClassName = "gc",
                Addresses =
                [
                    new V1GatewaySpecAddress { Type = "IPAddress", Value = "127.10.9.9" },
                    new V1GatewaySpecAddress { Value = Foreign },
                    new V1GatewaySpecAddress { Type = "Hostname", Value = "localhost" },
                    new V1GatewaySpecAddress { Type = "IPAddress", Value = "not-an-ip" },
                ],
            },
        };

        var usable = SocketProbe.UsableStaticAddresses(Snapshot.From(1, [gateway]));

        Assert.Equal(["127.10.9.9"], usable);
    }
}
