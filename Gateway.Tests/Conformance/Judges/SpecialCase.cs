using System.Text.Json;

namespace Gateway.Tests.Conformance.Judges;

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

/// <summary>One row of the HTTPRouteRetry table: query without the uuid, the final status, the backend on 200.</summary>
public sealed record RetryProbe(string Name, string Path, IReadOnlyDictionary<string, string> Query, int ExpectStatus, string Backend);

/// <summary>HTTPRouteRetry: every probe gets a fresh uuid so the echo's retry simulation counts attempts per probe.</summary>
public sealed record RetryCase(string Test, HttpCaseTarget Target, IReadOnlyList<RetryProbe> Probes) : SpecialCase(Test, Target);

/// <summary>HTTPRouteBackendProtocolWebSocket: ws://gateway/ws echoes a text and a binary frame.</summary>
public sealed record WebSocketCase(string Test, HttpCaseTarget Target, string Path) : SpecialCase(Test, Target);

/// <summary>Reads the "special" blocks of cases.json this harness judges; other kinds (gRPC, UDP) are left out.</summary>
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
        // gRPC, TCP, UDP and mesh specials belong to other profiles and need other clients.
        if (special.TryGetProperty("protocol", out _) || special.TryGetProperty("fromMeshPod", out _)) return null;
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
                    c.GetProperty("expectStatus").GetInt32(),
                    c.GetProperty("expectBackendOn200").GetString()!)).ToList();
                return new RetryCase(name, Target(special), probes);
            case "websocket":
                var url = special.GetProperty("request").GetProperty("url").GetString()!;
                return new WebSocketCase(name, Target(special) with { Scheme = "ws" }, url[url.IndexOf("/", "ws://".Length, StringComparison.Ordinal)..]);
            default:
                return null;
        }
    }

    private static HttpCaseTarget Target(JsonElement holder)
    {
        var target = holder.GetProperty("target");
        var gateway = target.GetProperty("gateway");
        var scheme = target.TryGetProperty("scheme", out var s) ? s.GetString()! : "http";
        return new HttpCaseTarget(gateway.GetProperty("namespace").GetString()!, gateway.GetProperty("name").GetString()!, target.GetProperty("port").GetInt32(), scheme);
    }
}
