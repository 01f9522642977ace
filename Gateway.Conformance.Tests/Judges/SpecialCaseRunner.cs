using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>The result of one subtest of a special case (upstream's t.Run), by name.</summary>
public sealed record SubtestResult(string Name, JudgeResult Result);

/// <summary>
/// Runs the data-plane part of a test that cases.json describes as "special", the way the upstream Go test does
/// (see each judge's remarks). The pure parts (distribution, band, header checks) live in the judges; this class
/// only sends requests and waits.
/// </summary>
public sealed class SpecialCaseRunner(
    IRoundTripper roundTripper,
    ConformanceTimeouts timeouts,
    IConformanceClock clock,
    Func<string, X509Certificate2> certificate,
    IPodLogSource? podLogs = null,
    Random? random = null)
{
    private readonly HttpCaseRunner _http = new(roundTripper, timeouts, clock, certificate, podLogs);
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>Upper bound of the random entropy delay before each weighted sample (upstream: 1 s).</summary>
    public TimeSpan MaxEntropyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="special"/> against <paramref name="address"/>; <paramref name="cases"/> are the test's HTTP cases.</summary>
    public async Task<IReadOnlyList<SubtestResult>> RunAsync(SpecialCase special, IReadOnlyList<HttpCase> cases, IPAddress address, CancellationToken ct) => special switch
    {
        WeightedDistributionCase w => [await WeightedAsync(w, cases, address, ct).ConfigureAwait(false)],
        BackendFilterConsistencyCase b => [await BackendFilterAsync(cases, address, ct).ConfigureAwait(false)],
        PercentageMirrorCase => await PercentageMirrorAsync(cases, address, ct).ConfigureAwait(false),
        RetryCase r => await RetryAsync(r, address, ct).ConfigureAwait(false),
        WebSocketCase ws => [await WebSocketAsync(ws, address, ct).ConfigureAwait(false)],
        _ => throw new NotSupportedException($"no judge for special case {special.GetType().Name}"),
    };

    /// <summary>HTTPRouteWeight: eventually consistent 200 first, then <see cref="WeightedDistribution"/> with entropy.</summary>
    private async Task<SubtestResult> WeightedAsync(WeightedDistributionCase w, IReadOnlyList<HttpCase> cases, IPAddress address, CancellationToken ct)
    {
        const string name = "Requests should have a distribution that matches the weight";
        var baseCase = cases.First(c => c.Request.Path == w.Path);
        var ready = await _http.RunAsync(baseCase, address, ct).ConfigureAwait(false);
        if (!ready.Passed) return new(name, JudgeResult.Fail($"before the distribution check: {ready.Detail}", ready.Attempts));

        async Task<string> Sample(CancellationToken token)
        {
            Entropy entropy;
            lock (_random) entropy = Entropy.Next(_random, MaxEntropyDelay);
            if (entropy.Delay > TimeSpan.Zero) await clock.DelayAsync(entropy.Delay, token).ConfigureAwait(false);
            var headers = new Dictionary<string, string>(baseCase.Request.Headers);
            if (entropy.Jitter is { } jitter) headers[Entropy.Header] = jitter;
            var sampleCase = baseCase with { Request = baseCase.Request with { Headers = headers } };
            // Compared with the expectation without the jitter header, as upstream compares with `expected`.
            return await SampleAsync(sampleCase, baseCase.Expect, address, token).ConfigureAwait(false);
        }

        var result = await WeightedDistribution.RunAsync(Sample, w.ExpectedWeights, ct, w.TotalRequests, w.Concurrency).ConfigureAwait(false);
        return new(name, result);
    }

    private async Task<string> SampleAsync(HttpCase c, HttpCaseExpectation expect, IPAddress address, CancellationToken ct)
    {
        var request = _http.BuildRequest(c, address, c.Request.Path);
        CapturedResponse response;
        try
        {
            response = await roundTripper.RoundTripAsync(request, ct).ConfigureAwait(false);
        }
        catch (RoundTripException e)
        {
            throw new SampleException($"failed to roundtrip request: {e.Message}", e);
        }
        var sent = new SentRequest(c.Target.Scheme, request.Host, c.Target.Port, c.Request.Path, c.Request.Method, c.Request.Headers);
        if (HttpCaseJudge.Compare(expect, sent, response) is { } failure) throw new SampleException($"response expectation failed for request: {failure}");
        return response.Echo.Pod;
    }

    /// <summary>HTTPRouteRequestHeaderModifierBackendWeights (see <see cref="BackendFilterConsistency"/>).</summary>
    private async Task<SubtestResult> BackendFilterAsync(IReadOnlyList<HttpCase> cases, IPAddress address, CancellationToken ct)
    {
        const string name = "per-backend request header names the answering backend";
        var baseCase = cases[0];
        var ready = await _http.RunAsync(baseCase, address, ct).ConfigureAwait(false);
        if (!ready.Passed) return new(name, JudgeResult.Fail($"before the consistency check: {ready.Detail}", ready.Attempts));
        var request = _http.BuildRequest(baseCase, address, baseCase.Request.Path);
        var backends = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 1; i <= BackendFilterConsistency.RoundTrips; i++)
        {
            CapturedResponse response;
            try
            {
                response = await roundTripper.RoundTripAsync(request, ct).ConfigureAwait(false);
            }
            catch (RoundTripException e)
            {
                return new(name, JudgeResult.Fail($"round trip {i}: failed to roundtrip request: {e.Message}", i));
            }
            if (BackendFilterConsistency.Check(response.Echo) is { } failure) return new(name, JudgeResult.Fail($"round trip {i}: {failure}", i));
            backends.Add(WeightedDistribution.BackendName(response.Echo.Pod));
        }
        return new(name, JudgeResult.Pass($"{BackendFilterConsistency.RoundTrips} round trips, each with one matching Backend header (backends seen: {string.Join(", ", backends)})", BackendFilterConsistency.RoundTrips));
    }

    /// <summary>HTTPRouteRequestPercentageMirror (see <see cref="PercentageMirror"/>), one subtest per case.</summary>
    private async Task<IReadOnlyList<SubtestResult>> PercentageMirrorAsync(IReadOnlyList<HttpCase> cases, IPAddress address, CancellationToken ct)
    {
        var results = new List<SubtestResult>();
        foreach (var c in cases.Where(c => c.Expect.MirroredTo.Any(m => m.Percent is not null)))
        {
            results.Add(new(c.Name, await PercentageMirrorCaseAsync(c, address, ct).ConfigureAwait(false)));
        }
        return results;
    }

    private async Task<JudgeResult> PercentageMirrorCaseAsync(HttpCase c, IPAddress address, CancellationToken ct)
    {
        if (podLogs is null) return JudgeResult.Fail("percentage mirroring needs pod logs, none available", 0);
        var mirrors = c.Expect.MirroredTo;
        var plain = c with { Expect = c.Expect with { MirroredTo = [] } };
        var ready = await _http.RunAsync(plain, address, ct).ConfigureAwait(false);
        if (!ready.Passed) return JudgeResult.Fail($"before the distribution check: {ready.Detail}", ready.Attempts);

        // "Override to not have more requests than expected": each request needs one success, not three.
        var once = new HttpCaseRunner(roundTripper, timeouts with { RequiredConsecutiveSuccesses = 1 }, clock, certificate, podLogs);
        var failures = new List<string>();
        for (var check = 1; check <= PercentageMirror.DistributionChecks; check++)
        {
            var path = PercentageMirror.WithRequestId(c.Request.Path, Guid.NewGuid().ToString());
            var unique = plain with
            {
                Request = plain.Request with { Path = path },
                Expect = plain.Expect with { RequestPath = plain.Expect.RequestPath is null ? null : path },
            };
            var startedAt = DateTimeOffset.UtcNow;
            using var gate = new SemaphoreSlim(PercentageMirror.Concurrency, PercentageMirror.Concurrency);
            var sends = Enumerable.Range(0, PercentageMirror.TotalRequests).Select(async _ =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    return await once.RunAsync(unique, address, ct).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            var sent = await Task.WhenAll(sends).ConfigureAwait(false);
            if (sent.FirstOrDefault(r => !r.Passed) is { } failed)
            {
                // Upstream's request goroutine fails the subtest (t.Fatal) when a request never succeeds.
                return JudgeResult.Fail($"check {check}: a request never succeeded: {failed.Detail}", check);
            }
            await clock.DelayAsync(PercentageMirror.FirstLogRead, ct).ConfigureAwait(false);
            var line = PercentageMirror.LogLine(path);
            var errors = new List<string>();
            var counts = new List<string>();
            foreach (var mirror in mirrors)
            {
                var count = podLogs.LinesSince(mirror.Namespace, mirror.Name, startedAt).Count(l => l.StartsWith(line, StringComparison.Ordinal));
                counts.Add($"{mirror.Name}: {count}/{PercentageMirror.TotalRequests} at {mirror.Percent}%");
                if (PercentageMirror.Evaluate(mirror.Name, count, PercentageMirror.TotalRequests, mirror.Percent ?? 100) is { } error) errors.Add(error);
            }
            if (errors.Count == 0) return JudgeResult.Pass($"check {check}: {string.Join(", ", counts)} within n·p ± 3σ", check);
            failures.Add($"check {check}/{PercentageMirror.DistributionChecks}: {string.Join("; ", errors)}");
            if (check < PercentageMirror.DistributionChecks) await clock.DelayAsync(PercentageMirror.PauseAfterFailedCheck, ct).ConfigureAwait(false);
        }
        return JudgeResult.Fail($"percentage based mirror distribution tests failed: {string.Join(" | ", failures)}", PercentageMirror.DistributionChecks);
    }

    /// <summary>HTTPRouteRetry: every probe is a parallel subtest, eventually consistent with a fresh uuid per attempt.</summary>
    private async Task<IReadOnlyList<SubtestResult>> RetryAsync(RetryCase r, IPAddress address, CancellationToken ct)
    {
        var probes = r.Probes.Select(async (probe, i) =>
        {
            var result = await ConsistencyLoop.AwaitConvergenceAsync(async token =>
            {
                var pathAndQuery = RetryProbes.PathAndQuery(probe, Guid.NewGuid().ToString());
                var c = new HttpCase(probe.Name, new HttpCaseRequest { Path = pathAndQuery }, RetryProbes.Expectation(probe, pathAndQuery, r.Target.GatewayNamespace), r.Target, null, CaseCheck.EventuallyConsistent);
                var request = _http.BuildRequest(c, address, pathAndQuery);
                CapturedResponse response;
                try
                {
                    response = await roundTripper.RoundTripAsync(request, token).ConfigureAwait(false);
                }
                catch (RoundTripException e)
                {
                    return $"request failed, not ready yet: {e.Message}";
                }
                return HttpCaseJudge.Compare(c.Expect, new SentRequest(c.Target.Scheme, request.Host, c.Target.Port, pathAndQuery, "GET", c.Request.Headers), response);
            }, timeouts.RequiredConsecutiveSuccesses, timeouts.MaxTimeToConsistency, timeouts.DelayAfterFailure, clock, ct).ConfigureAwait(false);
            return new SubtestResult($"{i} request to '{probe.Path}' {probe.Name}", result);
        });
        return await Task.WhenAll(probes).ConfigureAwait(false);
    }

    /// <summary>HTTPRouteBackendProtocolWebSocket: dial, echo a text and a binary frame, eventually consistent.</summary>
    private async Task<SubtestResult> WebSocketAsync(WebSocketCase w, IPAddress address, CancellationToken ct)
    {
        const string name = "websocket connection should reach backend";
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var uri = new Uri($"ws://{host}:{w.Target.Port}{w.Path}");
        var origin = $"ws://gateway/{w.Test}/{name.Replace(' ', '_')}";
        var result = await ConsistencyLoop.AwaitConvergenceAsync(token => WebSocketAttemptAsync(uri, origin, token),
            timeouts.RequiredConsecutiveSuccesses, timeouts.MaxTimeToConsistency, timeouts.DelayAfterFailure, clock, ct).ConfigureAwait(false);
        return new(name, result);
    }

    /// <summary>One dial of <paramref name="uri"/>: null when both frames come back unchanged, else why not.</summary>
    public async Task<string?> WebSocketAttemptAsync(Uri uri, string origin, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeouts.RequestTimeout);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            try
            {
                await socket.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException)
            {
                return $"failed to dial {uri}: {e.Message}";
            }
            await socket.SendAsync(Encoding.UTF8.GetBytes(WebSocketFrames.Text), WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
            var (textType, text) = await ReceiveAsync(socket, timeout.Token).ConfigureAwait(false);
            if (textType != WebSocketMessageType.Text || Encoding.UTF8.GetString(text) != WebSocketFrames.Text)
            {
                return $"unexpected reply - want: {WebSocketFrames.Text} got: {textType} {Encoding.UTF8.GetString(text)}";
            }
            await socket.SendAsync(WebSocketFrames.Binary, WebSocketMessageType.Binary, true, timeout.Token).ConfigureAwait(false);
            var (binaryType, binary) = await ReceiveAsync(socket, timeout.Token).ConfigureAwait(false);
            if (binaryType != WebSocketMessageType.Binary || !binary.SequenceEqual(WebSocketFrames.Binary))
            {
                return $"unexpected reply - want: {Convert.ToHexString(WebSocketFrames.Binary)} got: {binaryType} {Convert.ToHexString(binary)}";
            }
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is WebSocketException or IOException || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return $"websocket exchange with {uri} failed: {e.Message}";
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, []);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }
}
