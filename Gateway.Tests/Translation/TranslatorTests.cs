using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Translation;

public class TranslatorTests
{
    /// <summary>Gateway ns/gw of <paramref name="gatewayClass"/> with one HTTP listener on port 80.</summary>
    private static V1Gateway HttpGateway(string gatewayClass) => new()
    {
        Metadata = new V1ObjectMeta { Name = "gw", NamespaceProperty = "ns" },
        Spec = new V1GatewaySpec { GatewayClassName = gatewayClass, Listeners = [new V1Listener { Name = "http", Port = 80, Protocol = "HTTP" }] },
    };

    /// <summary>HTTPRoute ns/r attached to ns/gw with <paramref name="rule"/>.</summary>
    private static V1HTTPRoute RouteToGw(V1HTTPRouteRule rule) => new()
    {
        Metadata = new V1ObjectMeta { Name = "r", NamespaceProperty = "ns" },
        Spec = new V1HTTPRouteSpec { ParentRefs = [new V1GatewayParentReference { Name = "gw" }], Rules = [rule] },
    };

    private static V1GatewayClass Class() => new() { Metadata = new V1ObjectMeta { Name = "ours" }, Spec = new V1GatewayClassSpec { ControllerName = TranslatorOptions.DefaultControllerName } };

    [Fact]
    public void Translate_ObjectsWithMissingFields_DoesNotThrowAndReportsEachObject()
    {
        // Objects built in code skip admission checks, so null lists and empty names reach the translator.
        var gw = new V1Gateway { Metadata = new V1ObjectMeta { Name = "gw", NamespaceProperty = "ns" }, Spec = new V1GatewaySpec { GatewayClassName = "ours", Listeners = null } };
        var route = RouteToGw(new V1HTTPRouteRule { Matches = [new V1HTTPRouteMatch { Path = new V1HTTPPathMatch { Type = "Bogus" } }], BackendRefs = [new V1HTTPBackendRef()] });
        var tcp = new V1TCPRoute { Metadata = new V1ObjectMeta { Name = "t", NamespaceProperty = "ns" }, Spec = new V1L4RouteSpec { ParentRefs = [new V1GatewayParentReference { Name = "gw" }] } };
        var snapshot = Snapshot.From(3, [Class(), gw, route, tcp]);

        var result = Translator.Translate(snapshot, new TranslatorOptions());

        Assert.Equal(3, result.Revision);
        var status = Assert.IsType<DesiredGatewayStatus>(result.Statuses[new ResourceKey("Gateway", "ns", "gw")]).Status;
        Assert.Contains(status.Conditions!, c => c is { Type: "Accepted", Status: "False" });
        var routeStatus = Assert.IsType<DesiredRouteStatus>(result.Statuses[new ResourceKey("HTTPRoute", "ns", "r")]).Status;
        Assert.Equal("NoMatchingParent", routeStatus.Parents!.Single().Conditions!.First(c => c.Type == "Accepted").Reason);
        Assert.Empty(result.Gateways);
    }

    [Fact]
    public void Translate_SameSnapshotTwice_RendersIdentically()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "precedence-shadowing-endpoints", "input.yaml");
        var parsed = ManifestParser.Parse(path, File.ReadAllText(path));
        var snapshot = Snapshot.From(1, parsed.Objects.Select(o => o.Object));

        var a = Translator.Translate(snapshot, new TranslatorOptions());
        var b = Translator.Translate(snapshot, new TranslatorOptions());

        Assert.Equal(RouteTableYaml.Render(a.Gateways), RouteTableYaml.Render(b.Gateways));
        Assert.Equal(StatusYaml.Render(a.Statuses), StatusYaml.Render(b.Statuses));
    }

    [Fact]
    public void Translate_ClassOfAnotherController_IsIgnored()
    {
        var other = new V1GatewayClass { Metadata = new V1ObjectMeta { Name = "theirs" }, Spec = new V1GatewayClassSpec { ControllerName = "example.io/x" } };
        var gw = HttpGateway("theirs");

        var result = Translator.Translate(Snapshot.From(1, [other, gw]), new TranslatorOptions());

        Assert.Empty(result.Statuses);
        Assert.Empty(result.Gateways);
    }

    [Fact]
    public void Translate_InvalidBackend_KeepsItsWeightAsInvalid()
    {
        var gw = HttpGateway("ours");
        var route = RouteToGw(new V1HTTPRouteRule { BackendRefs = [new V1HTTPBackendRef { Name = "missing", Port = 80, Weight = 3 }] });

        var result = Translator.Translate(Snapshot.From(1, [Class(), gw, route]), new TranslatorOptions());

        var entry = result.Gateways.Single().Ports.Single().Listeners.Single().HttpRoutes.Single();
        var backend = Assert.Single(entry.Backends.Backends);
        Assert.False(backend.Valid);
        Assert.Equal(3, backend.Weight);
        var parent = Assert.IsType<DesiredRouteStatus>(result.Statuses[new ResourceKey("HTTPRoute", "ns", "r")]).Status.Parents!.Single();
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/False/BackendNotFound"], parent.Conditions!.Select(c => $"{c.Type}/{c.Status}/{c.Reason}"));
        Assert.All(parent.Conditions!, c => Assert.Equal(1, c.ObservedGeneration));
    }

    [Fact]
    public void Translate_RegexTheDataPlaneEngineCannotRun_DropsTheRuleWithTheEnginesReason()
    {
        var gw = HttpGateway("ours");
        var route = RouteToGw(new V1HTTPRouteRule { Matches = [new V1HTTPRouteMatch { Path = new V1HTTPPathMatch { Type = "RegularExpression", Value = "/(a)\\1" } }] });

        var result = Translator.Translate(Snapshot.From(1, [Class(), gw, route]), new TranslatorOptions());

        var accepted = Assert.IsType<DesiredRouteStatus>(result.Statuses[new ResourceKey("HTTPRoute", "ns", "r")]).Status.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        // The message carries the engine's own reason, not only "does not compile".
        Assert.Contains("does not compile (", accepted.Message, StringComparison.Ordinal);
        Assert.Contains("NonBacktracking", accepted.Message, StringComparison.Ordinal);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Translate_PathRegexPastTheEnginesLimitOnceAnchored_DropsTheRuleInsteadOfHandingItToTheDataPlane()
    {
        var gw = HttpGateway("ours");
        var route = RouteToGw(new V1HTTPRouteRule { Matches = [new V1HTTPRouteMatch { Path = new V1HTTPPathMatch { Type = "RegularExpression", Value = "/(.{0,399}a){5}.*z" } }] });

        var result = Translator.Translate(Snapshot.From(1, [Class(), gw, route]), new TranslatorOptions());

        var accepted = Assert.IsType<DesiredRouteStatus>(result.Statuses[new ResourceKey("HTTPRoute", "ns", "r")]).Status.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("larger than the configured limit", accepted.Message, StringComparison.Ordinal);
        Assert.Empty(result.Gateways.Single().Ports.SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes));
    }

    [Fact]
    public void Translate_GrpcMethodRegexWhosePartsPassButWholePathIsPastTheLimit_DropsTheRule()
    {
        // Service and method each fit the engine's automaton limit; the path regex made of both does not once anchored.
        var gw = HttpGateway("ours");
        var route = new V1GRPCRoute
        {
            Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns" },
            Spec = new V1GRPCRouteSpec
            {
                ParentRefs = [new V1GatewayParentReference { Name = "gw" }],
                Rules = [new V1GRPCRouteRule { Matches = [new V1GRPCRouteMatch { Method = new V1GRPCMethodMatch { Type = "RegularExpression", Service = "(.{0,350}a){3}", Method = "(.{0,350}a){3}" } }] }],
            },
        };

        var result = Translator.Translate(Snapshot.From(1, [Class(), gw, route]), new TranslatorOptions());

        var accepted = Assert.IsType<DesiredRouteStatus>(result.Statuses[new ResourceKey("GRPCRoute", "ns", "g")]).Status.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal("False", accepted.Status);
        Assert.Contains("gRPC method regular expression does not compile", accepted.Message, StringComparison.Ordinal);
        Assert.Empty(result.Gateways.Single().Ports.SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes));
    }
}
