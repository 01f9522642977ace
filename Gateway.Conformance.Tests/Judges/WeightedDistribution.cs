using System.Globalization;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>A sample that could not be taken (transport error or a response that failed the case's comparison).</summary>
public sealed class SampleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Upstream's weight.TestWeightedDistribution (conformance/utils/weight): 500 samples, 10 in flight; each sample's
/// backend is the answering pod's name without its last two "-" segments; a sample answered by a backend not in the
/// expectation, or a failed sample, fails the run; otherwise the number of backends seen must equal the number with
/// weight &gt; 0, a weight-0 backend must see nothing, and every observed fraction must be within ±0.05 (absolute) of
/// its weight. The test retries a failing run up to MaxTestRetries (10) times.
/// </summary>
public static class WeightedDistribution
{
    public const int TotalRequests = 500;
    public const int Concurrency = 10;
    public const double Tolerance = 0.05;
    public const int MaxTestRetries = 10;

    /// <summary>Pod names follow {backend}-{template hash}-{pod hash}; fewer than three parts is kept as is.</summary>
    public static string BackendName(string podName)
    {
        var parts = podName.Split('-');
        return parts.Length < 3 ? podName : string.Join('-', parts[..^2]);
    }

    /// <summary>The errors of one finished run (sorted, as upstream sorts them); empty when the distribution fits.</summary>
    public static IReadOnlyList<string> Evaluate(IReadOnlyDictionary<string, int> seen, int totalRequests, IReadOnlyDictionary<string, double> expectedWeights)
    {
        var errors = new List<string>();
        var active = expectedWeights.Count(w => w.Value > 0);
        if (seen.Count != active) errors.Add($"expected {active} backends to receive traffic, but got {seen.Count}");
        foreach (var (backend, weight) in expectedWeights)
        {
            if (!seen.TryGetValue(backend, out var count) && weight != 0)
            {
                errors.Add($"expect traffic to hit backend \"{backend}\" - but none was received");
                continue;
            }
            var fraction = (double)count / totalRequests;
            if (Math.Abs(fraction - weight) > Tolerance)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"backend \"{backend}\" weighted traffic of {fraction} not within tolerance {weight} (+/-{Tolerance:0.000000})"));
            }
        }
        errors.Sort(StringComparer.Ordinal);
        return errors;
    }

    /// <summary>
    /// One run: <paramref name="totalRequests"/> calls of <paramref name="sample"/> (each returns the answering pod),
    /// at most <paramref name="concurrency"/> at once. All samples run to completion, like an errgroup without a
    /// context; the first failure, if any, fails the run. Returns null when the distribution fits, else the reason.
    /// </summary>
    public static async Task<string?> RunOnceAsync(Func<CancellationToken, Task<string>> sample, IReadOnlyDictionary<string, double> expectedWeights,
        int totalRequests, int concurrency, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(concurrency, concurrency);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? firstError = null;
        var tasks = Enumerable.Range(0, totalRequests).Select(async _ =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var pod = await sample(ct).ConfigureAwait(false);
                var backend = BackendName(pod);
                lock (seen)
                {
                    if (expectedWeights.ContainsKey(backend)) seen[backend] = seen.GetValueOrDefault(backend) + 1;
                    else firstError ??= $"request was handled by an unexpected pod \"{pod}\" (extracted backend: \"{backend}\")";
                }
            }
            catch (SampleException e)
            {
                lock (seen) firstError ??= e.Message;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        if (firstError is not null) return $"error while sending requests: {firstError}";
        var errors = Evaluate(seen, totalRequests, expectedWeights);
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }

    /// <summary>Up to <paramref name="attempts"/> runs; passes on the first run whose distribution fits.</summary>
    public static async Task<JudgeResult> RunAsync(Func<CancellationToken, Task<string>> sample, IReadOnlyDictionary<string, double> expectedWeights,
        CancellationToken ct, int totalRequests = TotalRequests, int concurrency = Concurrency, int attempts = MaxTestRetries)
    {
        var failures = new List<string>();
        for (var i = 1; i <= attempts; i++)
        {
            var failure = await RunOnceAsync(sample, expectedWeights, totalRequests, concurrency, ct).ConfigureAwait(false);
            if (failure is null) return JudgeResult.Pass($"distribution within ±{Tolerance} on run {i}/{attempts} ({totalRequests} samples)", i);
            failures.Add($"run {i}/{attempts}: {failure}");
        }
        return JudgeResult.Fail($"weighted distribution tests failed: {string.Join(" | ", failures.TakeLast(3))}", attempts);
    }
}

/// <summary>
/// Upstream's AddEntropy (conformance/utils/weight AddRandomEntropy via http.AddEntropy): each sample picks one of
/// three at random: a random delay below 1 s, a random X-Jitter header value below 10000, or both.
/// </summary>
public sealed record Entropy(TimeSpan Delay, string? Jitter)
{
    /// <summary>The header upstream sets.</summary>
    public const string Header = "X-Jitter";

    /// <summary>Draws the entropy of one sample; <paramref name="maxDelay"/> is upstream's 1 s delay limit.</summary>
    public static Entropy Next(Random random, TimeSpan maxDelay)
    {
        TimeSpan Delay() => TimeSpan.FromMilliseconds(random.Next((int)maxDelay.TotalMilliseconds));
        string Value() => random.Next(10_000).ToString(CultureInfo.InvariantCulture);
        return random.Next(3) switch
        {
            0 => new Entropy(Delay(), null),
            1 => new Entropy(TimeSpan.Zero, Value()),
            _ => new Entropy(Delay(), Value()),
        };
    }
}
