using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Sources;

public class ReferenceCheckerTests
{
    private static IReadOnlyList<DanglingReference> Check(string yaml)
    {
        var parsed = ManifestParser.Parse("f.yaml", yaml);
        Assert.Empty(parsed.Diagnostics);
        var keys = parsed.Objects.Select(o => o.Key).ToHashSet();
        return ReferenceChecker.Find(parsed.Objects.Select(o => o.Object), keys.Contains);
    }

    [Fact]
    public void Find_RouteToMissingGatewayAndService_ReportsEachWithItsField()
    {
        var found = Check("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: apps}
            spec:
              parentRefs: [{name: gw, namespace: infra}]
              rules:
              - backendRefs: [{name: web, port: 80}]
                filters:
                - type: RequestMirror
                  requestMirror: {backendRef: {name: mirror, port: 80}}
            """);

        Assert.Equal(
            [
                "HTTPRoute/apps/r: spec.parentRefs[0] refers to Gateway infra/gw, which does not exist",
                "HTTPRoute/apps/r: spec.rules[0].filters[0].requestMirror.backendRef refers to Service apps/mirror, which does not exist",
                "HTTPRoute/apps/r: spec.rules[0].backendRefs[0] refers to Service apps/web, which does not exist",
            ],
            found.Select(f => f.ToString()));
    }

    [Fact]
    public void Find_EverythingPresent_ReportsNothing()
    {
        var found = Check("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: gc}
            spec: {controllerName: example.com/x}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              gatewayClassName: gc
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: web, port: 80}]}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}
            addressType: IPv4
            endpoints: [{addresses: [127.0.0.2]}]
            """);

        Assert.Empty(found);
    }

    [Fact]
    public void Find_ReferencesToKindsWeDoNotRead_AreLeftToTheTranslator()
    {
        var found = Check("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: mesh-svc, kind: Service, group: ""}]
              rules: [{backendRefs: [{name: bucket, kind: Bucket, group: storage.example.com}]}]
            """);

        Assert.Empty(found);
    }

    [Fact]
    public void Find_GatewayWithMissingClassAndSecret_AndOrphanEndpointSlice_Reported()
    {
        var found = Check("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: nope
              listeners:
              - name: https
                port: 443
                protocol: HTTPS
                tls: {certificateRefs: [{name: cert, namespace: certs}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: s-1, namespace: infra, labels: {kubernetes.io/service-name: ghost}}
            addressType: IPv4
            endpoints: []
            """);

        Assert.Equal(
            [new ResourceKey("GatewayClass", "", "nope"), new ResourceKey("Secret", "certs", "cert"), new ResourceKey("Service", "infra", "ghost")],
            found.Select(f => f.Target));
    }
}
