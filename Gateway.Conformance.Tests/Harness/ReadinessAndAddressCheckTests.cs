using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>The readiness gate, the static-address assertions and the per-phase timeouts of composite checks.</summary>
public sealed class ReadinessAndAddressCheckTests : IDisposable
{
    private const string Controller = "example.com/gateway";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "readiness-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private StatusDirectoryReader Gateway(string name, int generation, int observed, string programmed = "True", string addresses = "[{type: IPAddress, value: 127.0.10.1}]")
    {
        var folder = Path.Combine(_dir, "Gateway", "ns");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name + ".yaml"), $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: {{name}}, namespace: ns, generation: {{generation}}}
            spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP}]}
            status:
              addresses: {{addresses}}
              conditions:
              - {type: Accepted, status: "True", reason: Accepted, observedGeneration: {{observed}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
              - {type: Programmed, status: "{{programmed}}", reason: Programmed, observedGeneration: {{observed}}, lastTransitionTime: "2026-01-01T00:00:00Z", message: m}
            """);
        return new StatusDirectoryReader(_dir);
    }

    private sealed class Cluster(IStatusReader status, IReadOnlyList<AppliedObject> gateways, IReadOnlyList<string>? unready = null) : IStatusReader, IClusterReader
    {
        public T? Get<T>(string kind, string ns, string name) where T : class => status.Get<T>(kind, ns, name);

        public IReadOnlyList<AppliedObject> Gateways(string ns) => gateways.Where(g => g.Namespace == ns).ToList();

        public IReadOnlyList<string> UnreadyPods(string ns) => unready ?? [];
    }

    private static AppliedObject Applied(string name, bool skip = false) =>
        new("ns", name, skip ? new Dictionary<string, string> { [NamespacesMustBeReady.SkipAnnotation] = "true" } : new Dictionary<string, string>());

    private static StatusOutcome Ready(IStatusReader reader) => new NamespacesMustBeReady(["ns"]).Evaluate(reader, Controller);

    [Fact]
    public void Readiness_AllGatewaysAcceptedAndProgrammedAndPodsReady_Passes()
    {
        var status = Gateway("a", 2, 2);
        Assert.Equal(StatusVerdict.Pass, Ready(new Cluster(status, [Applied("a")])).Verdict);
    }

    [Fact]
    public void Readiness_ANotReadyGateway_WaitsUnlessExempt()
    {
        Gateway("a", 2, 2);
        var status = Gateway("broken", 1, 1, programmed: "False");
        var waiting = Ready(new Cluster(status, [Applied("a"), Applied("broken")]));
        Assert.Equal(StatusVerdict.Wait, waiting.Verdict);
        Assert.Contains("ns/broken not Programmed", waiting.Reason);
        Assert.Equal(StatusVerdict.Pass, Ready(new Cluster(status, [Applied("a"), Applied("broken", skip: true)])).Verdict);
    }

    [Fact]
    public void Readiness_StaleOrMissingStatusOrUnreadyPod_Waits()
    {
        var status = Gateway("a", 3, 2);
        Assert.Contains("no status at its current generation", Ready(new Cluster(status, [Applied("a")])).Reason);
        Assert.Contains("ns/nostatus", Ready(new Cluster(Gateway("a", 2, 2), [Applied("a"), Applied("nostatus")])).Reason);
        var pods = Ready(new Cluster(Gateway("a", 2, 2), [Applied("a")], ["ns/tls-backend: replica 0 pending: Secret ns/cert not found"]));
        Assert.Equal(StatusVerdict.Wait, pods.Verdict);
        Assert.Contains("Pods not ready in ns", pods.Reason);
    }

    [Fact]
    public void Readiness_ReaderThatCannotListObjects_Aborts() =>
        Assert.Equal(StatusVerdict.Abort, Ready(Gateway("a", 1, 1)).Verdict);

    [Fact]
    public void StaticAddresses_UsableOnlyWithItsType_PassesOtherwiseAborts()
    {
        GatewayStatusAddressesMustBe Check() => new("ns", "a", "127.31.0.10", "IPAddress", ["fake address teehee!", "192.0.2.1"]);
        Assert.Equal(StatusVerdict.Pass, Check().Evaluate(Gateway("a", 1, 1, addresses: "[{type: IPAddress, value: 127.31.0.10}]"), Controller).Verdict);
        Assert.Contains("still holds removed address 192.0.2.1", Check().Evaluate(Gateway("a", 1, 1, addresses: "[{type: IPAddress, value: 127.31.0.10}, {type: IPAddress, value: 192.0.2.1}]"), Controller).Reason);
        Assert.Contains("lacks the usable address", Check().Evaluate(Gateway("a", 1, 1, addresses: "[{type: IPAddress, value: 127.30.0.7}]"), Controller).Reason);
        var typed = Check().Evaluate(Gateway("a", 1, 1, addresses: "[{type: Hostname, value: 127.31.0.10}]"), Controller);
        Assert.Equal(StatusVerdict.Abort, typed.Verdict);
        Assert.Contains("has type Hostname", typed.Reason);
    }

    [Fact]
    public async Task Judge_CompositeCheck_WaitsEachPhaseWithItsOwnUpstreamTimeout()
    {
        // Address and listeners are fine but the route never gets a parent: the wait ends after RouteMustHaveParents
        // (60 s upstream, 7 s here), not after the Gateway address timeout.
        var status = Gateway("gw", 1, 1);
        var clock = new FakeClock();
        var timeouts = new ConformanceTimeouts { RouteMustHaveParents = TimeSpan.FromSeconds(7), GatewayMustHaveAddress = TimeSpan.FromSeconds(100) };
        var check = new ParentAndRoutesMustBeAccepted("Gateway", "ns", "gw", [new RouteRef("ns", "r")]);

        var result = await new StatusJudge(status, Controller, timeouts, clock).WaitAsync(check, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Contains("HTTPRouteMustHaveParents(ns/r)", result.Detail);
        Assert.Contains("timed out after 7s", result.Detail);
        Assert.Equal(3, check.Phases.Count);
        Assert.InRange(clock.Now, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7.2));
    }
}
