using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Emulators;
using Gateway.Conformance.Tests;
using Gateway.Conformance.Tests.Harness;
using Xunit;

namespace Gateway.Conformance.Tests.Emulators;

[Trait("Category", "EndToEnd")]
public class BackendEmulatorTests
{
    private static string BaseManifests => File.ReadAllText(Path.Combine(TestPaths.ConformanceDir, "manifests", "base", "manifests.yaml"));

    private static BackendManifests Manifests(params string[] texts)
    {
        var diagnostics = new List<string>();
        var files = texts.Select((t, i) => ($"doc{i}.yaml", t)).Append(("certs.yaml", SharedCertificates.Value.ToYaml()));
        var manifests = BackendManifests.Parse(files, diagnostics);
        Assert.Empty(diagnostics);
        return manifests;
    }

    [Fact]
    public void Plan_BaseManifests_EmulatesEveryDeploymentWithItsKind()
    {
        var plan = BackendPlanner.Plan(Manifests(BaseManifests));

        var perDeployment = plan.Pods.GroupBy(p => $"{p.Namespace}/{p.Deployment}").ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["gateway-conformance-app-backend/app-backend-v1"] = 2,
            ["gateway-conformance-app-backend/app-backend-v2"] = 2,
            ["gateway-conformance-app-backend/tls-backend"] = 1,
            ["gateway-conformance-infra/coredns"] = 1,
            ["gateway-conformance-infra/grpc-infra-backend-v1"] = 2,
            ["gateway-conformance-infra/grpc-infra-backend-v2"] = 2,
            ["gateway-conformance-infra/grpc-infra-backend-v3"] = 2,
            ["gateway-conformance-infra/infra-backend-v1"] = 2,
            ["gateway-conformance-infra/infra-backend-v2"] = 2,
            ["gateway-conformance-infra/infra-backend-v3"] = 1,
            ["gateway-conformance-infra/tls-backend"] = 1,
            ["gateway-conformance-infra/tcp-backend"] = 2,
            ["gateway-conformance-infra/tls-backend-2"] = 1,
            ["gateway-conformance-web-backend/web-backend"] = 2,
        }, perDeployment);
        Assert.Empty(plan.NotEmulated);
        Assert.All(plan.Pods.Where(p => p.Deployment.StartsWith("grpc-", StringComparison.Ordinal)), p => Assert.Equal((BackendKind.GrpcEcho, 3000, (int?)null), (p.Kind, p.HttpPort, p.HttpsPort)));
        // tcp-backend: TCP_ECHO_SERVER with TLS_SERVER_CERT/TLS_SERVER_PRIV_KEY from tls-passthrough-checks-certificate.
        Assert.All(plan.Pods.Where(p => p.Deployment == "tcp-backend"), p =>
        {
            Assert.Equal((BackendKind.TcpEcho, (int?)3000, (int?)8443), (p.Kind, p.TcpPort, p.TlsPort));
            Assert.Equal(SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-passthrough-checks-certificate").CertificatePem.Trim(), p.ServerCertificatePem!.Trim());
        });
        var dns = plan.Pods.Single(p => p.Deployment == "coredns");
        Assert.Equal(BackendKind.CoreDns, dns.Kind);
        Assert.Contains("whoami", dns.Corefile);
        Assert.All(plan.Pods.Where(p => p.Kind == BackendKind.HttpEcho), p => Assert.Null(p.TcpPort));
        Assert.All(plan.Pods.Where(p => p.Kind != BackendKind.CoreDns), p =>
        {
            Assert.Matches($"^{p.Deployment}-[bcdfghjklmnpqrstvwxz2456789]{{10}}-[bcdfghjklmnpqrstvwxz2456789]{{5}}$", p.Name);
            Assert.Equal(p.Name, p.Identity.Pod);
            Assert.Equal(p.Namespace, p.Identity.Namespace);
        });
        Assert.Equal(plan.Pods.Count, plan.Pods.Select(p => p.Name).Distinct().Count());
        Assert.True(plan.Pods.Single(p => p.Deployment == "infra-backend-v3").RetrySupport);
        Assert.False(plan.Pods.First(p => p.Deployment == "infra-backend-v1").RetrySupport);
        Assert.Equal(8443, plan.Pods.Single(p => p.Namespace == ConformanceCertificates.Infra && p.Deployment == "tls-backend").HttpsPort);
        Assert.Null(plan.Pods.First(p => p.Deployment == "web-backend").HttpsPort);
    }

    [Fact]
    public void Plan_UpstreamMainBaseManifests_EmulatesTheRenamedImageWithRetriesAndTheTlsGrpcBackend()
    {
        // Upstream main runs every echo backend from registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0 and
        // gives grpc-infra-backend-v1 a serving certificate (TLS on 8443 beside cleartext h2c on 3000).
        var main = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "conformance", "upstream-main", "manifests", "base", "manifests.yaml"));
        Assert.Contains("gateway-api/conformance/echo-basic:v0.1.0", main, StringComparison.Ordinal);

        var plan = BackendPlanner.Plan(Manifests(main));

        Assert.Empty(plan.NotEmulated);
        Assert.Equal(BackendPlanner.Plan(Manifests(BaseManifests)).Pods.Select(p => $"{p.Namespace}/{p.Deployment}").Distinct().Order(StringComparer.Ordinal),
            plan.Pods.Select(p => $"{p.Namespace}/{p.Deployment}").Distinct().Order(StringComparer.Ordinal));
        Assert.All(plan.Pods.Where(p => p.Kind == BackendKind.HttpEcho), p => Assert.True(p.RetrySupport, $"{p.Name} has no /retry/ handler"));
        Assert.All(plan.Pods.Where(p => p.Deployment == "grpc-infra-backend-v1"), p =>
        {
            Assert.Equal((BackendKind.GrpcEcho, 3000, (int?)8443), (p.Kind, p.HttpPort, p.HttpsPort));
            Assert.Equal(SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-checks-certificate").CertificatePem.Trim(), p.ServerCertificatePem!.Trim());
        });
        Assert.All(plan.Pods.Where(p => p.Deployment == "grpc-infra-backend-v2"), p => Assert.Null(p.HttpsPort));
    }

    [Fact]
    public void Plan_SameManifestsTwice_GivesTheSameNames()
    {
        var first = BackendPlanner.Plan(Manifests(BaseManifests)).Pods.Select(p => p.Name);
        var second = BackendPlanner.Plan(Manifests(BaseManifests)).Pods.Select(p => p.Name);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Plan_TlsSecretMissing_ReplicaIsPending()
    {
        var plan = BackendPlanner.Plan(BackendManifests.Parse([("base.yaml", BaseManifests)]));

        var pending = plan.NotEmulated.Where(n => n.Pending).Select(n => n.ToString()).ToList();
        Assert.Contains("gateway-conformance-infra/tls-backend: replica 0 pending: Secret gateway-conformance-infra/tls-checks-certificate not found", pending);
        Assert.DoesNotContain(plan.Pods, p => p.Deployment.StartsWith("tls-backend", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_BaseManifests_PodsAnswerWithTheirIdentityAndSlicesPointAtThem()
    {
        await using var emulator = new BackendEmulator(new BackendEmulatorOptions { AddressPool = "127.21.0.0/16" });
        var result = await emulator.SyncAsync(Manifests(BaseManifests), CancellationToken.None);

        Assert.Empty(result.Failed);
        Assert.Equal(23, emulator.Pods.Count);
        Assert.All(emulator.Pods, p => Assert.StartsWith("127.21.", p.Address.ToString()));
        Assert.Equal(23, emulator.Pods.Select(p => p.Address).Distinct().Count());

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var pod in emulator.Pods.Where(p => p.Plan.Kind == BackendKind.HttpEcho && p.Plan.HttpsPort is null))
        {
            var body = JsonDocument.Parse(await client.GetStringAsync($"http://{pod.Address}:3000/identity")).RootElement;
            Assert.Equal(pod.Name, body.GetProperty("pod").GetString());
            Assert.Equal(pod.Namespace, body.GetProperty("namespace").GetString());
        }

        var slices = emulator.EndpointSlices();
        var v1 = slices.Single(s => s.Metadata.Labels[EndpointSliceRenderer.ServiceNameLabel] == "infra-backend-v1");
        Assert.Equal("IPv4", v1.AddressType);
        Assert.Equal(ConformanceCertificates.Infra, v1.Metadata.NamespaceProperty);
        Assert.Equal(
            ["first-port:3000:", "second-port:3001:kubernetes.io/h2c", "third-port:3000:kubernetes.io/ws"],
            v1.Ports.Select(p => $"{p.Name}:{p.Port}:{p.AppProtocol}"));
        var v1Pods = emulator.PodsOfService(ConformanceCertificates.Infra, "infra-backend-v1");
        Assert.Equal(2, v1Pods.Count);
        Assert.Equal(v1Pods.Select(p => p.Address.ToString()).Order(), v1.Endpoints.SelectMany(e => e.Addresses).Order());
        Assert.All(v1.Endpoints, e => Assert.True(e.Conditions.Ready));
        Assert.All(v1.Endpoints, e => Assert.StartsWith("infra-backend-v1-", e.TargetRef.Name));
        // The UDP Service of CoreDNS points at the emulated CoreDNS pod, which answers the whoami zone.
        var coredns = emulator.Pods.Single(p => p.Plan.Kind == BackendKind.CoreDns);
        Assert.Equal([coredns.Address.ToString()], slices.Single(s => s.Metadata.Name.StartsWith("coredns-", StringComparison.Ordinal)).Endpoints.SelectMany(e => e.Addresses));
        Assert.Null(await Gateway.Conformance.Tests.Judges.UdpProbe.DnsQueryAsync(new IPEndPoint(coredns.Address, 53), "foo.bar.com.", TimeSpan.FromSeconds(5), CancellationToken.None));

        // The gRPC echo pods answer Echo with their identity in cleartext HTTP/2 on 3000.
        var grpcPod = emulator.PodsOfService(ConformanceCertificates.Infra, "grpc-infra-backend-v2")[0];
        using (var grpcClient = new Gateway.Conformance.Tests.Judges.GrpcEchoClient(new IPEndPoint(grpcPod.Address, 3000), null))
        {
            var reply = await grpcClient.CallAsync("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", new Dictionary<string, string>(), TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(Grpc.Core.StatusCode.OK, reply.Code);
            Assert.Equal(grpcPod.Name, reply.Response!.Assertions.Context.Pod);
        }

        // The TCP echo pods greet on 3000 and on 8443 with the mounted certificate.
        var tcpPod = emulator.PodsOfService(ConformanceCertificates.Infra, "tcp-backend")[0];
        var plain = await Gateway.Conformance.Tests.Judges.TcpEchoClient.ExchangeAsync(new IPEndPoint(tcpPod.Address, 3000), null, null, false, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(("PONG", "false"), (plain.Pong, plain.IsTls));
        var tcpCa = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-checks-ca-certificate").Certificate;
        var secure = await Gateway.Conformance.Tests.Judges.TcpEchoClient.ExchangeAsync(new IPEndPoint(tcpPod.Address, 8443), "abc.example.com", tcpCa, true, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("true", secure.IsTls);

        // The h2c port speaks cleartext HTTP/2 with prior knowledge.
        using var h2 = new HttpRequestMessage(HttpMethod.Get, $"http://{v1Pods[0].Address}:3001/h2c")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var h2Response = await client.SendAsync(h2);
        Assert.Equal("HTTP/2.0", JsonDocument.Parse(await h2Response.Content.ReadAsStringAsync()).RootElement.GetProperty("proto").GetString());

        // The TLS backend serves the generated certificate and echoes the SNI it saw.
        var tls = emulator.Pods.Single(p => p.Namespace == ConformanceCertificates.Infra && p.Plan.Deployment == "tls-backend");
        var ca = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-checks-ca-certificate").Certificate;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, ct) => ConnectAsync(new IPEndPoint(tls.Address, 8443), ct),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => Chains(cert, ca) },
        };
        using var tlsClient = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var tlsBody = JsonDocument.Parse(await tlsClient.GetStringAsync("https://abc.example.com:8443/backend")).RootElement;
        Assert.Equal("abc.example.com", tlsBody.GetProperty("tls").GetProperty("serverName").GetString());
        Assert.Equal(tls.Name, tlsBody.GetProperty("pod").GetString());
    }

    [Fact]
    public async Task Sync_ManifestsChange_AddsRestartsAndRemovesPods()
    {
        await using var emulator = new BackendEmulator(new BackendEmulatorOptions { AddressPool = "127.22.0.0/16" });
        var test = File.ReadAllText(Path.Combine(TestPaths.ConformanceDir, "manifests", "tests", "gateway-tls-backend-client-certificate.yaml"));
        const string Small = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: small, namespace: ns-a}
            spec:
              replicas: 2
              selector: {matchLabels: {app: small}}
              template:
                metadata: {labels: {app: small}}
                spec:
                  containers:
                  - name: small
                    image: registry.k8s.io/gateway-api/echo-basic:v1.5.1
                    env:
                    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    - {name: NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: small, namespace: ns-a}
            spec:
              selector: {app: small}
              ports: [{port: 8080, targetPort: 3000}]
            """;

        var first = await emulator.SyncAsync(Manifests(Small), CancellationToken.None);
        Assert.Equal(2, first.Started.Count);
        var addresses = emulator.Pods.OrderBy(p => p.Plan.Replica).Select(p => p.Address).ToList();

        var added = await emulator.SyncAsync(Manifests(Small, test), CancellationToken.None);
        Assert.Equal(["gateway-conformance-infra/tls-backend-with-client-cert-validation"], added.Started.Select(s => s[..s.LastIndexOf('-', s.LastIndexOf('-') - 1)]));
        Assert.Empty(added.Stopped);
        Assert.Equal(addresses, emulator.Pods.Where(p => p.Namespace == "ns-a").OrderBy(p => p.Plan.Replica).Select(p => p.Address));

        // The client-CA backend accepts a client certificate of its CA and refuses one of another CA.
        var pod = emulator.Pods.Single(p => p.Plan.Deployment == "tls-backend-with-client-cert-validation");
        var certs = SharedCertificates.Value;
        var good = await TlsStatusAsync(pod, certs.Get(ConformanceCertificates.Infra, "tls-checks-client-certificate").Certificate);
        Assert.Equal(HttpStatusCode.OK, good.Status);
        // Compared after JSON decoding: the encoder escapes '+' in the PEM as \u002B.
        var peer = JsonDocument.Parse(good.Body).RootElement.GetProperty("tls").GetProperty("peerCertificates");
        Assert.Equal(certs.Get(ConformanceCertificates.Infra, "tls-checks-client-certificate").Certificate.ExportCertificatePem(), Assert.Single(peer.EnumerateArray()).GetString());
        var bad = await TlsStatusAsync(pod, certs.Get(ConformanceCertificates.Infra, "tls-validity-checks-client-certificate").Certificate);
        Assert.Null(bad.Status);

        var scaledDown = await emulator.SyncAsync(Manifests(Small.Replace("replicas: 2", "replicas: 1"), test), CancellationToken.None);
        // Scaling does not touch the pod template: replica 0 keeps running under its name and address.
        Assert.Single(scaledDown.Stopped);
        var remaining = Assert.Single(emulator.Pods, p => p.Namespace == "ns-a");
        Assert.Equal(addresses[0], remaining.Address);

        // A template change gives the replica a new name (new pod-template-hash) on its old address.
        var relabelled = await emulator.SyncAsync(Manifests(Small.Replace("replicas: 2", "replicas: 1").Replace("labels: {app: small}", "labels: {app: small, v: \"2\"}"), test), CancellationToken.None);
        Assert.Equal([remaining.Namespace + "/" + remaining.Name], relabelled.Stopped);
        var restarted = Assert.Single(emulator.Pods, p => p.Namespace == "ns-a");
        Assert.NotEqual(remaining.Name, restarted.Name);
        Assert.Equal(remaining.Address, restarted.Address);
        remaining = restarted;

        var removed = await emulator.SyncAsync(Manifests(), CancellationToken.None);
        Assert.Equal(2, removed.Stopped.Count);
        Assert.Empty(emulator.Pods);
        Assert.Empty(emulator.EndpointSlices());
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://{remaining.Address}:3000/"));
    }

    private static async Task<(HttpStatusCode? Status, string Body)> TlsStatusAsync(EmulatedPod pod, X509Certificate2 clientCertificate)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, ct) => ConnectAsync(new IPEndPoint(pod.Address, 8443), ct),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate,
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await client.GetAsync("https://abc.example.com:8443/");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (null, "");
        }
    }

    private static async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool Chains(X509Certificate? cert, X509Certificate2 root)
    {
        if (cert is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(cert));
    }
}
