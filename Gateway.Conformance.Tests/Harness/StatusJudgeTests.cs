using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>The status checks against hand-written status files (SDIR/Kind/ns/name.yaml).</summary>
public sealed class StatusJudgeTests : IDisposable
{
    private const string Controller = "example.com/gateway";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "status-judge-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IStatusReader Write(string kind, string ns, string name, string yaml)
    {
        var folder = ns.Length == 0 ? Path.Combine(_dir, kind) : Path.Combine(_dir, kind, ns);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name + ".yaml"), yaml);
        return new StatusDirectoryReader(_dir);
    }

    private static string Gateway(int generation, int observed, string listeners = "", string extraConditions = "") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns, generation: {{generation}}}
        spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP}]}
        status:
          addresses: [{type: IPAddress, value: 127.0.10.1}]
          conditions:
          - {type: Accepted, status: "True", reason: Accepted, observedGeneration: {{observed}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
          - {type: Programmed, status: "True", reason: Programmed, observedGeneration: {{generation}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
        {{extraConditions}}
        {{listeners}}
        """;

    private const string HttpListener = """
          listeners:
          - name: http
            attachedRoutes: 1
            supportedKinds: [{group: gateway.networking.k8s.io, kind: HTTPRoute}, {kind: GRPCRoute}]
            conditions:
            - {type: Accepted, status: "True", reason: Accepted, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
            - {type: ResolvedRefs, status: "True", reason: ResolvedRefs, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
            - {type: Programmed, status: "True", reason: Programmed, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
        """;

    private static string Route(int generation, int observed, string group = "gateway.networking.k8s.io", string kind = "Gateway", string? ns = "ns", string controller = Controller, string accepted = "True", string reason = "Accepted") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns, generation: {{generation}}}
        spec: {parentRefs: [{name: gw}]}
        status:
          parents:
          - parentRef: {{{(group.Length == 0 ? "" : $"group: {group}, ")}}{{(kind.Length == 0 ? "" : $"kind: {kind}, ")}}{{(ns is null ? "" : $"namespace: {ns}, ")}}name: gw, sectionName: http}
            controllerName: {{controller}}
            conditions:
            - {type: Accepted, status: "{{accepted}}", reason: {{reason}}, observedGeneration: {{observed}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
            - {type: ResolvedRefs, status: "True", reason: ResolvedRefs, observedGeneration: {{observed}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
        """;

    private static StatusOutcome Eval(StatusCheck check, IStatusReader reader) => check.Evaluate(reader, Controller);

    [Fact]
    public void GatewayMustHaveCondition_StaleCondition_AbortsLikeUpstream()
    {
        var check = new GatewayMustHaveCondition("ns", "gw", new ExpectedCondition("Accepted", "True", null));
        Assert.Equal(StatusVerdict.Pass, Eval(check, Write("Gateway", "ns", "gw", Gateway(2, 2))).Verdict);
        var stale = Eval(check, Write("Gateway", "ns", "gw", Gateway(2, 1)));
        Assert.Equal(StatusVerdict.Abort, stale.Verdict);
        Assert.Contains("observedGeneration 2", stale.Reason);
        Assert.Equal(StatusVerdict.Wait, Eval(new MustHaveLatestConditions("Gateway", "ns", "gw"), Write("Gateway", "ns", "gw", Gateway(2, 1))).Verdict);
    }

    [Theory]
    [InlineData("Accepted", "True", null, StatusVerdict.Pass)]
    [InlineData("Accepted", null, null, StatusVerdict.Pass)]
    [InlineData("Accepted", "True", "Accepted", StatusVerdict.Pass)]
    [InlineData("Accepted", "True", "ListenersNotValid", StatusVerdict.Wait)]
    [InlineData("Accepted", "False", null, StatusVerdict.Wait)]
    [InlineData("ResolvedRefs", null, null, StatusVerdict.Wait)]
    public void GatewayMustHaveCondition_SubsetMatch_TypeStatusReason(string type, string? status, string? reason, StatusVerdict verdict) =>
        Assert.Equal(verdict, Eval(new GatewayMustHaveCondition("ns", "gw", new ExpectedCondition(type, status, reason)), Write("Gateway", "ns", "gw", Gateway(1, 1))).Verdict);

    [Fact]
    public void Parents_GroupAndKindMustBeExplicit()
    {
        var parent = new ExpectedParent("Gateway", "ns", "gw", [new("Accepted", "True", null)]);
        var check = new RouteMustHaveParents("ns", "r", [parent], NamespaceRequired: false);
        Assert.Equal(StatusVerdict.Pass, Eval(check, Write("HTTPRoute", "ns", "r", Route(1, 1))).Verdict);
        Assert.Equal(StatusVerdict.Wait, Eval(check, Write("HTTPRoute", "ns", "r", Route(1, 1, group: ""))).Verdict);
        Assert.Equal(StatusVerdict.Wait, Eval(check, Write("HTTPRoute", "ns", "r", Route(1, 1, kind: ""))).Verdict);
        Assert.Equal(StatusVerdict.Wait, Eval(check, Write("HTTPRoute", "ns", "r", Route(1, 1, controller: "other/controller"))).Verdict);
        // An unset namespace is tolerated only when not required and the route is in the parent's namespace.
        Assert.Equal(StatusVerdict.Pass, Eval(check, Write("HTTPRoute", "ns", "r", Route(1, 1, ns: null))).Verdict);
        Assert.Equal(StatusVerdict.Wait, Eval(check with { NamespaceRequired = true }, Write("HTTPRoute", "ns", "r", Route(1, 1, ns: null))).Verdict);
        Assert.Equal(StatusVerdict.Wait, Eval(check, Write("HTTPRoute", "ns", "r", Route(2, 1))).Verdict);
    }

    [Fact]
    public void RouteMustHaveCondition_LooksUpByParentNameAndGeneration()
    {
        var reader = Write("HTTPRoute", "ns", "r", Route(3, 3, accepted: "False", reason: "NotAllowedByListeners"));
        Assert.Equal(StatusVerdict.Pass, Eval(new RouteMustHaveCondition("ns", "r", "ns", "gw", new("Accepted", "False", "NotAllowedByListeners")), reader).Verdict);
        Assert.Equal(StatusVerdict.Pass, Eval(new RouteMustHaveCondition("ns", "r", "ns", "gw", new("ResolvedRefs", "True", "ResolvedRefs")), reader).Verdict);
        var wrong = Eval(new RouteMustHaveCondition("ns", "r", "ns", "gw", new("Accepted", "True", null)), reader);
        Assert.Equal(StatusVerdict.Wait, wrong.Verdict);
        Assert.Contains("expected Accepted=True(*)", wrong.Reason);
        Assert.Equal(StatusVerdict.Wait, Eval(new RouteMustHaveCondition("ns", "r", "ns", "other", new("Accepted", null, null)), reader).Verdict);
        Assert.Equal(StatusVerdict.Pass, Eval(new RouteMustHaveNoAcceptedParents("ns", "r"), reader).Verdict);
    }

    [Fact]
    public void Listeners_TableRule_CountNameAttachedConditionsKinds()
    {
        var reader = Write("Gateway", "ns", "gw", Gateway(1, 1, HttpListener));
        ExpectedListener Http(IReadOnlyList<string> kinds, int attached = 1, string reason = "Accepted") =>
            new("http", kinds, attached, [new("Accepted", "True", reason)]);

        Assert.Equal(StatusVerdict.Pass, Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["HTTPRoute"])]), reader).Verdict);
        Assert.Equal(StatusVerdict.Pass, Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["HTTPRoute", "GRPCRoute"])]), reader).Verdict);
        Assert.Contains("supportedKinds must be empty", Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http([])]), reader).Reason);
        Assert.Contains("lack TLSRoute", Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["TLSRoute"])]), reader).Reason);
        Assert.Contains("attachedRoutes 1, expected 2", Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["HTTPRoute"], attached: 2)]), reader).Reason);
        Assert.Contains("expected Accepted=True(Other)", Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["HTTPRoute"], reason: "Other")]), reader).Reason);
        Assert.Contains("expected 2 listeners", Eval(new MustHaveListeners("Gateway", "ns", "gw", [Http(["HTTPRoute"]), Http(["HTTPRoute"]) with { Name = "https" }]), reader).Reason);
        Assert.Equal(StatusVerdict.Wait, Eval(new GatewayMustHaveZeroRoutes("ns", "gw"), reader).Verdict);
    }

    [Fact]
    public void ParentAndRoutesMustBeAccepted_NeedsAddressAcceptedRouteAndReadyListeners()
    {
        Write("HTTPRoute", "ns", "r", Route(1, 1));
        var check = new ParentAndRoutesMustBeAccepted("Gateway", "ns", "gw", [new RouteRef("ns", "r")]);
        Assert.Equal(StatusVerdict.Pass, Eval(check, Write("Gateway", "ns", "gw", Gateway(1, 1, HttpListener))).Verdict);
        Assert.Contains("no listener status", Eval(check, Write("Gateway", "ns", "gw", Gateway(1, 1))).Reason);
        Write("HTTPRoute", "ns", "r", Route(1, 1, accepted: "False", reason: "NoMatchingParent"));
        Assert.Contains("not accepted", Eval(check, Write("Gateway", "ns", "gw", Gateway(1, 1, HttpListener))).Reason);
    }

    [Fact]
    public async Task Judge_NeverPasses_FailsAfterTheWindowWithTheReason()
    {
        var reader = Write("Gateway", "ns", "gw", Gateway(1, 1));
        var clock = new FakeClock();
        var judge = new StatusJudge(reader, Controller, new ConformanceTimeouts { GatewayMustHaveCondition = TimeSpan.FromSeconds(2) }, clock);

        var result = await judge.WaitAsync(new GatewayMustHaveCondition("ns", "gw", new("Programmed", "False", null)), CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Contains("timed out after 2s", result.Detail);
        Assert.Equal(21, result.Attempts);
    }

    [Fact]
    public void Reader_ClusterScopedKind_ReadFromKindFolder()
    {
        var reader = Write("GatewayClass", "", "c", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: c, generation: 2}
            spec: {controllerName: example.com/gateway}
            status:
              conditions: [{type: Accepted, status: "True", reason: Accepted, observedGeneration: 2, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}]
              supportedFeatures: [{name: Gateway}, {name: HTTPRoute}]
            """);
        Assert.Equal(StatusVerdict.Pass, Eval(new GatewayClassMustHaveAcceptedAny("c"), reader).Verdict);
        Assert.Equal(["Gateway", "HTTPRoute"], reader.GatewayClass("c")!.Status!.SupportedFeatures!.Select(f => f.Name));
    }
}
