using System.Collections.Immutable;

namespace Gateway.Actors.RouteTable;

/// <summary>The protocol spoken to an external authorization service (HTTPExternalAuthFilter.protocol).</summary>
public enum ExternalAuthProtocol { Http, Grpc }

/// <summary>
/// HTTPRoute ExternalAuth filter (GEP-1494), validated: every request of the rule is first sent to
/// <see cref="Backend"/> and forwarded only when the service allows it. <see cref="Backend"/> is resolved like any
/// backendRef (ReferenceGrant, Service port, endpoints); when it is not <c>Valid</c> no request is allowed.
/// </summary>
/// <param name="Protocol">HTTP or GRPC (Envoy's ext_authz v3 Check).</param>
/// <param name="Backend">The auth service, resolved like any backendRef.</param>
/// <param name="PathPrefix">http.path, prepended to the request path sent to an HTTP service ("" = none).</param>
/// <param name="AllowedHeaders">http.allowedHeaders or grpc.allowedHeaders; empty means the protocol's default set.</param>
/// <param name="AllowedResponseHeaders">http.allowedResponseHeaders; empty means every header of the answer.</param>
/// <param name="MaxBodyBytes">forwardBody.maxSize; 0 sends no body.</param>
public sealed record ExternalAuth(
    ExternalAuthProtocol Protocol,
    WeightedBackend Backend,
    string PathPrefix,
    ImmutableArray<string> AllowedHeaders,
    ImmutableArray<string> AllowedResponseHeaders,
    int MaxBodyBytes);
