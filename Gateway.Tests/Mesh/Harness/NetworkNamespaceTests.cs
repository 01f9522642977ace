using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gateway.Emulators;
using Gateway.Host.Mesh;
using Gateway.Host.Mesh.Inject;
using Xunit;

namespace Gateway.Tests.Mesh.Harness;

/// <summary>
/// The harness itself: a namespace isolates its loopback, echo pods started in it answer there and only there, and the
/// product's redirect rules send a connection to a ClusterIP to the proxy port with the original destination readable
/// through SO_ORIGINAL_DST (<see cref="OriginalDestination"/>, on a real kernel).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NetworkNamespaceTests
{
    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task EchoPodStartedInNamespace_AnswersInsideAndIsUnreachableFromOutside()
    {
        await using var pod = MeshPod.Create("client");
        var echo = pod.StartEcho("127.97.0.1", new EchoIdentity("producer", "echo-v1-0"), port: 0);
        using var client = pod.HttpClient();

        var body = await client.GetStringAsync($"http://127.97.0.1:{echo.HttpEndpoint.Port}/hello", Bounded);

        using var json = JsonDocument.Parse(body);
        Assert.Equal("echo-v1-0", json.RootElement.GetProperty("pod").GetString());
        using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await outside.ConnectAsync(new IPEndPoint(IPAddress.Parse("127.97.0.1"), echo.HttpEndpoint.Port), Bounded));
    }

    [Fact]
    public async Task RedirectRules_ConnectionToClusterIp_ReachesProxyPortWithOriginalDestination()
    {
        using var ns = NetworkNamespace.Create();
        ns.Nft(RedirectRules.Script(InjectOptions.DefaultClusterIpRange, MeshOptions.DefaultPort, InjectOptions.DefaultProxyUid));
        using var listener = ns.TcpSocket();
        listener.Bind(new IPEndPoint(IPAddress.Loopback, MeshOptions.DefaultPort));
        listener.Listen();

        using var redirected = await ns.ConnectAsync(new IPEndPoint(IPAddress.Parse("127.96.3.4"), 8080), Bounded);
        using var accepted = await listener.AcceptAsync(Bounded);
        using var direct = await ns.ConnectAsync(new IPEndPoint(IPAddress.Loopback, MeshOptions.DefaultPort), Bounded);
        using var acceptedDirect = await listener.AcceptAsync(Bounded);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.96.3.4"), 8080), OriginalDestination.Read(accepted));
        // Not redirected: the kernel reports the proxy's own endpoint, which the proxy refuses.
        Assert.Equal(acceptedDirect.LocalEndPoint, OriginalDestination.Read(acceptedDirect));
        Assert.Contains(RedirectRules.Table, ns.NftRuleset(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The rules let the proxy's own user out unredirected (its connections to endpoints must not loop back to it): a
    /// process running as uid 1337 (<see cref="InjectOptions.DefaultProxyUid"/>, dropped to with setpriv) that connects
    /// to a ClusterIP reaches that address itself, not the proxy port.
    /// </summary>
    [Fact]
    public async Task RedirectRules_ConnectionFromProxyUid_IsNotRedirected()
    {
        using var ns = NetworkNamespace.Create();
        ns.Nft(RedirectRules.Script(InjectOptions.DefaultClusterIpRange, MeshOptions.DefaultPort, InjectOptions.DefaultProxyUid));
        using var proxy = ns.TcpSocket();
        proxy.Bind(new IPEndPoint(IPAddress.Loopback, MeshOptions.DefaultPort));
        proxy.Listen();
        // 127.96.3.4 is a loopback address inside the namespace, so something can listen on the ClusterIP itself.
        using var clusterIp = ns.TcpSocket();
        clusterIp.Bind(new IPEndPoint(IPAddress.Parse("127.96.3.4"), 8080));
        clusterIp.Listen();

        var uid = InjectOptions.DefaultProxyUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var client = ns.Start("setpriv", [$"--reuid={uid}", $"--regid={uid}", "--clear-groups", "bash", "-c", "exec 3<>/dev/tcp/127.96.3.4/8080 && echo connected"]);
        var stdout = client.StandardOutput.ReadToEndAsync(Bounded);
        await client.WaitForExitAsync(Bounded);
        using var accepted = await clusterIp.AcceptAsync(Bounded);

        Assert.Equal(0, client.ExitCode);
        Assert.Equal("connected", (await stdout).Trim());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.96.3.4"), 8080), accepted.LocalEndPoint);
        // The client has exited, so its one connection is already queued where it went: nothing waits at the proxy port.
        Assert.False(proxy.Poll(0, SelectMode.SelectRead), "the proxy user's connection was redirected to the proxy port");
    }

    [Fact]
    public void Dispose_RemovesTheNamespace()
    {
        var ns = NetworkNamespace.Create();
        var path = $"/run/netns/{ns.Name}";
        Assert.True(File.Exists(path));

        ns.Dispose();

        Assert.False(File.Exists(path));
    }
}
