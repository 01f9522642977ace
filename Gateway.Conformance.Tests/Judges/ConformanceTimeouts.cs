using System.Globalization;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// The suite's timing knobs, named and defaulted exactly as conformance/utils/config TimeoutConfig
/// (DefaultTimeoutConfig) at v1.6.1, so every status wait lasts as long as the upstream helper it mirrors. CI may
/// shrink them (<see cref="WithOverrides"/>); a shorter window only makes passing harder, never easier.
/// </summary>
public sealed record ConformanceTimeouts
{
    /// <summary>RequiredConsecutiveSuccesses.</summary>
    public int RequiredConsecutiveSuccesses { get; init; } = 3;

    /// <summary>MaxTimeToConsistency (at most 30 s for a conformant implementation).</summary>
    public TimeSpan MaxTimeToConsistency { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause after a failed attempt in AwaitConvergence (successes are not delayed).</summary>
    public TimeSpan DelayAfterFailure { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>RequestTimeout: one HTTP round trip.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive non-200 answers MakeRequestAndExpectFailure needs.</summary>
    public int RequiredConsecutiveNon200 { get; init; } = 5;

    /// <summary>GatewayMustHaveAddress: WaitForGatewayAddress.</summary>
    public TimeSpan GatewayMustHaveAddress { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>GatewayMustHaveCondition.</summary>
    public TimeSpan GatewayMustHaveCondition { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>GatewayStatusMustHaveListeners (also GatewayMustHaveZeroRoutes and GatewayMustHaveAttachedListeners).</summary>
    public TimeSpan GatewayStatusMustHaveListeners { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>GatewayListenersMustHaveConditions.</summary>
    public TimeSpan GatewayListenersMustHaveConditions { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>ListenerSetMustHaveCondition.</summary>
    public TimeSpan ListenerSetMustHaveCondition { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>ListenerSetListenersMustHaveConditions (also ListenerSetStatusMustHaveListeners).</summary>
    public TimeSpan ListenerSetListenersMustHaveConditions { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>GWCMustBeAccepted.</summary>
    public TimeSpan GwcMustBeAccepted { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>HTTPRouteMustNotHaveParents.</summary>
    public TimeSpan HttpRouteMustNotHaveParents { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>HTTPRouteMustHaveCondition (also BackendTLSPolicyMustHaveCondition).</summary>
    public TimeSpan HttpRouteMustHaveCondition { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>RouteMustHaveParents.</summary>
    public TimeSpan RouteMustHaveParents { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>NamespacesMustBeReady.</summary>
    public TimeSpan NamespacesMustBeReady { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>LatestObservedGenerationSet (the *MustHaveLatestConditions helpers).</summary>
    public TimeSpan LatestObservedGenerationSet { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>DefaultPollInterval between status polls.</summary>
    public TimeSpan DefaultPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>DefaultTestTimeout: the bound of waits a test sets itself (the UDPRoute DNS poll).</summary>
    public TimeSpan DefaultTestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long mirrored requests may take to show up in the mirror pods' logs (ExpectMirroredRequest).</summary>
    public TimeSpan MirrorLogTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Applies overrides in upstream's ParseTimeoutOverrides format ("Name:seconds;Name:seconds", field names as in
    /// TimeoutConfig; RequiredConsecutiveSuccesses takes a count). Unknown names and malformed pairs are reported,
    /// not ignored, so a typo in CI does not silently keep the long default.
    /// </summary>
    public ConformanceTimeouts WithOverrides(string? overrides)
    {
        if (string.IsNullOrWhiteSpace(overrides)) return this;
        var result = this;
        foreach (var pair in overrides.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(':', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new ArgumentException($"timeout override '{pair}' is not Name:seconds");
            }
            var d = TimeSpan.FromSeconds(value);
            result = parts[0] switch
            {
                "RequiredConsecutiveSuccesses" => result with { RequiredConsecutiveSuccesses = value },
                "MaxTimeToConsistency" => result with { MaxTimeToConsistency = d },
                "RequestTimeout" => result with { RequestTimeout = d },
                "GatewayMustHaveAddress" => result with { GatewayMustHaveAddress = d },
                "GatewayMustHaveCondition" => result with { GatewayMustHaveCondition = d },
                "GatewayStatusMustHaveListeners" => result with { GatewayStatusMustHaveListeners = d },
                "GatewayListenersMustHaveConditions" => result with { GatewayListenersMustHaveConditions = d },
                "ListenerSetMustHaveCondition" => result with { ListenerSetMustHaveCondition = d },
                "ListenerSetListenersMustHaveConditions" => result with { ListenerSetListenersMustHaveConditions = d },
                "GWCMustBeAccepted" => result with { GwcMustBeAccepted = d },
                "HTTPRouteMustNotHaveParents" => result with { HttpRouteMustNotHaveParents = d },
                "HTTPRouteMustHaveCondition" => result with { HttpRouteMustHaveCondition = d },
                "RouteMustHaveParents" => result with { RouteMustHaveParents = d },
                "NamespacesMustBeReady" => result with { NamespacesMustBeReady = d },
                "LatestObservedGenerationSet" => result with { LatestObservedGenerationSet = d },
                "DefaultPollInterval" => result with { DefaultPollInterval = d },
                "DefaultTestTimeout" => result with { DefaultTestTimeout = d },
                _ => throw new ArgumentException($"unknown timeout '{parts[0]}' (names as in upstream TimeoutConfig)"),
            };
        }
        return result;
    }

    /// <summary>Caps every status-condition wait at <paramref name="cap"/> (request timing is left alone).</summary>
    public ConformanceTimeouts WithStatusCap(TimeSpan cap)
    {
        TimeSpan Min(TimeSpan t) => t < cap ? t : cap;
        return this with
        {
            GatewayMustHaveAddress = Min(GatewayMustHaveAddress),
            GatewayMustHaveCondition = Min(GatewayMustHaveCondition),
            GatewayStatusMustHaveListeners = Min(GatewayStatusMustHaveListeners),
            GatewayListenersMustHaveConditions = Min(GatewayListenersMustHaveConditions),
            ListenerSetMustHaveCondition = Min(ListenerSetMustHaveCondition),
            ListenerSetListenersMustHaveConditions = Min(ListenerSetListenersMustHaveConditions),
            GwcMustBeAccepted = Min(GwcMustBeAccepted),
            HttpRouteMustNotHaveParents = Min(HttpRouteMustNotHaveParents),
            HttpRouteMustHaveCondition = Min(HttpRouteMustHaveCondition),
            RouteMustHaveParents = Min(RouteMustHaveParents),
            NamespacesMustBeReady = Min(NamespacesMustBeReady),
            LatestObservedGenerationSet = Min(LatestObservedGenerationSet),
        };
    }
}
