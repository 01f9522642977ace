using System.Net;
using System.Net.Sockets;
using Gateway.Emulators;
using Gateway.Tests.Streams.L4;
using Xunit;

namespace Gateway.Tests.Emulators;

/// <summary>The UDP echo backend answers like the conformance suite's UDP echo (cases-semantics.md 1.4).</summary>
public sealed class UdpEchoServerTests
{
    [Fact]
    public async Task Datagram_AnsweredWithJsonToItsSender()
    {
        await using var server = UdpEchoServer.Start(IPAddress.Loopback, 0, new EchoIdentity("infra", "udp-backend-abc-1", Service: "udp-backend"));
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var reply = await UdpProxyTests.AskAsync(client, server.Endpoint, "gateway-api-conformance-udp-echo");

        Assert.NotNull(reply);
        var json = reply.Value.Json;
        Assert.Equal(["request", "namespace", "ingress", "service", "pod"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("gateway-api-conformance-udp-echo", json.GetProperty("request").GetString());
        Assert.Equal("udp-backend", json.GetProperty("service").GetString());
        Assert.Equal("udp-backend-abc-1", json.GetProperty("pod").GetString());
        Assert.Equal(1, server.DatagramCount);
    }
}
