using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>What the request pipeline does after one forwarding attempt whose response has not started.</summary>
internal enum AttemptVerdict
{
    /// <summary>The attempt's answer (the backend's response, or the forwarder's error status) goes to the client.</summary>
    Answer,

    /// <summary>Another attempt is made.</summary>
    Retry,

    /// <summary>504: a timeout ended the attempt, or the request's deadline passed before a retry could start.</summary>
    TimedOut,

    /// <summary>503: the retries ran out on connection errors.</summary>
    Unavailable,
}

internal static class AttemptVerdicts
{
    /// <summary>
    /// The decision after an attempt. <paramref name="last"/>: no retries left. A retryable outcome when the request's
    /// deadline has already passed is a timeout (504), not the attempt's answer: the deadline fires in a timer that can
    /// land between the backend's answer and this decision, and a gateway that waited for the next attempt would have
    /// answered 504 (HTTPRouteTimeouts.Request: "the gateway MUST return a timeout error").
    /// </summary>
    public static AttemptVerdict Judge(RetryPlan? retry, bool last, ForwarderError error, int status, bool requestTimedOut, bool backendTimedOut)
    {
        var timedOut = error != ForwarderError.None && (requestTimedOut || backendTimedOut);
        var wantsRetry = !last && retry is not null
            && (error == ForwarderError.None ? retry.RetriesStatus(status) : IsConnectionError(error) || timedOut);
        if (wantsRetry) return requestTimedOut ? AttemptVerdict.TimedOut : AttemptVerdict.Retry;
        if (timedOut) return AttemptVerdict.TimedOut;
        // HTTPRouteRetry.Attempts: retries used up on connection errors "MUST return an error"; 503 says the backend is
        // unavailable (the forwarder alone would answer 502).
        if (retry is not null && IsConnectionError(error)) return AttemptVerdict.Unavailable;
        return AttemptVerdict.Answer;
    }

    public static bool IsConnectionError(ForwarderError error) => error is ForwarderError.Request or ForwarderError.RequestTimedOut;
}
