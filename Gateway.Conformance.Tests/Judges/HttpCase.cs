using System.Text.Json;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>How a case is judged (cases-semantics.md section 3).</summary>
public enum CaseCheck
{
    /// <summary>Passes after N consecutive passing round trips within the consistency window.</summary>
    EventuallyConsistent,

    /// <summary>Passes after 5 consecutive non-200 answers; one 200 fails at once.</summary>
    MustNotReturn200,

    /// <summary>One request that must fail at the transport level (TLS handshake refused).</summary>
    RequestMustFail,
}

/// <summary>The client side of an HTTP case: what is sent.</summary>
public sealed record HttpCaseRequest
{
    /// <summary>Explicit Host header; null means Go's default (the gateway address, with the port unless default).</summary>
    public string? Host { get; init; }

    /// <summary>Path plus optional "?query", sent raw.</summary>
    public string Path { get; init; } = "/";

    public string Method { get; init; } = "GET";

    /// <summary>Headers set once each.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>null (HTTP/1.1), "H2" (HTTP/2 over TLS) or "H2C_PRIOR_KNOWLEDGE".</summary>
    public string? Protocol { get; init; }

    /// <summary>Response headers the echo backend is asked to add (X-Echo-Set-Header).</summary>
    public IReadOnlyDictionary<string, string> EchoSetResponseHeaders { get; init; } = new Dictionary<string, string>();
}

/// <summary>Expected Location of a redirect; unset parts follow the defaults of cases-semantics.md 3.4.</summary>
public sealed record ExpectedRedirect(string? Scheme, string? Host, string? Port, string? Path);

/// <summary>
/// A backend Service whose pods must log a mirrored request; <see cref="Percent"/> is set for percentage mirrors
/// (HTTPRouteRequestPercentageMirror), which are judged statistically instead of per request.
/// </summary>
public sealed record MirrorTarget(string Namespace, string Name, int? Percent = null);

/// <summary>What must come back (cases-semantics.md section 3).</summary>
public sealed record HttpCaseExpectation
{
    public IReadOnlyList<int> StatusCodes { get; init; } = [200];
    public string? Backend { get; init; }
    public string Namespace { get; init; } = "";
    public string? RequestPath { get; init; }
    public string? RequestHost { get; init; }
    public string? RequestMethod { get; init; }
    public IReadOnlyDictionary<string, string> RequestHeaders { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> AbsentRequestHeaders { get; init; } = [];
    public IReadOnlyDictionary<string, string> ResponseHeaders { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ResponseHeaderOneOf { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public bool IgnoreWhitespaceInResponseHeaders { get; init; }
    public IReadOnlyList<string> AbsentResponseHeaders { get; init; } = [];
    public ExpectedRedirect? Redirect { get; init; }
    public IReadOnlyList<MirrorTarget> MirroredTo { get; init; } = [];
    public string? BackendSni { get; init; }

    /// <summary>Namespace/name of the Secret whose tls.crt must be among the backend's peer certificates.</summary>
    public string? BackendPeerCertificateSecret { get; init; }

    public string? ResponseProtocol { get; init; }
}

/// <summary>Where a case is sent: a Gateway (its first status address) and a port.</summary>
public sealed record HttpCaseTarget(string GatewayNamespace, string GatewayName, int Port, string Scheme)
{
    public IReadOnlyList<string> Listeners { get; init; } = [];
}

/// <summary>TLS parameters of an HTTPS case: SNI, the one trusted certificate, the optional client certificate.</summary>
public sealed record HttpCaseTls(string ServerName, string TrustedCertificate, string? ClientCertificate);

/// <summary>One request/response case of cases.json.</summary>
public sealed record HttpCase(string Name, HttpCaseRequest Request, HttpCaseExpectation Expect, HttpCaseTarget Target, HttpCaseTls? Tls, CaseCheck Check);

/// <summary>Reads the HTTP cases of cases.json (gRPC and mesh cases are not HTTP cases and are left out).</summary>
public static class HttpCaseLoader
{
    /// <summary>Cases per test name, in file order; tests without HTTP cases are absent.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<HttpCase>> Load(string casesJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(casesJsonPath));
        var result = new Dictionary<string, IReadOnlyList<HttpCase>>(StringComparer.Ordinal);
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            var name = test.GetProperty("test").GetString()!;
            if (!test.TryGetProperty("cases", out var cases)) continue;
            var list = new List<HttpCase>();
            var index = 0;
            foreach (var c in cases.EnumerateArray())
            {
                index++;
                var target = c.GetProperty("target");
                if (!target.TryGetProperty("gateway", out var gateway)) continue; // mesh cases
                var scheme = target.GetProperty("scheme").GetString()!;
                if (scheme.StartsWith("grpc", StringComparison.Ordinal)) continue;
                list.Add(Parse(c, index, scheme, gateway, target));
            }
            if (list.Count > 0) result[name] = list;
        }
        return result;
    }

    private static HttpCase Parse(JsonElement c, int index, string scheme, JsonElement gateway, JsonElement target)
    {
        var request = c.GetProperty("request");
        var expect = c.GetProperty("expect");
        var req = new HttpCaseRequest
        {
            Host = Str(request, "host"),
            Path = Str(request, "path") ?? "/",
            Method = Str(request, "method") ?? "GET",
            Headers = Map(request, "headers"),
            Protocol = Str(request, "protocol"),
            EchoSetResponseHeaders = Map(expect, "echoSetResponseHeaders").Count > 0 ? Map(expect, "echoSetResponseHeaders") : Map(request, "echoSetResponseHeaders"),
        };
        var check = Str(c, "check") switch
        {
            var s when s?.StartsWith("must-not-return-200", StringComparison.Ordinal) == true => CaseCheck.MustNotReturn200,
            var s when s?.StartsWith("request-must-fail", StringComparison.Ordinal) == true => CaseCheck.RequestMustFail,
            _ => CaseCheck.EventuallyConsistent,
        };
        var statusCodes = expect.TryGetProperty("statusCodes", out var sc) ? sc.EnumerateArray().Select(e => e.GetInt32()).ToList() : [200];
        var exp = new HttpCaseExpectation
        {
            StatusCodes = statusCodes,
            Backend = Str(expect, "backend"),
            Namespace = Str(expect, "namespace") ?? "",
            RequestPath = Str(expect, "requestPath"),
            RequestHost = Str(expect, "requestHost"),
            RequestMethod = Str(expect, "requestMethod"),
            RequestHeaders = Map(expect, "requestHeaders"),
            AbsentRequestHeaders = List(expect, "absentRequestHeaders"),
            ResponseHeaders = Map(expect, "responseHeaders"),
            ResponseHeaderOneOf = expect.TryGetProperty("responseHeaderOneOf", out var oneOf)
                ? oneOf.EnumerateObject().ToDictionary(p => p.Name, p => (IReadOnlyList<string>)p.Value.EnumerateArray().Select(v => v.GetString()!).ToList())
                : new Dictionary<string, IReadOnlyList<string>>(),
            IgnoreWhitespaceInResponseHeaders = expect.TryGetProperty("ignoreWhitespaceInResponseHeaders", out var iw) && iw.GetBoolean(),
            AbsentResponseHeaders = List(expect, "absentResponseHeaders"),
            Redirect = expect.TryGetProperty("redirect", out var r)
                ? new ExpectedRedirect(Str(r, "scheme"), Str(r, "host"), Str(r, "port"), Str(r, "path"))
                : null,
            MirroredTo = expect.TryGetProperty("mirroredTo", out var m)
                ? m.EnumerateArray().Select(e => new MirrorTarget(Str(e, "namespace")!, Str(e, "name")!, e.TryGetProperty("percent", out var pc) && pc.ValueKind == JsonValueKind.Number ? pc.GetInt32() : null)).ToList()
                : [],
            BackendSni = Str(expect, "backendSNI"),
            BackendPeerCertificateSecret = Str(expect, "backendPeerCertificate") is { } peer ? SecretName(peer) : null,
            ResponseProtocol = Str(expect, "responseProtocol"),
        };
        HttpCaseTls? tls = null;
        if (c.TryGetProperty("tls", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            tls = new HttpCaseTls(Str(t, "serverName(SNI)")!, SecretName(Str(t, "trustedServerCert")!), Str(t, "clientCert") is { } cc ? SecretName(cc) : null);
        }
        var tgt = new HttpCaseTarget(Str(gateway, "namespace")!, Str(gateway, "name")!, target.GetProperty("port").GetInt32(), scheme)
        {
            Listeners = List(target, "listeners"),
        };
        var name = Str(c, "name") ?? $"{index} request to '{req.Host}{req.Path}'{(req.Headers.Count > 0 ? " with headers" : "")}";
        return new HttpCase(name, req, exp, tgt, tls, check);
    }

    // "gateway-conformance-infra/tls-checks-client-certificate (cert)" and "<tls.crt PEM of Secret ns/name>" → "ns/name".
    private static string SecretName(string text)
    {
        var s = text.Replace("<tls.crt PEM of Secret ", "", StringComparison.Ordinal).TrimEnd('>');
        var space = s.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? s : s[..space];
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
