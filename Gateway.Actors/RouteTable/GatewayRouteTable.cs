using System.Collections.Immutable;
using Gateway.Actors.Resources;

namespace Gateway.Actors.RouteTable;

// The intermediate representation (IR) the translator produces and every data plane consumes.
// Pure data: no sockets, no ASP.NET, no Akka. Lists are already in the order the data plane must use them
// (listeners by hostname specificity, HTTP entries by spec precedence), so the data plane never re-sorts.
// Records holding ImmutableArray or ChunkedList compare by reference; compare IR by its canonical serialization (RouteTableYaml).

/// <summary>The listener protocols we serve.</summary>
public enum ListenerProtocol { Http, Https, Tls, Tcp, Udp }

/// <summary>Everything one Gateway asks of a data plane: addresses, and per port the listeners and their routes.</summary>
public sealed record GatewayRouteTable(
    ResourceKey Gateway,
    ImmutableArray<string> Addresses,
    ImmutableArray<PortRouteTable> Ports);

/// <summary>All accepted listeners of one Gateway that share a port (they share one socket per address).</summary>
public sealed record PortRouteTable(
    int Port,
    ListenerProtocol Protocol,
    ImmutableArray<ListenerRouteTable> Listeners)
{
    /// <summary>
    /// The port to bind when it is not the listener port: in service-per-Gateway mode the Gateway's Service maps
    /// <see cref="Port"/> (what clients use, what redirects default to) to this container port. Null binds <see cref="Port"/>.
    /// </summary>
    public int? BindPort { get; init; }

    /// <summary>The port the data plane binds: <see cref="BindPort"/> when set, else <see cref="Port"/>.</summary>
    public int SocketPort => BindPort ?? Port;
}

/// <summary>
/// One accepted listener. <see cref="Hostname"/> null means "any host". Listeners of a port are ordered most
/// specific hostname first (exact, then longer wildcard, then none), the order in which a request picks one
/// (GatewaySpec.Listeners "Listeners that are distinct only by Hostname"; listener isolation).
/// </summary>
public sealed record ListenerRouteTable(
    string Name,
    string? Hostname,
    ListenerTls? Tls,
    ChunkedList<HttpRouteEntry> HttpRoutes,
    ImmutableArray<L4RouteEntry> L4Routes);

/// <summary>TLS settings of a terminating listener (HTTPS, or TLS with mode Terminate).</summary>
public sealed record ListenerTls(
    ImmutableArray<TlsCertificate> Certificates,
    bool Passthrough,
    ClientCertificateValidation? ClientValidation);

/// <summary>A certificate chain and key in PEM, as read from a kubernetes.io/tls Secret.</summary>
public sealed record TlsCertificate(string Source, string CertificatePem, string PrivateKeyPem);

/// <summary>Frontend client-certificate validation (GatewaySpec.tls.frontend).</summary>
public sealed record ClientCertificateValidation(ImmutableArray<string> CaCertificatesPem, bool AllowInsecureFallback);

/// <summary>Which kind of route produced an <see cref="HttpRouteEntry"/>.</summary>
public enum HttpRouteKind { Http, Grpc }

/// <summary>
/// One (rule, match) of an HTTPRoute or GRPCRoute, as attached to one listener. Entries of a listener are already
/// sorted by the spec's precedence (HTTPRouteRule docs: hostname specificity, Exact path, longest prefix, method,
/// header count, query count, route age, namespace/name, rule order).
/// </summary>
/// <remarks>
/// The fields few matches use (rule name, header, query and method matches, timeouts, retry, session persistence, rate
/// limits) live in one immutable object made only when an entry has any of them: a plain match (path and backends)
/// otherwise carried eight empty fields, and an entry is kept for every route match. Setting one through
/// <c>with</c> or an initializer makes a new object, so entries sharing it are never changed.
/// </remarks>
public sealed record HttpRouteEntry(
    string Id,
    HttpRouteKind Kind,
    ResourceKey Route,
    int RuleIndex,
    int MatchIndex,
    string? RuleName,
    ImmutableArray<string> Hostnames,
    PathMatch Path,
    ImmutableArray<HeaderMatch> Headers,
    ImmutableArray<QueryParamMatch> QueryParams,
    string? Method,
    HttpFilters Filters,
    BackendGroup Backends,
    RouteTimeouts? Timeouts,
    RouteRetry? Retry)
{
    private readonly string _id = Id;
    private readonly RareFields? _rare = RareFields.HoldsAny(RuleName, Headers, QueryParams, Method, Timeouts, Retry, null, [])
        ? new RareFields(RuleName, Headers, QueryParams, Method, Timeouts, Retry, null, [])
        : null;

    /// <summary>
    /// The entry's id: "Kind/namespace/name/rule/R/match/M" and "/host/H" when it has a hostname. Given empty (as the
    /// translator gives it), it is derived from the entry's route, rule, match and hostname when read, not kept: a
    /// string of about 140 bytes per route match that only the inspection texts and diagnostics read.
    /// </summary>
    public string Id
    {
        get => _id.Length > 0 ? _id
            : Hostnames.Length > 0 ? $"{Route.Kind}/{Route.Namespace}/{Route.Name}/rule/{RuleIndex}/match/{MatchIndex}/host/{Hostnames[0]}"
            : $"{Route.Kind}/{Route.Namespace}/{Route.Name}/rule/{RuleIndex}/match/{MatchIndex}";
        init => _id = value;
    }

    /// <summary>The rule's name (HTTPRouteRule.name); null when it has none.</summary>
    public string? RuleName { get => _rare?.RuleName; init => _rare = RareFields.Of(Rare with { RuleName = value }); }

    /// <summary>The header matches; empty when none.</summary>
    public ImmutableArray<HeaderMatch> Headers { get => _rare?.Headers ?? []; init => _rare = RareFields.Of(Rare with { Headers = value }); }

    /// <summary>The query parameter matches; empty when none.</summary>
    public ImmutableArray<QueryParamMatch> QueryParams { get => _rare?.QueryParams ?? []; init => _rare = RareFields.Of(Rare with { QueryParams = value }); }

    /// <summary>The method match; null when none.</summary>
    public string? Method { get => _rare?.Method; init => _rare = RareFields.Of(Rare with { Method = value }); }

    /// <summary>The rule's timeouts; null when it has none.</summary>
    public RouteTimeouts? Timeouts { get => _rare?.Timeouts; init => _rare = RareFields.Of(Rare with { Timeouts = value }); }

    /// <summary>The rule's retry; null when it has none.</summary>
    public RouteRetry? Retry { get => _rare?.Retry; init => _rare = RareFields.Of(Rare with { Retry = value }); }

    /// <summary>The rule's session persistence (GEP-1619); null when the rule has none.</summary>
    public SessionPersistencePolicy? Session { get => _rare?.Session; init => _rare = RareFields.Of(Rare with { Session = value }); }

    /// <summary>The RateLimitPolicy rules that apply to this entry (Gateway-level and route-level together); empty: none.</summary>
    public ImmutableArray<RateLimitRule> RateLimits { get => _rare?.RateLimits ?? []; init => _rare = RareFields.Of(Rare with { RateLimits = value }); }

    /// <summary>True when the entry uses none of the rarely used fields (no object holds them).</summary>
    internal bool HasNoRareFields => _rare is null;

    private RareFields Rare => _rare ?? RareFields.None;

    /// <summary>The fields few matches use; a record, so entries compare by their values as before.</summary>
    private sealed record RareFields(
        string? RuleName,
        ImmutableArray<HeaderMatch> Headers,
        ImmutableArray<QueryParamMatch> QueryParams,
        string? Method,
        RouteTimeouts? Timeouts,
        RouteRetry? Retry,
        SessionPersistencePolicy? Session,
        ImmutableArray<RateLimitRule> RateLimits)
    {
        public static readonly RareFields None = new(null, [], [], null, null, null, null, []);

        /// <summary><paramref name="fields"/>, or null when it holds nothing.</summary>
        public static RareFields? Of(RareFields fields) =>
            HoldsAny(fields.RuleName, fields.Headers, fields.QueryParams, fields.Method, fields.Timeouts, fields.Retry, fields.Session, fields.RateLimits)
                ? fields
                : null;

        /// <summary>True when any field is set (empty and absent lists alike count as unset).</summary>
        public static bool HoldsAny(string? ruleName, ImmutableArray<HeaderMatch> headers, ImmutableArray<QueryParamMatch> queryParams, string? method,
            RouteTimeouts? timeouts, RouteRetry? retry, SessionPersistencePolicy? session, ImmutableArray<RateLimitRule> rateLimits) =>
            ruleName is not null || !headers.IsDefaultOrEmpty || !queryParams.IsDefaultOrEmpty || method is not null
            || timeouts is not null || retry is not null || session is not null || !rateLimits.IsDefaultOrEmpty;
    }
}

/// <summary>How a value is matched.</summary>
public enum MatchType { Exact, PathPrefix, RegularExpression }

/// <summary>A path match; RegularExpression values use .NET non-backtracking regular expressions.</summary>
public sealed record PathMatch(MatchType Type, string Value);

/// <summary>A header match (names compare case-insensitively).</summary>
public sealed record HeaderMatch(MatchType Type, string Name, string Value);

/// <summary>A query parameter match (names compare exactly).</summary>
public sealed record QueryParamMatch(MatchType Type, string Name, string Value);

/// <summary>The filters of a rule, already validated. Null means the filter is absent.</summary>
public sealed record HttpFilters(
    HeaderModifier? RequestHeaders,
    HeaderModifier? ResponseHeaders,
    RequestRedirect? Redirect,
    UrlRewrite? Rewrite,
    ImmutableArray<RequestMirror> Mirrors,
    CorsPolicy? Cors)
{
    public static readonly HttpFilters None = new(null, null, null, null, [], null);

    /// <summary>The ExternalAuth filter (GEP-1494); null when the rule has none.</summary>
    public ExternalAuth? ExternalAuth { get; init; }
}

/// <summary>A header name/value pair.</summary>
public sealed record HeaderValue(string Name, string Value);

/// <summary>RequestHeaderModifier / ResponseHeaderModifier.</summary>
public sealed record HeaderModifier(ImmutableArray<HeaderValue> Set, ImmutableArray<HeaderValue> Add, ImmutableArray<string> Remove);

/// <summary>How a redirect or rewrite changes the path.</summary>
public enum PathModifierType { ReplaceFullPath, ReplacePrefixMatch }

/// <summary>A path modifier; for ReplacePrefixMatch the matched prefix is the entry's PathPrefix value.</summary>
public sealed record PathModifier(PathModifierType Type, string Value);

/// <summary>RequestRedirect filter.</summary>
public sealed record RequestRedirect(string? Scheme, string? Hostname, PathModifier? Path, int? Port, int StatusCode);

/// <summary>URLRewrite filter.</summary>
public sealed record UrlRewrite(string? Hostname, PathModifier? Path);

/// <summary>RequestMirror filter: a copy of the request goes to <see cref="Backend"/>; the answer is discarded.</summary>
public sealed record RequestMirror(WeightedBackend Backend, double Fraction);

/// <summary>CORS filter.</summary>
public sealed record CorsPolicy(
    ImmutableArray<string> AllowOrigins,
    bool AllowCredentials,
    ImmutableArray<string> AllowMethods,
    ImmutableArray<string> AllowHeaders,
    ImmutableArray<string> ExposeHeaders,
    int MaxAgeSeconds);

/// <summary>Timeouts of a rule (HTTPRouteTimeouts); null means none.</summary>
public sealed record RouteTimeouts(TimeSpan? Request, TimeSpan? BackendRequest);

/// <summary>Retry policy of a rule (experimental HTTPRouteRetry).</summary>
public sealed record RouteRetry(ImmutableArray<int> Codes, int Attempts, TimeSpan? Backoff);

/// <summary>
/// The backends of a rule. A request picks one by weight; an invalid backend keeps its weight and answers 500 for
/// its share (HTTPBackendRef: "requests that would have been sent to an invalid backend MUST receive a 500").
/// No backends at all, or a total weight of 0, also answers 500.
/// </summary>
public sealed record BackendGroup(ImmutableArray<WeightedBackend> Backends)
{
    public static readonly BackendGroup Empty = new(ImmutableArray<WeightedBackend>.Empty);
}

/// <summary>
/// The protocol spoken to a backend (from Service port appProtocol and BackendTLSPolicy). Tls is HTTP over TLS
/// originated with the backend's <see cref="BackendTlsSettings"/>; ALPN chooses HTTP/2 or HTTP/1.1.
/// </summary>
public enum BackendProtocol { Http1, H2c, WebSocket, Tls }

/// <summary>
/// One backendRef resolved to endpoints. A Service port targeted by an accepted BackendTLSPolicy gets
/// <see cref="Protocol"/> Tls and <see cref="Tls"/> set (GEP-1897: "if a Service matches a BackendTLSPolicy, then
/// assume the connection is TLS"). When the policy that applies to the port cannot be honoured (every
/// caCertificateRef invalid, or the policy itself invalid) the backend is kept in its group with Valid=false,
/// Protocol Tls and Tls null, so its share of requests answers 500 (BackendTLSPolicyValidation.CACertificateRefs:
/// "Connections using an invalid CACertificateRef MUST fail, and the client MUST receive an HTTP 5xx error
/// response"); the route's ResolvedRefs stays True because the reason is reported on the policy's status.
/// </summary>
public sealed record WeightedBackend(
    string ClusterId,
    int Weight,
    bool Valid,
    ImmutableArray<BackendEndpoint> Endpoints,
    BackendProtocol Protocol,
    HeaderModifier? RequestHeaders,
    HeaderModifier? ResponseHeaders,
    BackendTlsSettings? Tls)
{
    /// <summary>
    /// HTTPBackendRef RequestRedirect: a request that picks this backend is answered with the redirect and never sent
    /// to it (HTTPRouteBackendRequestRedirect).
    /// </summary>
    public RequestRedirect? Redirect { get; init; }

    /// <summary>
    /// HTTPBackendRef URLRewrite: used instead of the rule's URLRewrite for requests that pick this backend
    /// (HTTPRouteBackendURLRewrite).
    /// </summary>
    public UrlRewrite? Rewrite { get; init; }
}

/// <summary>A ready endpoint (EndpointSlice address and resolved target port).</summary>
public sealed record BackendEndpoint(string Address, int Port);

/// <summary>
/// TLS origination to a backend (BackendTLSPolicyValidation, Gateway spec.tls.backend).
/// <list type="bullet">
/// <item><see cref="ServerName"/> (validation.hostname) is the SNI, and the name the server certificate must match
/// unless <see cref="SubjectAltNames"/> is non-empty.</item>
/// <item>The server certificate must chain to <see cref="CaCertificatesPem"/> (validation.caCertificateRefs, only the
/// valid ones), or to the system trust store when <see cref="UseSystemCertificates"/>
/// (validation.wellKnownCACertificates "System"; then the CA list is empty).</item>
/// <item><see cref="SubjectAltNames"/> (validation.subjectAltNames), when non-empty, replace ServerName for
/// authentication: the certificate must carry at least one of them ("Hostname MUST NOT be used for authentication"
/// then). An entry is either a DNS name (type Hostname, possibly a wildcard such as "*.example.com") compared with
/// the certificate's DNS SANs, or an absolute URI (type URI, for example a SPIFFE ID) compared exactly with its URI
/// SANs. URIs always contain ':' and DNS names never do; <see cref="IsUriSubjectAltName"/> tells them apart.</item>
/// <item><see cref="ClientCertificate"/> is the Gateway's spec.tls.backend.clientCertificateRef when it resolved,
/// so the same backend can carry different client certificates in the tables of different Gateways.</item>
/// </list>
/// </summary>
public sealed record BackendTlsSettings(
    string ServerName,
    ImmutableArray<string> CaCertificatesPem,
    bool UseSystemCertificates,
    ImmutableArray<string> SubjectAltNames,
    TlsCertificate? ClientCertificate)
{
    /// <summary>True when a <see cref="SubjectAltNames"/> entry is a URI SAN rather than a DNS name.</summary>
    public static bool IsUriSubjectAltName(string subjectAltName) => subjectAltName.Contains(':', StringComparison.Ordinal);
}

/// <summary>A TLS (SNI), TCP or UDP route rule attached to one listener.</summary>
public sealed record L4RouteEntry(
    string Id,
    ResourceKey Route,
    int RuleIndex,
    ImmutableArray<string> Hostnames,
    BackendGroup Backends);
