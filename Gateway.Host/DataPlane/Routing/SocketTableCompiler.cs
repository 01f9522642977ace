using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Filters;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.Mirroring;
using System.Net.Security;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// Compiles one Gateway port of the IR into a <see cref="CompiledSocketTable"/>. Everything a request needs is
/// decided here (regexes, header plans, redirect inputs, weighted backends, transformers), so the request path only
/// reads. An entry that cannot be compiled (for example an unsupported regular expression) is left out and reported
/// in <see cref="CompiledSocketTable.Problems"/>; it never takes the rest of the table down (STYLE: one bad route never
/// blocks the others).
/// </summary>
internal sealed class SocketTableCompiler(BackendClients clients, CertificateCache certificates)
{
    public CompiledSocketTable Compile(ListenerSocket socket, ResourceKey gateway, long revision, PortRouteTable port)
    {
        var problems = new List<string>();
        var listeners = new HostnameTable<CompiledListener>.Builder();
        HostnameTable<SslServerAuthenticationOptions>.Builder? tls = port.Protocol == ListenerProtocol.Https ? new() : null;
        SslServerAuthenticationOptions? firstTls = null;
        var certificateKeys = new HashSet<string>(StringComparer.Ordinal);

        foreach (var listener in port.Listeners)
        {
            listeners.Add(listener.Hostname, CompileListener(listener, port, problems));
            if (tls is null) continue;
            var certificate = listener.Tls?.Certificates.FirstOrDefault();
            if (certificate is null)
            {
                problems.Add($"listener {listener.Name}: no certificate");
                continue;
            }
            var context = certificates.Get(certificate, out var error);
            if (context is null)
            {
                problems.Add($"listener {listener.Name}: {error}");
                continue;
            }
            certificateKeys.Add(CertificateCache.KeyOf(certificate));
            var options = CompiledSocketTable.CreateServerOptions(context, listener.Tls!.ClientValidation);
            tls.Add(listener.Hostname, options);
            firstTls ??= options;
        }
        return new CompiledSocketTable(socket, gateway, revision, port, listeners.Build(), tls?.Build(), firstTls, problems, certificateKeys);
    }

    private CompiledListener CompileListener(ListenerRouteTable listener, PortRouteTable port, List<string> problems)
    {
        // Group entries by route hostname, keeping IR (precedence) order inside each group.
        var groups = new Dictionary<string, List<CompiledRoute>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var entry in listener.HttpRoutes)
        {
            CompiledRoute route;
            try
            {
                route = CompileEntry(entry, port);
            }
            catch (ArgumentException e)
            {
                problems.Add($"listener {listener.Name}: entry {entry.Id} left out: {e.Message}");
                continue;
            }
            var hostnames = entry.Hostnames.IsDefaultOrEmpty ? [""] : entry.Hostnames;
            foreach (var hostname in hostnames.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!groups.TryGetValue(hostname, out var list))
                {
                    groups[hostname] = list = [];
                    order.Add(hostname);
                }
                list.Add(route);
            }
        }
        var table = new HostnameTable<RouteGroup>.Builder();
        foreach (var hostname in order) table.Add(hostname.Length == 0 ? null : hostname, new RouteGroup([.. groups[hostname]]));
        return new CompiledListener(listener, table.Build());
    }

    internal CompiledRoute CompileEntry(HttpRouteEntry entry, PortRouteTable port)
    {
        var match = CompiledMatch.Compile(entry);
        var filters = entry.Filters ?? HttpFilters.None;
        var grpc = entry.Kind == HttpRouteKind.Grpc;
        var retry = RetryPlan.Create(entry.Retry);
        var routeResponse = HeaderModifierPlan.Create(filters.ResponseHeaders);
        var cors = CorsPlan.Create(filters.Cors);
        var hostOverride = filters.Rewrite?.Hostname;
        var backends = (entry.Backends.Backends.IsDefault ? [] : entry.Backends.Backends)
            .Select(b =>
            {
                var backendResponse = HeaderModifierPlan.Create(b.ResponseHeaders);
                return new CompiledBackend(
                    b,
                    clients.For(b.Protocol, b.Tls, grpc),
                    HeaderModifierPlan.Create(b.RequestHeaders),
                    new GatewayTransformer(hostOverride, routeResponse, backendResponse, cors, retryOn: null),
                    retry is null ? null : new GatewayTransformer(hostOverride, routeResponse, backendResponse, cors, retry));
            })
            .ToArray();
        var action = new RouteAction
        {
            Kind = entry.Kind,
            ListenerPort = port.Port,
            MatchedPrefix = match.MatchedPrefix,
            Redirect = filters.Redirect,
            Rewrite = filters.Rewrite,
            RequestHeaders = HeaderModifierPlan.Create(filters.RequestHeaders),
            ResponseHeaders = routeResponse,
            Cors = cors,
            Mirrors = (filters.Mirrors.IsDefault ? [] : filters.Mirrors).Select(CompileMirror).OfType<CompiledMirror>().ToArray(),
            Backends = new CompiledBackendGroup(backends),
            RequestTimeout = Enabled(entry.Timeouts?.Request),
            BackendTimeout = Enabled(entry.Timeouts?.BackendRequest),
            Retry = retry,
        };
        return new CompiledRoute(entry, match, action);
    }

    /// <summary>"0s" disables a timeout (HTTPRouteTimeouts: "Setting a timeout to the zero duration ... SHOULD disable").</summary>
    private static TimeSpan? Enabled(TimeSpan? timeout) => timeout is { } t && t > TimeSpan.Zero ? t : null;

    /// <summary>IR mirror → Gateway.Streams contract. An invalid mirror backend is dropped (RequestMirror.BackendRef).</summary>
    private static CompiledMirror? CompileMirror(RequestMirror mirror)
    {
        var backend = mirror.Backend;
        if (!backend.Valid || mirror.Fraction <= 0) return null;
        var endpoints = backend.Endpoints.IsDefault ? [] : backend.Endpoints.Select(e => new MirrorEndpoint(e.Address, e.Port)).ToArray();
        return new CompiledMirror(new MirrorTarget(backend.ClusterId, [.. endpoints], backend.Protocol == BackendProtocol.H2c), Math.Min(1.0, mirror.Fraction));
    }
}
