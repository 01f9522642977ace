using System.Collections.Immutable;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>Pure filter computations: path modifiers, redirect Location, header modifiers, CORS.</summary>
public sealed class FilterTests
{
    // The table of HTTPPathModifier.ReplacePrefixMatch (apis/v1/httproute_types.go), then conformance
    // HTTPRouteRewritePath / HTTPRouteRedirectPath cases.
    [Theory]
    [InlineData("/foo/bar", "/foo", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz/", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo/", "/foo", "/xyz", "/xyz/")]
    [InlineData("/foo/bar", "/foo", "", "/bar")]
    [InlineData("/foo/", "/foo", "", "/")]
    [InlineData("/foo", "/foo", "", "/")]
    [InlineData("/foo/", "/foo", "/", "/")]
    [InlineData("/foo", "/foo", "/", "/")]
    [InlineData("/prefix/one/two", "/prefix/one", "/one", "/one/two")]
    [InlineData("/strip-prefix/three", "/strip-prefix", "/", "/three")]
    [InlineData("/strip-prefix", "/strip-prefix", "/", "/")]
    [InlineData("/prefix/rewrite-path-and-modify-headers/one", "/prefix/rewrite-path-and-modify-headers", "/prefix", "/prefix/one")]
    [InlineData("/original-prefix/lemon", "/original-prefix", "/replacement-prefix", "/replacement-prefix/lemon")]
    public void ReplacePrefixMatch_SpecTable_Applies(string path, string prefix, string replacement, string expected) =>
        Assert.Equal(expected, PathModifiers.Apply(new PathModifier(PathModifierType.ReplacePrefixMatch, replacement), prefix, path));

    [Theory]
    [InlineData("/full/one/two", "/one")]
    [InlineData("/full/rewrite-path-and-modify-headers/test", "/test")]
    [InlineData("/anything", "/full-path-replacement")]
    public void ReplaceFullPath_ReplacesWholePath(string path, string replacement) =>
        Assert.Equal(replacement, PathModifiers.Apply(new PathModifier(PathModifierType.ReplaceFullPath, replacement), "/full", path));

    // Conformance HTTPRouteRedirectPortAndScheme / Port / Scheme / HostAndStatus (cases.json), listener ports 80, 8080, 443.
    [Theory]
    [InlineData("http", 80, null, null, "http://example.org/p")]
    [InlineData("http", 80, null, 80, "http://example.org/p")]
    [InlineData("http", 80, null, 8080, "http://example.org:8080/p")]
    [InlineData("http", 80, "https", null, "https://example.org/p")]
    [InlineData("http", 80, "https", 443, "https://example.org/p")]
    [InlineData("http", 80, "https", 8443, "https://example.org:8443/p")]
    [InlineData("http", 8080, null, null, "http://example.org:8080/p")]
    [InlineData("http", 8080, null, 80, "http://example.org/p")]
    [InlineData("http", 8080, "https", null, "https://example.org/p")]
    [InlineData("https", 443, null, null, "https://example.org/p")]
    [InlineData("https", 443, null, 443, "https://example.org/p")]
    [InlineData("https", 443, null, 8443, "https://example.org:8443/p")]
    [InlineData("https", 443, "http", null, "http://example.org/p")]
    [InlineData("https", 443, "http", 80, "http://example.org/p")]
    [InlineData("https", 443, "http", 8080, "http://example.org:8080/p")]
    public void Redirect_SchemeAndPort_FollowPortRules(string requestScheme, int listenerPort, string? scheme, int? port, string expected)
    {
        var redirect = new RequestRedirect(scheme, "example.org", null, port, 302);
        Assert.Equal(expected, RedirectLocation.Build(redirect, requestScheme, "10.1.1.1:" + listenerPort, listenerPort, null, "/p", null));
    }

    [Fact]
    public void Redirect_WithoutHostname_UsesRequestHostWithoutPort_AndKeepsQuery()
    {
        var redirect = new RequestRedirect("https", null, new PathModifier(PathModifierType.ReplacePrefixMatch, "/replacement-prefix"), null, 301);
        Assert.Equal("https://gw.example.com/replacement-prefix/lemon?x=1",
            RedirectLocation.Build(redirect, "http", "gw.example.com:8080", 8080, "/original-prefix", "/original-prefix/lemon", "?x=1"));
    }

    [Fact]
    public void HeaderModifier_SetAddRemove_CaseInsensitiveAndAddAppendsWithComma()
    {
        var plan = HeaderModifierPlan.Create(Ir.Headers(
            set: [("X-Header-Set", "set-overwrites-values")],
            add: [("X-Header-Add", "add-appends-values"), ("X-New", "v")],
            remove: ["X-Header-Remove"]))!;
        var headers = new HeaderDictionary
        {
            ["x-header-set"] = "some-other-value",
            ["x-header-add"] = "some-other-value",
            ["x-header-remove"] = "val",
            ["Another"] = "kept",
        };
        plan.Apply(headers);
        Assert.Equal("set-overwrites-values", headers["X-Header-Set"].ToString());
        Assert.Equal("some-other-value,add-appends-values", headers["X-Header-Add"].ToString());
        Assert.Equal("v", headers["X-New"].ToString());
        Assert.False(headers.ContainsKey("X-Header-Remove"));
        Assert.Equal("kept", headers["Another"].ToString());
        Assert.Null(HeaderModifierPlan.Create(new HeaderModifier([], [], [])));
    }

    private static CorsPlan Cors(string[] origins, bool credentials, string[] methods, string[] headers, string[] expose, int maxAge = 0) =>
        CorsPlan.Create(new CorsPolicy([.. origins], credentials, [.. methods], [.. headers], [.. expose], maxAge))!;

    private static HttpContext Preflight(string origin, string method, string? requestHeaders = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "OPTIONS";
        context.Request.Headers.Origin = origin;
        context.Request.Headers.AccessControlRequestMethod = method;
        if (requestHeaders is not null) context.Request.Headers.AccessControlRequestHeaders = requestHeaders;
        return context;
    }

    // Conformance HTTPRouteCORS cases against the cors-1 / cors-2 / wildcard routes of httproute-cors.yaml.
    [Theory]
    [InlineData("https://www.foo.com", true)]
    [InlineData("https://www.bar.com", true)]
    [InlineData("https://xpto.www.bar.com", true)]
    [InlineData("https://bar.com", false)]
    [InlineData("https://foobar.com", false)]
    [InlineData("http://www.foo.com", false)]
    [InlineData("https://www.foo.com:443", true)]
    [InlineData("https://www.foo.com:8443", false)]
    public void Cors_OriginPatterns_MatchLikeTheSpec(string origin, bool allowed) =>
        Assert.Equal(allowed, Cors(["https://www.foo.com", "https://*.bar.com"], true, ["GET"], [], []).IsAllowed(origin));

    [Fact]
    public void Cors_Preflight_AllowedOrigin_GetsAllHeaders()
    {
        var plan = Cors(["https://www.foo.com", "https://*.bar.com"], true, ["GET", "OPTIONS"], ["x-header-1", "x-header-2"], ["x-header-3", "x-header-4"], 3600);
        var context = Preflight("https://xpto.www.bar.com", "GET", "x-header-1, x-header-2");
        Assert.True(CorsPlan.IsPreflight(context.Request));
        plan.WritePreflight(context.Request, context.Response);
        var h = context.Response.Headers;
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("https://xpto.www.bar.com", h.AccessControlAllowOrigin.ToString());
        Assert.Equal("GET, OPTIONS", h.AccessControlAllowMethods.ToString());
        Assert.Equal("x-header-1, x-header-2", h.AccessControlAllowHeaders.ToString());
        Assert.Equal("x-header-3, x-header-4", h.AccessControlExposeHeaders.ToString());
        Assert.Equal("3600", h.AccessControlMaxAge.ToString());
        Assert.Equal("true", h.AccessControlAllowCredentials.ToString());
    }

    [Fact]
    public void Cors_Preflight_Wildcards_EchoRequestWithCredentials_StarWithout()
    {
        var withCredentials = Preflight("https://other.foo.com", "PUT", "x-header-1, x-header-2");
        Cors(["*"], true, ["*"], ["*"], []).WritePreflight(withCredentials.Request, withCredentials.Response);
        Assert.Equal("PUT", withCredentials.Response.Headers.AccessControlAllowMethods.ToString());
        Assert.Equal("x-header-1, x-header-2", withCredentials.Response.Headers.AccessControlAllowHeaders.ToString());
        Assert.Equal("https://other.foo.com", withCredentials.Response.Headers.AccessControlAllowOrigin.ToString());

        var without = Preflight("https://other.foo.com", "PUT");
        Cors(["*"], false, ["*"], ["*"], []).WritePreflight(without.Request, without.Response);
        Assert.Equal("*", without.Response.Headers.AccessControlAllowMethods.ToString());
        Assert.False(without.Response.Headers.ContainsKey("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public void Cors_Preflight_DisallowedOrigin_NoCorsHeaders()
    {
        var context = Preflight("https://foobar.com", "GET");
        Cors(["https://www.foo.com"], true, ["GET"], [], []).WritePreflight(context.Request, context.Response);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Access-Control-Allow-Origin"));
    }

    [Fact]
    public void Cors_ActualRequest_AllowedOriginGetsOriginCredentialsExpose()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Origin = "https://www.foo.com";
        Cors(["https://www.foo.com"], true, ["GET"], [], ["x-header-3"]).ApplyActual(context.Request, context.Response.Headers);
        Assert.Equal("https://www.foo.com", context.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal("true", context.Response.Headers.AccessControlAllowCredentials.ToString());
        Assert.Equal("x-header-3", context.Response.Headers.AccessControlExposeHeaders.ToString());
    }
}
