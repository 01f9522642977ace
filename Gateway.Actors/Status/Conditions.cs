using k8s.Models;

namespace Gateway.Actors.Status;

// The condition catalog (NGINX Gateway Fabric style): every condition the translator writes comes from one of these
// named constructors, so a type/status/reason combination is spelled exactly once and matches the spec constants in
// apis/v1 (gatewayclass_types.go, gateway_types.go, shared_types.go, listenerset_types.go, policy_types.go) at v1.6.1.
// Conditions are timeless: lastTransitionTime is added by the status sink when it writes (it keeps the old time when
// type/status/reason are unchanged). observedGeneration is set from the object's metadata.generation here, because the
// conformance suite only accepts conditions whose observedGeneration equals the current generation.

/// <summary>Condition types and reasons as spelled by the Gateway API (and our own extension type).</summary>
public static class ConditionNames
{
    public const string Accepted = "Accepted";
    public const string Programmed = "Programmed";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Conflicted = "Conflicted";
    public const string SupportedVersion = "SupportedVersion";
    public const string PartiallyInvalid = "PartiallyInvalid";
    public const string OverlappingTlsConfig = "OverlappingTLSConfig";
    public const string InsecureFrontendValidationMode = "InsecureFrontendValidationMode";

    /// <summary>
    /// Our own route condition (domain-prefixed, as the spec requires for implementation-specific types): a match of
    /// this route can never be selected because an identical match of a higher-precedence route wins on the same
    /// listener. Set only when True.
    /// </summary>
    public const string Shadowed = "akka-gateway.dev/Shadowed";
}

/// <summary>
/// The message of every internal-error condition: an unexpected exception (a bug in this controller, not a problem in
/// the object) stopped the translation of the object, so it is not served until the next translation succeeds. The
/// controller log has the stack.
/// </summary>
public static class InternalError
{
    public static string Message(string step, Exception e) =>
        $"Internal error in the controller while translating this object (step {step}): {e.GetType().Name}: {e.Message}. " +
        "This is a bug in the controller, not a problem in the object; it is not served until a later translation succeeds. The controller log has the stack trace.";
}

/// <summary>A condition without time; <see cref="ToV1"/> stamps observedGeneration.</summary>
public sealed record ConditionSpec(string Type, bool Status, string Reason, string Message)
{
    /// <summary>The Kubernetes condition with <paramref name="generation"/> as observedGeneration.</summary>
    public V1Condition ToV1(long generation) => new()
    {
        Type = Type,
        Status = Status ? "True" : "False",
        Reason = Reason,
        Message = Message,
        ObservedGeneration = generation,
    };
}

/// <summary>GatewayClass conditions (gatewayclass_types.go).</summary>
public static class GatewayClassConditions
{
    public static ConditionSpec Accepted() =>
        new(ConditionNames.Accepted, true, "Accepted", "The GatewayClass is accepted by this controller.");

    public static ConditionSpec InvalidParameters(string detail) =>
        new(ConditionNames.Accepted, false, "InvalidParameters", detail);

    /// <summary>
    /// Accepted=False/Pending after an internal error. Of the GatewayClass reasons, Pending ("the requested controller
    /// has not yet made a decision about whether to admit the GatewayClass") is the true one; InvalidParameters would
    /// blame the parametersRef and Unsupported would say user-defined classes are not supported.
    /// </summary>
    public static ConditionSpec InternalError(string message) =>
        new(ConditionNames.Accepted, false, "Pending", message);

    public static ConditionSpec SupportedVersion() =>
        new(ConditionNames.SupportedVersion, true, "SupportedVersion", "Gateway API v1.6.1 is supported.");
}

/// <summary>Gateway conditions (gateway_types.go GatewayConditionType / GatewayConditionReason).</summary>
public static class GatewayConditions
{
    public static ConditionSpec Accepted() => new(ConditionNames.Accepted, true, "Accepted", "The Gateway is accepted.");

    /// <summary>Some listeners are invalid; the Gateway is still accepted with the valid ones.</summary>
    public static ConditionSpec AcceptedListenersNotValid(string detail) =>
        new(ConditionNames.Accepted, true, "ListenersNotValid", detail);

    /// <summary>No listener is valid: the Gateway is rejected as a whole.</summary>
    public static ConditionSpec NoValidListeners(string detail) =>
        new(ConditionNames.Accepted, false, "ListenersNotValid", detail);

    public static ConditionSpec InvalidParameters(string detail) =>
        new(ConditionNames.Accepted, false, "InvalidParameters", detail);

    public static ConditionSpec UnsupportedAddress(string detail) =>
        new(ConditionNames.Accepted, false, "UnsupportedAddress", detail);

    public static ConditionSpec Invalid(string detail) => new(ConditionNames.Accepted, false, "Invalid", detail);

    /// <summary>
    /// Accepted=False/Invalid after an internal error. The Gateway's Pending reason is defined only for status Unknown
    /// ("no controller has reconciled the Gateway") and every other False reason names a specific field, so Invalid is
    /// the least misleading; the message says the fault is the controller's, not the Gateway's.
    /// </summary>
    public static ConditionSpec InternalError(string message) => new(ConditionNames.Accepted, false, "Invalid", message);

    public static ConditionSpec Programmed() =>
        new(ConditionNames.Programmed, true, "Programmed", "The Gateway is programmed on its addresses.");

    public static ConditionSpec NotProgrammedInvalid(string detail) =>
        new(ConditionNames.Programmed, false, "Invalid", detail);

    public static ConditionSpec AddressNotUsable(string detail) =>
        new(ConditionNames.Programmed, false, "AddressNotUsable", detail);

    public static ConditionSpec AddressNotAssigned(string detail) =>
        new(ConditionNames.Programmed, false, "AddressNotAssigned", detail);

    /// <summary>GatewayReasonPending: the Gateway has an address but none of its listeners can be served yet.</summary>
    public static ConditionSpec NotProgrammedPending(string detail) =>
        new(ConditionNames.Programmed, false, "Pending", detail);

    public static ConditionSpec ResolvedRefs() =>
        new(ConditionNames.ResolvedRefs, true, "ResolvedRefs", "All references of spec.tls are resolved.");

    public static ConditionSpec InvalidClientCertificateRef(string detail) =>
        new(ConditionNames.ResolvedRefs, false, "InvalidClientCertificateRef", detail);

    public static ConditionSpec RefNotPermitted(string detail) =>
        new(ConditionNames.ResolvedRefs, false, "RefNotPermitted", detail);

    public static ConditionSpec InsecureFrontendValidationMode(string detail) =>
        new(ConditionNames.InsecureFrontendValidationMode, true, "ConfigurationChanged", detail);
}

/// <summary>Listener conditions (gateway_types.go ListenerConditionType / ListenerConditionReason).</summary>
public static class ListenerConditions
{
    public static ConditionSpec Accepted() => new(ConditionNames.Accepted, true, "Accepted", "The listener is accepted.");

    public static ConditionSpec UnsupportedProtocol(string protocol) =>
        new(ConditionNames.Accepted, false, "UnsupportedProtocol", $"Protocol \"{protocol}\" is not supported; supported: HTTP, HTTPS, TLS, TCP, UDP.");

    public static ConditionSpec UnsupportedValue(string detail) => new(ConditionNames.Accepted, false, "UnsupportedValue", detail);

    public static ConditionSpec PortUnavailable(string detail) => new(ConditionNames.Accepted, false, "PortUnavailable", detail);

    public static ConditionSpec NoValidCaCertificate(string detail) => new(ConditionNames.Accepted, false, "NoValidCACertificate", detail);

    /// <summary>A conflicted listener is not accepted; the reason names the conflict (ListenerSet conformance tests).</summary>
    public static ConditionSpec NotAcceptedConflict(string reason, string detail) => new(ConditionNames.Accepted, false, reason, detail);

    public static ConditionSpec Conflicted(string reason, string detail) => new(ConditionNames.Conflicted, true, reason, detail);

    public static ConditionSpec NoConflicts() => new(ConditionNames.Conflicted, false, "NoConflicts", "No conflicts.");

    public static ConditionSpec ResolvedRefs() => new(ConditionNames.ResolvedRefs, true, "ResolvedRefs", "All references are resolved.");

    public static ConditionSpec InvalidCertificateRef(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidCertificateRef", detail);

    public static ConditionSpec InvalidRouteKinds(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidRouteKinds", detail);

    public static ConditionSpec RefNotPermitted(string detail) => new(ConditionNames.ResolvedRefs, false, "RefNotPermitted", detail);

    public static ConditionSpec InvalidCaCertificateRef(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidCACertificateRef", detail);

    public static ConditionSpec InvalidCaCertificateKind(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidCACertificateKind", detail);

    public static ConditionSpec Programmed() => new(ConditionNames.Programmed, true, "Programmed", "The listener is programmed.");

    public static ConditionSpec NotProgrammed(string reason, string detail) => new(ConditionNames.Programmed, false, reason, detail);

    public static ConditionSpec OverlappingHostnames(string detail) => new(ConditionNames.OverlappingTlsConfig, true, "OverlappingHostnames", detail);
}

/// <summary>Route parent conditions (shared_types.go RouteConditionType / RouteConditionReason) plus Shadowed.</summary>
public static class RouteConditions
{
    // One instance each (a ConditionSpec is an immutable record): every accepted route parent holds Accepted.
    private static readonly ConditionSpec AcceptedSpec = new(ConditionNames.Accepted, true, "Accepted", "The route is accepted.");
    private static readonly ConditionSpec ResolvedRefsSpec = new(ConditionNames.ResolvedRefs, true, "ResolvedRefs", "All references are resolved.");

    public static ConditionSpec Accepted() => AcceptedSpec;

    public static ConditionSpec NotAllowedByListeners(string detail) => new(ConditionNames.Accepted, false, "NotAllowedByListeners", detail);

    public static ConditionSpec NoMatchingListenerHostname(string detail) => new(ConditionNames.Accepted, false, "NoMatchingListenerHostname", detail);

    public static ConditionSpec NoMatchingParent(string detail) => new(ConditionNames.Accepted, false, "NoMatchingParent", detail);

    public static ConditionSpec UnsupportedValue(string detail) => new(ConditionNames.Accepted, false, "UnsupportedValue", detail);

    /// <summary>Accepted=False/Conflicted: GEP-1294 "Route types" names this reason (RouteReasonConflicted) for a mesh route that loses to a route of another type.</summary>
    public static ConditionSpec Conflicted(string detail) => new(ConditionNames.Accepted, false, "Conflicted", detail);

    /// <summary>
    /// Accepted=False/Pending after an internal error. RouteReasonPending ("a controller has not yet reconciled the
    /// route") is what happened: this translation of the route did not complete. UnsupportedValue ("a value for an Enum
    /// is not recognized") would send the author looking for a typo that is not there.
    /// </summary>
    public static ConditionSpec InternalError(string message) => new(ConditionNames.Accepted, false, "Pending", message);

    public static ConditionSpec ResolvedRefs() => ResolvedRefsSpec;

    public static ConditionSpec BackendNotFound(string detail) => new(ConditionNames.ResolvedRefs, false, "BackendNotFound", detail);

    public static ConditionSpec InvalidKind(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidKind", detail);

    public static ConditionSpec RefNotPermitted(string detail) => new(ConditionNames.ResolvedRefs, false, "RefNotPermitted", detail);

    public static ConditionSpec UnsupportedProtocol(string detail) => new(ConditionNames.ResolvedRefs, false, "UnsupportedProtocol", detail);

    /// <summary>
    /// Some rules were dropped (shared_types.go RouteConditionPartiallyInvalid, approach 1 "Drop Rule(s)": the message
    /// starts with "Dropped Rule" and Accepted stays True). Negative polarity: only ever written as True.
    /// </summary>
    public static ConditionSpec PartiallyInvalid(string detail) => new(ConditionNames.PartiallyInvalid, true, "UnsupportedValue", detail);

    public static ConditionSpec Shadowed(string detail) => new(ConditionNames.Shadowed, true, "ShadowedByRoute", detail);
}

/// <summary>ListenerSet conditions (listenerset_types.go).</summary>
public static class ListenerSetConditions
{
    public static ConditionSpec Accepted() => new(ConditionNames.Accepted, true, "Accepted", "The ListenerSet is accepted.");

    public static ConditionSpec NotAllowed(string detail) => new(ConditionNames.Accepted, false, "NotAllowed", detail);

    public static ConditionSpec ListenersNotValid(string detail) => new(ConditionNames.Accepted, false, "ListenersNotValid", detail);

    public static ConditionSpec ParentNotAccepted(string detail) => new(ConditionNames.Accepted, false, "ParentNotAccepted", detail);

    /// <summary>
    /// Accepted=False/Invalid after an internal error (ListenerSetReasonInvalid; Pending is defined only for status
    /// Unknown); the message says the fault is the controller's, not the ListenerSet's.
    /// </summary>
    public static ConditionSpec InternalError(string message) => new(ConditionNames.Accepted, false, "Invalid", message);

    public static ConditionSpec Programmed() => new(ConditionNames.Programmed, true, "Programmed", "The ListenerSet is programmed.");

    public static ConditionSpec NotProgrammed(string reason, string detail) => new(ConditionNames.Programmed, false, reason, detail);
}

/// <summary>BackendTLSPolicy ancestor conditions (backendtlspolicy_types.go, policy_types.go).</summary>
public static class PolicyConditions
{
    public static ConditionSpec Accepted() => new(ConditionNames.Accepted, true, "Accepted", "The policy is accepted.");

    public static ConditionSpec Conflicted(string detail) => new(ConditionNames.Accepted, false, "Conflicted", detail);

    public static ConditionSpec Invalid(string detail) => new(ConditionNames.Accepted, false, "Invalid", detail);

    /// <summary>
    /// Accepted=False/Invalid after an internal error: PolicyReasonInvalid is the only policy reason that does not name
    /// a specific cause (target, conflict, CA); the message says the fault is the controller's, not the policy's.
    /// </summary>
    public static ConditionSpec InternalError(string message) => new(ConditionNames.Accepted, false, "Invalid", message);

    public static ConditionSpec TargetNotFound(string detail) => new(ConditionNames.Accepted, false, "TargetNotFound", detail);

    public static ConditionSpec NoValidCaCertificate(string detail) => new(ConditionNames.Accepted, false, "NoValidCACertificate", detail);

    public static ConditionSpec ResolvedRefs() => new(ConditionNames.ResolvedRefs, true, "ResolvedRefs", "All references are resolved.");

    public static ConditionSpec InvalidCaCertificateRef(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidCACertificateRef", detail);

    public static ConditionSpec InvalidKind(string detail) => new(ConditionNames.ResolvedRefs, false, "InvalidKind", detail);
}
