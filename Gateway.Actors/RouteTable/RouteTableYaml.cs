using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Translation;
using Gateway.Actors.Yaml;
using YamlDotNet.RepresentationModel;

namespace Gateway.Actors.RouteTable;

/// <summary>
/// Canonical YAML of the IR: one fixed field order, absent and empty values left out, so equal tables render
/// identically (records holding arrays do not compare by value, their rendering does). Used by the golden tests and by
/// the management routes that show a node's live table. Key material never appears: certificates are shown by source
/// and SHA-256 of the PEM, private keys not at all.
/// </summary>
public static class RouteTableYaml
{
    /// <summary>Renders the route tables of a translation, in the given order.</summary>
    public static string Render(IEnumerable<GatewayRouteTable> tables) =>
        CanonicalYaml.Emit(new YamlSequenceNode(tables.Select(Gateway)));

    /// <summary>
    /// SHA-256 (hex) of what <see cref="Render"/> would emit, from the same YAML tree without emitting it (emitting is
    /// the expensive part): equal for equal renderings, different otherwise.
    /// </summary>
    public static string Hash(IEnumerable<GatewayRouteTable> tables) =>
        CanonicalYaml.Hash(new YamlSequenceNode(tables.Select(Gateway)));

    private static YamlNode Gateway(GatewayRouteTable t) => Y.Obj(
        ("gateway", Y.S(t.Gateway.ToString())),
        ("addresses", Y.Seq(t.Addresses.Select(Y.S))),
        ("ports", Y.Seq(t.Ports.Select(Port))));

    private static YamlNode Port(PortRouteTable p) => Y.Obj(
        ("port", Y.S(p.Port)),
        ("bindPort", p.BindPort is { } bind ? Y.S(bind) : null),
        ("protocol", Y.S(p.Protocol.ToString())),
        ("listeners", Y.Seq(p.Listeners.Select(Listener))));

    internal static YamlNode Listener(ListenerRouteTable l) => Y.Obj(
        ("name", Y.S(l.Name)),
        ("hostname", Y.S(l.Hostname)),
        ("tls", l.Tls is null ? null : Y.Map(
            ("passthrough", l.Tls.Passthrough ? Y.S("true") : null),
            ("certificates", Y.Seq(l.Tls.Certificates.Select(c => Y.Map(("source", Y.S(c.Source)), ("sha256", Y.S(Sha256(c.CertificatePem))))))),
            ("clientValidation", l.Tls.ClientValidation is not { } cv ? null : Y.Map(
                ("caCertificates", Y.Seq(cv.CaCertificatesPem.Select(p => Y.S("sha256:" + Sha256(p))))),
                ("allowInsecureFallback", cv.AllowInsecureFallback ? Y.S("true") : null))))),
        ("httpRoutes", Y.Seq(l.HttpRoutes.Select(HttpEntry))),
        ("l4Routes", Y.Seq(l.L4Routes.Select(L4Entry))));

    private static YamlNode HttpEntry(HttpRouteEntry e) => Y.Obj(
        ("id", Y.S(e.Id)),
        ("kind", e.Kind == HttpRouteKind.Grpc ? Y.S("Grpc") : null),
        ("ruleName", Y.S(e.RuleName)),
        ("hostnames", Y.Seq(e.Hostnames.Select(Y.S))),
        ("path", Y.S($"{e.Path.Type} {e.Path.Value}")),
        ("method", Y.S(e.Method)),
        ("headers", Y.Seq(e.Headers.Select(h => Y.S($"{h.Name} {h.Type} {h.Value}")))),
        ("queryParams", Y.Seq(e.QueryParams.Select(q => Y.S($"{q.Name} {q.Type} {q.Value}")))),
        ("filters", Filters(e.Filters)),
        ("timeouts", e.Timeouts is not { } t ? null : Y.Map(
            ("request", t.Request is { } r ? Y.S(GatewayDuration.Format(r)) : null),
            ("backendRequest", t.BackendRequest is { } b ? Y.S(GatewayDuration.Format(b)) : null))),
        ("retry", e.Retry is not { } rt ? null : Y.Map(
            ("codes", Y.Seq(rt.Codes.Select(c => Y.S(c)))),
            ("attempts", Y.S(rt.Attempts)),
            ("backoff", rt.Backoff is { } bo ? Y.S(GatewayDuration.Format(bo)) : null))),
        ("sessionPersistence", Session(e.Session)),
        ("rateLimits", Y.Seq(e.RateLimits.Select(r => Y.S(RateLimitText(r))))),
        ("backends", Backends(e.Backends)));

    private static YamlNode? Session(SessionPersistencePolicy? s) => s is null ? null : Y.Map(
        ("name", Y.S(s.Name)),
        ("type", Y.S(s.Type.ToString())),
        ("absoluteTimeout", s.AbsoluteTimeout is { } a ? Y.S(GatewayDuration.Format(a)) : null),
        ("idleTimeout", s.IdleTimeout is { } i ? Y.S(GatewayDuration.Format(i)) : null),
        ("lifetimeType", s.Type == SessionPersistenceType.Cookie ? Y.S(s.LifetimeType.ToString()) : null),
        ("scope", Y.S(s.Scope)));

    private static string RateLimitText(RateLimitRule r) =>
        $"{r.Id} {r.Requests}/{GatewayDuration.Format(r.Interval)} {r.KeyType}{(r.HeaderName is null ? "" : ":" + r.HeaderName)} {r.Scope}";

    private static YamlNode L4Entry(L4RouteEntry e) => Y.Obj(
        ("id", Y.S(e.Id)),
        ("hostnames", Y.Seq(e.Hostnames.Select(Y.S))),
        ("backends", Backends(e.Backends)));

    private static YamlNode? Filters(HttpFilters f) => Y.Map(
        ("requestHeaders", Modifier(f.RequestHeaders)),
        ("responseHeaders", Modifier(f.ResponseHeaders)),
        ("redirect", Redirect(f.Redirect)),
        ("rewrite", Rewrite(f.Rewrite)),
        ("mirrors", Y.Seq(f.Mirrors.Select(m => Y.Map(
            ("fraction", Y.S(m.Fraction.ToString("0.####", CultureInfo.InvariantCulture))),
            ("backend", Backend(m.Backend)))))),
        ("cors", f.Cors is not { } c ? null : Y.Map(
            ("allowOrigins", Y.Seq(c.AllowOrigins.Select(Y.S))),
            ("allowCredentials", c.AllowCredentials ? Y.S("true") : null),
            ("allowMethods", Y.Seq(c.AllowMethods.Select(Y.S))),
            ("allowHeaders", Y.Seq(c.AllowHeaders.Select(Y.S))),
            ("exposeHeaders", Y.Seq(c.ExposeHeaders.Select(Y.S))),
            ("maxAgeSeconds", Y.S(c.MaxAgeSeconds)))),
        ("externalAuth", f.ExternalAuth is not { } a ? null : Y.Map(
            ("protocol", Y.S(a.Protocol.ToString())),
            ("path", Y.S(a.PathPrefix.Length == 0 ? null : a.PathPrefix)),
            ("allowedHeaders", Y.Seq(a.AllowedHeaders.Select(Y.S))),
            ("allowedResponseHeaders", Y.Seq(a.AllowedResponseHeaders.Select(Y.S))),
            ("maxBodyBytes", a.MaxBodyBytes > 0 ? Y.S(a.MaxBodyBytes) : null),
            ("backend", Backend(a.Backend)))));

    private static YamlNode? Modifier(HeaderModifier? m) => m is null ? null : Y.Map(
        ("set", Y.Seq(m.Set.Select(h => Y.S($"{h.Name}: {h.Value}")))),
        ("add", Y.Seq(m.Add.Select(h => Y.S($"{h.Name}: {h.Value}")))),
        ("remove", Y.Seq(m.Remove.Select(Y.S))));

    private static YamlNode? Redirect(RequestRedirect? r) => r is null ? null : Y.Map(
        ("scheme", Y.S(r.Scheme)),
        ("hostname", Y.S(r.Hostname)),
        ("path", r.Path is { } p ? Y.S($"{p.Type} {p.Value}") : null),
        ("port", r.Port is { } port ? Y.S(port) : null),
        ("statusCode", Y.S(r.StatusCode)));

    private static YamlNode? Rewrite(UrlRewrite? w) => w is null ? null : Y.Map(
        ("hostname", Y.S(w.Hostname)),
        ("path", w.Path is { } wp ? Y.S($"{wp.Type} {wp.Value}") : null));

    private static YamlNode Backends(BackendGroup g) => g.Backends.Length == 0
        ? new YamlScalarNode("none (500)")
        : new YamlSequenceNode(g.Backends.Select(Backend));

    private static YamlNode Backend(WeightedBackend b) => Y.Obj(
        ("cluster", Y.S(b.ClusterId)),
        ("weight", Y.S(b.Weight)),
        ("valid", b.Valid ? null : Y.S("false")),
        ("protocol", b.Protocol == BackendProtocol.Http1 ? null : Y.S(b.Protocol.ToString())),
        ("endpoints", Y.Seq(b.Endpoints.Select(ep => Y.S($"{ep.Address}:{ep.Port}")))),
        ("requestHeaders", Modifier(b.RequestHeaders)),
        ("responseHeaders", Modifier(b.ResponseHeaders)),
        ("redirect", Redirect(b.Redirect)),
        ("rewrite", Rewrite(b.Rewrite)),
        ("tls", b.Tls is not { } tls ? null : Y.Map(
            ("serverName", Y.S(tls.ServerName)),
            ("caCertificates", Y.Seq(tls.CaCertificatesPem.Select(p => Y.S("sha256:" + Sha256(p))))),
            ("systemCertificates", tls.UseSystemCertificates ? Y.S("true") : null),
            ("subjectAltNames", Y.Seq(tls.SubjectAltNames.Select(Y.S))),
            ("clientCertificate", tls.ClientCertificate is { } cc ? Y.S(cc.Source) : null))));

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
