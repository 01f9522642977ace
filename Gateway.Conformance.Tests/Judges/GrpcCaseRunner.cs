using System.Net;
using System.Net.Sockets;
using Gateway.Emulators.Grpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// The suite's gRPC client (conformance/utils/grpc DefaultClient): one cleartext HTTP/2 channel to the Gateway, an
/// optional :authority override (grpc.WithAuthority), outgoing metadata, and the generated GrpcEcho stub picked by the
/// method path. RPC failures become status codes (the code is what is judged); the channel is dropped after an
/// Internal answer, as upstream resets its connection. Not thread-safe per instance: weighted samples use one each.
/// </summary>
public sealed class GrpcEchoClient(IPEndPoint gateway, string? authority) : IDisposable
{
    private GrpcChannel? _channel;

    /// <summary>Calls <paramref name="method"/> (".../Echo", ".../EchoTwo" or ".../EchoThree") with a deadline of <paramref name="timeout"/>.</summary>
    public async Task<GrpcResult> CallAsync(string method, IReadOnlyDictionary<string, string> metadata, TimeSpan timeout, CancellationToken ct)
    {
        var client = new GrpcEcho.GrpcEchoClient(_channel ??= Open());
        var headers = new Metadata();
        // Metadata keys are lower-cased on the wire (grpc-go's metadata.New does the same).
        foreach (var (key, value) in metadata) headers.Add(key.ToLowerInvariant(), value);
        var options = new CallOptions(headers, DateTime.UtcNow + timeout, ct);
        var name = method[(method.LastIndexOf('/') + 1)..];
        try
        {
            var reply = name switch
            {
                "Echo" => await client.EchoAsync(new EchoRequest(), options).ConfigureAwait(false),
                "EchoTwo" => await client.EchoTwoAsync(new EchoRequest(), options).ConfigureAwait(false),
                "EchoThree" => await client.EchoThreeAsync(new EchoRequest(), options).ConfigureAwait(false),
                _ => throw new ArgumentException($"{method} is not a method of {GrpcCaseJudge.Service}"),
            };
            return new GrpcResult(StatusCode.OK, reply);
        }
        catch (RpcException e)
        {
            if (e.StatusCode == StatusCode.Internal) Reset();
            return new GrpcResult(e.StatusCode, null, e.Status.Detail);
        }
    }

    private GrpcChannel Open()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Like grpc-go without TLS credentials: HTTP/2 with prior knowledge, no upgrade, no proxy.
            UseProxy = false,
        };
        var host = gateway.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{gateway.Address}]:{gateway.Port}" : gateway.ToString();
        return GrpcChannel.ForAddress($"http://{host}", new GrpcChannelOptions
        {
            HttpHandler = authority is null ? handler : new AuthorityHandler(authority) { InnerHandler = handler },
            DisposeHttpClient = true,
        });
    }

    private void Reset()
    {
        _channel?.Dispose();
        _channel = null;
    }

    public void Dispose() => Reset();

    /// <summary>Sets :authority (SocketsHttpHandler sends the Host header as :authority on HTTP/2).</summary>
    private sealed class AuthorityHandler(string authority) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>
/// Runs a gRPC case the way MakeRequestAndExpectEventuallyConsistentResponse does: one client for the case, each RPC
/// with the time left of MaxTimeToConsistency as its deadline, judged by <see cref="GrpcCaseJudge"/>, until
/// RequiredConsecutiveSuccesses in a row within MaxTimeToConsistency.
/// </summary>
public sealed class GrpcCaseRunner(ConformanceTimeouts timeouts, IConformanceClock clock)
{
    /// <summary>Runs <paramref name="c"/> against the Gateway at <paramref name="address"/> (port from the case).</summary>
    public async Task<JudgeResult> RunAsync(GrpcCase c, IPAddress address, CancellationToken ct)
    {
        using var client = new GrpcEchoClient(new IPEndPoint(address, c.Target.Port), c.Authority);
        var start = clock.Now;
        var attempts = 0;
        try
        {
            return await ConsistencyLoop.AwaitConvergenceAsync(async token =>
            {
                attempts++;
                var left = timeouts.MaxTimeToConsistency - (clock.Now - start);
                var result = await client.CallAsync(c.Method, c.Metadata, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), token).ConfigureAwait(false);
                var mismatch = GrpcCaseJudge.Compare(c, result);
                // Upstream's ExpectEventuallyConsistentFailure calls t.Fatalf on an OK answer: no later attempt can pass.
                if (c.ExpectFailure && mismatch is not null) throw new FatalCaseException(mismatch);
                return mismatch;
            }, timeouts.RequiredConsecutiveSuccesses, timeouts.MaxTimeToConsistency, timeouts.DelayAfterFailure, clock, ct).ConfigureAwait(false);
        }
        catch (FatalCaseException e)
        {
            return JudgeResult.Fail(e.Message, attempts);
        }
    }

    private sealed class FatalCaseException(string message) : Exception(message);

    /// <summary>
    /// GRPCRouteWeight: an eventually consistent OK for <paramref name="baseCase"/>, then the weighted distribution,
    /// each sample a fresh client with upstream's entropy (a random delay, a random x-jitter metadata value, or both).
    /// </summary>
    public async Task<JudgeResult> WeightedAsync(GrpcCase baseCase, IReadOnlyDictionary<string, double> expectedWeights, IPAddress address, TimeSpan maxEntropyDelay, Random random, CancellationToken ct,
        int totalRequests = WeightedDistribution.TotalRequests, int concurrency = WeightedDistribution.Concurrency, int attempts = WeightedDistribution.MaxTestRetries)
    {
        var ready = await RunAsync(baseCase, address, ct).ConfigureAwait(false);
        if (!ready.Passed) return JudgeResult.Fail($"before the distribution check: {ready.Detail}", ready.Attempts);

        async Task<string> Sample(CancellationToken token)
        {
            Entropy entropy;
            lock (random) entropy = Entropy.Next(random, maxEntropyDelay);
            if (entropy.Delay > TimeSpan.Zero) await clock.DelayAsync(entropy.Delay, token).ConfigureAwait(false);
            var metadata = new Dictionary<string, string>(baseCase.Metadata, StringComparer.Ordinal);
            if (entropy.Jitter is { } jitter) metadata["x-jitter"] = jitter;
            using var client = new GrpcEchoClient(new IPEndPoint(address, baseCase.Target.Port), baseCase.Authority);
            var result = await client.CallAsync(baseCase.Method, metadata, timeouts.MaxTimeToConsistency, token).ConfigureAwait(false);
            if (result.Code != StatusCode.OK) throw new SampleException($"expected OK response, got {result.Code}{(result.Detail.Length > 0 ? $": {result.Detail}" : "")}");
            return result.Response?.Assertions?.Context?.Pod ?? "";
        }

        return await WeightedDistribution.RunAsync(Sample, expectedWeights, ct, totalRequests, concurrency, attempts).ConfigureAwait(false);
    }
}
