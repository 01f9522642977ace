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
}
