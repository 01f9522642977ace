using Gateway.Actors.Resources;

namespace Gateway.Host.Sources;

/// <summary>
/// Parses and stamps a handful of synthetic manifests (one of each kind a route's file usually holds) on a pool thread
/// while the process is still reading its command line and building its host, so the first scan's parse and stamping
/// code (YamlDotNet's parser, the kinds' JSON metadata, the CRD rules, the canonical forms) is compiled before the
/// scan's workers call it. Until the scan starts the process runs on one core (0.3 to 0.5 s at 10,000 routes on the
/// 2-core machine); the scan's workers otherwise start by compiling that code themselves, or by waiting for each other's
/// compilation. Nothing it makes is kept: the objects are the warm-up's own, parsed from text no file holds.
/// </summary>
public static class ScanCompileWarmUp
{
    // A Gateway with a listener, a route to a Service, the Service and its EndpointSlice: the kinds of a manifest folder's
    // common case, as the file source reads them.
    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: scan-warm-up}
        spec: {controllerName: example.com/scan-warm-up}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: scan-warm-up, namespace: scan-warm-up}
        spec:
          gatewayClassName: scan-warm-up
          listeners:
          - {name: http, port: 80, protocol: HTTP}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: svc
          namespace: scan-warm-up
        spec:
          ports:
          - port: 8080
            targetPort: 8080
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: svc-1
          namespace: scan-warm-up
          labels:
            kubernetes.io/service-name: svc
        addressType: IPv4
        ports:
        - port: 8080
        endpoints:
        - addresses: [127.0.0.1]
          conditions:
            ready: true
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: route
          namespace: scan-warm-up
        spec:
          parentRefs:
          - name: scan-warm-up
          hostnames: [scan-warm-up.example]
          rules:
          - matches:
            - path:
                type: PathPrefix
                value: /scan-warm-up
            backendRefs:
            - name: svc
              port: 8080
        """;

    /// <summary>Parses and stamps the synthetic manifests once; returns how many objects were stamped.</summary>
    public static int Run()
    {
        var parsed = ManifestParser.Parse("scan-warm-up", Manifests);
        if (parsed.Diagnostics.Count > 0) throw new InvalidOperationException($"scan warm-up manifests: {string.Join("; ", parsed.Diagnostics)}");
        var now = DateTime.UtcNow;
        var stamped = 0;
        foreach (var obj in parsed.Objects)
        {
            if (ObjectStamping.Stamp(obj.Object, null, null, present: false, 1, now, static () => Guid.NewGuid().ToString(), inPlace: true).Changed) stamped++;
        }
        return stamped;
    }

    /// <summary>
    /// Starts <see cref="Run"/> on a pool thread; nobody waits for it. It only saves time: a fault (a bug, since the text
    /// is fixed) is written to <paramref name="error"/> and changes nothing else, the scan compiling the code itself.
    /// </summary>
    public static void Start(TextWriter error) => _ = Task.Run(() =>
    {
        try
        {
            Run();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"scan compile warm-up failed (the first scan compiles its code itself): {e}");
        }
    });
}
