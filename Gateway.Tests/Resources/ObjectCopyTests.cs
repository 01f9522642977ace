using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class ObjectCopyTests
{
    // Built at run time so that no literal (interned by the compiler) is the instance a copy could share by accident.
    private static string Fresh(string text) => new(text.AsSpan());

    private static V1RouteParentStatus Parent(string gateway) => new()
    {
        ParentRef = new V1GatewayParentReference { Group = Fresh("gateway.networking.k8s.io"), Kind = Fresh("Gateway"), Namespace = Fresh("ns"), Name = Fresh(gateway), SectionName = Fresh("http") },
        ControllerName = Fresh("example.dev/controller"),
        Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = Fresh("accepted by gw"), LastTransitionTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) }],
    };

    [Fact]
    public void Clone_RouteStatus_EqualCopyWhoseReferencesAndControllerShareOneInstancePerValue()
    {
        var first = ObjectCopy.Clone(new V1RouteStatus { Parents = [Parent("gw")] });
        var second = ObjectCopy.Clone(new V1RouteStatus { Parents = [Parent("gw")] });

        var (a, b) = (first.Parents!.Single(), second.Parents!.Single());
        Assert.Equal(KubernetesJson.Serialize(new V1RouteStatus { Parents = [Parent("gw")] }), KubernetesJson.Serialize(first));
        Assert.Same(a.ControllerName, b.ControllerName);
        Assert.Same(a.ParentRef.Group, b.ParentRef.Group);
        Assert.Same(a.ParentRef.Kind, b.ParentRef.Kind);
        Assert.Same(a.ParentRef.Namespace, b.ParentRef.Namespace);
        Assert.Same(a.ParentRef.Name, b.ParentRef.Name);
        Assert.Same(a.ParentRef.SectionName, b.ParentRef.SectionName);
        // Values unique per object (condition messages) are not interned: two copies hold their own.
        Assert.NotSame(a.Conditions!.Single().Message, b.Conditions!.Single().Message);
    }

    [Fact]
    public void Clone_PolicyAncestorStatus_AncestorReferenceAndControllerShareOneInstancePerValue()
    {
        V1PolicyAncestorStatus Ancestor() => new() { AncestorRef = Parent("gw").ParentRef, ControllerName = Fresh("example.dev/controller") };

        var (a, b) = (ObjectCopy.Clone(Ancestor()), ObjectCopy.Clone(Ancestor()));

        Assert.Same(a.ControllerName, b.ControllerName);
        Assert.Same(a.AncestorRef.Name, b.AncestorRef.Name);
        Assert.Same(a.AncestorRef.Group, b.AncestorRef.Group);
    }

    [Fact]
    public void InternStatusReferences_NullControllerAndMissingReferenceFields_LeavesThemNull()
    {
        var status = new V1RouteStatus { Parents = [new V1RouteParentStatus { ControllerName = null!, ParentRef = new V1GatewayParentReference { Name = Fresh("gw") } }] };

        ObjectCopy.InternStatusReferences(status);

        var parent = status.Parents!.Single();
        Assert.Null(parent.ControllerName);
        Assert.Null(parent.ParentRef.Group);
        Assert.Same(string.Intern("gw"), parent.ParentRef.Name);
    }

    [Fact]
    public void InternCommonStrings_RouteServiceAndSliceLists_AreArraysOfExactlyTheirItems()
    {
        const string Yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: ns}
            spec:
              parentRefs: [{name: gw}]
              hostnames: [a.example, b.example, c.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /a}, headers: [{name: x, value: "1"}]}]
                backendRefs: [{name: svc, port: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: svc, namespace: ns}
            spec: {ports: [{name: http, port: 8080}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: svc-1, namespace: ns, labels: {kubernetes.io/service-name: svc}}
            addressType: IPv4
            endpoints: [{addresses: [10.0.0.1]}]
            ports: [{name: http, port: 8080}]
            """;
        var objects = ManifestParser.Parse("objects.yaml", Yaml).Objects.Select(o => o.Object).ToList();
        foreach (var obj in objects) ObjectCopy.InternCommonStrings(obj);

        static void Exact<T>(IList<T>? list, string what) => Assert.True(list is T[], $"{what}: {list?.GetType().Name ?? "null"}, not an array");
        var route = (V1HTTPRoute)objects[0];
        Exact(route.Spec.ParentRefs, "parentRefs");
        Exact(route.Spec.Hostnames, "hostnames");
        Exact(route.Spec.Rules, "rules");
        Exact(route.Spec.Rules![0].Matches, "matches");
        Exact(route.Spec.Rules[0].Matches![0].Headers, "headers");
        Exact(route.Spec.Rules[0].BackendRefs, "backendRefs");
        Exact(((V1Service)objects[1]).Spec.Ports, "ports");
        var slice = (V1EndpointSlice)objects[2];
        Exact(slice.Endpoints, "endpoints");
        Exact(slice.Endpoints[0].Addresses, "addresses");
        Exact(slice.Ports, "slice ports");
        Assert.Equal(["a.example", "b.example", "c.example"], route.Spec.Hostnames!);
    }
}
