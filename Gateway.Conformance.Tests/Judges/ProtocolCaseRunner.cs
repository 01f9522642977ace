using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// Runs the non-HTTP data-plane checks: the TCP/TLS stream cases of cases.json and the gRPC, TCP and UDP "special"
/// cases (weights, UDP echo, DNS, oldest route wins), each the way the upstream helper named in its remarks does.
/// The pure parts live in <see cref="TcpEchoJudge"/>, <see cref="UdpEchoJudge"/>, <see cref="GrpcCaseJudge"/> and
/// <see cref="WeightedDistribution"/>; this class dials and waits, every wait bounded.
/// </summary>
public sealed class ProtocolCaseRunner(ConformanceTimeouts timeouts, IConformanceClock clock, Func<string, X509Certificate2> certificate)
{
    /// <summary>Upper bound of the random entropy delay before each gRPC weighted sample (upstream: 1 s).</summary>
    public TimeSpan MaxEntropyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Randomness of the entropy (fixed in tests).</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>Samples per weighted run (upstream: 500; harness tests use fewer).</summary>
    public int WeightedSamples { get; init; } = WeightedDistribution.TotalRequests;

    /// <summary>Weighted runs before giving up (upstream MaxTestRetries: 10).</summary>
    public int WeightedRuns { get; init; } = WeightedDistribution.MaxTestRetries;

    /// <summary>
    /// A stream case: <c>tcp-echo</c> / <c>tls-client-to-gateway</c> as WaitForValidTCPResponse (a fresh connection per
    /// try, one valid exchange passes, tried every second within MaxTimeToConsistency); <c>tls-connection-must-be-rejected</c>
    /// until a handshake with the case's SNI ends in a reset or EOF, within MaxTimeToConsistency.
    /// </summary>
    public async Task<JudgeResult> RunStreamAsync(StreamCase c, IPAddress address, CancellationToken ct)
    {
        var gateway = new IPEndPoint(address, c.Target.Port);
        var once = TimeSpan.FromSeconds(1);
        if (c.Kind == StreamCase.TlsMustBeRejected)
        {
            return await ConsistencyLoop.AwaitConvergenceAsync(token => TcpEchoClient.HandshakeMustBeRejectedAsync(gateway, c.Sni ?? "", timeouts.RequestTimeout, token),
                1, timeouts.MaxTimeToConsistency, once, clock, ct).ConfigureAwait(false);
        }
        var expect = c.Expect ?? throw new InvalidOperationException($"stream case {c.Name} has no expectation");
        var ca = c.TrustedCa is { } name ? certificate(name) : null;
        return await ConsistencyLoop.AwaitConvergenceAsync(async token =>
        {
            try
            {
                var transcript = await TcpEchoClient.ExchangeAsync(gateway, c.Sni, ca, c.UseTls, timeouts.RequestTimeout, token).ConfigureAwait(false);
                return TcpEchoJudge.Validate(transcript, expect);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException
                                          || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                return $"an error occurred during assertion, will retry: {e.Message}";
            }
        }, 1, timeouts.MaxTimeToConsistency, once, clock, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a gRPC/TCP/UDP special case. <paramref name="portOf"/> gives a listener's port (null: the Gateway's first
    /// listener), as WaitForGatewayAddress pairs the address with the named listener's port.
    /// </summary>
    public async Task<IReadOnlyList<SubtestResult>> RunSpecialAsync(SpecialCase special, IReadOnlyList<GrpcCase> grpcCases, Func<string?, int?> portOf, IPAddress address, CancellationToken ct)
    {
        switch (special)
        {
            case GrpcWeightedCase g:
                var baseCase = grpcCases.First(c => c.Method == g.Method);
                var grpc = new GrpcCaseRunner(timeouts, clock);
                return [new("Requests should have a distribution that matches the weight",
                    await grpc.WeightedAsync(baseCase, g.ExpectedWeights, address, MaxEntropyDelay, Random, ct, WeightedSamples, WeightedDistribution.Concurrency, WeightedRuns).ConfigureAwait(false))];
            case TcpWeightedCase t:
                return [new("TCP traffic should be distributed across the weighted backends and skip the zero-weighted backend", await TcpWeightedAsync(t, Endpoint(address, portOf, t.Target), ct).ConfigureAwait(false))];
            case UdpWeightedCase u:
                return [new("UDP traffic should be distributed across the weighted backends and skip the zero-weighted backend", await UdpWeightedAsync(u, Endpoint(address, portOf, u.Target), ct).ConfigureAwait(false))];
            case UdpEchoCase e:
                var results = new List<SubtestResult>();
                foreach (var probe in e.Probes)
                {
                    results.Add(new(probe.Name, await UdpEchoAsync(Endpoint(address, portOf, e.Target, probe.Listener), probe, ct).ConfigureAwait(false)));
                }
                return results;
            case UdpDnsCase d:
                return [new("Simple UDP request matching UDPRoute should reach coredns backend", await DnsAsync(d, Endpoint(address, portOf, d.Target), ct).ConfigureAwait(false))];
            case TcpOldestRouteWinsCase o:
                return [new("Only the oldest TCPRoute should receive traffic", await OldestRouteWinsAsync(o, new IPEndPoint(address, o.Target.Port), ct).ConfigureAwait(false))];
            default:
                throw new NotSupportedException($"no judge for special case {special.GetType().Name}");
        }
    }

    private static IPEndPoint Endpoint(IPAddress address, Func<string?, int?> portOf, HttpCaseTarget target, string? listener = null)
    {
        if (target.Port > 0 && listener is null) return new IPEndPoint(address, target.Port);
        var name = listener ?? target.Listeners.FirstOrDefault();
        var port = portOf(name) ?? throw new InvalidOperationException($"Gateway {target.GatewayNamespace}/{target.GatewayName} has no listener {name ?? "(first)"} with a port");
        return new IPEndPoint(address, port);
    }

    /// <summary>
    /// TCPRouteWeightedRouting: ExpectAddressBeAvailable (a TCP connection can be opened, polled every
    /// DefaultPollInterval within MaxTimeToConsistency), then weight.TestWeightedDistribution over EchoSendOnce samples
    /// (RequestTimeout each), retried up to MaxTestRetries times.
    /// </summary>
    private async Task<JudgeResult> TcpWeightedAsync(TcpWeightedCase t, IPEndPoint gateway, CancellationToken ct)
    {
        var available = await ConsistencyLoop.AwaitConvergenceAsync(async token =>
        {
            try
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
                bound.CancelAfter(timeouts.RequestTimeout);
                using var client = new System.Net.Sockets.TcpClient(gateway.AddressFamily);
                await client.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                return $"failed to establish TCP connection to {gateway}: {e.Message}";
            }
        }, 1, timeouts.MaxTimeToConsistency, timeouts.DefaultPollInterval, clock, ct).ConfigureAwait(false);
        if (!available.Passed) return JudgeResult.Fail($"failed waiting for TCP connection to {gateway}: {available.Detail}", available.Attempts);
        return await WeightedDistribution.RunAsync(token => TcpEchoClient.EchoSendOnceAsync(gateway, timeouts.RequestTimeout, token), t.ExpectedWeights, ct,
            WeightedSamples, WeightedDistribution.Concurrency, WeightedRuns).ConfigureAwait(false);
    }

    /// <summary>UDPRouteWeightedRouting: weight.TestWeightedDistribution over one-datagram samples, each from a new socket.</summary>
    private Task<JudgeResult> UdpWeightedAsync(UdpWeightedCase u, IPEndPoint gateway, CancellationToken ct) =>
        WeightedDistribution.RunAsync(token => UdpProbe.SampleAsync(gateway, timeouts.RequestTimeout, token), u.ExpectedWeights, ct, WeightedSamples, WeightedDistribution.Concurrency, WeightedRuns);

    /// <summary>ExpectEchoResponseFromBackend: a probe every DefaultPollInterval (RequestTimeout each) until one passes, within MaxTimeToConsistency.</summary>
    private Task<JudgeResult> UdpEchoAsync(IPEndPoint gateway, UdpEchoProbeSpec probe, CancellationToken ct) =>
        ConsistencyLoop.AwaitConvergenceAsync(async token =>
        {
            try
            {
                return UdpEchoJudge.Compare(await UdpProbe.ExchangeAsync(gateway, UdpEchoJudge.Probe, timeouts.RequestTimeout, token).ConfigureAwait(false), probe.Service, probe.Namespace);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                return $"UDP echo probe to {gateway} failed: {e.Message}";
            }
        }, 1, timeouts.MaxTimeToConsistency, timeouts.DefaultPollInterval, clock, ct);

    /// <summary>UDPRoute: a DNS query every second (each with the client's 2 s timeout) until any reply, within DefaultTestTimeout.</summary>
    private Task<JudgeResult> DnsAsync(UdpDnsCase d, IPEndPoint gateway, CancellationToken ct) =>
        ConsistencyLoop.AwaitConvergenceAsync(token => UdpProbe.DnsQueryAsync(gateway, d.QueryName, TimeSpan.FromSeconds(2), token),
            1, timeouts.DefaultTestTimeout, TimeSpan.FromSeconds(1), clock, ct);

    /// <summary>The oldest-route subtest: every one of the sequential samples must come from the older route's backend.</summary>
    private static async Task<JudgeResult> OldestRouteWinsAsync(TcpOldestRouteWinsCase o, IPEndPoint gateway, CancellationToken ct)
    {
        for (var i = 1; i <= o.Samples; i++)
        {
            string pod;
            try
            {
                pod = await TcpEchoClient.EchoSendOnceAsync(gateway, o.PerRequestTimeout, ct).ConfigureAwait(false);
            }
            catch (SampleException e)
            {
                return JudgeResult.Fail($"TCP echo request {i}/{o.Samples} failed: {e.Message}", i);
            }
            if (pod.StartsWith(o.NewerPrefix, StringComparison.Ordinal))
            {
                return JudgeResult.Fail($"request {i}/{o.Samples} reached newer route backend \"{pod}\"; only the oldest route should be attached", i);
            }
            if (!pod.StartsWith(o.OlderPrefix, StringComparison.Ordinal))
            {
                return JudgeResult.Fail($"request {i}/{o.Samples} reached unexpected backend \"{pod}\"; expected pod from \"{o.OlderPrefix}\"", i);
            }
        }
        return JudgeResult.Pass($"{o.Samples} sequential connections all reached {o.OlderPrefix}*", o.Samples);
    }
}
