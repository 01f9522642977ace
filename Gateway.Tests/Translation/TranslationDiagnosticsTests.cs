using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Tests.Host;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// An unexpected exception while translating one object (injected through <see cref="TranslatorOptions.FaultInjection"/>)
/// shows on that object's status as an internal error, is listed in <see cref="TranslationResult.Diagnostics"/> with
/// its type and stack, and leaves every other object translated as if the faulty one were not there.
/// </summary>
public class TranslationDiagnosticsTests
{
    private const string Injected = "injected fault";

    private static readonly ResourceKey BadRoute = new("HTTPRoute", "default", "bad");
    private static readonly ResourceKey GoodRoute = new("HTTPRoute", "default", "good");

    private static Snapshot Parse(params string[] documents)
    {
        var parsed = ManifestParser.Parse("test.yaml", Manifests.Join(documents));
        Assert.Empty(parsed.Diagnostics);
        return Snapshot.From(1, parsed.Objects.Select(o => o.Object));
    }

    /// <summary>Options whose hook throws when <paramref name="step"/> starts on <paramref name="target"/>.</summary>
    private static TranslatorOptions FailOn(string step, ResourceKey target) => new()
    {
        FaultInjection = (s, key) =>
        {
            if (s == step && key == target) throw new InvalidOperationException(Injected);
        },
    };

    private static V1Condition Condition(TranslationResult result, ResourceKey key, string type) => result.Statuses[key] switch
    {
        DesiredRouteStatus r => r.Status.Parents!.Single().Conditions!.Single(c => c.Type == type),
        DesiredGatewayStatus g => g.Status.Conditions!.Single(c => c.Type == type),
        DesiredListenerSetStatus l => l.Status.Conditions!.Single(c => c.Type == type),
        DesiredGatewayClassStatus c => c.Status.Conditions!.Single(x => x.Type == type),
        var other => throw new InvalidOperationException($"unexpected status {other.GetType().Name}"),
    };

    private static void AssertDiagnostic(TranslationResult result, ResourceKey key, string step)
    {
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal((key, step, typeof(InvalidOperationException).FullName, Injected), (d.Object, d.Step, d.ExceptionType, d.Message));
        // The stack reaches from the throw through the translator's guard, so the log shows where it happened.
        Assert.Contains(nameof(Translator), d.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_NoFault_HasNoDiagnostics()
    {
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("good", "g"));

        var result = Translator.Translate(snapshot, new TranslatorOptions());

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Translate_FaultInOneRoute_RouteNotAcceptedWithInternalError_DiagnosticNamesIt_OtherRouteServed()
    {
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("bad", "g", path: "/bad"), Manifests.HttpRoute("good", "g", path: "/good"));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.Route, BadRoute));

        var accepted = Condition(result, BadRoute, "Accepted");
        Assert.Equal(("False", "Pending"), (accepted.Status, accepted.Reason));
        Assert.Contains("Internal error", accepted.Message, StringComparison.Ordinal);
        Assert.Contains(Injected, accepted.Message, StringComparison.Ordinal);
        AssertDiagnostic(result, BadRoute, Translator.Steps.Route);

        Assert.Equal("True", Condition(result, GoodRoute, "Accepted").Status);
        var listener = result.Gateways.Single().Ports.Single().Listeners.Single();
        Assert.Equal([GoodRoute], listener.HttpRoutes.Select(e => e.Route).Distinct());
        var gateway = Assert.IsType<DesiredGatewayStatus>(result.Statuses[new ResourceKey("Gateway", "default", "g")]).Status;
        Assert.Equal(1, gateway.Listeners!.Single().AttachedRoutes);
    }

    [Fact]
    public void Translate_FaultInOneGateway_GatewayNotAcceptedWithInternalError_DiagnosticNamesIt_OtherGatewayServed()
    {
        var bad = new ResourceKey("Gateway", "default", "bad");
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("bad", port: 8081), Manifests.Gateway("good", port: 8082),
            Manifests.HttpRoute("good", "good"));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.Gateway, bad));

        var accepted = Condition(result, bad, "Accepted");
        Assert.Equal(("False", "Invalid"), (accepted.Status, accepted.Reason));
        Assert.Contains("Internal error", accepted.Message, StringComparison.Ordinal);
        Assert.Equal("False", Condition(result, bad, "Programmed").Status);
        AssertDiagnostic(result, bad, Translator.Steps.Gateway);

        var good = new ResourceKey("Gateway", "default", "good");
        Assert.Equal("True", Condition(result, good, "Programmed").Status);
        Assert.Equal([good], result.Gateways.Select(g => g.Gateway));
        Assert.Equal("True", Condition(result, GoodRoute, "Accepted").Status);
    }

    [Fact]
    public void Translate_FaultInOneGatewayClass_ClassNotAcceptedWithInternalError_OtherClassAccepted()
    {
        var bad = new ResourceKey("GatewayClass", "", "bad");
        var snapshot = Parse(Manifests.GatewayClass("bad"), Manifests.GatewayClass("gc"), Manifests.Gateway("g"));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.GatewayClass, bad));

        var accepted = Condition(result, bad, "Accepted");
        Assert.Equal(("False", "Pending"), (accepted.Status, accepted.Reason));
        Assert.Contains("Internal error", accepted.Message, StringComparison.Ordinal);
        AssertDiagnostic(result, bad, Translator.Steps.GatewayClass);
        Assert.Equal("True", Condition(result, new ResourceKey("GatewayClass", "", "gc"), "Accepted").Status);
        Assert.Equal("True", Condition(result, new ResourceKey("Gateway", "default", "g"), "Programmed").Status);
    }

    [Fact]
    public void Translate_FaultInOneListenerSet_ListenerSetNotAcceptedWithInternalError_GatewayServesOnlyItsOwnListeners()
    {
        var bad = new ResourceKey("ListenerSet", "default", "bad");
        var snapshot = Parse(Manifests.GatewayClass(), GatewayAllowingListenerSets("g"), ListenerSet("bad", "g", 8081), ListenerSet("good", "g", 8082));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.ListenerSet, bad));

        var accepted = Condition(result, bad, "Accepted");
        Assert.Equal(("False", "Invalid"), (accepted.Status, accepted.Reason));
        Assert.Contains("Internal error", accepted.Message, StringComparison.Ordinal);
        AssertDiagnostic(result, bad, Translator.Steps.ListenerSet);

        Assert.Equal("True", Condition(result, new ResourceKey("ListenerSet", "default", "good"), "Accepted").Status);
        Assert.Equal([80, 8082], result.Gateways.Single().Ports.Select(p => p.Port));
    }

    [Fact]
    public void Translate_FaultAfterTheFirstListenerOfAListenerSet_GatewayGetsNoneOfItsListeners()
    {
        var bad = new ResourceKey("ListenerSet", "default", "bad");
        var snapshot = Parse(Manifests.GatewayClass(), GatewayAllowingListenerSets("g"), ListenerSet("bad", "g", 8082, 8083), ListenerSet("good", "g", 8082));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.ListenerSetListener, bad));

        Assert.Equal(("False", "Invalid"), (Condition(result, bad, "Accepted").Status, Condition(result, bad, "Accepted").Reason));
        AssertDiagnostic(result, bad, Translator.Steps.ListenerSet);
        // "bad" ranks before "good" (same age, then name), so its listener on 8082, evaluated before the fault, would
        // win the port from "good" in conflict resolution if it had joined the Gateway. It did not: the ListenerSet
        // joins its Gateway whole or not at all.
        Assert.Equal("True", Condition(result, new ResourceKey("ListenerSet", "default", "good"), "Accepted").Status);
        Assert.Equal([80, 8082], result.Gateways.Single().Ports.Select(p => p.Port));
    }

    [Fact]
    public void Translate_FaultInListenerConflicts_OnlyThatGatewayIsNotAccepted()
    {
        var bad = new ResourceKey("Gateway", "default", "bad");
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("bad", port: 8081), Manifests.Gateway("good", port: 8082));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.ListenerConflicts, bad));

        Assert.Equal(("False", "Invalid"), (Condition(result, bad, "Accepted").Status, Condition(result, bad, "Accepted").Reason));
        AssertDiagnostic(result, bad, Translator.Steps.ListenerConflicts);
        Assert.Equal([new ResourceKey("Gateway", "default", "good")], result.Gateways.Select(g => g.Gateway));
    }

    [Fact]
    public void Translate_FaultPlacingOneRoutesEntries_NoEntryOfItIsServed_OtherRouteServed()
    {
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("bad", "g", path: "/bad"), Manifests.HttpRoute("good", "g", path: "/good"));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.RouteEntries, BadRoute));

        Assert.Equal(("False", "Pending"), (Condition(result, BadRoute, "Accepted").Status, Condition(result, BadRoute, "Accepted").Reason));
        AssertDiagnostic(result, BadRoute, Translator.Steps.RouteEntries);
        var listener = result.Gateways.Single().Ports.Single().Listeners.Single();
        Assert.Equal([GoodRoute], listener.HttpRoutes.Select(e => e.Route).Distinct());
        var gateway = Assert.IsType<DesiredGatewayStatus>(result.Statuses[new ResourceKey("Gateway", "default", "g")]).Status;
        Assert.Equal(1, gateway.Listeners!.Single().AttachedRoutes);
    }

    [Fact]
    public void Translate_FaultBuildingOneRouteTable_ThatGatewayNotServedAndNotAccepted_OtherGatewayServed()
    {
        var bad = new ResourceKey("Gateway", "default", "bad");
        var good = new ResourceKey("Gateway", "default", "good");
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("bad", port: 8081), Manifests.Gateway("good", port: 8082));

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.RouteTable, bad));

        Assert.Equal(("False", "Invalid"), (Condition(result, bad, "Accepted").Status, Condition(result, bad, "Accepted").Reason));
        Assert.Equal("False", Condition(result, bad, "Programmed").Status);
        AssertDiagnostic(result, bad, Translator.Steps.RouteTable);
        Assert.Equal([good], result.Gateways.Select(g => g.Gateway));
        Assert.Equal("True", Condition(result, good, "Programmed").Status);
    }

    [Fact]
    public void Translate_FaultComposingOneRoutesStatus_ItsStatusIsTheInternalError_RouteTableUnchanged()
    {
        var snapshot = Parse(Manifests.GatewayClass(), Manifests.Gateway("g"), Manifests.HttpRoute("bad", "g", path: "/bad"), Manifests.HttpRoute("good", "g", path: "/good"));
        var clean = Translator.Translate(snapshot, new TranslatorOptions());

        var result = Translator.Translate(snapshot, FailOn(Translator.Steps.Status, BadRoute));

        var accepted = Condition(result, BadRoute, "Accepted");
        Assert.Equal(("False", "Pending"), (accepted.Status, accepted.Reason));
        Assert.Contains("Internal error", accepted.Message, StringComparison.Ordinal);
        AssertDiagnostic(result, BadRoute, Translator.Steps.Status);
        Assert.Equal("True", Condition(result, GoodRoute, "Accepted").Status);
        Assert.Equal(RouteTableYaml.Render(clean.Gateways), RouteTableYaml.Render(result.Gateways));
    }

    [Fact]
    public void Translate_FaultInOnePolicy_ItsAncestorSaysInternalError_ItsBackendIsNotSentInCleartext_OtherPolicyApplies()
    {
        // The golden case's two policies (pa for Service port 443, pb for 8443), with the route using both ports.
        var path = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "backendtlspolicy-different-section-names", "input.yaml");
        var yaml = File.ReadAllText(path).Replace("backendRefs: [{name: svc, port: 443}]", "backendRefs: [{name: svc, port: 443}, {name: svc, port: 8443}]", StringComparison.Ordinal);
        var parsed = ManifestParser.Parse(path, yaml);
        Assert.Empty(parsed.Diagnostics);
        var bad = new ResourceKey("BackendTLSPolicy", "ns", "pa");

        var result = Translator.Translate(Snapshot.From(1, parsed.Objects.Select(o => o.Object)), FailOn(Translator.Steps.BackendTlsPolicy, bad));

        V1Condition PolicyAccepted(string name) => Assert.IsType<DesiredPolicyStatus>(result.Statuses[new ResourceKey("BackendTLSPolicy", "ns", name)]).Status
            .Ancestors!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "Invalid"), (PolicyAccepted("pa").Status, PolicyAccepted("pa").Reason));
        Assert.Contains("Internal error", PolicyAccepted("pa").Message, StringComparison.Ordinal);
        AssertDiagnostic(result, bad, Translator.Steps.BackendTlsPolicy);
        Assert.Equal("True", PolicyAccepted("pb").Status);
        var backends = result.Gateways.Single().Ports.SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes).SelectMany(e => e.Backends.Backends).ToList();
        var guarded = backends.Single(b => b.ClusterId == "invalid/ns/svc:443");
        Assert.Equal((false, BackendProtocol.Tls), (guarded.Valid, guarded.Protocol));
        Assert.Equal("b.example.com", backends.Single(b => b.ClusterId.StartsWith("ns/svc:8443/", StringComparison.Ordinal)).Tls!.ServerName);
    }

    private static string GatewayAllowingListenerSets(string name) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {name}
          namespace: default
        spec:
          gatewayClassName: gc
          allowedListeners:
            namespaces:
              from: Same
          listeners:
          - name: http
            port: 80
            protocol: HTTP
        """;

    private static string ListenerSet(string name, string gateway, params int[] ports) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata:
          name: {name}
          namespace: default
        spec:
          parentRef:
            name: {gateway}
          listeners:
        {string.Concat(ports.Select(port => $"  - name: http-{port}\n    port: {port}\n    protocol: HTTP\n"))}
        """;
}
