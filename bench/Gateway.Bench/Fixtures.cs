using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Gateway.Bench;

/// <summary>A self-signed certificate for the HTTPS scenarios, as PEM files (nginx) and PEM text (the Secret).</summary>
internal sealed record BenchCertificate(string CertificatePem, string KeyPem, string CertificatePath, string KeyPath)
{
    public static BenchCertificate Create(string directory, string hostname)
    {
        // ECDSA P-256: what current deployments use; both nginx and the gateway terminate with the same certificate.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var pem = certificate.ExportCertificatePem();
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var certPath = Path.Combine(directory, "bench.crt");
        var keyPath = Path.Combine(directory, "bench.key");
        File.WriteAllText(certPath, pem);
        File.WriteAllText(keyPath, keyPem);
        return new BenchCertificate(pem, keyPem, certPath, keyPath);
    }
}

/// <summary>
/// Gateway API manifests generated for the benchmarks (bench/README.md, "Fixtures"). Written as YAML text: the
/// fixtures are what a user's directory would hold, and the gateway parses them like any other manifests.
/// </summary>
internal static class Fixtures
{
    public const string Namespace = "bench";
    public const string ClassName = "bench";
    public const string DataPlaneHost = "bench.example";

    public static string GatewayClass() => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: {ClassName}
        spec:
          controllerName: akka-gateway.dev/controller
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {Namespace}

        """;

    /// <summary>A Gateway on a fixed loopback address with an HTTP listener and, with a certificate, an HTTPS one.</summary>
    public static string Gateway(string name, string address, int httpPort, int? httpsPort, BenchCertificate? certificate)
    {
        var sb = new StringBuilder($"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: {name}
              namespace: {Namespace}
            spec:
              gatewayClassName: {ClassName}
              addresses:
              - type: IPAddress
                value: {address}
              listeners:
              - name: http
                port: {httpPort}
                protocol: HTTP
                allowedRoutes:
                  namespaces:
                    from: Same

            """);
        if (httpsPort is { } tlsPort && certificate is not null)
        {
            sb.Append($"""
                  - name: https
                    port: {tlsPort}
                    protocol: HTTPS
                    tls:
                      mode: Terminate
                      certificateRefs:
                      - name: {name}-cert
                    allowedRoutes:
                      namespaces:
                        from: Same
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: {name}-cert
                  namespace: {Namespace}
                type: kubernetes.io/tls
                data:
                  tls.crt: {Convert.ToBase64String(Encoding.UTF8.GetBytes(certificate.CertificatePem))}
                  tls.key: {Convert.ToBase64String(Encoding.UTF8.GetBytes(certificate.KeyPem))}

                """);
        }
        return sb.ToString();
    }

    /// <summary>A Service and the EndpointSlice that puts its one endpoint on the backend nginx.</summary>
    public static string Service(string name, string backendAddress, int backendPort) => $"""
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {Namespace}
        spec:
          ports:
          - port: 8080
            targetPort: {backendPort}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}-1
          namespace: {Namespace}
          labels:
            kubernetes.io/service-name: {name}
        addressType: IPv4
        ports:
        - port: {backendPort}
        endpoints:
        - addresses: [{backendAddress}]
          conditions:
            ready: true

        """;

    /// <summary>An HTTPRoute with one hostname and one PathPrefix match, attached to <paramref name="gateway"/>.</summary>
    public static string Route(string name, string gateway, string hostname, string pathPrefix, string service) => $"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: {name}
          namespace: {Namespace}
        spec:
          parentRefs:
          - name: {gateway}
          hostnames: [{hostname}]
          rules:
          - matches:
            - path:
                type: PathPrefix
                value: {pathPrefix}
            backendRefs:
            - name: {service}
              port: 8080

        """;

    /// <summary>
    /// Data plane: <paramref name="routes"/> HTTPRoutes on one hostname with distinct path prefixes /p0 ... /pN-1, all to
    /// one Service. One shared hostname is the hard case for lookup (every route is a candidate for every request);
    /// the request goes to /p0/..., which sorts near the end of the precedence order (shortest prefixes last).
    /// </summary>
    public static void WriteDataPlane(string directory, string gateway, string address, int httpPort, int? httpsPort, BenchCertificate? certificate,
        int routes, string backendAddress, int backendPort)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "00-gateway.yaml"), GatewayClass() + Gateway(gateway, address, httpPort, httpsPort, certificate) + Service("backend", backendAddress, backendPort));
        WriteChunked(directory, "routes", routes, i => Route($"r{i}", gateway, DataPlaneHost, $"/p{i}", "backend"));
    }

    /// <summary>
    /// Control plane: <paramref name="routes"/> HTTPRoutes with distinct hostnames r{i}.cp.example and paths /r{i}, each
    /// with its own Service and EndpointSlice, written 100 routes (with their Services) per file.
    /// </summary>
    public static void WriteControlPlane(string directory, string gateway, string address, int httpPort, int routes, string backendAddress, int backendPort)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "00-gateway.yaml"), GatewayClass() + Gateway(gateway, address, httpPort, null, null));
        WriteChunked(directory, "routes", routes, i => ControlPlaneRoute(i, gateway, backendAddress, backendPort));
    }

    public static string ControlPlaneHost(int i) => $"r{i}.cp.example";

    public static string ControlPlaneRoute(int i, string gateway, string backendAddress, int backendPort) =>
        Service($"svc-{i}", backendAddress, backendPort) + Route($"r{i}", gateway, ControlPlaneHost(i), $"/r{i}", $"svc-{i}");

    /// <summary>
    /// Route <paramref name="i"/> changed: its path prefix becomes /r{i}v2 (a spec change, so generation 2), its Service
    /// unchanged. /r{i}v2/... answers 404 before the change is served and 200 after.
    /// </summary>
    public static string ControlPlaneChangedRoute(int i, string gateway, string backendAddress, int backendPort) =>
        Service($"svc-{i}", backendAddress, backendPort) + Route($"r{i}", gateway, ControlPlaneHost(i), $"/r{i}v2", $"svc-{i}");

    /// <summary>Writes a file atomically (temp file in the same directory, then rename), as kubectl-style tools do.</summary>
    public static void WriteAtomically(string path, string content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    private static void WriteChunked(string directory, string prefix, int count, Func<int, string> render)
    {
        const int perFile = 100;
        for (var start = 0; start < count; start += perFile)
        {
            var sb = new StringBuilder();
            for (var i = start; i < Math.Min(count, start + perFile); i++) sb.Append(render(i));
            File.WriteAllText(Path.Combine(directory, $"{prefix}-{(start / perFile).ToString("D4", CultureInfo.InvariantCulture)}.yaml"), sb.ToString());
        }
    }
}
