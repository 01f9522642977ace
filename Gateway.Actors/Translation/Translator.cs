using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// Snapshot → TranslationResult: all Gateway API semantics, pure (no Akka, no clock, no I/O). Only the whole-snapshot
/// passes (addresses, PortUnavailable, policy ancestors) can throw; the host then logs it and keeps its last state.
/// The work is an ordered list of steps (Envoy Gateway style); each step reads only what earlier steps decided, and
/// each object is decided by its own function inside a guard, so one object that trips an unexpected fault gets an
/// internal-error condition in its status, a <see cref="TranslationDiagnostic"/> in the result (logged with its stack by
/// the host), and every other object is still translated. Expected input errors (a bad certificate, bad YAML in a
/// ConfigMap, an invalid regex) are not faults: they become specific conditions where they are read.
/// </summary>
public static class Translator
{
    /// <summary>The guarded per-object steps, as named in <see cref="TranslationDiagnostic.Step"/>.</summary>
    public static class Steps
    {
        public const string GatewayClass = "GatewayClass";
        public const string Gateway = "Gateway";
        public const string ListenerSet = "ListenerSet";

        /// <summary>Not a step of its own: <see cref="TranslatorOptions.FaultInjection"/> is also called with it after each listener of a ListenerSet.</summary>
        public const string ListenerSetListener = "ListenerSetListener";
        public const string ListenerConflicts = "ListenerConflicts";
        public const string ListenerSetFinish = "ListenerSetFinish";
        public const string BackendTlsPolicy = "BackendTLSPolicy";
        public const string BackendTlsPolicyTargets = "BackendTLSPolicyTargets";
        public const string RateLimitPolicy = "RateLimitPolicy";
        public const string Route = "Route";
        public const string RouteParents = "RouteParents";
        public const string RouteEntries = "RouteEntries";
        public const string Precedence = "Precedence";
        public const string RouteTable = "RouteTable";
        public const string Status = "Status";
    }

    /// <summary>Translates one snapshot.</summary>
    public static TranslationResult Translate(Snapshot snapshot, TranslatorOptions options) => Full(snapshot, options).Result;

    /// <summary>
    /// Translates one snapshot from nothing and keeps every model it decided, so <see cref="IncrementalTranslator"/>
    /// can re-translate parts of it later.
    /// </summary>
    internal static TranslationState Full(Snapshot snapshot, TranslatorOptions options)
    {
        var state = new TranslationState(snapshot, options);
        var index = state.Index;
        var statuses = new Dictionary<ResourceKey, DesiredStatus>();
        var diagnostics = new DiagnosticLog();
        var gateways = state.Gateways;
        var listenerSets = state.ListenerSets;

        // Every Service the Gateway-level steps (1-7) read: a change to one of them is translated in full.
        index.Reads = state.GatewayReads;

        // Step 1 - GatewayClasses. Only classes naming our controller are ours (GatewayClassSpec.ControllerName); every
        // later step works only below an accepted class of ours, so this comes first.
        var acceptedClasses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gc in snapshot.GatewayClasses.Where(c => c.Spec.ControllerName == options.ControllerName))
        {
            var key = KindRegistry.KeyOf(KindRegistry.GatewayClass, gc);
            var (status, accepted) = Guard(diagnostics, options, Steps.GatewayClass, key, () => TranslateGatewayClass(gc, snapshot, options), e => (FailedClass(gc, e), false));
            if (accepted) acceptedClasses.Add(gc.Metadata.Name);
            // Null only when building the failure status itself faulted (recorded as a second diagnostic).
            if (status is not null) statuses[key] = new DesiredGatewayClassStatus(key, GatewayTranslation.Generation(gc.Metadata), gc, status);
        }

        // Step 1b - XMesh resources naming our controller: Accepted and the mesh's supportedFeatures (Gateway.Actors/Mesh).
        foreach (var status in Mesh.XMeshTranslation.Statuses(snapshot, options)) statuses[status.Key] = status;

        // Step 2 - Gateways of an accepted class of ours: parameters, requested addresses, and each listener on its own
        // (protocol, kinds, certificates, frontend validation). Conflicts need the ListenerSets, so they wait for step 4.
        var failedGateways = new Dictionary<ResourceKey, (V1Gateway Gateway, Exception Error)>();
        foreach (var gw in snapshot.Gateways.Where(g => acceptedClasses.Contains(g.Spec.GatewayClassName)))
        {
            var key = KindRegistry.KeyOf(KindRegistry.Gateway, gw);
            var model = Guard<GatewayModel?>(diagnostics, options, Steps.Gateway, key, () => GatewayTranslation.Translate(gw, index, options), e => { failedGateways[key] = (gw, e); return null; });
            if (model is not null) gateways[key] = model;
        }

        // Step 3 - ListenerSets (GEP-1713) join their parent Gateway when its allowedListeners admits them; their
        // listeners are appended after the Gateway's own, oldest ListenerSet first, which is the conflict precedence.
        foreach (var ls in snapshot.ListenerSets.OrderBy(s => s.Metadata.CreationTimestamp is null).ThenBy(s => s.Metadata.CreationTimestamp).ThenBy(s => KindRegistry.KeyOf(KindRegistry.ListenerSet, s)))
        {
            var key = KindRegistry.KeyOf(KindRegistry.ListenerSet, ls);
            // A ListenerSet on one of our Gateways that faults gets a not-accepted model (so its status and routes
            // naming it say why); one whose parent is not ours, or cannot even be read, gets no status from us.
            var model = Guard(diagnostics, options, Steps.ListenerSet, key, () => ListenerSetTranslation.Translate(ls, gateways, index, options),
                e => ListenerSetTranslation.Failed(ls, gateways, ListenerSetConditions.InternalError(InternalError.Message(Steps.ListenerSet, e))));
            if (model is not null) listenerSets[model.Key] = model;
        }

        // Step 4 - Listener conflicts per Gateway (GatewaySpec.Listeners "Distinct Listeners"), now that every listener
        // of the Gateway, its own and its ListenerSets', is known. Then a ListenerSet whose listeners all failed is
        // itself not accepted.
        foreach (var model in gateways.Values)
        {
            // Conflicts may be half-resolved when this faults, so the Gateway is not accepted (and not served) at all.
            Guard(diagnostics, options, Steps.ListenerConflicts, model.Key, () => { GatewayTranslation.ResolveConflicts(model); return 0; },
                e => { model.NotAccepted = GatewayConditions.InternalError(InternalError.Message(Steps.ListenerConflicts, e)); return 0; });
        }
        foreach (var ls in listenerSets.Values)
        {
            Guard(diagnostics, options, Steps.ListenerSetFinish, ls.Key, () => { ListenerSetTranslation.Finish(ls); return 0; },
                e => { ListenerSetTranslation.Reject(ls, ListenerSetConditions.InternalError(InternalError.Message(Steps.ListenerSetFinish, e))); return 0; });
        }

        // Step 5 - Addresses. Pool mode: static ones were checked in step 2; pool addresses are assigned across all
        // Gateways at once so the assignment is collision-free and stable (AddressAllocator). Service mode: each
        // Gateway's Service says which container port serves each listener port and which addresses it has
        // (ServiceAddressing).
        if (options.AddressMode == AddressMode.ServicePerGateway) ServiceAddressing.Assign(gateways.Values, snapshot, options);
        else AssignAddresses(gateways.Values, options);

        // Step 6 - PortUnavailable: listeners whose socket the data plane could not bind on its last apply.
        foreach (var gw in gateways.Values)
        {
            foreach (var l in gw.Listeners.Where(l => l.Accepted && gw.TableAddresses.Any(a => options.UnavailableSockets.Contains(new ListenerSocket(a, l.BindPort ?? l.Port)))))
            {
                l.NotAccepted = ListenerConditions.PortUnavailable($"Port {l.BindPort ?? l.Port} could not be bound on this node.");
            }
        }

        // Step 7 - BackendTLSPolicies (GEP-1897): validate each policy, check its target Services and ports, and rank
        // policies that select the same Service port. Backends are resolved in the next step and need to know which
        // policy applies to them, so this comes before routes; which Gateways are ancestors waits for step 10.
        index.BackendTls = BackendTlsPolicyTranslation.Translate(snapshot.BackendTlsPolicies, index, diagnostics, options);
        index.Reads = null;

        // Step 8 - Routes, HTTPRoute first, then GRPCRoute, TLSRoute, TCPRoute, UDPRoute: compile rules (matches,
        // filters, backends) once per route, then bind each parentRef to listeners. Attachment only reads listener
        // facts decided above, never another route.
        var routes = new List<RouteModel>();
        foreach (var kind in KindRegistry.RouteKinds)
        {
            foreach (var r in snapshot.All<IKubernetesObject<V1ObjectMeta>>(kind)) routes.Add(state.AddRoute(CompileRoute(state, r, diagnostics)));
        }

        // Step 9 - Per listener: entries of accepted parents, attachedRoutes, precedence order, then shadowed matches
        // (needs the final order, so it runs last). A route's entries are all computed before any is placed, so a
        // route that faults here leaves no entry behind; a Gateway whose ordering faults is not served at all.
        foreach (var route in routes) PlaceRoute(route, sorted: false, options, diagnostics);
        foreach (var gw in gateways.Values)
        {
            Guard(diagnostics, options, Steps.Precedence, gw.Key, () => { foreach (var l in gw.Listeners) Shadowing.SortAndDetect(l); return 0; },
                e => { gw.NotAccepted = GatewayConditions.InternalError(InternalError.Message(Steps.Precedence, e)); return 0; });
        }

        // Step 10 - BackendTLSPolicy ancestors: every Gateway on which a route is accepted becomes an ancestor of the
        // policies about the Service ports that route uses (PolicyAncestorStatus: for BackendTLSPolicy "the relevant
        // object for status is the Gateway").
        AddPolicyAncestors(routes, index);

        // Step 10b - The mesh (GAMMA): GRPCRoutes take Service ports from HTTPRoutes of the same group (GEP-1294 route
        // types, MeshRouteTypes); then every Service with a ClusterIP, per port the producer and consumer route tables
        // of the routes whose Service parents were accepted in step 8, and the endpoints for passthrough.
        Mesh.MeshRouteTypes.Resolve(routes);
        var mesh = Mesh.MeshTableBuilder.Build(index, routes, options, state.MeshAssignments);

        // Step 10c - RateLimitPolicies (RateLimitPolicyTranslation): targets are Gateways, listeners, routes and rules as
        // attached above; the table build below puts each entry's limits on it.
        index.RateLimits = RateLimitPolicyTranslation.Translate(snapshot.All<V1Alpha1RateLimitPolicy>(KindRegistry.RateLimitPolicy), snapshot, gateways, state.Routes, diagnostics, options);
        foreach (var gw in gateways.Values) gw.RateLimits = index.RateLimits;

        // Step 11 - Route tables for every programmed Gateway, and every status. A Gateway whose table faults is not
        // served and says so (tables come first so its status sees that); an object whose status faults gets the
        // internal-error form of its status instead.
        var tables = ImmutableArray.CreateBuilder<GatewayRouteTable>();
        foreach (var gw in gateways.Values.Where(g => g.Served).OrderBy(g => g.Key))
        {
            if (BuildTableGuarded(gw, options, diagnostics) is { } table) tables.Add(table);
        }
        foreach (var gw in gateways.Values) SetStatus(statuses, GatewayStatus(gw, listenerSets.Values, options, diagnostics));
        foreach (var (key, (gw, e)) in failedGateways)
        {
            statuses[key] = new DesiredGatewayStatus(key, GatewayTranslation.Generation(gw.Metadata), gw, StatusComposer.FailedGateway(gw, Steps.Gateway, e));
        }
        foreach (var ls in listenerSets.Values.Where(s => s.Parent is not null)) SetStatus(statuses, ListenerSetStatus(ls, options, diagnostics));
        foreach (var route in routes.Where(r => r.Parents.Count > 0)) SetStatus(statuses, RouteStatus(route, snapshot, options, diagnostics));
        foreach (var policy in index.BackendTls.Policies.Where(p => p.Ancestors.Count > 0)) SetStatus(statuses, PolicyStatus(policy, options, diagnostics));
        foreach (var policy in index.RateLimits.Policies.Where(p => p.Targets.Count > 0)) SetStatus(statuses, RateLimitStatus(policy, options, diagnostics));

        state.Result = new TranslationResult(snapshot.Revision, tables.ToImmutable(), statuses.ToImmutableSortedDictionary()) { Diagnostics = diagnostics.ToImmutable(), Mesh = mesh };
        return state;
    }

    private static void SetStatus(Dictionary<ResourceKey, DesiredStatus> statuses, DesiredStatus? status)
    {
        if (status is not null) statuses[status.Key] = status;
    }

    internal static DesiredStatus? GatewayStatus(GatewayModel gw, IEnumerable<ListenerSetModel> listenerSets, TranslatorOptions options, DiagnosticLog diagnostics) =>
        Guard<DesiredStatus?>(diagnostics, options, Steps.Status, gw.Key,
            () => new DesiredGatewayStatus(gw.Key, gw.Generation, gw.Gateway, StatusComposer.Gateway(gw, listenerSets)),
            e => new DesiredGatewayStatus(gw.Key, gw.Generation, gw.Gateway, StatusComposer.FailedGateway(gw.Gateway, Steps.Status, e)));

    internal static DesiredStatus? ListenerSetStatus(ListenerSetModel ls, TranslatorOptions options, DiagnosticLog diagnostics) =>
        Guard<DesiredStatus?>(diagnostics, options, Steps.Status, ls.Key,
            () => new DesiredListenerSetStatus(ls.Key, ls.Generation, ls.ListenerSet, StatusComposer.ListenerSet(ls)),
            e => new DesiredListenerSetStatus(ls.Key, ls.Generation, ls.ListenerSet, StatusComposer.FailedListenerSet(ls, Steps.Status, e)));

    internal static DesiredStatus? RouteStatus(RouteModel route, Snapshot snapshot, TranslatorOptions options, DiagnosticLog diagnostics)
    {
        // The snapshot's instance: a route whose object changed is always translated again, so its status never keeps an older one.
        var obj = snapshot.Get(route.Key)!;
        // Its pass is done: the model is kept until the next change that touches it.
        route.TrimLists();
        return Guard<DesiredStatus?>(diagnostics, options, Steps.Status, route.Key,
            () => new DesiredRouteStatus(route.Key, route.Generation, obj, KeptLists.Fixed(StatusComposer.Route(route, options.ControllerName))),
            e => new DesiredRouteStatus(route.Key, route.Generation, obj, StatusComposer.FailedRoute(route, options.ControllerName, Steps.Status, e)));
    }

    internal static DesiredStatus? PolicyStatus(BackendTlsPolicyModel policy, TranslatorOptions options, DiagnosticLog diagnostics) =>
        Guard<DesiredStatus?>(diagnostics, options, Steps.Status, policy.Key,
            () => new DesiredPolicyStatus(policy.Key, policy.Generation, policy.Policy, BackendTlsPolicyTranslation.Status(policy, options.ControllerName)),
            e => new DesiredPolicyStatus(policy.Key, policy.Generation, policy.Policy, BackendTlsPolicyTranslation.FailedStatus(policy, options.ControllerName, Steps.Status, e)));

    internal static DesiredStatus? RateLimitStatus(RateLimitPolicyModel policy, TranslatorOptions options, DiagnosticLog diagnostics) =>
        Guard<DesiredStatus?>(diagnostics, options, Steps.Status, policy.Key,
            () => new DesiredPolicyStatus(policy.Key, policy.Generation, policy.Policy, RateLimitPolicyTranslation.Status(policy, options.ControllerName)),
            e => new DesiredPolicyStatus(policy.Key, policy.Generation, policy.Policy, RateLimitPolicyTranslation.FailedStatus(policy, options.ControllerName, Steps.Status, e)));

    /// <summary>Step 10 over <paramref name="routes"/>: each accepted parent's Gateway becomes an ancestor of the policies the route uses.</summary>
    internal static void AddPolicyAncestors(IEnumerable<RouteModel> routes, TranslationIndex index)
    {
        foreach (var route in routes.Where(r => r.HasPolicyUses))
        {
            var used = route.Parents.Where(p => p.Accepted.Status).SelectMany(p => p.Attached).Select(a => a.Listener.Gateway).Distinct();
            foreach (var gateway in used) index.BackendTls.AddAncestors(gateway, route.PolicyUses);
        }
    }

    /// <summary>Step 11 for one Gateway: its route table, or null (and the Gateway not accepted) when building it faulted.</summary>
    internal static GatewayRouteTable? BuildTableGuarded(GatewayModel gw, TranslatorOptions options, DiagnosticLog diagnostics) =>
        Guard<GatewayRouteTable?>(diagnostics, options, Steps.RouteTable, gw.Key, () => gw.Table = BuildTable(gw),
            e => { gw.NotAccepted = GatewayConditions.InternalError(InternalError.Message(Steps.RouteTable, e)); return null; });

    /// <summary>
    /// Step 9 for one route: computes all its entries, then puts them on their listeners (appended when
    /// <paramref name="sorted"/> is false and the caller sorts afterwards, else inserted in order) and counts it in
    /// their attachedRoutes. A fault rejects the route and places nothing.
    /// </summary>
    internal static void PlaceRoute(RouteModel route, bool sorted, TranslatorOptions options, DiagnosticLog diagnostics)
    {
        var placements = Guard<List<Placement>?>(diagnostics, options, Steps.RouteEntries, route.Key, () => EntriesOf(route), e =>
        {
            RejectRoute(route, RouteConditions.InternalError(InternalError.Message(Steps.RouteEntries, e)));
            return null;
        });
        if (placements is null) return;
        foreach (var p in placements)
        {
            p.Listener.AttachedRoutes++;
            route.Place(p.Listener);
            if (!sorted)
            {
                // The table's list of entries is built once the listener is sorted (Shadowing.SortAndDetect).
                p.Listener.HttpEntries.AddRange(p.Http);
                p.Listener.L4Entries.AddRange(p.L4);
                continue;
            }
            foreach (var e in p.Http) Shadowing.Insert(p.Listener, e);
            foreach (var e in p.L4) EntryOrder.Insert(p.Listener.L4Entries, e, EntryOrder.L4);
        }
    }

    /// <summary>Takes a route's entries off the listeners <see cref="PlaceRoute"/> put them on, and its attachedRoutes count.</summary>
    internal static void UnplaceRoute(RouteModel route)
    {
        foreach (var listener in route.PlacedOn)
        {
            listener.AttachedRoutes--;
            Shadowing.RemoveRoute(listener, route.Key);
            listener.L4Entries.RemoveAll(e => e.Entry.Route == route.Key);
        }
        route.ClearPlacements();
    }

    /// <summary>Step 8 for one route object of any route kind: rules compiled, backends resolved, parentRefs bound, reads recorded.</summary>
    internal static RouteModel CompileRoute(TranslationState state, IKubernetesObject<V1ObjectMeta> obj, DiagnosticLog diagnostics)
    {
        var (index, gateways, listenerSets, options) = (state.Index, state.Gateways, state.ListenerSets, state.Options);
        var reads = new HashSet<ResourceKey>();
        index.Reads = reads;
        try
        {
            var model = obj switch
            {
                V1HTTPRoute r => NewRoute(r, "HTTPRoute", true, m => HttpRuleCompiler.CompileHttp(r, m, index), r.Spec.ParentRefs, r.Spec.Hostnames, gateways, listenerSets, index, options, diagnostics),
                V1GRPCRoute r => NewRoute(r, "GRPCRoute", true, m => HttpRuleCompiler.CompileGrpc(r, m, index), r.Spec.ParentRefs, r.Spec.Hostnames, gateways, listenerSets, index, options, diagnostics),
                V1TLSRoute r => NewRoute(r, "TLSRoute", true, m => CompileL4(r.Spec.Rules, "TLSRoute", m, index), r.Spec.ParentRefs, r.Spec.Hostnames, gateways, listenerSets, index, options, diagnostics),
                V1TCPRoute r => NewRoute(r, "TCPRoute", false, m => CompileL4(r.Spec.Rules, "TCPRoute", m, index), r.Spec.ParentRefs, null, gateways, listenerSets, index, options, diagnostics),
                V1UDPRoute r => NewRoute(r, "UDPRoute", false, m => CompileL4(r.Spec.Rules, "UDPRoute", m, index), r.Spec.ParentRefs, null, gateways, listenerSets, index, options, diagnostics),
                _ => throw new ArgumentException($"not a route kind: {obj.Kind}", nameof(obj)),
            };
            model.Reads = reads.Count == 0 ? [] : [.. reads];
            return model;
        }
        finally
        {
            index.Reads = null;
        }
    }

    private static (V1GatewayClassStatus Status, bool Accepted) TranslateGatewayClass(V1GatewayClass gc, Snapshot snapshot, TranslatorOptions options)
    {
        var generation = GatewayTranslation.Generation(gc.Metadata);
        // GatewayClassSpec.ParametersRef: in pool mode we define no parameters kind, so any reference cannot be
        // honoured. In service-per-Gateway mode a core ConfigMap (namespace required for a cluster-scoped referrer)
        // configures the Gateways' Services; a missing or malformed one is InvalidParameters.
        var accepted = gc.Spec.ParametersRef switch
        {
            null => GatewayClassConditions.Accepted(),
            { } pr when options.AddressMode != AddressMode.ServicePerGateway => GatewayClassConditions.InvalidParameters(
                $"parametersRef {pr.Group}/{pr.Kind} {pr.Name} is not supported: this implementation takes no GatewayClass parameters."),
            { Group: null or "", Kind: "ConfigMap", Namespace: null or "" } pr => GatewayClassConditions.InvalidParameters($"parametersRef ConfigMap {pr.Name} needs a namespace."),
            { } pr => GatewayServices.ResolveParameters(snapshot, pr.Group, pr.Kind, pr.Namespace ?? "", pr.Name).Error is { } error
                ? GatewayClassConditions.InvalidParameters(error)
                : GatewayClassConditions.Accepted(),
        };
        var status = new V1GatewayClassStatus
        {
            Conditions = [accepted.ToV1(generation), GatewayClassConditions.SupportedVersion().ToV1(generation)],
            SupportedFeatures = SupportedFeatures.Names.Select(n => new V1SupportedFeature { Name = n }).ToList(),
        };
        return (status, accepted.Status);
    }

    private static V1GatewayClassStatus FailedClass(V1GatewayClass gc, Exception e) => new V1GatewayClassStatus
    {
        Conditions = [GatewayClassConditions.InternalError(InternalError.Message(Steps.GatewayClass, e)).ToV1(GatewayTranslation.Generation(gc.Metadata))],
    };

    private static IReadOnlyList<TItem> Shared<TItem>(IList<TItem>? list) => list as IReadOnlyList<TItem> ?? list?.ToList() ?? [];

    private static RouteModel NewRoute<T>(T route, string kind, bool usesHostnames, Action<RouteModel> compile,
        IList<V1GatewayParentReference>? parentRefs, IList<string>? hostnames,
        IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, IReadOnlyDictionary<ResourceKey, ListenerSetModel> listenerSets, TranslationIndex index,
        TranslatorOptions options, DiagnosticLog diagnostics)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var key = KindRegistry.KeyOf(KindRegistry.ByName(kind)!, route);
        var model = new RouteModel
        {
            Key = key,
            Generation = GatewayTranslation.Generation(route.Metadata),
            Created = route.Metadata.CreationTimestamp,
            // The route's own lists, not copies: a parsed or watched object is never modified once it is in the store
            // (a change arrives as another object), and the model is kept per route between passes.
            ParentRefs = Shared(parentRefs),
            Hostnames = Shared(hostnames),
        };
        try
        {
            options.FaultInjection?.Invoke(Steps.Route, key);
            index.MeshReferrer = Mesh.MeshAttachment.MeshOnly(model.ParentRefs);
            compile(model);
            index.MeshReferrer = false;
            RouteAttachment.Attach(model, kind, usesHostnames, gateways, listenerSets, index);
        }
        catch (Exception e)
        {
            index.MeshReferrer = false;
            // A fault in one route rejects that route only: no entries, no policy uses, and every parent of ours says
            // an internal error happened. Attachment (which only reads listeners) is retried to find those parents
            // when the fault came before it; if that faults too, the route has no parent to report on.
            diagnostics.Add(key, Steps.Route, e);
            model.ClearRules();
            if (model.Parents.Count == 0)
            {
                try
                {
                    RouteAttachment.Attach(model, kind, usesHostnames, gateways, listenerSets, index);
                }
                catch (Exception again)
                {
                    diagnostics.Add(key, Steps.RouteParents, again);
                }
            }
            RejectRoute(model, RouteConditions.InternalError(InternalError.Message(Steps.Route, e)));
        }
        return model;
    }

    /// <summary>A route that faulted: nothing of it is served, no policy use counts, every parent carries <paramref name="condition"/>.</summary>
    private static void RejectRoute(RouteModel route, ConditionSpec condition)
    {
        route.ClearRules();
        route.ClearPolicyUses();
        foreach (var p in route.Parents)
        {
            p.ClearAttached();
            p.Mesh = null;
            p.Accepted = condition;
        }
    }

    /// <summary>TLSRoute / TCPRoute / UDPRoute rules: each rule forwards to its weighted backends.</summary>
    private static void CompileL4(IList<V1L4RouteRule>? rules, string kind, RouteModel model, TranslationIndex index)
    {
        model.RuleCount = rules?.Count ?? 0;
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var backends = new List<WeightedBackend>();
            foreach (var b in rules![i].BackendRefs ?? [])
            {
                var (backend, problem) = BackendResolution.Resolve(b, b.Weight, kind, model.Key.Namespace, false, index, layer4: true,
                    policyUses: kind == "TLSRoute" ? model : null, layer4Tls: kind == "TLSRoute");
                if (problem is not null) model.RefProblems.Add(problem);
                backends.Add(backend);
            }
            model.L4Rules.Add(new CompiledL4Rule(i, new BackendGroup([.. backends])));
        }
        if (model.RuleCount == 0) model.DroppedRules.Add("The route has no rules.");
    }

    /// <summary>The entries one route puts on one listener (the listener then counts the route once in attachedRoutes).</summary>
    internal sealed record Placement(ListenerModel Listener, List<SortableHttpEntry> Http, List<SortableL4Entry> L4);

    /// <summary>Each accepted parent's entries per listener, one placement per listener however many parents reach it; places nothing.</summary>
    private static List<Placement> EntriesOf(RouteModel route)
    {
        var placements = new List<Placement>();
        var placed = new HashSet<ListenerModel>();
        foreach (var parent in route.Parents.Where(p => p.Accepted.Status))
        {
            foreach (var (listener, hostnames) in parent.Attached)
            {
                if (!placed.Add(listener)) continue;
                var placement = new Placement(listener, [], []);
                var hosts = hostnames.Count == 0 ? new string?[] { null } : hostnames.Select(h => (string?)h).ToArray();
                foreach (var host in hosts) AddEntries(route, placement, host);
                placements.Add(placement);
            }
        }
        return placements;
    }

    private static void AddEntries(RouteModel route, Placement placement, string? host)
    {
        var suffix = host is null ? "" : $"/host/{host}";
        var hostList = host is null ? ImmutableArray<string>.Empty : [host];
        var kind = route.Key.Kind;
        AddHttpEntries(route, host, placement.Http);
        foreach (var rule in route.L4RulesOrEmpty)
        {
            var entry = new L4RouteEntry($"{kind}/{route.Key.Namespace}/{route.Key.Name}/rule/{rule.RuleIndex}{suffix}", route.Key, rule.RuleIndex, hostList, rule.Backends);
            placement.L4.Add(new SortableL4Entry(entry, route.Created));
        }
    }

    /// <summary>
    /// The HTTP entries of a route's valid matches for one effective hostname (null: any), with their precedence keys;
    /// shared by Gateway listeners and mesh Service ports (Gateway.Actors/Mesh), so both serve the same entries.
    /// </summary>
    internal static void AddHttpEntries(RouteModel route, string? host, List<SortableHttpEntry> into)
    {
        var hostList = host is null ? ImmutableArray<string>.Empty : [host];
        var kind = route.Key.Kind;
        foreach (var m in route.Matches)
        {
            // Id empty: derived from the route, rule, match and hostname when read (HttpRouteEntry.Id).
            var entry = new HttpRouteEntry("",
                kind == "GRPCRoute" ? HttpRouteKind.Grpc : HttpRouteKind.Http,
                route.Key, m.RuleIndex, m.MatchIndex, m.RuleName, hostList, m.Path, m.Headers, m.QueryParams, m.Method,
                m.Filters, m.Backends, m.Timeouts, m.Retry) { Session = m.Session };
            into.Add(new SortableHttpEntry(entry, route.Created));
        }
    }

    private static void AssignAddresses(IEnumerable<GatewayModel> gateways, TranslatorOptions options)
    {
        var list = gateways.Where(g => g.Accepted).ToList();
        var reserved = list.SelectMany(g => g.StaticAddresses).ToHashSet(StringComparer.Ordinal);
        var requests = new List<AddressRequest>();
        foreach (var g in list)
        {
            g.Addresses.AddRange(g.StaticAddresses);
            if (g.PoolAddressesWanted > 0) requests.Add(new AddressRequest(g.Key, g.Gateway.Metadata.CreationTimestamp));
        }
        var assigned = AddressAllocator.Assign(options.AddressPool, requests, reserved);
        foreach (var g in list)
        {
            if (g.PoolAddressesWanted > 0 && assigned.TryGetValue(g.Key, out var a) && a is not null) g.Addresses.Add(a);
        }
    }

    /// <summary>
    /// The data plane view of one programmed Gateway: servable listeners grouped per (port, protocol) - ports
    /// ascending, listeners most specific hostname first - with entries already in precedence order.
    /// ListenerSet listeners are named "namespace/listenerset/listener" so names stay unique within the Gateway.
    /// </summary>
    private static GatewayRouteTable BuildTable(GatewayModel gw)
    {
        var ports = ImmutableArray.CreateBuilder<PortRouteTable>();
        var previous = new Dictionary<(int, ListenerProtocol), PortRouteTable>(gw.PortTables);
        gw.PortTables.Clear();
        foreach (var g in gw.Listeners
            .Where(l => l.Servable)
            .GroupBy(l => (l.Port, Protocol: l.Protocol!.Value))
            .OrderBy(g => g.Key.Port).ThenBy(g => g.Key.Protocol))
        {
            var listeners = g
                .OrderBy(l => l.Hostname, Comparer<string?>.Create(Hostnames.CompareSpecificity))
                .ThenBy(l => l.Precedence)
                .Select(l => l.Table ??= new ListenerRouteTable(
                    l.Owner == gw.Key ? l.Name : $"{l.Owner.Namespace}/{l.Owner.Name}/{l.Name}",
                    l.Hostname,
                    l.Tls,
                    HttpSlice(l, gw.BackendClientCertificate, gw.RateLimits, gw.RateLimits.ForListener(gw.Key, l.Owner == gw.Key ? l.Name : null)),
                    [.. l.L4Entries.Select(e => e.Entry)]))
                .ToList();
            var bindPort = g.First().BindPort;
            // A port none of whose listener tables changed keeps its table instance (the data plane skips it by reference).
            var port = previous.TryGetValue(g.Key, out var old) && old.BindPort == bindPort && Enumerable.SequenceEqual(old.Listeners, listeners, ReferenceEqualityComparer.Instance)
                ? old
                : new PortRouteTable(g.Key.Port, g.Key.Protocol, [.. listeners]) { BindPort = bindPort };
            gw.PortTables[g.Key] = port;
            ports.Add(port);
        }
        var table = gw.Table;
        return table is not null && Enumerable.SequenceEqual(table.Ports, ports, ReferenceEqualityComparer.Instance) && Enumerable.SequenceEqual(table.Addresses, gw.TableAddresses)
            ? table
            : new GatewayRouteTable(gw.Key, [.. gw.TableAddresses], ports.ToImmutable());
    }

    /// <summary>
    /// A listener's HTTP entries as the table carries them: <see cref="ListenerModel.HttpTableEntries"/> itself (a
    /// listener may hold 10,000 entries and its slice is made again on every change of one of them), or, when the
    /// Gateway adds to every entry (a backend client certificate, rate limits), a list of the entries with those
    /// additions, chunk for chunk: a chunk the previous slice transformed with the same additions is taken over
    /// (<see cref="ListenerModel.TableAdditions"/>), so a change transforms the chunks it touched.
    /// </summary>
    private static ChunkedList<HttpRouteEntry> HttpSlice(ListenerModel listener, TlsCertificate? certificate, RateLimitTable rateLimits,
        ImmutableArray<RateLimitRule> listenerLimits)
    {
        var entries = listener.HttpTableEntries;
        if (certificate is null && rateLimits.IsEmpty)
        {
            listener.TableAdditions = null;
            return entries;
        }
        var previous = listener.TableAdditions is { } additions && additions.Same(certificate, rateLimits, listenerLimits) ? additions.Chunks : null;
        var sources = entries.Chunks;
        var chunks = new HttpRouteEntry[sources.Length][];
        var map = new Dictionary<HttpRouteEntry[], HttpRouteEntry[]>(sources.Length, ReferenceEqualityComparer.Instance);
        for (var c = 0; c < sources.Length; c++)
        {
            if (previous is null || !previous.TryGetValue(sources[c], out var chunk)) chunk = WithAdditions(sources[c], certificate, rateLimits, listenerLimits);
            map[sources[c]] = chunks[c] = chunk;
        }
        listener.TableAdditions = new SliceAdditions(certificate, rateLimits, listenerLimits, map);
        return ChunkedList<HttpRouteEntry>.FromChunks(chunks);
    }

    /// <summary>A copy of <paramref name="source"/> with the Gateway's per-listener additions on every entry.</summary>
    private static HttpRouteEntry[] WithAdditions(HttpRouteEntry[] source, TlsCertificate? certificate, RateLimitTable rateLimits,
        ImmutableArray<RateLimitRule> listenerLimits)
    {
        var slice = (HttpRouteEntry[])source.Clone();
        if (certificate is not null)
        {
            for (var i = 0; i < slice.Length; i++) slice[i] = WithBackendClientCertificate(slice[i], certificate);
        }
        if (!rateLimits.IsEmpty)
        {
            // RateLimitPolicy: Gateway/listener-level and route/rule-level limits, put on the entries per listener (like the
            // backend client certificate above) since a route's entries are compiled once for every listener it attaches to.
            for (var i = 0; i < slice.Length; i++)
            {
                var limits = RateLimitTable.Combine(listenerLimits, rateLimits.ForRule(slice[i].Route, slice[i].RuleName));
                if (!limits.IsEmpty) slice[i] = slice[i] with { RateLimits = limits };
            }
        }
        return slice;
    }

    /// <summary>
    /// GatewayTLSConfig.Backend: the client certificate (GatewayBackendTLS.ClientCertificateRef) belongs to the
    /// Gateway as a TLS client, while which backends get TLS "is determined by the presence of a BackendTLSPolicy" and
    /// backends are compiled once per route; so the certificate is added to every TLS backend (and TLS mirror) here,
    /// per Gateway, and only when the reference resolved.
    /// </summary>
    private static HttpRouteEntry WithBackendClientCertificate(HttpRouteEntry entry, TlsCertificate? certificate)
    {
        if (certificate is null) return entry;
        var backends = entry.Backends.Backends.IsDefault ? [] : entry.Backends.Backends;
        var mirrors = entry.Filters.Mirrors.IsDefault ? [] : entry.Filters.Mirrors;
        if (!backends.Any(b => b.Tls is not null) && !mirrors.Any(m => m.Backend.Tls is not null)) return entry;
        WeightedBackend With(WeightedBackend b) => b.Tls is null ? b : b with { Tls = b.Tls with { ClientCertificate = certificate } };
        return entry with
        {
            Backends = new BackendGroup([.. backends.Select(With)]),
            Filters = entry.Filters with { Mirrors = [.. mirrors.Select(m => m with { Backend = With(m.Backend) })] },
        };
    }

    /// <summary>
    /// Runs one object's step. An exception is recorded as a diagnostic for <paramref name="key"/> and turned into that
    /// object's failure result by <paramref name="onFailure"/>; the translator itself never throws for one object
    /// (ARCHITECTURE step 3). A fault inside <paramref name="onFailure"/> is recorded too and yields the default.
    /// </summary>
    private static T Guard<T>(DiagnosticLog diagnostics, TranslatorOptions options, string step, ResourceKey key, Func<T> action, Func<Exception, T> onFailure)
    {
        try
        {
            options.FaultInjection?.Invoke(step, key);
            return action();
        }
        catch (Exception e)
        {
            diagnostics.Add(key, step, e);
            try
            {
                return onFailure(e);
            }
            catch (Exception again)
            {
                diagnostics.Add(key, step + "Failure", again);
                return default!;
            }
        }
    }
}
