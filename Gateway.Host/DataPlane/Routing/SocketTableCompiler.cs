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
/// Given the socket's previous table, only what changed is compiled; see <see cref="Compile"/>.
/// </summary>
internal sealed class SocketTableCompiler(BackendClients clients, CertificateCache certificates)
{
    /// <summary>
    /// Compiles <paramref name="port"/> for <paramref name="socket"/>. With <paramref name="previous"/> (the table the
    /// socket serves now) the parts whose inputs are the same instances are taken over instead of compiled again:
    /// <list type="bullet">
    /// <item>a listener whose <see cref="ListenerRouteTable"/> is the same instance, whole;</item>
    /// <item>otherwise, from the previous listener of the same name: its groups when its entry array is the same
    /// array, else each route hostname group whose entries are the same instances in the same order, else each entry
    /// that is the same instance; and its TLS settings when its <see cref="ListenerTls"/> is the same instance.</item>
    /// </list>
    /// Correct because a compiled listener, group and entry are functions of exactly those inputs plus the listener
    /// port and protocol, which must match for <paramref name="previous"/> to be used at all (the client and
    /// certificate caches return the same thing for the same input). Only reference equality counts: the IR's records
    /// hold ImmutableArrays, which compare by reference, so equal but fresh IR (the full translator's) is compiled
    /// again, with the same result. The returned table is always a new instance; <paramref name="previous"/> is not
    /// changed and stays valid for the requests that still use it.
    /// </summary>
    public CompiledSocketTable Compile(
        ListenerSocket socket, ResourceKey gateway, long revision, PortRouteTable port, CompiledSocketTable? previous = null, ApplyStats? stats = null)
    {
        stats ??= new ApplyStats();
        if (previous is not null && (previous.Source.Port != port.Port || previous.Protocol != port.Protocol)) previous = null;
        Dictionary<ListenerRouteTable, CompiledListener>? bySource = null;
        Dictionary<string, CompiledListener>? byName = null;
        if (previous is not null)
        {
            bySource = new Dictionary<ListenerRouteTable, CompiledListener>(previous.AllListeners.Count, ReferenceEqualityComparer.Instance);
            foreach (var old in previous.AllListeners) bySource.TryAdd(old.Source, old);
        }

        var problems = new List<string>();
        var all = new CompiledListener[port.Listeners.Length];
        var listeners = new HostnameTable<CompiledListener>.Builder();
        HostnameTable<SslServerAuthenticationOptions>.Builder? tls = port.Protocol == ListenerProtocol.Https ? new() : null;
        SslServerAuthenticationOptions? firstTls = null;
        var certificateKeys = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < all.Length; i++)
        {
            var listener = port.Listeners[i];
            if (bySource is not null && bySource.TryGetValue(listener, out var compiled))
            {
                stats.ListenersReused++;
            }
            else
            {
                CompiledListener? old = null;
                if (previous is not null)
                {
                    if (byName is null)
                    {
                        byName = new Dictionary<string, CompiledListener>(StringComparer.Ordinal);
                        foreach (var l in previous.AllListeners) byName.TryAdd(l.Source.Name, l);
                    }
                    old = byName.GetValueOrDefault(listener.Name);
                }
                compiled = CompileListener(listener, port, old, stats);
                stats.ListenersCompiled++;
            }
            all[i] = compiled;
            listeners.Add(listener.Hostname, compiled);
            problems.AddRange(compiled.EntryProblems);
            if (tls is null || compiled.Tls is not { } listenerTls) continue;
            if (listenerTls.Options is null)
            {
                problems.Add(listenerTls.Problem!);
                continue;
            }
            certificateKeys.Add(listenerTls.CertificateKey!);
            tls.Add(listener.Hostname, listenerTls.Options);
            firstTls ??= listenerTls.Options;
        }
        return new CompiledSocketTable(socket, gateway, revision, port, listeners.Build(), all, tls?.Build(), firstTls, problems, certificateKeys);
    }

    private CompiledListener CompileListener(ListenerRouteTable listener, PortRouteTable port, CompiledListener? old, ApplyStats stats)
    {
        var tls = port.Protocol != ListenerProtocol.Https ? null
            : old?.Tls is { } oldTls && ReferenceEquals(old.Source.Tls, listener.Tls) ? oldTls
            : CompileTls(listener);
        // ImmutableArray's == compares the underlying array: the same entries in the same order.
        if (old is not null && old.Source.HttpRoutes == listener.HttpRoutes)
        {
            stats.GroupsReused += old.RouteGroups.Count;
            return new CompiledListener(listener, port.Port, old.RouteGroups, old.EntryProblems, tls);
        }

        // Group entries by route hostname, keeping IR (precedence) order inside each group.
        var groups = new Dictionary<string, List<HttpRouteEntry>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var entry in listener.HttpRoutes)
        {
            var hostnames = entry.Hostnames.IsDefaultOrEmpty ? [""] : entry.Hostnames;
            foreach (var hostname in hostnames.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!groups.TryGetValue(hostname, out var list))
                {
                    groups[hostname] = list = [];
                    order.Add(hostname);
                }
                list.Add(entry);
            }
        }

        // An entry with several hostnames is compiled once per listener (null: it failed and is left out).
        var compiled = new Dictionary<HttpRouteEntry, CompiledRoute?>(ReferenceEqualityComparer.Instance);
        Dictionary<HttpRouteEntry, CompiledRoute>? previousRoutes = null;
        Dictionary<HttpRouteEntry, string>? failed = null;
        var table = new HostnameTable<RouteGroup>.Builder();
        foreach (var hostname in order)
        {
            var entries = groups[hostname];
            var key = hostname.Length == 0 ? null : hostname;
            var group = old?.RouteGroups.Registered(key);
            if (group is not null && SameEntries(group, entries))
            {
                stats.GroupsReused++;
                table.Add(key, group);
                continue;
            }
            var routes = new CompiledRoute[entries.Count];
            var count = 0;
            foreach (var entry in entries)
            {
                if (!compiled.TryGetValue(entry, out var route))
                {
                    if (old is not null && (previousRoutes ??= RoutesOf(old)).TryGetValue(entry, out var reused))
                    {
                        route = reused;
                        stats.EntriesReused++;
                    }
                    else
                    {
                        try
                        {
                            route = CompileEntry(entry, port);
                        }
                        catch (ArgumentException e)
                        {
                            (failed ??= new Dictionary<HttpRouteEntry, string>(ReferenceEqualityComparer.Instance))[entry] = e.Message;
                        }
                        stats.EntriesCompiled++;
                    }
                    compiled[entry] = route;
                }
                if (route is not null) routes[count++] = route;
            }
            stats.GroupsCompiled++;
            // A hostname none of whose entries compiled gets no group, so its requests go where they would without it.
            if (count > 0) table.Add(key, new RouteGroup(count == routes.Length ? routes : routes[..count]));
        }
        IReadOnlyList<string> problems = failed is null
            ? []
            : [.. listener.HttpRoutes.Where(failed.ContainsKey).Select(e => $"listener {listener.Name}: entry {e.Id} left out: {failed[e]}")];
        return new CompiledListener(listener, port.Port, table.Build(), problems, tls);
    }

    /// <summary>Whether <paramref name="group"/> holds exactly <paramref name="entries"/>, in that order (by reference).</summary>
    private static bool SameEntries(RouteGroup group, List<HttpRouteEntry> entries)
    {
        var routes = group.Routes;
        if (routes.Count != entries.Count) return false;
        for (var i = 0; i < entries.Count; i++)
        {
            if (!ReferenceEquals(routes[i].Entry, entries[i])) return false;
        }
        return true;
    }

    /// <summary>The compiled entries of <paramref name="listener"/> by IR entry instance.</summary>
    private static Dictionary<HttpRouteEntry, CompiledRoute> RoutesOf(CompiledListener listener)
    {
        var routes = new Dictionary<HttpRouteEntry, CompiledRoute>(ReferenceEqualityComparer.Instance);
        foreach (var group in listener.RouteGroups.Values)
        {
            foreach (var route in group.Routes) routes.TryAdd(route.Entry, route);
        }
        return routes;
    }

    private CompiledListenerTls CompileTls(ListenerRouteTable listener)
    {
        var certificate = listener.Tls?.Certificates.FirstOrDefault();
        if (certificate is null) return new CompiledListenerTls(null, null, $"listener {listener.Name}: no certificate");
        var context = certificates.Get(certificate, out var error);
        if (context is null) return new CompiledListenerTls(null, null, $"listener {listener.Name}: {error}");
        return new CompiledListenerTls(CompiledSocketTable.CreateServerOptions(context, listener.Tls!.ClientValidation), CertificateCache.KeyOf(certificate), null);
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
