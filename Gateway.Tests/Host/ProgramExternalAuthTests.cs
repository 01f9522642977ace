using System.Diagnostics;
using System.Net;
using Gateway.Tests.DataPlane;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>
/// The ExternalAuth filter in the shipped executable, started as users start it (file mode, a manifest folder): an
/// HTTPRoute whose rules use an HTTP auth service, a gRPC ext_authz service, and an auth service in another namespace
/// that no ReferenceGrant allows. The services are the real ones of <see cref="ExternalAuthServers"/>.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ProgramExternalAuthTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Serve_ManifestWithExternalAuth_HttpAndGrpcServicesAllowAndDeny_UngrantedCrossNamespaceServiceFailsClosed()
    {
        var auth = new ExternalAuthServers();
        await auth.InitializeAsync();
        try
        {
            var address = DataPlaneFixture.NextAddress();
            var port = MultiNode.ReplicaProcess.FreePort();
            _dir.Write("m/all.yaml", Manifests.Join(
                Manifests.GatewayClass(),
                Manifests.Gateway("g", port: port, address: address),
                Manifests.EchoService("backend", auth.Backend.Port),
                Manifests.EchoService("authz-http", auth.Http.Port),
                Manifests.EchoService("authz-grpc", auth.Grpc.Port),
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: security}",
                Manifests.EchoService("authz", auth.Http.Port, ns: "security"),
                """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: web, namespace: default}
                spec:
                  parentRefs: [{name: g}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /http}}]
                    filters:
                    - type: ExternalAuth
                      externalAuth:
                        protocol: HTTP
                        backendRef: {name: authz-http, port: 8080}
                        http: {path: /check, allowedHeaders: [x-test-id], allowedResponseHeaders: [x-auth-user]}
                    backendRefs: [{name: backend, port: 8080}]
                  - matches: [{path: {type: PathPrefix, value: /grpc}}]
                    filters:
                    - type: ExternalAuth
                      externalAuth:
                        protocol: GRPC
                        backendRef: {name: authz-grpc, port: 8080}
                        grpc: {allowedHeaders: [authorization, x-test-id]}
                    backendRefs: [{name: backend, port: 8080}]
                  - matches: [{path: {type: PathPrefix, value: /elsewhere}}]
                    filters:
                    - type: ExternalAuth
                      externalAuth:
                        protocol: HTTP
                        backendRef: {name: authz, namespace: security, port: 8080}
                        http: {allowedHeaders: [x-test-id]}
                    backendRefs: [{name: backend, port: 8080}]
                """));

            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
            foreach (var a in (string[])["--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("s"), "--no-cluster", "--shutdown-timeout", "5s"])
                info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            async Task<(HttpStatusCode Status, string Body)> SendAsync(string path, string id, string authorization)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{port}{path}");
                request.Headers.Add("X-Test-Id", id);
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
                using var response = await client.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }

            try
            {
                // The route is served once the first pass applied it (bounded). Both services must have allowed once, so
                // that the checks below do not include the first gRPC connection's set-up on a loaded machine.
                var served = false;
                for (var attempt = 0; attempt < 120 && !served; attempt++)
                {
                    try
                    {
                        served = (await SendAsync("/http/ready", $"ready-{attempt}", "Bearer ok")).Status == HttpStatusCode.OK
                            && (await SendAsync("/grpc/ready", $"ready-grpc-{attempt}", "Bearer ok")).Status == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                    }
                    if (!served) await Task.Delay(250);
                }
                Assert.True(served, "the route was never served");

                var httpAllowed = await SendAsync("/http/page", "http-allowed", "Bearer ok");
                var httpDenied = await SendAsync("/http/page", "http-denied", "Bearer nope");
                var grpcAllowed = await SendAsync("/grpc/page", "grpc-allowed", "Bearer ok");
                var grpcDenied = await SendAsync("/grpc/page", "grpc-denied", "Bearer nope");
                var elsewhere = await SendAsync("/elsewhere/page", "elsewhere", "Bearer ok");

                Assert.Equal((HttpStatusCode.OK, "from backend"), httpAllowed);
                Assert.Equal("/check/http/page", auth.Seen["http-allowed"].Path);
                Assert.Equal("alice", auth.BackendSeen["http-allowed"].Headers["x-auth-user"]);
                Assert.Equal((HttpStatusCode.Unauthorized, "denied by auth"), httpDenied);
                Assert.False(auth.BackendSeen.ContainsKey("http-denied"));
                Assert.Equal((HttpStatusCode.OK, "from backend"), grpcAllowed);
                Assert.Equal("/grpc/page", auth.Seen["grpc-allowed"].Path);
                Assert.Equal("alice", auth.BackendSeen["grpc-allowed"].Headers["x-auth-user"]);
                Assert.Equal((HttpStatusCode.Unauthorized, "denied by grpc auth"), grpcDenied);
                Assert.False(auth.BackendSeen.ContainsKey("grpc-denied"));
                // No ReferenceGrant: the route says RefNotPermitted and the rule answers 500 without asking anyone.
                Assert.Equal(HttpStatusCode.InternalServerError, elsewhere.Status);
                Assert.False(auth.Seen.ContainsKey("elsewhere"));
                Assert.False(auth.BackendSeen.ContainsKey("elsewhere"));
                await Wait.UntilAsync(() => StatusText().Contains("RefNotPermitted", StringComparison.Ordinal), "RefNotPermitted in the HTTPRoute's status file");
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(Wait.Token());
            }
        }
        finally
        {
            await auth.DisposeAsync();
        }
    }

    /// <summary>Every status file written so far, concatenated.</summary>
    private string StatusText()
    {
        var dir = _dir.Combine("s");
        return Directory.Exists(dir)
            ? string.Concat(Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories).Where(f => f.Contains("web", StringComparison.Ordinal)).Select(File.ReadAllText))
            : "";
    }
}
