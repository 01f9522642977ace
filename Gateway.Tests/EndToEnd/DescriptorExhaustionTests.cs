using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Tests.DataPlane;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The shipped process with a file descriptor limit of 1,024 (set by the shell, as an operator's ulimit would; the
/// hard limit too, so the process cannot raise it) and more idle keep-alive clients than that (issue 13). The process
/// itself holds about 300 descriptors when idle (two per loaded assembly, pipes, sockets).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DescriptorExhaustionTests : IDisposable
{
    private const int DescriptorLimit = 1024;
    private const int IdleClients = 1200;
    private readonly TempDir _dir = new();
    private readonly string _address = DataPlaneFixture.NextAddress();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// With the default cap the gateway refuses clients beyond it before descriptors run out; with a cap above the
    /// limit the descriptors run out: the gateway releases its reserve (DescriptorReserve), refuses new connections
    /// while they are short, stays up, and takes the reserve back and serves again once the idle clients leave.
    /// Before the reserve, the exhausted case aborted the runtime with "Out of memory." (exit 134) in most runs under
    /// load: a thread the thread pool started found no descriptor for its start-up pipe.
    /// </summary>
    [Theory]
    [InlineData("auto", "over all HTTP sockets (descriptor limit 1024)", false)]
    [InlineData("100000", "Out of file descriptors: released the reserve", true)]
    public async Task MoreIdleClientsThanDescriptors_ProcessStaysUp_ServesANormalClientOnceTheyLeave(string maxConnections, string logged, bool exhausted)
    {
        // The clients' side of 1,200 connections must fit in this process's own limit.
        Gateway.Host.DataPlane.Hosting.DescriptorLimit.RaiseSoftToHard();
        _dir.Write("m/gateway.yaml", Manifests.Join(Manifests.GatewayClass(), $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g, namespace: default}
            spec:
              gatewayClassName: gc
              addresses: [{type: IPAddress, value: "{{{_address}}}"}]
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: default}
            spec:
              parentRefs: [{name: g}]
              rules:
              - filters: [{type: RequestRedirect, requestRedirect: {hostname: target.example, statusCode: 302}}]
            """));
        var dll = Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"ulimit -n {DescriptorLimit} && exec dotnet \"$0\" --manifests \"$1\" --no-cluster --max-connections \"$2\"");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(_dir.Combine("m"));
        info.ArgumentList.Add(maxConnections);
        var output = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (e.Data.Contains("Ready: revision 1", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) output.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var idle = new List<Socket>();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));

            var request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: idle.example\r\n\r\n");
            for (var i = 0; i < IdleClients; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(_address), 8080, connect.Token);
                    await socket.SendAsync(request, SocketFlags.None, connect.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // Refused or left in a full backlog: what a capped gateway may do.
                }
            }

            string Tail() => string.Join('\n', output.TakeLast(15));
            // The gateway's log reaches this process through its stdout pipe, a moment after the event: wait for an
            // expected line (bounded) before judging, so a busy machine cannot make a check read too early.
            async Task WaitForLine(string text)
            {
                for (var waited = 0; waited < 150 && !process.HasExited && !output.Any(l => l.Contains(text, StringComparison.Ordinal)); waited++)
                    await Task.Delay(100);
            }
            await WaitForLine(logged);
            Assert.False(process.HasExited, $"the gateway exited under more clients than descriptors; its last lines:\n{Tail()}");
            Assert.True(output.Any(l => l.Contains(logged, StringComparison.Ordinal)), $"the gateway never logged \"{logged}\"; its last lines:\n{Tail()}");
            Assert.True(exhausted == output.Any(l => l.Contains("Out of file descriptors", StringComparison.Ordinal) || l.Contains("cannot accept connections", StringComparison.Ordinal)),
                $"descriptors {(exhausted ? "never ran out" : "ran out")}, expected {(exhausted ? "" : "not ")}to; its last lines:\n{Tail()}");
            // While the idle clients hold their connections a new one may be refused (closed at once); it never hangs.
            var during = await NormalRequestAsync();
            Assert.True(during is 302 or null, $"a normal request while the limit holds answered {during}");

            foreach (var socket in idle) socket.Dispose();
            idle.Clear();
            int? after = null;
            for (var attempt = 0; attempt < 60 && after != 302; attempt++)
            {
                after = await NormalRequestAsync();
                if (after != 302) await Task.Delay(500);
            }
            Assert.True(after == 302,
                $"a normal request after the idle clients left answered {after?.ToString() ?? "nothing"}; gateway exited: {process.HasExited}; its last lines:\n{string.Join('\n', output.TakeLast(15))}");
            Assert.False(process.HasExited, "the gateway exited after the idle clients left");
            if (exhausted)
            {
                await WaitForLine("File descriptors are free again");
                Assert.True(output.Any(l => l.Contains("File descriptors are free again", StringComparison.Ordinal)),
                    $"the gateway never took its reserve back; its last lines:\n{string.Join('\n', output.TakeLast(15))}");
            }
            Assert.DoesNotContain(output, l => l.Contains("Out of memory", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token);
        }
    }

    /// <summary>The status of one request on a new connection, or null when the connection was refused or closed without an answer.</summary>
    private async Task<int?> NormalRequestAsync()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_address}:8080/");
        request.Headers.Host = "normal.example";
        try
        {
            using var response = await client.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
