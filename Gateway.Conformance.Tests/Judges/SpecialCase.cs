using System.Text.Json;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// A data-plane check of cases.json "special": the part of a test that is not a request/response table (weighted
/// distribution, per-backend filter consistency, percentage mirroring, retry table, WebSocket frames).
/// </summary>
public abstract record SpecialCase(string Test, HttpCaseTarget Target);

/// <summary>HTTPRouteWeight: requests to <see cref="Path"/> spread over backends as <see cref="ExpectedWeights"/>.</summary>
public sealed record WeightedDistributionCase(string Test, HttpCaseTarget Target, string Path, IReadOnlyDictionary<string, double> ExpectedWeights, int TotalRequests, int Concurrency)
    : SpecialCase(Test, Target);

/// <summary>HTTPRouteRequestHeaderModifierBackendWeights: the per-backendRef header names the backend that answered.</summary>
public sealed record BackendFilterConsistencyCase(string Test, HttpCaseTarget Target, string Path) : SpecialCase(Test, Target);

/// <summary>HTTPRouteRequestPercentageMirror: each HTTP case of the test is mirrored to its target with its percent.</summary>
public sealed record PercentageMirrorCase(string Test, HttpCaseTarget Target) : SpecialCase(Test, Target);

/// <summary>
/// One row of a retry table: query without the uuid, the final status (one of <paramref name="ExpectStatuses"/>, as
/// upstream's Response.StatusCodes: a failed connection may end in 500 or 503), the backend on 200.
/// </summary>
public sealed record RetryProbe(string Name, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyList<int> ExpectStatuses, string Backend)
{
    public RetryProbe(string name, string path, IReadOnlyDictionary<string, string> query, int expectStatus, string backend)
        : this(name, path, query, [expectStatus], backend)
    {
    }
}

/// <summary>HTTPRouteRetry: every probe gets a fresh uuid so the echo's retry simulation counts attempts per probe.</summary>
public sealed record RetryCase(string Test, HttpCaseTarget Target, IReadOnlyList<RetryProbe> Probes) : SpecialCase(Test, Target);

/// <summary>HTTPRouteBackendProtocolWebSocket: ws://gateway/ws echoes a text and a binary frame.</summary>
public sealed record WebSocketCase(string Test, HttpCaseTarget Target, string Path) : SpecialCase(Test, Target);

/// <summary>GRPCRouteWeight: Echo calls spread over backends as <see cref="ExpectedWeights"/> (fresh client and entropy per sample).</summary>
public sealed record GrpcWeightedCase(string Test, HttpCaseTarget Target, string Method, IReadOnlyDictionary<string, double> ExpectedWeights) : SpecialCase(Test, Target);

/// <summary>TCPRouteWeightedRouting: one TCP connection per sample (welcome, TEST, pod); the port is the listener's.</summary>
public sealed record TcpWeightedCase(string Test, HttpCaseTarget Target, IReadOnlyDictionary<string, double> ExpectedWeights) : SpecialCase(Test, Target);

/// <summary>UDPRouteWeightedRouting: one UDP socket per sample (the echo's JSON names the pod); the port is the listener's.</summary>
public sealed record UdpWeightedCase(string Test, HttpCaseTarget Target, IReadOnlyDictionary<string, double> ExpectedWeights) : SpecialCase(Test, Target);

/// <summary>One UDP echo probe: the listener it goes to and, when set, the Service and namespace the echo must name.</summary>
public sealed record UdpEchoProbeSpec(string Name, string Listener, string? Service, string? Namespace);

/// <summary>The UDPRoute echo tests (ExpectEchoResponse / ExpectEchoResponseFromBackend), one probe per listener.</summary>
public sealed record UdpEchoCase(string Test, HttpCaseTarget Target, IReadOnlyList<UdpEchoProbeSpec> Probes) : SpecialCase(Test, Target);

/// <summary>UDPRoute (simple): a DNS A query for <see cref="QueryName"/> through the Gateway gets any DNS reply.</summary>
public sealed record UdpDnsCase(string Test, HttpCaseTarget Target, string QueryName) : SpecialCase(Test, Target);

/// <summary>
/// TCPRouteMultipleRoutesAttachment's second subtest: after the eventually valid answer from the older route's
/// backend, <see cref="Samples"/> sequential connections must all reach pods of <see cref="OlderPrefix"/>.
/// </summary>
public sealed record TcpOldestRouteWinsCase(string Test, HttpCaseTarget Target, string OlderPrefix, string NewerPrefix, int Samples, TimeSpan PerRequestTimeout) : SpecialCase(Test, Target);

/// <summary>Reads the "special" blocks of cases.json this harness judges (HTTP, gRPC, TCP, UDP; mesh ones are left out).</summary>
public static class SpecialCaseLoader
{
    /// <summary>The special case per test name.</summary>
    public static IReadOnlyDictionary<string, SpecialCase> Load(string casesJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(casesJsonPath));
        var result = new Dictionary<string, SpecialCase>(StringComparer.Ordinal);
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            if (!test.TryGetProperty("special", out var special) || special.ValueKind != JsonValueKind.Object) continue;
            var name = test.GetProperty("test").GetString()!;
            var parsed = Parse(name, test, special);
            if (parsed is not null) result[name] = parsed;
        }
        return result;
    }

    private static SpecialCase? Parse(string name, JsonElement test, JsonElement special)
    {
        var kind = special.GetProperty("kind").GetString();
        if (special.TryGetProperty("fromMeshPod", out _)) return null;
        var protocol = special.TryGetProperty("protocol", out var proto) ? proto.GetString() : null;
        switch (kind, protocol)
        {
            case ("weighted-distribution", "grpc"):
                return new GrpcWeightedCase(name, Target(special) with { Scheme = "grpc" }, special.GetProperty("request").GetProperty("method").GetString()!, Weights(special));
            case ("weighted-distribution", "tcp"):
                return new TcpWeightedCase(name, L4Target(special, "tcp"), Weights(special));
            case ("weighted-distribution", "udp"):
                return new UdpWeightedCase(name, L4Target(special, "udp"), Weights(special));
            case ("udp-dns", _):
                // udproute-simple.go: msg.SetQuestion("foo.bar.com.", dns.TypeA) to the Gateway's (first listener's) address.
                return new UdpDnsCase(name, L4Target(special, "udp"), "foo.bar.com.");
            case ("udp-echo", _):
                return UdpEcho(name, special);
            case ("tcp-oldest-route-wins", _):
                // tcproute-multiple-routes-attachment.go: 100 sequential EchoSendOnce probes, 5 s each, to the "tcp" listener.
                var stream = test.GetProperty("streamCases")[0];
                return new TcpOldestRouteWinsCase(name, L4Target(stream, "tcp") with { Port = stream.GetProperty("target").GetProperty("port").GetInt32() },
                    stream.GetProperty("expect").GetProperty("backendPodPrefix").GetString()!, "tcp-attach-backend-2-", 100, TimeSpan.FromSeconds(5));
        }
        if (protocol is not null) return null;
        switch (kind)
        {
            case "weighted-distribution":
                return new WeightedDistributionCase(name, Target(special), special.GetProperty("request").GetProperty("path").GetString()!,
                    special.GetProperty("expectedWeights").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal),
                    special.GetProperty("totalRequests").GetInt32(), special.GetProperty("concurrency").GetInt32());
            case "backend-filter-consistency":
                return new BackendFilterConsistencyCase(name, Target(special), special.GetProperty("request").GetProperty("path").GetString()!);
            case "percentage-mirror-distribution":
                // The target is the one of the test's HTTP cases (all on the same Gateway).
                return new PercentageMirrorCase(name, Target(test.GetProperty("cases")[0]));
            case "retry":
                var probes = special.GetProperty("cases").EnumerateArray().Select(c => new RetryProbe(
                    c.GetProperty("name").GetString()!,
                    c.GetProperty("path").GetString()!,
                    c.GetProperty("query").EnumerateObject().Where(q => q.Name != "uuid").ToDictionary(q => q.Name, q => q.Value.GetString()!, StringComparer.Ordinal),
                    c.TryGetProperty("expectStatuses", out var statuses) ? statuses.EnumerateArray().Select(x => x.GetInt32()).ToList() : [c.GetProperty("expectStatus").GetInt32()],
                    c.GetProperty("expectBackendOn200").GetString()!)).ToList();
                return new RetryCase(name, Target(special), probes);
            case "websocket":
                var url = special.GetProperty("request").GetProperty("url").GetString()!;
                return new WebSocketCase(name, Target(special) with { Scheme = "ws" }, url[url.IndexOf("/", "ws://".Length, StringComparison.Ordinal)..]);
            default:
                return null;
        }
    }

    private static IReadOnlyDictionary<string, double> Weights(JsonElement special) =>
        special.GetProperty("expectedWeights").EnumerateObject().ToDictionary(w => w.Name, w => w.Value.GetDouble(), StringComparer.Ordinal);

    /// <summary>A TCP/UDP target: the Gateway and its listeners; port 0 means "the port of the first listener".</summary>
    private static HttpCaseTarget L4Target(JsonElement holder, string scheme)
    {
        var target = holder.GetProperty("target");
        var gateway = target.GetProperty("gateway");
        return new HttpCaseTarget(gateway.GetProperty("namespace").GetString()!, gateway.GetProperty("name").GetString()!, 0, scheme)
        {
            Listeners = target.TryGetProperty("listeners", out var l) ? l.EnumerateArray().Select(x => x.GetString()!).ToList() : [],
        };
    }

    /// <summary>
    /// The UDP echo specials. cases.json describes two of them only in prose; what they send and expect is encoded here
    /// from the upstream tests: UDPRouteParentRefAttachAllListeners probes each listener and expects Service
    /// udp-echo-attach-all in gateway-conformance-infra; UDPRouteReferenceGrant probes udp-gateway-reference-grant
    /// (its only listener, "udp") and accepts any reply (udp.ExpectEchoResponse).
    /// </summary>
    private static UdpEchoCase UdpEcho(string test, JsonElement special)
    {
        const string infra = "gateway-conformance-infra";
        if (test == "UDPRouteReferenceGrant")
        {
            return new UdpEchoCase(test, new HttpCaseTarget(infra, "udp-gateway-reference-grant", 0, "udp") { Listeners = ["udp"] },
                [new UdpEchoProbeSpec("UDP echo request reaches the cross-namespace backend while the ReferenceGrant exists", "udp", null, null)]);
        }
        var target = L4Target(special, "udp");
        if (special.TryGetProperty("cases", out var cases))
        {
            return new UdpEchoCase(test, target, cases.EnumerateArray().Select(c => new UdpEchoProbeSpec(
                $"UDPRoute {c.GetProperty("route").GetString()} via listener {c.GetProperty("listener").GetString()} reaches {c.GetProperty("expectService").GetString()}",
                c.GetProperty("listener").GetString()!, c.GetProperty("expectService").GetString(), infra)).ToList());
        }
        return new UdpEchoCase(test, target, target.Listeners.Select(l => new UdpEchoProbeSpec($"UDP traffic to listener {l} reaches udp-echo-attach-all", l, "udp-echo-attach-all", infra)).ToList());
    }

    private static HttpCaseTarget Target(JsonElement holder)
    {
        var target = holder.GetProperty("target");
        var gateway = target.GetProperty("gateway");
        var scheme = target.TryGetProperty("scheme", out var s) ? s.GetString()! : "http";
        return new HttpCaseTarget(gateway.GetProperty("namespace").GetString()!, gateway.GetProperty("name").GetString()!, target.GetProperty("port").GetInt32(), scheme);
    }
}
