using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// Stateful front of the translator: keeps the last translation's models (<see cref="TranslationState"/>) and, when a
/// change touches only routes, Services and EndpointSlices, re-translates only what that change reaches. Its result
/// equals <see cref="Translator.Translate"/> of the same snapshot and options (IncrementalTranslatorPropertyTests
/// checks that after every step of long random change sequences); the full translator stays the reference.
/// <para>
/// What a change reaches: a changed route itself; every route whose translation read a changed Service or one of its
/// EndpointSlices (recorded per route by <see cref="TranslationIndex.Reads"/>); the listeners those routes' entries
/// leave or join (entries inserted in precedence order, shadowing detected again on those listeners); the Gateways and
/// ListenerSets owning listeners whose attachedRoutes changed; the BackendTLSPolicies whose ancestors changed. Any
/// other change (GatewayClass, Gateway, ListenerSet, Namespace, ReferenceGrant, Secret, ConfigMap, BackendTLSPolicy, a
/// Service the Gateway-level steps read, in Service-per-Gateway mode a Service of the replicas' namespace, different
/// options) translates everything again: those objects are few, and each can reach every route below it.
/// </para>
/// Objects a change does not reach keep their previous result instances (DesiredStatus, listener and port tables,
/// Gateway tables), so consumers skip them by reference. <see cref="TranslationResult.Diagnostics"/> lists the faults
/// of the work done by this call only. Not thread-safe: one pipeline owns one instance.
/// </summary>
public sealed class IncrementalTranslator
{
    private TranslationState? _state;

    /// <summary>The route models kept for the next call (tests look at what they hold).</summary>
    internal IEnumerable<RouteModel> KeptRoutes => (IEnumerable<RouteModel>?)_state?.Routes.Values ?? [];

    /// <summary>How the last call translated: everything, only what the change reached, or nothing changed.</summary>
    public TranslationMode LastMode { get; private set; }

    /// <summary>Routes compiled again by the last call (all routes for a full translation).</summary>
    public int LastRoutesTranslated { get; private set; }

    /// <summary>Translates <paramref name="snapshot"/>, reusing what the previous call decided where nothing it depends on changed.</summary>
    public TranslationResult Translate(Snapshot snapshot, TranslatorOptions options)
    {
        if (_state is { } state && SameOptions(state.Options, options) && options.FaultInjection is null)
        {
            var changes = snapshot.ChangesSince(state.Snapshot);
            if (changes.Count == 0)
            {
                LastMode = TranslationMode.Unchanged;
                LastRoutesTranslated = 0;
                state.Snapshot = snapshot;
                return state.Result = state.Result with { Revision = snapshot.Revision, Diagnostics = [] };
            }
            if (Classify(state, changes) is { } delta)
            {
                // The models are changed in place: until Apply completes there is no state to build on.
                _state = null;
                try
                {
                    var result = Apply(state, snapshot, delta);
                    // A Gateway whose table faulted is no longer accepted: a Gateway-level outcome, decided in full.
                    if (!result.Diagnostics.Any(d => d.Step == Translator.Steps.RouteTable))
                    {
                        _state = state;
                        LastMode = TranslationMode.Incremental;
                        return result;
                    }
                }
                catch (Exception e)
                {
                    // A bug in the incremental step itself: the full translation below is the reference, so the result
                    // stays right; the fault is reported like any other.
                    return Full(snapshot, options, new TranslationDiagnostic(changes[0].Key, IncrementalStep, e));
                }
            }
        }
        return Full(snapshot, options, null);
    }

    /// <summary>The step named in a diagnostic when the incremental step itself faulted (the result then comes from a full translation).</summary>
    public const string IncrementalStep = "Incremental";

    private TranslationResult Full(Snapshot snapshot, TranslatorOptions options, TranslationDiagnostic? fault)
    {
        var state = Translator.Full(snapshot, options);
        state.TrimTables();
        if (fault is not null) state.Result = state.Result with { Diagnostics = [fault, .. state.Result.Diagnostics] };
        _state = state;
        LastMode = TranslationMode.Full;
        LastRoutesTranslated = state.Routes.Count;
        return state.Result;
    }

    /// <summary>What an incremental step must redo: routes changed, Services (or their slices) changed, slices to move in the index.</summary>
    private sealed record Delta(List<ResourceKey> Routes, HashSet<ResourceKey> Services, List<(V1EndpointSlice? Old, V1EndpointSlice? New)> Slices)
    {
        /// <summary>True when a Service object itself changed (not only EndpointSlices).</summary>
        public bool ServiceObjects { get; set; }
    }

    /// <summary>The delta when every change can be translated incrementally; null when something needs a full translation.</summary>
    private static Delta? Classify(TranslationState state, List<(ResourceKey Key, IKubernetesObject<V1ObjectMeta>? Old, IKubernetesObject<V1ObjectMeta>? New)> changes)
    {
        var delta = new Delta([], [], []);
        foreach (var (key, old, @new) in changes)
        {
            if (KindRegistry.RouteKinds.Any(k => k.Kind == key.Kind))
            {
                // A route a RateLimitPolicy names: that policy's targets and ancestors change with it.
                if (state.Index.RateLimits.TargetedRoutes.Contains(key)) return null;
                delta.Routes.Add(key);
            }
            else if (key.Kind == KindRegistry.Service.Kind)
            {
                // Service-per-Gateway mode reads every Service of the replicas' namespace in step 5 (the Gateways' own
                // Services and the ports they claim) straight from the snapshot.
                var gatewayServices = state.Options.AddressMode == AddressMode.ServicePerGateway && key.Namespace == state.Options.ServiceNamespace;
                if (gatewayServices || state.GatewayReads.Contains(key)) return null;
                delta.Services.Add(key);
                delta.ServiceObjects = true;
            }
            else if (key.Kind == KindRegistry.EndpointSlice.Kind)
            {
                var (o, n) = (old as V1EndpointSlice, @new as V1EndpointSlice);
                foreach (var service in new[] { o, n }.Where(s => s is not null).Select(s => TranslationIndex.ServiceOf(s!)))
                {
                    if (service is not { } s) continue;
                    if (state.GatewayReads.Contains(s)) return null;
                    delta.Services.Add(s);
                }
                delta.Slices.Add((o, n));
            }
            else
            {
                return null;
            }
        }
        return delta;
    }

    private TranslationResult Apply(TranslationState state, Snapshot snapshot, Delta delta)
    {
        var options = state.Options;
        var diagnostics = new DiagnosticLog();
        state.Snapshot = snapshot;
        state.Index.Advance(snapshot, delta.Slices);

        // Routes to translate again, in key order (the order of their diagnostics).
        var affected = new SortedSet<ResourceKey>(delta.Routes);
        foreach (var service in delta.Services)
        {
            affected.UnionWith(state.RoutesReading.Get(service));
        }

        // Listeners whose entries changed, with the net change of their attachedRoutes.
        var listeners = new Dictionary<ListenerModel, int>(ReferenceEqualityComparer.Instance);
        var policiesTouched = false;
        var statuses = state.Result.Statuses.ToBuilder();
        var dirtyStatuses = new HashSet<ResourceKey>();
        // Every key whose status this pass set or removed (the result's StatusDelta).
        var statusKeys = new HashSet<ResourceKey>();

        // The mesh table is built again when a route with a Service parent came, went or changed, or a Service change
        // can change it without changing such a route (MeshServicesMatter); otherwise the previous instance stays.
        var meshTouched = MeshServicesMatter(state, delta);
        foreach (var key in affected)
        {
            if (state.RemoveRoute(key) is { } old)
            {
                meshTouched |= old.ParentRefs.Any(Mesh.MeshAttachment.IsServiceParent);
                foreach (var l in old.PlacedOn) listeners[l] = listeners.GetValueOrDefault(l) - 1;
                Translator.UnplaceRoute(old);
                policiesTouched |= old.HasPolicyUses;
            }
            dirtyStatuses.Add(key);
            if (snapshot.Get(key) is not { } obj) continue;
            var route = state.AddRoute(Translator.CompileRoute(state, obj, diagnostics));
            meshTouched |= route.ParentRefs.Any(Mesh.MeshAttachment.IsServiceParent);
            Translator.PlaceRoute(route, sorted: true, options, diagnostics);
            foreach (var l in route.PlacedOn) listeners[l] = listeners.GetValueOrDefault(l) + 1;
            policiesTouched |= route.HasPolicyUses;
        }
        LastRoutesTranslated = affected.Count;

        // Listeners whose entries changed: table slice rebuilt, shadowing detected again; routes whose shadowed text
        // on such a listener changed get their status composed again.
        foreach (var l in listeners.Keys)
        {
            l.Table = null;
            dirtyStatuses.UnionWith(Shadowing.Refresh(l));
        }

        // Step 10 again when a route using a BackendTLSPolicy came or went: ancestors are recounted over every route.
        if (policiesTouched)
        {
            var before = state.Index.BackendTls.Policies.ToDictionary(p => p.Key, AncestorsText);
            foreach (var p in state.Index.BackendTls.Policies) p.Ancestors.Clear();
            Translator.AddPolicyAncestors(state.Routes.Values, state.Index);
            foreach (var p in state.Index.BackendTls.Policies.Where(p => before[p.Key] != AncestorsText(p)))
            {
                if (p.Ancestors.Count > 0 && Translator.PolicyStatus(p, options, diagnostics) is { } s) statuses[p.Key] = s;
                else statuses.Remove(p.Key);
                statusKeys.Add(p.Key);
            }
        }

        // Tables of the Gateways owning those listeners (listener and port slices that did not change are reused).
        var tables = state.Result.Gateways;
        foreach (var gw in listeners.Keys.Select(l => l.Gateway).Distinct().Select(k => state.Gateways[k]).Where(g => g.Served))
        {
            // Tables stay in Gateway key order, as the full translation lists them.
            var i = tables.Select(t => t.Gateway).ToList().BinarySearch(gw.Key);
            if (i >= 0) tables = tables.RemoveAt(i);
            if (Translator.BuildTableGuarded(gw, options, diagnostics) is { } table) tables = tables.Insert(i >= 0 ? i : ~i, table);
        }

        // Gateway and ListenerSet statuses carry attachedRoutes per listener.
        var counted = listeners.Where(p => p.Value != 0).Select(p => p.Key).ToList();
        foreach (var gw in counted.Select(l => l.Gateway).Distinct().Select(k => state.Gateways[k]))
        {
            if (Translator.GatewayStatus(gw, state.ListenerSets.Values, options, diagnostics) is { } s) statuses[gw.Key] = s;
            statusKeys.Add(gw.Key);
        }
        foreach (var ls in counted.Where(l => l.Owner.Kind == KindRegistry.ListenerSet.Kind).Select(l => l.Owner).Distinct())
        {
            if (state.ListenerSets.TryGetValue(ls, out var model) && model.Parent is not null && Translator.ListenerSetStatus(model, options, diagnostics) is { } s) statuses[ls] = s;
            statusKeys.Add(ls);
        }

        // GEP-1294 route types: a GRPCRoute that came or went on a Service port changes the outcome of the HTTPRoutes
        // there, which were not translated again; their statuses are composed again.
        if (meshTouched) dirtyStatuses.UnionWith(Mesh.MeshRouteTypes.Resolve(state.MeshRoutes.Values));

        foreach (var key in dirtyStatuses)
        {
            if (state.Routes.TryGetValue(key, out var route) && route.Parents.Count > 0 && Translator.RouteStatus(route, snapshot, options, diagnostics) is { } s) statuses[key] = s;
            else statuses.Remove(key);
            statusKeys.Add(key);
        }

        if (delta.ServiceObjects) state.MeshAssignments.AllServices = null;
        var mesh = meshTouched ? Mesh.MeshTableBuilder.Build(state.Index, state.MeshRoutes.Values, options, state.MeshAssignments) : state.Result.Mesh;
        var next = statuses.ToImmutable();
        return state.Result = new TranslationResult(snapshot.Revision, tables, next)
        {
            Diagnostics = diagnostics.ToImmutable(), Mesh = mesh, StatusDelta = new StatusDelta(state.Result.Statuses, next, statusKeys),
        };
    }

    /// <summary>
    /// True when the Service and EndpointSlice changes of <paramref name="delta"/> can change the mesh table even if no
    /// route with a Service parent is translated again. A mesh parent's own Service and slices are never such a change:
    /// its route read them while attaching (<see cref="TranslationIndex.Service"/> records the read, hit or miss), so the
    /// route is among those translated again, which rebuilds the table. What remains:
    /// <list type="bullet">
    /// <item>with <see cref="TranslatorOptions.MeshPassthrough"/> the table lists every Service with its endpoints;</item>
    /// <item>with <see cref="Mesh.MeshClusterIpMode.Allocate"/> the ClusterIPs and their problems are allocated over every
    /// Service (one Service's spec.clusterIP or age can move another's address), and they are in the table whenever a
    /// route has a mesh parent; EndpointSlices play no part in that allocation.</item>
    /// </list>
    /// Otherwise (a gateway replica in Kubernetes mode, ClusterIPs from each Service's own spec) only the mesh parents'
    /// Services are read, and a Service no mesh route names changes nothing there.
    /// </summary>
    private static bool MeshServicesMatter(TranslationState state, Delta delta) =>
        delta.Services.Count > 0 && (state.Options.MeshPassthrough
            || (state.Options.MeshClusterIpMode == Mesh.MeshClusterIpMode.Allocate && delta.ServiceObjects && state.MeshRoutes.Count > 0));

    private static string AncestorsText(BackendTlsPolicyModel p) =>
        string.Join(";", p.Ancestors.Select(a => $"{a.Key}:{string.Join(",", a.Value)}"));

    private static bool SameOptions(TranslatorOptions a, TranslatorOptions b) =>
        ReferenceEquals(a, b) || (a.ControllerName == b.ControllerName && a.AddressPool == b.AddressPool && a.AddressMode == b.AddressMode
            && a.ServiceNamespace == b.ServiceNamespace && a.ServiceBindAddress == b.ServiceBindAddress
            && a.MeshClusterIpMode == b.MeshClusterIpMode && a.MeshClusterIpRange == b.MeshClusterIpRange && a.MeshPassthrough == b.MeshPassthrough
            && a.UsableStaticAddresses.SetEquals(b.UsableStaticAddresses) && a.UnavailableSockets.SetEquals(b.UnavailableSockets)
            && ReferenceEquals(a.FaultInjection, b.FaultInjection));
}

/// <summary>How <see cref="IncrementalTranslator"/> translated a snapshot.</summary>
public enum TranslationMode
{
    /// <summary>Everything, from nothing (first snapshot, a Gateway-level change, different options).</summary>
    Full,

    /// <summary>Only the routes, listeners, Gateways and policies the change reached.</summary>
    Incremental,

    /// <summary>Nothing changed that the translator reads.</summary>
    Unchanged,
}
