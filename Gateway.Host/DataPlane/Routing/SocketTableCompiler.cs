using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Filters;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.Mirroring;
using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Runtime.CompilerServices;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>
/// Compiles one Gateway port of the IR into a <see cref="CompiledSocketTable"/>. Everything a request needs is
/// decided here (regexes, header plans, redirect inputs, weighted backends, transformers), so the request path only
/// reads. An entry that cannot be compiled (for example an unsupported regular expression) is left out and reported
/// in <see cref="CompiledSocketTable.Problems"/>; it never takes the rest of the table down (STYLE: one bad route never
/// blocks the others).
/// Given the socket's previous table, only what changed is compiled; see <see cref="Compile"/>.
/// </summary>
internal sealed class SocketTableCompiler(BackendClients clients, CertificateCache certificates, ForwardedHeaders? forwarded = null,
    byte[]? sessionKey = null, RateLimiting.RateLimitRegistry? rateLimits = null, int? forwardedTrustedHops = null, Action? mirrorCompiled = null)
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
        if (old is not null)
        {
            // ImmutableArray's == compares the underlying array: the same entries in the same order.
            if (old.Source.HttpRoutes == listener.HttpRoutes)
            {
                stats.GroupsReused += old.RouteGroups.Count;
                return new CompiledListener(listener, port.Port, old.RouteGroups, old.EntryProblems, tls);
            }
            // Patching relies on every entry of the old listener being in its groups (nothing left out).
            if (old.EntryProblems.Count == 0 && Patch(old, listener, port, stats) is var (patched, problems))
            {
                return new CompiledListener(listener, port.Port, patched, problems, tls);
            }
        }
        var (groups, entryProblems) = Regroup(listener, port, old, stats);
        return new CompiledListener(listener, port.Port, groups, entryProblems, tls);
    }

    /// <summary>
    /// Groups every entry of <paramref name="listener"/> by route hostname (IR precedence order inside each group);
    /// a group whose entries are those of the <paramref name="old"/> group of its hostname is taken over, and an
    /// entry compiled in that group is not compiled again (<see cref="GroupCompilation"/>).
    /// </summary>
    private (HostnameTable<RouteGroup>, IReadOnlyList<string>) Regroup(ListenerRouteTable listener, PortRouteTable port, CompiledListener? old, ApplyStats stats)
    {
        var groups = new Dictionary<string, List<HttpRouteEntry>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var entry in listener.HttpRoutes)
        {
            if (entry.Hostnames.IsDefaultOrEmpty || entry.Hostnames.Length == 1)
            {
                AddTo(HostnameKey.Of(entry.Hostnames.IsDefaultOrEmpty ? null : entry.Hostnames[0]), entry);
                continue;
            }
            foreach (var key in entry.Hostnames.Select(HostnameKey.Of).Distinct(StringComparer.OrdinalIgnoreCase)) AddTo(key, entry);
        }

        var context = new GroupCompilation(this, port, stats);
        var table = new HostnameTable<RouteGroup>.Builder();
        foreach (var key in order)
        {
            var entries = groups[key];
            var previous = old?.RouteGroups.Registered(key);
            if (previous is not null && SameEntries(previous, entries))
            {
                stats.GroupsReused++;
                table.Add(key, previous);
            }
            else if (context.Compile(entries, previous) is { } group)
            {
                table.Add(key, group);
            }
        }
        return (table.Build(), context.Problems(listener));

        void AddTo(string key, HttpRouteEntry entry)
        {
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }
            list.Add(entry);
        }
    }

    /// <summary>
    /// Patches the groups of <paramref name="old"/> into those of <paramref name="listener"/> without looking at the
    /// groups a change cannot reach. The entries before the first and after the last position where the two entry
    /// arrays differ (by reference) are the same instances in the same order in both, so a group none of whose
    /// hostnames occurs among the entries in between has exactly its old entries and is kept as it is. Only the
    /// groups of those hostnames are rebuilt, from their previous entries and the entries in between. Null when the
    /// differing span is so large that regrouping the whole listener is as cheap.
    /// </summary>
    /// <remarks>
    /// <see cref="MethodImplOptions.AggressiveOptimization"/>: called once per change, its scans of the listener's
    /// entries ran at tier 0 until the loop's on-stack replacement compiled this large method on the applying thread,
    /// about 18 ms at 10,000 routes, inside the first changes after start-up (perf, bench/README.md "Issue 10 in the
    /// seventh session"); optimized from its first call (the pipeline's warm-up) it never does.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (HostnameTable<RouteGroup>, IReadOnlyList<string>)? Patch(CompiledListener old, ListenerRouteTable listener, PortRouteTable port, ApplyStats stats)
    {
        var (before, after) = (old.Source.HttpRoutes, listener.HttpRoutes);
        // Two versions of a listener's list one change apart share all but a chunk or two, which the comparison skips.
        var (head, tail) = ChunkedList.CommonEnds(before, after);
        var (removedCount, addedCount) = (before.Count - head - tail, after.Count - head - tail);
        if (removedCount + addedCount > Math.Max(16, (before.Count + after.Count) / 2)) return null;
        ReadOnlySpan<HttpRouteEntry> removed = before.Slice(head, removedCount);
        ReadOnlySpan<HttpRouteEntry> added = after.Slice(head, addedCount);

        var affected = new List<string>();
        foreach (var entry in removed) AddKeys(affected, entry);
        foreach (var entry in added) AddKeys(affected, entry);

        // The new entries of each affected hostname, in IR order. after = before[..head] + added + before[^tail..], so
        // a group is its previous entries before the differing span, the added entries of its hostname, then its
        // previous entries after the span. Which previous entries lie before the span is plain when the group had
        // entries inside it (those come between); a group that had none but gains entries is found by a scan of
        // the new entries instead (the only case that looks at every entry).
        var previousGroups = affected.Select(old.RouteGroups.Registered).ToArray();
        var lists = new List<HttpRouteEntry>?[affected.Count];
        HashSet<HttpRouteEntry>? removedSet = null;
        List<int>? scan = null;
        for (var i = 0; i < affected.Count; i++)
        {
            var gained = new List<HttpRouteEntry>();
            foreach (var entry in added)
            {
                if (InGroup(entry, affected[i]) && (gained.Count == 0 || !ReferenceEquals(gained[^1], entry))) gained.Add(entry);
            }
            var previous = previousGroups[i]?.Routes ?? [];
            if (previous.Count == 0)
            {
                if (gained.Count > 0) lists[i] = gained;
                continue;
            }
            removedSet ??= new HashSet<HttpRouteEntry>(removed.ToArray(), ReferenceEqualityComparer.Instance);
            int first = -1, last = -1;
            for (var k = 0; k < previous.Count; k++)
            {
                if (!removedSet.Contains(previous[k].Entry)) continue;
                if (first < 0) first = k;
                last = k;
            }
            if (first < 0)
            {
                if (gained.Count == 0) lists[i] = [.. previous.Select(r => r.Entry)];
                else (scan ??= []).Add(i);
                continue;
            }
            var list = new List<HttpRouteEntry>(previous.Count - (last - first + 1) + gained.Count);
            for (var k = 0; k < first; k++) list.Add(previous[k].Entry);
            list.AddRange(gained);
            for (var k = last + 1; k < previous.Count; k++) list.Add(previous[k].Entry);
            if (list.Count > 0) lists[i] = list;
        }
        if (scan is not null)
        {
            foreach (var i in scan) lists[i] = null;
            foreach (var entry in after)
            {
                if (entry.Hostnames.IsDefaultOrEmpty)
                {
                    Collect("", entry);
                    continue;
                }
                foreach (var hostname in entry.Hostnames) Collect(HostnameKey.Of(hostname), entry);
            }
        }

        var context = new GroupCompilation(this, port, stats);
        var changes = new List<KeyValuePair<string, RouteGroup?>>();
        for (var i = 0; i < affected.Count; i++)
        {
            var previous = previousGroups[i];
            if (lists[i] is not { } entries)
            {
                if (previous is not null) changes.Add(new(affected[i], null));
                continue;
            }
            if (previous is not null && SameEntries(previous, entries))
            {
                stats.GroupsReused++;
                continue;
            }
            changes.Add(new(affected[i], context.Compile(entries, previous)));
        }
        stats.GroupsReused += old.RouteGroups.Count - previousGroups.Count(g => g is not null);
        return (changes.Count == 0 ? old.RouteGroups : old.RouteGroups.With(changes), context.Problems(listener));

        void Collect(string key, HttpRouteEntry entry)
        {
            var i = IndexOf(affected, key);
            if (i < 0 || !scan!.Contains(i)) return;
            var list = lists[i] ??= [];
            // An entry lists a hostname once per spelling; it belongs to its group once.
            if (list.Count == 0 || !ReferenceEquals(list[^1], entry)) list.Add(entry);
        }
    }

    /// <summary>Whether <paramref name="entry"/> belongs to the group of hostname key <paramref name="key"/>.</summary>
    private static bool InGroup(HttpRouteEntry entry, string key)
    {
        if (entry.Hostnames.IsDefaultOrEmpty) return key.Length == 0;
        foreach (var hostname in entry.Hostnames)
        {
            if (string.Equals(HostnameKey.Of(hostname), key, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static void AddKeys(List<string> keys, HttpRouteEntry entry)
    {
        if (entry.Hostnames.IsDefaultOrEmpty)
        {
            if (IndexOf(keys, "") < 0) keys.Add("");
            return;
        }
        foreach (var hostname in entry.Hostnames)
        {
            var key = HostnameKey.Of(hostname);
            if (IndexOf(keys, key) < 0) keys.Add(key);
        }
    }

    /// <summary>A linear search: the hostnames a change touches are few, and a length mismatch fails at once.</summary>
    private static int IndexOf(List<string> keys, string key)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (string.Equals(keys[i], key, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <summary>
    /// Compiles groups of one listener: each entry at most once (an entry with several hostnames is in several
    /// groups), taking over an entry already compiled in the previous group of its hostname; collects the entries
    /// left out. An unchanged entry instance keeps its hostnames, so the previous group of the same hostname is where
    /// it was compiled (unless it moved to another listener, or failed before; then it is compiled again).
    /// </summary>
    private sealed class GroupCompilation(SocketTableCompiler compiler, PortRouteTable port, ApplyStats stats)
    {
        /// <summary>Up to this many previous entries between the differences are searched linearly, not hashed.</summary>
        private const int LinearSearch = 8;

        private readonly Dictionary<HttpRouteEntry, CompiledRoute?> _compiled = new(ReferenceEqualityComparer.Instance);
        private Dictionary<HttpRouteEntry, string>? _failed;

        /// <summary>
        /// The group of <paramref name="entries"/>; null when none of them compiled (the hostname then gets no group).
        /// The entries before the first and after the last difference from <paramref name="previous"/> (the previous
        /// group of the same hostname) are taken over by position; those in between are looked up among the previous
        /// group's entries in between, else compiled. A miss only costs a compile: compiling an entry again gives
        /// what it gave before.
        /// </summary>
        public RouteGroup? Compile(List<HttpRouteEntry> entries, RouteGroup? previous)
        {
            var routes = new CompiledRoute[entries.Count];
            var count = 0;
            var old = previous?.Routes ?? [];
            var common = Math.Min(old.Count, entries.Count);
            var head = 0;
            while (head < common && ReferenceEquals(old[head].Entry, entries[head])) head++;
            var tail = 0;
            while (tail < common - head && ReferenceEquals(old[^(tail + 1)].Entry, entries[^(tail + 1)])) tail++;
            Dictionary<HttpRouteEntry, CompiledRoute>? between = null;

            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                CompiledRoute? route = null;
                // Only an entry with several hostnames is in several groups, so only its compilation is remembered.
                var several = !entry.Hostnames.IsDefault && entry.Hostnames.Length > 1;
                if (i < head || i >= entries.Count - tail)
                {
                    route = old[i < head ? i : old.Count - (entries.Count - i)];
                    stats.EntriesReused++;
                }
                else if (!several || !_compiled.TryGetValue(entry, out route))
                {
                    var oldEnd = old.Count - tail;
                    if (between is null && oldEnd - head > LinearSearch)
                    {
                        between = new Dictionary<HttpRouteEntry, CompiledRoute>(oldEnd - head, ReferenceEqualityComparer.Instance);
                        for (var j = head; j < oldEnd; j++) between.TryAdd(old[j].Entry, old[j]);
                    }
                    if (between is not null ? between.TryGetValue(entry, out var reused) : TryFind(old, head, oldEnd, entry, out reused))
                    {
                        route = reused;
                        stats.EntriesReused++;
                    }
                    else
                    {
                        try
                        {
                            route = compiler.CompileEntry(entry, port, Predecessor(old, entries, i, entry));
                        }
                        catch (Exception e) when (e is ArgumentException or NotSupportedException)
                        {
                            // An entry that cannot be compiled (an invalid pattern, or one the regex engine refuses; the
                            // translator checks patterns with RouteRegex.Error, so only a table made elsewhere gets
                            // here) is reported and left out; the others serve.
                            (_failed ??= new Dictionary<HttpRouteEntry, string>(ReferenceEqualityComparer.Instance))[entry] = e.Message;
                        }
                        stats.EntriesCompiled++;
                    }
                    if (several) _compiled[entry] = route;
                }
                if (route is not null) routes[count++] = route;
            }
            stats.GroupsCompiled++;
            return count == 0 ? null : new RouteGroup(count == routes.Length ? routes : routes[..count]);
        }

        /// <summary>
        /// The previous group's route this entry replaces, when the group kept its shape: the same number of entries and,
        /// at this position, the same route, rule and match. Its backends' round-robin goes on in the new compilation.
        /// </summary>
        private static CompiledRoute? Predecessor(IReadOnlyList<CompiledRoute> old, List<HttpRouteEntry> entries, int i, HttpRouteEntry entry)
        {
            if (old.Count != entries.Count) return null;
            var before = old[i].Entry;
            return before.Route == entry.Route && before.RuleIndex == entry.RuleIndex && before.MatchIndex == entry.MatchIndex ? old[i] : null;
        }

        private static bool TryFind(IReadOnlyList<CompiledRoute> routes, int from, int to, HttpRouteEntry entry, [MaybeNullWhen(false)] out CompiledRoute route)
        {
            for (var j = from; j < to; j++)
            {
                if (ReferenceEquals(routes[j].Entry, entry))
                {
                    route = routes[j];
                    return true;
                }
            }
            route = null!;
            return false;
        }

        /// <summary>The entries left out, in IR order.</summary>
        public IReadOnlyList<string> Problems(ListenerRouteTable listener) => _failed is null
            ? []
            : [.. listener.HttpRoutes.Where(_failed.ContainsKey).Select(e => $"listener {listener.Name}: entry {e.Id} left out: {_failed[e]}")];
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

    private CompiledListenerTls CompileTls(ListenerRouteTable listener)
    {
        var certificate = listener.Tls?.Certificates.FirstOrDefault();
        if (certificate is null) return new CompiledListenerTls(null, null, $"listener {listener.Name}: no certificate");
        var context = certificates.Get(certificate, out var error);
        if (context is null) return new CompiledListenerTls(null, null, $"listener {listener.Name}: {error}");
        return new CompiledListenerTls(CompiledSocketTable.CreateServerOptions(context, listener.Tls!.ClientValidation), CertificateCache.KeyOf(certificate), null);
    }

    private GatewayTransformer? _plainHttp;
    private GatewayTransformer? _plainHttps;

    // Made on first use; a race makes two equal instances, either of which is correct.
    private GatewayTransformer PlainTransformer(string scheme) => scheme == "https"
        ? _plainHttps ??= new GatewayTransformer(null, null, null, null, retryOn: null, new RequestPlan(forwarded ?? ForwardedHeaders.Default, scheme, null, null))
        : _plainHttp ??= new GatewayTransformer(null, null, null, null, retryOn: null, new RequestPlan(forwarded ?? ForwardedHeaders.Default, scheme, null, null));

    internal CompiledRoute CompileEntry(HttpRouteEntry entry, PortRouteTable port, CompiledRoute? predecessor = null)
    {
        var match = CompiledMatch.Compile(entry);
        var filters = entry.Filters ?? HttpFilters.None;
        var grpc = entry.Kind == HttpRouteKind.Grpc;
        var retry = RetryPlan.Create(entry.Retry);
        var routeResponse = HeaderModifierPlan.Create(filters.ResponseHeaders);
        var cors = CorsPlan.Create(filters.Cors);
        var scheme = port.Protocol == ListenerProtocol.Https ? "https" : "http";
        var backends = (entry.Backends.Backends.IsDefault ? [] : entry.Backends.Backends)
            .Select(b =>
            {
                var backendResponse = HeaderModifierPlan.Create(b.ResponseHeaders);
                // A backendRef's URLRewrite replaces the rule's for the requests sent to it (see WeightedBackend.Rewrite).
                var rewrite = b.Rewrite ?? filters.Rewrite;
                var hostOverride = rewrite?.Hostname;
                var request = new RequestPlan(forwarded ?? ForwardedHeaders.Default, scheme, rewrite?.Path, match.MatchedPrefix);
                // Without a rewrite, response header changes or CORS, the final transformer depends on the scheme alone
                // (the matched prefix is read only by a path rewrite): one shared instance per scheme instead of one per
                // backend of every route (a transformer and its plan are about 110 bytes; it holds no per-request state).
                var plain = rewrite is null && routeResponse is null && backendResponse is null && cors is null;
                return new CompiledBackend(
                    b,
                    clients.For(b.Protocol, b.Tls, grpc),
                    HeaderModifierPlan.Create(b.RequestHeaders),
                    plain ? PlainTransformer(scheme) : new GatewayTransformer(hostOverride, routeResponse, backendResponse, cors, retryOn: null, request),
                    retry is null ? null : new GatewayTransformer(hostOverride, routeResponse, backendResponse, cors, retry, request),
                    rewrite, backendResponse);
            })
            .ToArray();
        if (predecessor is not null)
        {
            foreach (var backend in backends)
            {
                foreach (var before in predecessor.Action.Backends.Backends) backend.ContinueFrom(before);
            }
        }
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
            RateLimits = rateLimits is null || entry.RateLimits.IsDefaultOrEmpty ? null : RateLimiting.RateLimitPlan.Create(entry.RateLimits, rateLimits, forwardedTrustedHops),
            RequestTimeout = Enabled(entry.Timeouts?.Request),
            BackendTimeout = Enabled(entry.Timeouts?.BackendRequest),
            Retry = retry,
            ExternalAuth = Auth.ExternalAuthPlan.Create(filters.ExternalAuth, clients),
            Session = entry.Session is { } session
                ? new Sessions.SessionPlan(session, backends, Sessions.SessionPlan.CookiePath(entry.Path), port.Protocol == ListenerProtocol.Https, sessionKey)
                : null,
        };
        if (predecessor is not null)
        {
            // The rule's ExternalAuth service and mirrors go on round-robin too (each where the replaced entry's got to).
            action.ExternalAuth?.ContinueFrom(predecessor.Action.ExternalAuth);
            foreach (var mirror in action.Mirrors)
            {
                foreach (var before in predecessor.Action.Mirrors) mirror.Target.ContinueFrom(before.Target);
            }
        }
        return new CompiledRoute(entry, match, action);
    }

    /// <summary>"0s" disables a timeout (HTTPRouteTimeouts: "Setting a timeout to the zero duration ... SHOULD disable").</summary>
    private static TimeSpan? Enabled(TimeSpan? timeout) => timeout is { } t && t > TimeSpan.Zero ? t : null;

    /// <summary>IR mirror → Gateway.Streams contract. An invalid mirror backend is dropped (RequestMirror.BackendRef).</summary>
    /// <summary>A mirror's target, or null for one that sends nothing; <c>mirrorCompiled</c> hears of every other.</summary>
    private CompiledMirror? CompileMirror(RequestMirror mirror)
    {
        var backend = mirror.Backend;
        if (!backend.Valid || mirror.Fraction <= 0) return null;
        mirrorCompiled?.Invoke();
        var endpoints = backend.Endpoints.IsDefault ? [] : backend.Endpoints.Select(e => new MirrorEndpoint(e.Address, e.Port)).ToArray();
        return new CompiledMirror(new MirrorTarget(backend.ClusterId, [.. endpoints], backend.Protocol == BackendProtocol.H2c), Math.Min(1.0, mirror.Fraction));
    }
}
