using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Xunit;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Tests.DataPlane;

/// <summary>The decision after one forwarding attempt (HTTPRouteRetry and HTTPRouteTimeouts), without sockets.</summary>
public sealed class AttemptVerdictTests
{
    private static readonly RetryPlan Codes500 = RetryPlan.Create(new RouteRetry([500], 5, null))!;

    [Fact]
    public void RetryableStatus_BeforeTheDeadline_Retried() =>
        Assert.Equal(AttemptVerdict.Retry, AttemptVerdicts.Judge(Codes500, last: false, ForwarderError.None, 500, requestTimedOut: false, backendTimedOut: false));

    [Fact]
    public void RetryableStatus_ArrivingAsTheRequestDeadlinePasses_TimesOutInsteadOfAnsweringIt() =>
        Assert.Equal(AttemptVerdict.TimedOut, AttemptVerdicts.Judge(Codes500, last: false, ForwarderError.None, 500, requestTimedOut: true, backendTimedOut: false));

    [Fact]
    public void RetryableStatus_OnTheLastAttempt_AnsweredEvenAfterTheDeadline() =>
        Assert.Equal(AttemptVerdict.Answer, AttemptVerdicts.Judge(Codes500, last: true, ForwarderError.None, 500, requestTimedOut: true, backendTimedOut: false));

    [Fact]
    public void StatusNotListed_Answered() =>
        Assert.Equal(AttemptVerdict.Answer, AttemptVerdicts.Judge(Codes500, last: false, ForwarderError.None, 502, requestTimedOut: false, backendTimedOut: false));

    [Fact]
    public void BackendTimeout_RetriedWhileAttemptsLast_TimedOutOnTheLast()
    {
        Assert.Equal(AttemptVerdict.Retry, AttemptVerdicts.Judge(Codes500, last: false, ForwarderError.RequestCanceled, 0, requestTimedOut: false, backendTimedOut: true));
        Assert.Equal(AttemptVerdict.TimedOut, AttemptVerdicts.Judge(Codes500, last: true, ForwarderError.RequestCanceled, 0, requestTimedOut: false, backendTimedOut: true));
    }

    [Fact]
    public void RequestTimeoutWithoutRetry_TimedOut() =>
        Assert.Equal(AttemptVerdict.TimedOut, AttemptVerdicts.Judge(null, last: true, ForwarderError.RequestCanceled, 0, requestTimedOut: true, backendTimedOut: false));

    [Fact]
    public void ConnectionErrors_RetriedThenUnavailableWhenAttemptsRunOut()
    {
        Assert.Equal(AttemptVerdict.Retry, AttemptVerdicts.Judge(Codes500, last: false, ForwarderError.Request, 502, requestTimedOut: false, backendTimedOut: false));
        Assert.Equal(AttemptVerdict.Unavailable, AttemptVerdicts.Judge(Codes500, last: true, ForwarderError.Request, 502, requestTimedOut: false, backendTimedOut: false));
    }

    [Fact]
    public void ConnectionErrorWithoutRetry_TheForwardersAnswerStands() =>
        Assert.Equal(AttemptVerdict.Answer, AttemptVerdicts.Judge(null, last: true, ForwarderError.Request, 502, requestTimedOut: false, backendTimedOut: false));
}
