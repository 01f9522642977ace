using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>Log lines of the pods behind a Service (what kubectl logs shows), for mirror checks.</summary>
public interface IPodLogSource
{
    /// <summary>Log lines written since <paramref name="since"/> by the pods the Service selects.</summary>
    IReadOnlyList<string> LinesSince(string ns, string service, DateTimeOffset since);
}

/// <summary>
/// Sends an HTTP case the way the suite does (cases-semantics.md section 2) and judges it with
/// <see cref="HttpCaseJudge"/> under the case's check: eventually consistent, must not return 200, or must fail.
/// </summary>
public sealed class HttpCaseRunner(
    IRoundTripper roundTripper,
    ConformanceTimeouts timeouts,
    IConformanceClock clock,
    Func<string, X509Certificate2> certificate,
    IPodLogSource? podLogs = null)
{
    /// <summary>The query parameter the suite adds to mirrored requests.</summary>
    public const string RequestIdParameter = "gateway-api-conformance-request-id";

    /// <summary>Runs one case against a Gateway address.</summary>
    public async Task<JudgeResult> RunAsync(HttpCase c, IPAddress gatewayAddress, CancellationToken ct)
    {
        var pathAndQuery = c.Request.Path;
        var expect = c.Expect;
        // Percentage mirrors are judged statistically over many requests (PercentageMirror), not per request.
        var mirrors = expect.MirroredTo.Where(m => m.Percent is null).ToList();
        if (mirrors.Count > 0)
        {
            // A unique request id lets the mirror pods' logs be searched for exactly this request.
            pathAndQuery += (pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"{RequestIdParameter}={Guid.NewGuid()}";
            expect = expect with { RequestPath = pathAndQuery };
        }
        var startedAt = DateTimeOffset.UtcNow;
        var request = BuildRequest(c, gatewayAddress, pathAndQuery);
        var sent = new SentRequest(c.Target.Scheme, request.Host, c.Target.Port, pathAndQuery, c.Request.Method, c.Request.Headers);
        var peer = expect.BackendPeerCertificateSecret is { } s ? certificate(s) : null;

        switch (c.Check)
        {
            case CaseCheck.RequestMustFail:
                return await MustFailAsync(request, ct).ConfigureAwait(false);
            case CaseCheck.MustNotReturn200:
                return await MustNotReturn200Async(request, ct).ConfigureAwait(false);
        }

        var result = await ConsistencyLoop.AwaitConvergenceAsync(async token =>
        {
            CapturedResponse response;
            try
            {
                response = await roundTripper.RoundTripAsync(request, token).ConfigureAwait(false);
            }
            catch (RoundTripException e)
            {
                return $"request failed, not ready yet: {e.Message}";
            }
            var failure = HttpCaseJudge.Compare(expect, sent, response, peer);
            if (failure is null && c.Tls?.ClientCertificate is not null && !response.ClientCertificateRequested)
            {
                failure = "the server did not ask for a client certificate";
            }
            return failure;
        }, timeouts.RequiredConsecutiveSuccesses, timeouts.MaxTimeToConsistency, timeouts.DelayAfterFailure, clock, ct).ConfigureAwait(false);

        if (!result.Passed || mirrors.Count == 0) return result;
        return await MirrorsAsync(mirrors, pathAndQuery, startedAt, result, ct).ConfigureAwait(false);
    }

    /// <summary>The request the suite sends for <paramref name="c"/>: Host header rules, headers, TLS, protocol.</summary>
    public RoundTripRequest BuildRequest(HttpCase c, IPAddress gatewayAddress, string pathAndQuery)
    {
        var defaultPort = c.Target.Scheme == "https" ? 443 : 80;
        var address = gatewayAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{gatewayAddress}]" : gatewayAddress.ToString();
        // Go's default Host is the URL host: the address, plus the port when it is not the scheme's default.
        var host = c.Request.Host ?? (c.Target.Port == defaultPort ? address : $"{address}:{c.Target.Port}");
        var headers = c.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value)).ToList();
        // The suite always sends X-Echo-Set-Header, empty when the case asks the echo for nothing.
        headers.Add(KeyValuePair.Create("X-Echo-Set-Header", string.Join(",", c.Request.EchoSetResponseHeaders.Select(h => $"{h.Key}:{h.Value}"))));
        RoundTripTls? tls = null;
        if (c.Tls is { } t)
        {
            tls = new RoundTripTls(t.ServerName, certificate(t.TrustedCertificate), t.ClientCertificate is { } cc ? certificate(cc) : null);
        }
        return new RoundTripRequest
        {
            Endpoint = new IPEndPoint(gatewayAddress, c.Target.Port),
            Host = host,
            PathAndQuery = pathAndQuery,
            Method = c.Request.Method,
            Headers = headers,
            Protocol = c.Request.Protocol switch
            {
                "H2" => RoundTripProtocol.H2,
                "H2C_PRIOR_KNOWLEDGE" => RoundTripProtocol.H2cPriorKnowledge,
                _ => RoundTripProtocol.Http11,
            },
            Tls = tls,
            Timeout = timeouts.RequestTimeout,
        };
    }

    private async Task<JudgeResult> MustFailAsync(RoundTripRequest request, CancellationToken ct)
    {
        try
        {
            var response = await roundTripper.RoundTripAsync(request, ct).ConfigureAwait(false);
            return JudgeResult.Fail($"expected the request to fail at the transport level, got HTTP {response.StatusCode}", 1);
        }
        catch (RoundTripException e)
        {
            return JudgeResult.Pass($"request failed as required: {e.Message}", 1);
        }
    }

    /// <summary>Repeats until N consecutive non-200 answers; a 200 fails at once; 408/504 and transport errors reset the streak.</summary>
    private async Task<JudgeResult> MustNotReturn200Async(RoundTripRequest request, CancellationToken ct)
    {
        var start = clock.Now;
        var streak = 0;
        var attempts = 0;
        string last = "none";
        while (clock.Now - start < timeouts.MaxTimeToConsistency)
        {
            attempts++;
            try
            {
                var response = await roundTripper.RoundTripAsync(request, ct).ConfigureAwait(false);
                if (response.StatusCode == 200) return JudgeResult.Fail("got 200 where the request must never succeed", attempts);
                if (response.StatusCode is not (408 or 504))
                {
                    if (++streak >= timeouts.RequiredConsecutiveNon200) return JudgeResult.Pass($"{streak} consecutive non-200 answers (last {response.StatusCode})", attempts);
                    continue;
                }
                last = $"got {response.StatusCode}, not settled yet";
            }
            catch (RoundTripException e)
            {
                last = $"request failed, not settled yet: {e.Message}";
            }
            streak = 0;
            await clock.DelayAsync(timeouts.DelayAfterFailure, ct).ConfigureAwait(false);
        }
        return JudgeResult.Fail($"timeout after {attempts} attempts; last: {last}", attempts);
    }

    private async Task<JudgeResult> MirrorsAsync(IReadOnlyList<MirrorTarget> mirrors, string pathAndQuery, DateTimeOffset startedAt, JudgeResult primary, CancellationToken ct)
    {
        if (podLogs is null) return JudgeResult.Fail("mirror check needs pod logs, none available", primary.Attempts);
        var line = $"Echoing back request made to {pathAndQuery} to client";
        var deadline = clock.Now + timeouts.MirrorLogTimeout;
        var missing = mirrors.ToList();
        while (true)
        {
            missing = missing.Where(m => !podLogs.LinesSince(m.Namespace, m.Name, startedAt.AddSeconds(-30)).Any(l => l.StartsWith(line, StringComparison.Ordinal))).ToList();
            if (missing.Count == 0) return JudgeResult.Pass($"{primary.Detail}; mirrored to {string.Join(", ", mirrors.Select(m => m.Name))}", primary.Attempts);
            if (clock.Now >= deadline)
            {
                return JudgeResult.Fail($"no log line \"{line}\" in the pods of {string.Join(", ", missing.Select(m => $"{m.Namespace}/{m.Name}"))}", primary.Attempts);
            }
            await clock.DelayAsync(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }
}
