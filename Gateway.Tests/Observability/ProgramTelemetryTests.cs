using System.Diagnostics;
using System.Net;
using Gateway.Tests.DataPlane;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.Observability;

/// <summary>
/// The shipped executable started as users start it, with --access-log and --otlp-endpoint: a request through a
/// manifest-defined route reaches the access log file and the test OTLP receiver with the client's trace id.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ProgramTelemetryTests : IDisposable
{
    private const string ClientTraceId = "0af7651916cd43dd8448eb211c80319c";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Serve_AccessLogAndOtlpEndpointFlags_RequestLoggedAndSpanExportedWithTheClientsTraceId_DropsExported()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var backend = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-1")) { HttpPort = 0 });
        var address = DataPlaneFixture.NextAddress();
        var port = MultiNode.ReplicaProcess.FreePort();
        _dir.Write("m/all.yaml", Manifests.Join(
            Manifests.GatewayClass(),
            Manifests.Gateway("g", port: port, address: address),
            Manifests.EchoService("echo", backend.HttpEndpoint.Port),
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: default}
            spec:
              parentRefs: [{name: g}]
              rules: [{matches: [{path: {type: PathPrefix, value: /web}}], backendRefs: [{name: echo, port: 8080}]}]
            """));
        var accessLog = _dir.Combine("access.log");
        var management = Gateway.Tests.MultiNode.ReplicaProcess.FreePort();

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
        foreach (var a in (string[])["--manifests", _dir.Combine("m"), "--no-cluster", "--shutdown-timeout", "5s", "--access-log", accessLog,
                     "--otlp-endpoint", receiver.Endpoint.ToString(), "--management-port", management.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (lines) lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (lines) lines.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            // The route is served once the first pass applied it (bounded).
            var served = false;
            for (var attempt = 0; attempt < 120 && !served; attempt++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{port}/web/x");
                    request.Headers.TryAddWithoutValidation("traceparent", $"00-{ClientTraceId}-b7ad6b7169203331-01");
                    using var response = await client.SendAsync(request);
                    served = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }
                if (!served) await Task.Delay(250);
            }
            Assert.True(served, "the route was not served");

            var span = await receiver.WaitForSpanAsync(ClientTraceId, TimeSpan.FromSeconds(30));
            Assert.Equal("web", OtlpReceiver.Attribute(span, "gateway.route.name"));
            var logged = await HttpTelemetryTests.WaitForLinesAsync(accessLog, 1, l => l.GetProperty("trace_id").GetString() == ClientTraceId);
            Assert.Equal("HTTPRoute/default/web", logged[0].GetProperty("route").GetString());
            Assert.Equal(200, logged[0].GetProperty("status").GetInt32());
            // The access log's drops are exported with the other metrics (none here: one request, an idle queue). The
            // route can be served before the host has started its last service, the management server (bounded wait for its line).
            for (var attempt = 0; attempt < 100; attempt++)
            {
                lock (lines) if (lines.Exists(l => l.Contains("Management endpoint", StringComparison.Ordinal))) break;
                await Task.Delay(100);
            }
            var scrape = await client.GetStringAsync(new Uri($"http://127.0.0.1:{management}/metrics"));
            Assert.Matches(@"(?m)^gateway_access_log_dropped_total(\{[^}]*\})? 0$", scrape);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Wait.Token());
            }
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(20)));
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            lock (lines) throw new Xunit.Sdk.XunitException($"{e.Message}\noutput:\n{string.Join('\n', lines.TakeLast(40))}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, process.ExitCode);
    }
}
