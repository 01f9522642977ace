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
    public static string Render(IEnumerable<GatewayRouteTable> tables) => CanonicalYaml.Emit(Tree(tables));

    /// <summary>The YAML tree <see cref="Render"/> emits.</summary>
    public static YamlNode Tree(IEnumerable<GatewayRouteTable> tables)
    {
        var tree = new YamlTreeForm();
        Write(tree, tables);
        return tree.Root!;
    }

    /// <summary>
    /// SHA-256 (hex) of what <see cref="Render"/> would emit: <see cref="CanonicalYaml.Hash"/> of <see cref="Tree"/>,
    /// streamed without building the tree (<see cref="YamlHashForm"/>): equal for equal renderings, different otherwise.
    /// </summary>
    public static string Hash(IEnumerable<GatewayRouteTable> tables)
    {
        Span<byte> sha256 = stackalloc byte[32];
        HashTo(tables, sha256);
        return Convert.ToHexStringLower(sha256);
    }

    // A buffer grown by whole tables is not kept for the thread's life (an entry's or a listener header's table is small).
    private const int MaxKeptHashBuffer = 64 * 1024;

    /// <summary><see cref="Hash"/> as bytes, written to <paramref name="sha256"/> (32 bytes).</summary>
    public static void HashTo(IEnumerable<GatewayRouteTable> tables, Span<byte> sha256)
    {
        var form = HashForm();
        Write(form, tables);
        form.HashTo(sha256);
        if (form.Capacity > MaxKeptHashBuffer) t_hashForm = null;
    }

    // One writer per thread, its buffer kept: entries are hashed in parallel, millions over a process's life.
    [ThreadStatic]
    private static YamlHashForm? t_hashForm;

    private static YamlHashForm HashForm()
    {
        var form = t_hashForm ??= new YamlHashForm();
        form.Reset();
        return form;
    }

    private static void Write(YamlForm w, IEnumerable<GatewayRouteTable> tables)
    {
        w.BeginSeq();
        foreach (var t in tables) Gateway(w, t);
        w.EndSeq(keepEmpty: true);
    }

    private static void Gateway(YamlForm w, GatewayRouteTable t)
    {
        w.BeginMap();
        w.Field("gateway", t.Gateway.ToString());
        w.Scalars("addresses", t.Addresses);
        w.BeginSeq("ports");
        foreach (var p in t.Ports) Port(w, p);
        w.EndSeq();
        w.EndObj();
    }

    private static void Port(YamlForm w, PortRouteTable p)
    {
        w.BeginMap();
        w.Field("port", p.Port);
        if (p.BindPort is { } bind) w.Field("bindPort", bind);
        w.Field("protocol", p.Protocol.ToString());
        w.BeginSeq("listeners");
        foreach (var l in p.Listeners) Listener(w, l);
        w.EndSeq();
        w.EndObj();
    }

    /// <summary>One listener's tree (the mesh table renders its producer's and consumers' routes as listeners).</summary>
    internal static YamlNode Listener(ListenerRouteTable l)
    {
        var tree = new YamlTreeForm();
        Listener(tree, l);
        return tree.Root!;
    }

    private static void Listener(YamlForm w, ListenerRouteTable l)
    {
        w.BeginMap();
        w.Field("name", l.Name);
        w.Field("hostname", l.Hostname);
        if (l.Tls is { } tls)
        {
            w.BeginMap("tls");
            if (tls.Passthrough) w.Field("passthrough", "true");
            w.BeginSeq("certificates");
            foreach (var c in tls.Certificates)
            {
                w.BeginMap();
                w.Field("source", c.Source);
                w.Field("sha256", Sha256(c.CertificatePem));
                w.EndMap();
            }
            w.EndSeq();
            if (tls.ClientValidation is { } cv)
            {
                w.BeginMap("clientValidation");
                w.Scalars("caCertificates", cv.CaCertificatesPem.Select(pem => "sha256:" + Sha256(pem)));
                if (cv.AllowInsecureFallback) w.Field("allowInsecureFallback", "true");
                w.EndMap();
            }
            w.EndMap();
        }
        w.BeginSeq("httpRoutes");
        foreach (var e in l.HttpRoutes) HttpEntry(w, e);
        w.EndSeq();
        w.BeginSeq("l4Routes");
        foreach (var e in l.L4Routes) L4Entry(w, e);
        w.EndSeq();
        w.EndObj();
    }

    private static void HttpEntry(YamlForm w, HttpRouteEntry e)
    {
        w.BeginMap();
        w.Field("id", e.Id);
        if (e.Kind == HttpRouteKind.Grpc) w.Field("kind", "Grpc");
        w.Field("ruleName", e.RuleName);
        w.Scalars("hostnames", e.Hostnames);
        w.Field("path", $"{e.Path.Type} {e.Path.Value}");
        w.Field("method", e.Method);
        w.BeginSeq("headers");
        foreach (var h in e.Headers) w.Scalar($"{h.Name} {h.Type} {h.Value}");
        w.EndSeq();
        w.BeginSeq("queryParams");
        foreach (var q in e.QueryParams) w.Scalar($"{q.Name} {q.Type} {q.Value}");
        w.EndSeq();
        w.Key("filters");
        Filters(w, e.Filters);
        if (e.Timeouts is { } t)
        {
            w.BeginMap("timeouts");
            if (t.Request is { } r) w.Field("request", GatewayDuration.Format(r));
            if (t.BackendRequest is { } b) w.Field("backendRequest", GatewayDuration.Format(b));
            w.EndMap();
        }
        if (e.Retry is { } rt)
        {
            w.BeginMap("retry");
            w.BeginSeq("codes");
            foreach (var c in rt.Codes) w.Scalar(c.ToString(CultureInfo.InvariantCulture));
            w.EndSeq();
            w.Field("attempts", rt.Attempts);
            if (rt.Backoff is { } bo) w.Field("backoff", GatewayDuration.Format(bo));
            w.EndMap();
        }
        if (e.Session is { } s)
        {
            w.BeginMap("sessionPersistence");
            w.Field("name", s.Name);
            w.Field("type", s.Type.ToString());
            if (s.AbsoluteTimeout is { } a) w.Field("absoluteTimeout", GatewayDuration.Format(a));
            if (s.IdleTimeout is { } i) w.Field("idleTimeout", GatewayDuration.Format(i));
            if (s.Type == SessionPersistenceType.Cookie) w.Field("lifetimeType", s.LifetimeType.ToString());
            w.Field("scope", s.Scope);
            w.EndMap();
        }
        w.BeginSeq("rateLimits");
        foreach (var r in e.RateLimits) w.Scalar(RateLimitText(r));
        w.EndSeq();
        w.Key("backends");
        Backends(w, e.Backends);
        w.EndObj();
    }

    private static string RateLimitText(RateLimitRule r) =>
        $"{r.Id} {r.Requests}/{GatewayDuration.Format(r.Interval)} {r.KeyType}{(r.HeaderName is null ? "" : ":" + r.HeaderName)} {r.Scope}";

    private static void L4Entry(YamlForm w, L4RouteEntry e)
    {
        w.BeginMap();
        w.Field("id", e.Id);
        w.Scalars("hostnames", e.Hostnames);
        w.Key("backends");
        Backends(w, e.Backends);
        w.EndObj();
    }

    // The value of the pending key: absent when no filter is set.
    private static void Filters(YamlForm w, HttpFilters f)
    {
        w.BeginMap();
        MapOf(w, "requestHeaders", f.RequestHeaders, Modifier);
        MapOf(w, "responseHeaders", f.ResponseHeaders, Modifier);
        MapOf(w, "redirect", f.Redirect, Redirect);
        MapOf(w, "rewrite", f.Rewrite, Rewrite);
        w.BeginSeq("mirrors");
        foreach (var m in f.Mirrors)
        {
            w.BeginMap();
            w.Field("fraction", m.Fraction.ToString("0.####", CultureInfo.InvariantCulture));
            w.Key("backend");
            Backend(w, m.Backend);
            w.EndMap();
        }
        w.EndSeq();
        if (f.Cors is { } c)
        {
            w.BeginMap("cors");
            w.Scalars("allowOrigins", c.AllowOrigins);
            if (c.AllowCredentials) w.Field("allowCredentials", "true");
            w.Scalars("allowMethods", c.AllowMethods);
            w.Scalars("allowHeaders", c.AllowHeaders);
            w.Scalars("exposeHeaders", c.ExposeHeaders);
            w.Field("maxAgeSeconds", c.MaxAgeSeconds);
            w.EndMap();
        }
        if (f.ExternalAuth is { } a)
        {
            w.BeginMap("externalAuth");
            w.Field("protocol", a.Protocol.ToString());
            w.Field("path", a.PathPrefix.Length == 0 ? null : a.PathPrefix);
            w.Scalars("allowedHeaders", a.AllowedHeaders);
            w.Scalars("allowedResponseHeaders", a.AllowedResponseHeaders);
            if (a.MaxBodyBytes > 0) w.Field("maxBodyBytes", a.MaxBodyBytes);
            w.Key("backend");
            Backend(w, a.Backend);
            w.EndMap();
        }
        w.EndMap();
    }

    // A mapping under key, written by fields; left out when the value is null or writes no field.
    private static void MapOf<T>(YamlForm w, string key, T? value, Action<YamlForm, T> fields) where T : class
    {
        if (value is null) return;
        w.BeginMap(key);
        fields(w, value);
        w.EndMap();
    }

    private static void Modifier(YamlForm w, HeaderModifier m)
    {
        w.Scalars("set", m.Set.Select(h => $"{h.Name}: {h.Value}"));
        w.Scalars("add", m.Add.Select(h => $"{h.Name}: {h.Value}"));
        w.Scalars("remove", m.Remove);
    }

    private static void Redirect(YamlForm w, RequestRedirect r)
    {
        w.Field("scheme", r.Scheme);
        w.Field("hostname", r.Hostname);
        if (r.Path is { } p) w.Field("path", $"{p.Type} {p.Value}");
        if (r.Port is { } port) w.Field("port", port);
        w.Field("statusCode", r.StatusCode);
    }

    private static void Rewrite(YamlForm w, UrlRewrite rewrite)
    {
        w.Field("hostname", rewrite.Hostname);
        if (rewrite.Path is { } wp) w.Field("path", $"{wp.Type} {wp.Value}");
    }

    // The value of the pending key: a group without backends is the scalar "none (500)".
    private static void Backends(YamlForm w, BackendGroup g)
    {
        if (g.Backends.Length == 0)
        {
            w.Scalar("none (500)");
            return;
        }
        w.BeginSeq();
        foreach (var b in g.Backends) Backend(w, b);
        w.EndSeq(keepEmpty: true);
    }

    private static void Backend(YamlForm w, WeightedBackend b)
    {
        w.BeginMap();
        w.Field("cluster", b.ClusterId);
        w.Field("weight", b.Weight);
        if (!b.Valid) w.Field("valid", "false");
        if (b.Protocol != BackendProtocol.Http1) w.Field("protocol", b.Protocol.ToString());
        w.BeginSeq("endpoints");
        foreach (var ep in b.Endpoints) w.Scalar($"{ep.Address}:{ep.Port}");
        w.EndSeq();
        MapOf(w, "requestHeaders", b.RequestHeaders, Modifier);
        MapOf(w, "responseHeaders", b.ResponseHeaders, Modifier);
        MapOf(w, "redirect", b.Redirect, Redirect);
        MapOf(w, "rewrite", b.Rewrite, Rewrite);
        if (b.Tls is { } tls)
        {
            w.BeginMap("tls");
            w.Field("serverName", tls.ServerName);
            w.Scalars("caCertificates", tls.CaCertificatesPem.Select(pem => "sha256:" + Sha256(pem)));
            if (tls.UseSystemCertificates) w.Field("systemCertificates", "true");
            w.Scalars("subjectAltNames", tls.SubjectAltNames);
            if (tls.ClientCertificate is { } cc) w.Field("clientCertificate", cc.Source);
            w.EndMap();
        }
        w.EndObj();
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
