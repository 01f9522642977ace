using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.DataPlane;

/// <summary>Hand-made IR values for data-plane tests (the translator is tested elsewhere).</summary>
internal static class Ir
{
    private static int _ids;

    public static PathMatch Prefix(string value) => new(MatchType.PathPrefix, value);

    public static PathMatch Exact(string value) => new(MatchType.Exact, value);

    public static PathMatch Regex(string value) => new(MatchType.RegularExpression, value);

    public static HttpRouteEntry Entry(
        PathMatch? path = null,
        string[]? hostnames = null,
        HeaderMatch[]? headers = null,
        QueryParamMatch[]? query = null,
        string? method = null,
        HttpFilters? filters = null,
        BackendGroup? backends = null,
        RouteTimeouts? timeouts = null,
        RouteRetry? retry = null,
        HttpRouteKind kind = HttpRouteKind.Http,
        string? id = null)
    {
        var n = Interlocked.Increment(ref _ids);
        return new HttpRouteEntry(
            id ?? $"entry-{n}", kind, new ResourceKey("HTTPRoute", "ns", $"route-{n}"), 0, 0, null,
            [.. hostnames ?? []], path ?? Prefix("/"), [.. headers ?? []], [.. query ?? []], method,
            filters ?? HttpFilters.None, backends ?? BackendGroup.Empty, timeouts, retry);
    }

    public static WeightedBackend Backend(
        IPEndPoint? endpoint, int weight = 1, bool valid = true, BackendProtocol protocol = BackendProtocol.Http1,
        HeaderModifier? requestHeaders = null, HeaderModifier? responseHeaders = null, string? id = null) =>
        new(id ?? $"cluster-{endpoint?.Port}", weight, valid,
            endpoint is null ? [] : [new BackendEndpoint(endpoint.Address.ToString(), endpoint.Port)],
            protocol, requestHeaders, responseHeaders, null);

    public static BackendGroup Group(params WeightedBackend[] backends) => new([.. backends]);

    public static HttpFilters Filters(
        HeaderModifier? requestHeaders = null, HeaderModifier? responseHeaders = null, RequestRedirect? redirect = null,
        UrlRewrite? rewrite = null, RequestMirror[]? mirrors = null, CorsPolicy? cors = null) =>
        new(requestHeaders, responseHeaders, redirect, rewrite, [.. mirrors ?? []], cors);

    public static HeaderModifier Headers(
        (string Name, string Value)[]? set = null, (string Name, string Value)[]? add = null, string[]? remove = null) =>
        new([.. (set ?? []).Select(h => new HeaderValue(h.Name, h.Value))], [.. (add ?? []).Select(h => new HeaderValue(h.Name, h.Value))], [.. remove ?? []]);

    public static ListenerRouteTable Listener(string name, string? hostname, params HttpRouteEntry[] entries) =>
        new(name, hostname, null, [.. entries], []);

    public static ListenerRouteTable HttpsListener(string name, string? hostname, TlsCertificate certificate, params HttpRouteEntry[] entries) =>
        new(name, hostname, new ListenerTls([certificate], false, null), [.. entries], []);

    public static PortRouteTable Port(int port, ListenerProtocol protocol, params ListenerRouteTable[] listeners) => new(port, protocol, [.. listeners]);

    public static GatewayRouteTable Gateway(string name, string address, params PortRouteTable[] ports) =>
        new(new ResourceKey("Gateway", "ns", name), [address], [.. ports]);
}
