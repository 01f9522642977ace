using Gateway.Actors.RouteTable;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// HTTPRouteRetry prepared for the hot path. Attempts is the number of retries after the first try ("the maximum
/// number of times an individual request from the gateway to a backend should be retried"). Connection failures are
/// retried too ("Implementations SHOULD retry on connection errors"). Only requests without a body are retried,
/// because a streamed body cannot be replayed.
/// </summary>
internal sealed class RetryPlan
{
    private readonly bool[] _codes = new bool[600];

    private RetryPlan(RouteRetry retry)
    {
        foreach (var code in retry.Codes.IsDefault ? [] : retry.Codes)
        {
            if (code is >= 0 and < 600) _codes[code] = true;
        }
        Attempts = Math.Max(0, retry.Attempts);
        Backoff = retry.Backoff is { } b && b > TimeSpan.Zero ? b : TimeSpan.Zero;
    }

    public int Attempts { get; }

    public TimeSpan Backoff { get; }

    public static RetryPlan? Create(RouteRetry? retry) => retry is null || retry.Attempts <= 0 ? null : new RetryPlan(retry);

    public bool RetriesStatus(int status) => status is >= 0 and < 600 && _codes[status];
}
