using System.Text.Json;

namespace Gateway.Conformance.Tests.Mesh;

/// <summary>
/// One mesh request case of cases.json (target.fromMeshPod): sent from a client pod with the echo client's rules and
/// judged as upstream judges mesh cases (cases-semantics.md section 7): status in the list, the answering pod's name
/// starts with <see cref="Backend"/>, response headers (first value), absent response headers, and request headers
/// only when the case expects some. Path, host, method, namespace and redirect Location are not verified, as upstream.
/// </summary>
public sealed record MeshCase(
    string Name,
    string ClientNamespace,
    string Host,
    string Path,
    string Method,
    IReadOnlyDictionary<string, string> Headers,
    string? Protocol,
    IReadOnlyList<int> StatusCodes,
    string? Backend,
    IReadOnlyDictionary<string, string> RequestHeaders,
    IReadOnlyList<string> AbsentRequestHeaders,
    IReadOnlyDictionary<string, string> ResponseHeaders,
    IReadOnlyList<string> AbsentResponseHeaders)
{
    public override string ToString() => Name;

    /// <summary>Mesh cases per test name, in file order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<MeshCase>> Load(string casesJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(casesJsonPath));
        var result = new Dictionary<string, IReadOnlyList<MeshCase>>(StringComparer.Ordinal);
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            if (!test.TryGetProperty("cases", out var cases)) continue;
            var list = new List<MeshCase>();
            var index = 0;
            foreach (var c in cases.EnumerateArray())
            {
                index++;
                var target = c.GetProperty("target");
                if (!target.TryGetProperty("fromMeshPod", out _)) continue;
                var request = c.GetProperty("request");
                var expect = c.GetProperty("expect");
                var host = Str(request, "host") ?? "echo";
                var path = Str(request, "path") ?? "/";
                list.Add(new MeshCase(
                    Str(c, "name") ?? $"{index} request to '{host}{path}'",
                    Str(target, "podNamespace")!,
                    host,
                    path,
                    Str(request, "method") ?? "GET",
                    Map(request, "headers"),
                    Str(request, "protocol"),
                    expect.TryGetProperty("statusCodes", out var sc) ? sc.EnumerateArray().Select(e => e.GetInt32()).ToList() : [200],
                    Str(expect, "backend"),
                    Map(expect, "requestHeaders"),
                    List(expect, "absentRequestHeaders"),
                    Map(expect, "responseHeaders"),
                    List(expect, "absentResponseHeaders")));
            }
            if (list.Count > 0) result[test.GetProperty("test").GetString()!] = list;
        }
        return result;
    }

    /// <summary>Why the response does not satisfy the case, or null when it does.</summary>
    public string? Judge(int status, IReadOnlyDictionary<string, IReadOnlyList<string>> responseHeaders, JsonElement? echo)
    {
        if (!StatusCodes.Contains(status)) return $"status {status}, expected {string.Join(" or ", StatusCodes)}";
        foreach (var (name, value) in ResponseHeaders)
        {
            if (!responseHeaders.TryGetValue(name, out var values) || values.Count == 0) return $"response header {name} missing, expected '{value}'";
            if (values[0] != value) return $"response header {name} is '{values[0]}', expected '{value}'";
        }
        foreach (var name in AbsentResponseHeaders)
        {
            if (responseHeaders.ContainsKey(name)) return $"response header {name} present, expected absent";
        }
        var needsEcho = Backend is not null || RequestHeaders.Count > 0 || AbsentRequestHeaders.Count > 0;
        if (!needsEcho) return null;
        if (echo is not { } json) return "no echo JSON in the response";
        if (Backend is not null)
        {
            var pod = json.TryGetProperty("pod", out var p) ? p.GetString() ?? "" : "";
            if (!pod.StartsWith(Backend, StringComparison.Ordinal)) return $"answered by pod '{pod}', expected a pod of {Backend}";
        }
        var headers = json.TryGetProperty("headers", out var h) ? h : default;
        foreach (var (name, value) in RequestHeaders)
        {
            var actual = EchoHeader(headers, name);
            if (actual is null) return $"request header {name} missing at the backend, expected '{value}'";
            if (actual != value) return $"request header {name} is '{actual}' at the backend, expected '{value}'";
        }
        foreach (var name in AbsentRequestHeaders)
        {
            if (EchoHeader(headers, name) is not null) return $"request header {name} present at the backend, expected absent";
        }
        return null;
    }

    // The echo lists each header's values; upstream joins them with "," before comparing.
    private static string? EchoHeader(JsonElement headers, string name)
    {
        if (headers.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in headers.EnumerateObject())
        {
            if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) continue;
            return property.Value.ValueKind == JsonValueKind.Array
                ? string.Join(",", property.Value.EnumerateArray().Select(v => v.GetString()))
                : property.Value.GetString();
        }
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IReadOnlyDictionary<string, string> Map(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : new Dictionary<string, string>();

    private static IReadOnlyList<string> List(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(x => x.GetString()!).ToList()
            : [];
}
