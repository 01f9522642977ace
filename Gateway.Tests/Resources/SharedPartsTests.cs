using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class SharedPartsTests
{
    [Fact]
    public void ComparedFields_AreEveryPropertyOfTheSharedModels()
    {
        // A model that gains a property must be compared on it too, or two parts differing only there would be shared.
        static string[] Properties<T>() => [.. typeof(T).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(Properties<V1ServicePort>(), SharedParts.ServicePortFields.Order(StringComparer.Ordinal));
        Assert.Equal(Properties<Discoveryv1EndpointPort>(), SharedParts.SlicePortFields.Order(StringComparer.Ordinal));
        Assert.Equal(Properties<V1EndpointConditions>(), SharedParts.ConditionFields.Order(StringComparer.Ordinal));
        Assert.Equal(["Value"], typeof(IntOrString).GetProperties().Select(p => p.Name));
    }

    [Fact]
    public void InternCommonStrings_ServicesAndSlicesSpellingTheSamePortsAndConditions_ShareThem_OthersKeepTheirOwn()
    {
        // Unique port numbers: the table is process-wide, so other tests' objects must not be the ones shared here.
        var seed = Random.Shared.Next(20_000, 60_000);
        var objects = ManifestParser.Parse("objects.yaml", $$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: a, namespace: ns}
            spec: {ports: [{name: http, port: {{{seed}}}, targetPort: 8080}, {name: admin, port: {{{seed + 1}}}, targetPort: admin}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: b, namespace: ns}
            spec: {ports: [{name: http, port: {{{seed}}}, targetPort: 8080}, {name: admin, port: {{{seed + 1}}}, targetPort: admin}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: c, namespace: ns}
            spec: {ports: [{name: http, port: {{{seed}}}, targetPort: "8080"}, {name: admin, port: {{{seed + 1}}}, targetPort: 9090}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: a-1, namespace: ns, labels: {kubernetes.io/service-name: a}}
            addressType: IPv4
            endpoints: [{addresses: [10.0.0.1], conditions: {ready: true, serving: true, terminating: false}}]
            ports: [{name: http, port: {{{seed + 2}}}, protocol: TCP}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: b-1, namespace: ns, labels: {kubernetes.io/service-name: b}}
            addressType: IPv4
            endpoints:
            - {addresses: [10.0.0.2], conditions: {ready: true, serving: true, terminating: false}}
            - {addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}}
            ports: [{name: http, port: {{{seed + 2}}}, protocol: TCP}]
            """).Objects.Select(o => o.Object).ToList();
        var json = objects.Select(o => KubernetesJson.Serialize(o)).ToList();

        foreach (var obj in objects) ObjectCopy.InternCommonStrings(obj);

        var (a, b, c) = ((V1Service)objects[0], (V1Service)objects[1], (V1Service)objects[2]);
        var (sliceA, sliceB) = ((V1EndpointSlice)objects[3], (V1EndpointSlice)objects[4]);
        Assert.Same(a.Spec.Ports, b.Spec.Ports);
        Assert.NotSame(a.Spec.Ports, c.Spec.Ports);
        Assert.Same(sliceA.Ports, sliceB.Ports);
        Assert.Same(sliceA.Endpoints[0].Conditions, sliceB.Endpoints[0].Conditions);
        Assert.NotSame(sliceA.Endpoints[0].Conditions, sliceB.Endpoints[1].Conditions);
        // Sharing changes no object's content.
        Assert.Equal(json, objects.Select(o => KubernetesJson.Serialize(o)));
        Assert.Equal(("9090", "admin"), (c.Spec.Ports[1].TargetPort.Value, a.Spec.Ports[1].TargetPort.Value));
    }
}
