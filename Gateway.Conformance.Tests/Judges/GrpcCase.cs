using System.Text.Json;
using Gateway.Emulators.Grpc;
using Grpc.Core;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// One gRPC case of cases.json (cases-semantics.md section 5): the full method path, the optional :authority and
/// outgoing metadata, the expected status code and, for OK, the backend pod prefix and namespace.
/// <paramref name="ExpectFailure"/> is upstream's MakeRequestAndExpectEventuallyConsistentFailure
/// (<c>"expect": {"grpcFailure": true}</c>): any status but OK passes, and an OK answer fails the case at once.
/// </summary>
public sealed record GrpcCase(string Name, string Method, string? Authority, IReadOnlyDictionary<string, string> Metadata, StatusCode ExpectedCode, string Backend, string Namespace, HttpCaseTarget Target,
    bool ExpectFailure = false);

/// <summary>What one RPC came back with: its status code and, for OK, the echo's reply.</summary>
public sealed record GrpcResult(StatusCode Code, EchoResponse? Response, string Detail = "");

/// <summary>Reads the gRPC cases of cases.json (the cases whose target scheme is grpc).</summary>
public static class GrpcCaseLoader
{
    /// <summary>gRPC cases per test name, in file order; tests without gRPC cases are absent.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<GrpcCase>> Load(string casesJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(casesJsonPath));
        var result = new Dictionary<string, IReadOnlyList<GrpcCase>>(StringComparer.Ordinal);
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            if (!test.TryGetProperty("cases", out var cases)) continue;
            var list = new List<GrpcCase>();
            var index = 0;
            foreach (var c in cases.EnumerateArray())
            {
                var target = c.GetProperty("target");
                if (!target.TryGetProperty("gateway", out var gateway) || !target.TryGetProperty("scheme", out var scheme)
                    || scheme.GetString()?.StartsWith("grpc", StringComparison.Ordinal) != true)
                {
                    continue;
                }
                list.Add(Parse(c, index++, gateway, target));
            }
            if (list.Count > 0) result[test.GetProperty("test").GetString()!] = list;
        }
        return result;
    }

    private static GrpcCase Parse(JsonElement c, int index, JsonElement gateway, JsonElement target)
    {
        var request = c.GetProperty("request");
        var expect = c.GetProperty("expect");
        var method = request.GetProperty("method").GetString()!;
        var authority = request.TryGetProperty("authority", out var a) ? a.GetString() : null;
        var metadata = request.TryGetProperty("metadata", out var m)
            ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var failure = expect.TryGetProperty("grpcFailure", out var f) && f.GetBoolean();
        var code = failure ? StatusCode.Unknown : Enum.Parse<StatusCode>(expect.GetProperty("grpcCode").GetString()!, ignoreCase: false);
        var backend = expect.TryGetProperty("backend", out var b) ? b.GetString() ?? "" : "";
        var ns = expect.TryGetProperty("namespace", out var n) ? n.GetString() ?? "" : "";
        var tgt = new HttpCaseTarget(gateway.GetProperty("namespace").GetString()!, gateway.GetProperty("name").GetString()!, target.GetProperty("port").GetInt32(), "grpc")
        {
            Listeners = target.TryGetProperty("listeners", out var l) ? l.EnumerateArray().Select(x => x.GetString()!).ToList() : [],
        };
        var name = failure ? $"{index} request to '{authority}{method}' should fail" : GrpcCaseJudge.CaseName(index, method, authority, metadata, code, backend);
        return new GrpcCase(name, method, authority, metadata, code, backend, ns, tgt, failure);
    }
}

/// <summary>
/// Upstream's gRPC compareResponse (conformance/utils/grpc): the status code must be the expected one; for OK the
/// echoed fully-qualified method must be the called one, the namespace (when expected) must match, and the pod name
/// must start with the expected backend. Pure.
/// </summary>
public static class GrpcCaseJudge
{
    /// <summary>The echo service's full name (package.Service).</summary>
    public const string Service = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

    /// <summary>Null when <paramref name="result"/> satisfies <paramref name="c"/>, else why not.</summary>
    public static string? Compare(GrpcCase c, GrpcResult result)
    {
        if (c.ExpectFailure) return result.Code == StatusCode.OK ? "Request should have failed, but got status OK" : null;
        if (result.Code != c.ExpectedCode)
        {
            return $"expected status code to be {c.ExpectedCode} ({(int)c.ExpectedCode}), but got {result.Code} ({(int)result.Code}){(result.Detail.Length > 0 ? $": {result.Detail}" : "")}";
        }
        if (result.Code != StatusCode.OK) return null;
        var assertions = result.Response?.Assertions;
        var method = assertions?.FullyQualifiedMethod ?? "";
        if (method != c.Method) return $"expected path to be {c.Method}, got {method}";
        var ns = assertions?.Context?.Namespace ?? "";
        if (c.Namespace.Length > 0 && c.Namespace != ns) return $"expected namespace to be {c.Namespace}, got {ns}";
        var pod = assertions?.Context?.Pod ?? "";
        return pod.StartsWith(c.Backend, StringComparison.Ordinal) ? null : $"expected pod name to start with {c.Backend}, got {pod}";
    }

    /// <summary>Upstream's GetTestCaseName: "N request to '&lt;authority&gt;&lt;method&gt;' with headers '{k:v}' should go to X".</summary>
    public static string CaseName(int index, string method, string? authority, IReadOnlyDictionary<string, string> metadata, StatusCode code, string backend)
    {
        var headers = metadata.Count > 0
            ? $" with headers '{{{string.Join(",", metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"))}}}'"
            : "";
        var request = $"{index} request to '{authority}{method}'{headers}";
        return backend.Length > 0 ? $"{request} should go to {backend}" : $"{request} should receive a {code} ({(int)code})";
    }
}
