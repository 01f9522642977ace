using System.Globalization;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// HTTPRouteRequestHeaderModifierBackendWeights: after the eventually consistent 200, 100 round trips; each must show
/// exactly one "Backend" request header at the echo and come from a pod whose name starts with it (the
/// per-backendRef RequestHeaderModifier is applied only for the backend actually chosen). Any failure is fatal.
/// </summary>
public static class BackendFilterConsistency
{
    public const int RoundTrips = 100;

    /// <summary>Null when the captured request passes, else why.</summary>
    public static string? Check(EchoCapture echo)
    {
        // Go's http.Header map is keyed by canonical names; the echo reports them canonicalised ("Backend").
        var values = echo.Headers.TryGetValue("Backend", out var v) ? v : [];
        if (values.Count != 1) return $"expected a single 'Backend' header to have been set, got {values.Count}";
        return echo.Pod.StartsWith(values[0], StringComparison.Ordinal) ? null
            : $"expected the backendRef to have set the correct headers and sent the request to the correct pod, got \"{echo.Pod}\", want \"{values[0]}\"";
    }
}

/// <summary>
/// HTTPRouteRequestPercentageMirror (v1.6.1): per case, 500 requests (10 in flight), each repeated until one passes
/// within MaxTimeToConsistency; then the mirror pods' log lines for this check's unique request path are counted.
/// The count is Binomial(n, p), so it must lie within n·p ± 3·sqrt(n·p·(1−p)); up to 5 checks, 2 s apart.
/// </summary>
public static class PercentageMirror
{
    public const int TotalRequests = 500;
    public const int Concurrency = 10;
    public const double ToleranceStdDevs = 3.0;
    public const int DistributionChecks = 5;
    public static readonly TimeSpan PauseAfterFailedCheck = TimeSpan.FromSeconds(2);

    /// <summary>
    /// testify's require.Eventually evaluates its condition on the first tick, 100 ms after it starts, so upstream
    /// reads the logs at the earliest 100 ms after the last response.
    /// </summary>
    public static readonly TimeSpan FirstLogRead = TimeSpan.FromMilliseconds(100);

    /// <summary>The acceptance band for <paramref name="percent"/> % of <paramref name="total"/> requests.</summary>
    public static (double Min, double Max) Band(int total, int percent)
    {
        var p = percent / 100.0;
        var expected = total * p;
        var margin = ToleranceStdDevs * Math.Sqrt(total * p * (1 - p));
        return (expected - margin, expected + margin);
    }

    /// <summary>Null when <paramref name="count"/> is inside the band, else why.</summary>
    public static string? Evaluate(string mirror, int count, int total, int percent)
    {
        var (min, max) = Band(total, percent);
        return count >= min && count <= max ? null
            : string.Create(CultureInfo.InvariantCulture, $"pod {mirror} did not meet the mirroring percentage within tolerance. Expected between {min:0.000000} and {max:0.000000}, but got {count}");
    }

    /// <summary>The path with a fresh request id query parameter (AddRequestIDQueryParam).</summary>
    public static string WithRequestId(string path, string id) =>
        path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"{HttpCaseRunner.RequestIdParameter}={id}";

    /// <summary>The echo log line a mirrored request to <paramref name="pathAndQuery"/> leaves.</summary>
    public static string LogLine(string pathAndQuery) => $"Echoing back request made to {pathAndQuery} to client";
}

/// <summary>HTTPRouteRetry: the request of one probe and the expectation it is compared with.</summary>
public static class RetryProbes
{
    /// <summary>path?query with a fresh uuid, keys sorted as Go's url.Values.Encode sorts them.</summary>
    public static string PathAndQuery(RetryProbe probe, string uuid)
    {
        var query = new SortedDictionary<string, string>(probe.Query.ToDictionary(q => q.Key, q => q.Value), StringComparer.Ordinal) { ["uuid"] = uuid };
        return probe.Path + "?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
    }

    /// <summary>
    /// The probe's ExpectedResponse: its final status; on 200 the echo must be the probe's backend in
    /// <paramref name="ns"/> and see the full path and query (the sent request is the expected request).
    /// </summary>
    public static HttpCaseExpectation Expectation(RetryProbe probe, string pathAndQuery, string ns) => new()
    {
        StatusCodes = probe.ExpectStatuses,
        Backend = probe.Backend,
        Namespace = ns,
        RequestPath = pathAndQuery,
        RequestMethod = "GET",
    };
}

/// <summary>HTTPRouteBackendProtocolWebSocket: the two frames upstream sends and expects back.</summary>
public static class WebSocketFrames
{
    public const string Text = "Websocket Support!";

    public static readonly byte[] Binary = [1, 2, 3, 4, 5, 6, 7];
}
