using Gateway.Actors.Model;
using k8s.Models;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>An expected condition: type, status (null = any), reason (null = any); messages are never compared.</summary>
public sealed record ExpectedCondition(string Type, string? Status, string? Reason)
{
    public bool Matches(V1Condition c) => c.Type == Type && (Status is null || c.Status == Status) && (Reason is null || c.Reason == Reason);

    public override string ToString() => $"{Type}={Status ?? "*"}({Reason ?? "*"})";
}

/// <summary>An expected listener row of GatewayStatusMustHaveListeners / ListenerSetStatusMustHaveListeners.</summary>
public sealed record ExpectedListener(string Name, IReadOnlyList<string> SupportedKinds, int AttachedRoutes, IReadOnlyList<ExpectedCondition> Conditions);

/// <summary>A route named by a "routes must be accepted" check.</summary>
public sealed record RouteRef(string Namespace, string Name);

/// <summary>An expected route parent of HTTPRouteMustHaveParents.</summary>
public sealed record ExpectedParent(string Kind, string Namespace, string Name, IReadOnlyList<ExpectedCondition> Conditions);

/// <summary>Result of one evaluation of a status check.</summary>
public enum StatusVerdict
{
    Pass,
    Wait,
    Abort,
}

/// <summary>One evaluation: a verdict and, unless it passed, why.</summary>
public sealed record StatusOutcome(StatusVerdict Verdict, string Reason)
{
    public static readonly StatusOutcome Passed = new(StatusVerdict.Pass, "");

    public static StatusOutcome Waiting(string reason) => new(StatusVerdict.Wait, reason);

    public static StatusOutcome Aborted(string reason) => new(StatusVerdict.Abort, reason);
}

/// <summary>
/// One status assertion of a conformance test, evaluated on a snapshot of the status directory with the comparison
/// rules of status-checks.md section 2. Polled by <see cref="StatusJudge"/> until it passes or its window closes.
/// </summary>
public abstract record StatusCheck
{
    /// <summary>How long the upstream helper this check mirrors polls before it fails (its TimeoutConfig field).</summary>
    public abstract TimeSpan Window(ConformanceTimeouts timeouts);

    /// <summary>
    /// The waits this check is made of, in order (most checks are one wait; the composite "must be accepted" helpers
    /// are several upstream helpers called one after another, each with its own timeout).
    /// </summary>
    public virtual IReadOnlyList<StatusCheck> Phases => [this];

    /// <summary>Evaluates the check once.</summary>
    public abstract StatusOutcome Evaluate(IStatusReader status, string controllerName);

    /// <summary>The upstream helper and arguments, for reports.</summary>
    public abstract string Describe();

    public override string ToString() => Describe();

    internal static string? Missing(IEnumerable<ExpectedCondition> expected, IEnumerable<V1Condition>? actual, string where)
    {
        var list = (actual ?? []).ToList();
        var missing = expected.Where(e => !list.Any(e.Matches)).ToList();
        return missing.Count == 0 ? null
            : $"{where}: expected {string.Join(", ", missing)}, has [{string.Join(", ", list.Select(c => $"{c.Type}={c.Status}({c.Reason})"))}]";
    }
}

/// <summary>GatewayMustHaveCondition: stale conditions abort at once, as upstream returns an error from its poll.</summary>
public sealed record GatewayMustHaveCondition(string Namespace, string Name, ExpectedCondition Condition) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayMustHaveCondition;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var gw = status.Gateway(Namespace, Name);
        if (gw?.Status?.Conditions is not { Count: > 0 } conditions) return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} has no status conditions");
        if (!StatusReaderExtensions.AllLatest(gw.Metadata, conditions))
        {
            return StatusOutcome.Aborted($"Gateway {Namespace}/{Name} conditions do not all have observedGeneration {gw.Metadata.Generation}");
        }
        return Missing([Condition], conditions, $"Gateway {Namespace}/{Name}") is { } m ? StatusOutcome.Waiting(m) : StatusOutcome.Passed;
    }

    public override string Describe() => $"GatewayMustHaveCondition({Namespace}/{Name}) => {Condition}";
}

/// <summary>GatewayMustHaveLatestConditions (also GatewayClass and HTTPRoute variants via <see cref="Kind"/>).</summary>
public sealed record MustHaveLatestConditions(string Kind, string Namespace, string Name) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.LatestObservedGenerationSet;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        switch (Kind)
        {
            case "Gateway":
                var gw = status.Gateway(Namespace, Name);
                return Latest(gw?.Metadata, gw?.Status?.Conditions);
            case "GatewayClass":
                var gc = status.GatewayClass(Name);
                return Latest(gc?.Metadata, gc?.Status?.Conditions);
            default:
                var route = status.Route(Kind, Namespace, Name);
                if (route is null || route.Parents.Count == 0) return StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} has no parents in status");
                return route.Parents.All(p => StatusReaderExtensions.AllLatest(route.Metadata, p.Conditions))
                    ? StatusOutcome.Passed
                    : StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} parent conditions do not all have observedGeneration {route.Metadata.Generation}");
        }
    }

    private StatusOutcome Latest(V1ObjectMeta? meta, IList<V1Condition>? conditions)
    {
        if (meta is null || conditions is not { Count: > 0 }) return StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} has no status conditions");
        return StatusReaderExtensions.AllLatest(meta, conditions) ? StatusOutcome.Passed
            : StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} conditions do not all have observedGeneration {meta.Generation}");
    }

    public override string Describe() => $"{Kind}MustHaveLatestConditions({Namespace}/{Name})";
}

/// <summary>GWCMustHaveAcceptedConditionAny: an Accepted condition (any status) with the current observedGeneration.</summary>
public sealed record GatewayClassMustHaveAcceptedAny(string Name) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GwcMustBeAccepted;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var gc = status.GatewayClass(Name);
        var accepted = gc?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Accepted");
        if (gc is null || accepted is null) return StatusOutcome.Waiting($"GatewayClass {Name} has no Accepted condition");
        return accepted.ObservedGeneration == gc.Metadata.Generation ? StatusOutcome.Passed
            : StatusOutcome.Waiting($"GatewayClass {Name} Accepted has observedGeneration {accepted.ObservedGeneration}, generation {gc.Metadata.Generation}");
    }

    public override string Describe() => $"GWCMustHaveAcceptedConditionAny({Name})";
}

/// <summary>WaitForGatewayAddress: status.addresses has an entry with a type.</summary>
public sealed record GatewayMustHaveAddress(string Namespace, string Name) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayMustHaveAddress;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var gw = status.Gateway(Namespace, Name);
        // getGatewayStatus treats a Gateway whose conditions lag its generation as not there yet.
        if (gw is not null && !StatusReaderExtensions.AllLatest(gw.Metadata, gw.Status?.Conditions))
        {
            return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} conditions do not all have observedGeneration {gw.Metadata.Generation}");
        }
        return gw?.Status?.Addresses?.Any(a => a.Type is not null && a.Value.Length > 0) == true ? StatusOutcome.Passed
            : StatusOutcome.Waiting($"Gateway {Namespace}/{Name} has no typed address in status");
    }

    public override string Describe() => $"WaitForGatewayAddress({Namespace}/{Name})";
}

/// <summary>GatewayStatusMustHaveListeners / ListenerSetStatusMustHaveListeners: the listener table rule.</summary>
public sealed record MustHaveListeners(string Kind, string Namespace, string Name, IReadOnlyList<ExpectedListener> Listeners) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => Kind == "Gateway" ? timeouts.GatewayStatusMustHaveListeners : timeouts.ListenerSetListenersMustHaveConditions;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        IList<V1ListenerStatus>? actual = Kind == "Gateway" ? status.Gateway(Namespace, Name)?.Status?.Listeners : status.ListenerSet(Namespace, Name)?.Status?.Listeners;
        if (actual is null) return StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} has no listener status");
        return ListenerTable.Compare(Listeners, actual, $"{Kind} {Namespace}/{Name}") is { } reason ? StatusOutcome.Waiting(reason) : StatusOutcome.Passed;
    }

    public override string Describe() =>
        $"{Kind}StatusMustHaveListeners({Namespace}/{Name}) => {string.Join(" || ", Listeners.Select(l => $"{l.Name}: kinds=[{string.Join(",", l.SupportedKinds)}] attached={l.AttachedRoutes} conds={string.Join("; ", l.Conditions)}"))}";
}

/// <summary>The listener table comparison (status-checks.md section 2), pure.</summary>
public static class ListenerTable
{
    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else the first difference.</summary>
    public static string? Compare(IReadOnlyList<ExpectedListener> expected, IList<V1ListenerStatus> actual, string where)
    {
        if (actual.Count != expected.Count) return $"{where}: expected {expected.Count} listeners in status, got {actual.Count}";
        foreach (var e in expected)
        {
            var a = actual.FirstOrDefault(l => l.Name == e.Name);
            if (a is null) return $"{where}: listener {e.Name} missing from status";
            if (a.AttachedRoutes != e.AttachedRoutes) return $"{where}: listener {e.Name} attachedRoutes {a.AttachedRoutes}, expected {e.AttachedRoutes}";
            if (StatusCheck.Missing(e.Conditions, a.Conditions, $"{where} listener {e.Name}") is { } m) return m;
            var kinds = (a.SupportedKinds ?? []).Select(k => $"{(string.IsNullOrEmpty(k.Group) ? "gateway.networking.k8s.io" : k.Group)}/{k.Kind}").ToList();
            if (e.SupportedKinds.Count == 0 && kinds.Count > 0) return $"{where}: listener {e.Name} supportedKinds must be empty, got [{string.Join(", ", kinds)}]";
            foreach (var kind in e.SupportedKinds)
            {
                if (!kinds.Contains($"gateway.networking.k8s.io/{kind}")) return $"{where}: listener {e.Name} supportedKinds lack {kind}, got [{string.Join(", ", kinds)}]";
            }
        }
        return null;
    }
}

/// <summary>GatewayListenersMustHaveConditions / ListenerSetListenersMustHaveConditions.</summary>
public sealed record ListenersMustHaveConditions(string Kind, string Namespace, string Name, IReadOnlyList<string> ListenerNames, IReadOnlyList<ExpectedCondition> Conditions) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => Kind == "Gateway" ? timeouts.GatewayListenersMustHaveConditions : timeouts.ListenerSetListenersMustHaveConditions;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        IList<V1ListenerStatus>? actual;
        if (Kind == "Gateway")
        {
            actual = status.Gateway(Namespace, Name)?.Status?.Listeners;
        }
        else
        {
            var ls = status.ListenerSet(Namespace, Name);
            // ListenerSetListenersMustHaveConditions returns the staleness error from its poll, which ends the wait.
            if (ls is not null && !StatusReaderExtensions.AllLatest(ls.Metadata, ls.Status?.Conditions))
            {
                return StatusOutcome.Aborted($"ListenerSet {Namespace}/{Name} conditions do not all have observedGeneration {ls.Metadata.Generation}");
            }
            actual = ls?.Status?.Listeners;
        }
        if (actual is null) return StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} has no listener status");
        List<V1ListenerStatus?> selected = ListenerNames.Count == 0 ? [.. actual] : [.. ListenerNames.Select(n => actual.FirstOrDefault(l => l.Name == n))];
        for (var i = 0; i < selected.Count; i++)
        {
            if (selected[i] is null) return StatusOutcome.Waiting($"{Kind} {Namespace}/{Name} listener {ListenerNames[i]} missing from status");
            if (Missing(Conditions, selected[i]!.Conditions, $"{Kind} {Namespace}/{Name} listener {selected[i]!.Name}") is { } m) return StatusOutcome.Waiting(m);
        }
        return StatusOutcome.Passed;
    }

    public override string Describe() => $"{Kind}ListenersMustHaveConditions({Namespace}/{Name} listeners=[{string.Join(",", ListenerNames)}]) => {string.Join("; ", Conditions)}";
}

/// <summary>GatewayMustHaveZeroRoutes: no listener status, or exactly one listener with attachedRoutes 0.</summary>
public sealed record GatewayMustHaveZeroRoutes(string Namespace, string Name) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayStatusMustHaveListeners;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var listeners = status.Gateway(Namespace, Name)?.Status?.Listeners;
        if (listeners is null || listeners.Count == 0 || listeners is [{ AttachedRoutes: 0 }]) return StatusOutcome.Passed;
        return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} listeners: {string.Join(", ", listeners.Select(l => $"{l.Name}={l.AttachedRoutes}"))}");
    }

    public override string Describe() => $"GatewayMustHaveZeroRoutes({Namespace}/{Name})";
}

/// <summary>GatewayMustHaveAttachedListeners: status.attachedListenerSets equals N (unset counts as 0).</summary>
public sealed record GatewayMustHaveAttachedListeners(string Namespace, string Name, int Count) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayStatusMustHaveListeners;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var gw = status.Gateway(Namespace, Name);
        if (gw is null) return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} has no status");
        var actual = gw.Status?.AttachedListenerSets ?? 0;
        return actual == Count ? StatusOutcome.Passed : StatusOutcome.Waiting($"Gateway {Namespace}/{Name} attachedListenerSets {actual}, expected {Count}");
    }

    public override string Describe() => $"GatewayMustHaveAttachedListeners({Namespace}/{Name}) => {Count}";
}

/// <summary>ListenerSetMustHaveCondition.</summary>
public sealed record ListenerSetMustHaveCondition(string Namespace, string Name, ExpectedCondition Condition) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.ListenerSetMustHaveCondition;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var ls = status.ListenerSet(Namespace, Name);
        if (ls?.Status?.Conditions is not { Count: > 0 } conditions) return StatusOutcome.Waiting($"ListenerSet {Namespace}/{Name} has no status conditions");
        if (!StatusReaderExtensions.AllLatest(ls.Metadata, conditions)) return StatusOutcome.Waiting($"ListenerSet {Namespace}/{Name} conditions are stale");
        return Missing([Condition], conditions, $"ListenerSet {Namespace}/{Name}") is { } m ? StatusOutcome.Waiting(m) : StatusOutcome.Passed;
    }

    public override string Describe() => $"ListenerSetMustHaveCondition({Namespace}/{Name}) => {Condition}";
}

/// <summary>
/// HTTPRouteMustHaveCondition (and its GRPC/TLS/TCP/UDP twins, by <see cref="RouteKind"/>): the condition is in a
/// parents[] entry whose parentRef.name is the parent and whose namespace is unset or equal; all parent conditions
/// carry the route's generation.
/// </summary>
public sealed record RouteMustHaveCondition(string Namespace, string Name, string ParentNamespace, string ParentName, ExpectedCondition Condition) : StatusCheck
{
    /// <summary>The route's kind (HTTPRoute unless set).</summary>
    public string RouteKind { get; init; } = "HTTPRoute";

    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.HttpRouteMustHaveCondition;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var route = status.Route(RouteKind, Namespace, Name);
        if (route is null || route.Parents.Count == 0) return StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} has no parents in status");
        var parents = route.Parents;
        if (!parents.All(p => StatusReaderExtensions.AllLatest(route.Metadata, p.Conditions)))
        {
            return StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} parent conditions do not all have observedGeneration {route.Metadata.Generation}");
        }
        var entry = parents.FirstOrDefault(p => p.ParentRef.Name == ParentName && (p.ParentRef.Namespace is null || p.ParentRef.Namespace == ParentNamespace));
        if (entry is null) return StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} has no parent entry for {ParentNamespace}/{ParentName}");
        return Missing([Condition], entry.Conditions, $"{RouteKind} {Namespace}/{Name} parent {ParentNamespace}/{ParentName}") is { } m ? StatusOutcome.Waiting(m) : StatusOutcome.Passed;
    }

    public override string Describe() => $"{RouteKind}MustHaveCondition({Namespace}/{Name} @parent {ParentNamespace}/{ParentName}) => {Condition}";
}

/// <summary>HTTPRouteMustHaveParents: every expected parent is present (extra ones ignored), matched per section 2.</summary>
public sealed record RouteMustHaveParents(string Namespace, string Name, IReadOnlyList<ExpectedParent> Parents, bool NamespaceRequired) : StatusCheck
{
    /// <summary>The route's kind (HTTPRoute unless set).</summary>
    public string RouteKind { get; init; } = "HTTPRoute";

    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.RouteMustHaveParents;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var route = status.Route(RouteKind, Namespace, Name);
        var actual = route?.Parents ?? [];
        if (route is null || !actual.All(p => StatusReaderExtensions.AllLatest(route.Metadata, p.Conditions)))
        {
            return StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} parents missing or stale");
        }
        foreach (var e in Parents)
        {
            if (!actual.Any(a => RouteParents.Matches(e, a, controllerName, NamespaceRequired, Namespace)))
            {
                return StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} has no parent matching {e.Kind} {e.Namespace}/{e.Name} [{string.Join(", ", e.Conditions)}]; has {RouteParents.Show(actual)}");
            }
        }
        return StatusOutcome.Passed;
    }

    public override string Describe() => $"{RouteKind}MustHaveParents({Namespace}/{Name}) => {string.Join(", ", Parents.Select(p => $"{p.Kind}:{p.Namespace}/{p.Name} [{string.Join("; ", p.Conditions)}]"))} nsRequired={NamespaceRequired}";
}

/// <summary>The parents-list rules (status-checks.md section 2), pure.</summary>
public static class RouteParents
{
    public const string Group = "gateway.networking.k8s.io";

    /// <summary>
    /// controllerName equal; group and kind written explicitly and equal; name equal; namespace equal, or unset when
    /// not required and the route is in the parent's namespace; conditions subset-match. sectionName/port ignored.
    /// </summary>
    public static bool Matches(ExpectedParent expected, V1RouteParentStatus actual, string controllerName, bool namespaceRequired, string routeNamespace)
    {
        var r = actual.ParentRef;
        if (actual.ControllerName != controllerName || r.Group != Group || r.Kind != expected.Kind || r.Name != expected.Name) return false;
        var nsOk = r.Namespace == expected.Namespace || r.Namespace is null && !namespaceRequired && routeNamespace == expected.Namespace;
        return nsOk && StatusCheck.Missing(expected.Conditions, actual.Conditions, "") is null;
    }

    public static string Show(IEnumerable<V1RouteParentStatus> parents) =>
        "[" + string.Join(", ", parents.Select(p => $"{p.ParentRef.Group ?? "(unset)"}/{p.ParentRef.Kind ?? "(unset)"} {p.ParentRef.Namespace ?? "(unset)"}/{p.ParentRef.Name} by {p.ControllerName}: {string.Join(", ", (p.Conditions ?? []).Select(c => $"{c.Type}={c.Status}({c.Reason})"))}")) + "]";
}

/// <summary>HTTPRouteMustHaveNoAcceptedParents: parents empty (on two polls 1 s apart) or exactly one with Accepted=False.</summary>
public sealed record RouteMustHaveNoAcceptedParents(string Namespace, string Name) : StatusCheck
{
    /// <summary>The route's kind (HTTPRoute unless set).</summary>
    public string RouteKind { get; init; } = "HTTPRoute";

    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.HttpRouteMustNotHaveParents;

    private int _emptySeen;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var parents = status.Route(RouteKind, Namespace, Name)?.Parents ?? [];
        if (parents.Count == 0)
        {
            // Upstream wants "empty" seen twice, a second apart; the judge polls faster, so count a second's worth.
            return ++_emptySeen >= 10 ? StatusOutcome.Passed : StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} parents empty, confirming");
        }
        _emptySeen = 0;
        return parents.Count == 1 && (parents[0].Conditions ?? []).Any(c => c.Type == "Accepted" && c.Status == "False") ? StatusOutcome.Passed
            : StatusOutcome.Waiting($"{RouteKind} {Namespace}/{Name} parents: {RouteParents.Show(parents)}");
    }

    public override string Describe() => $"{RouteKind}MustHaveNoAcceptedParents({Namespace}/{Name})";
}

/// <summary>BackendTLSPolicyMustHaveCondition: the condition in the ancestors[] entry of the Gateway.</summary>
public sealed record BackendTlsPolicyMustHaveCondition(string Namespace, string Name, string GatewayNamespace, string GatewayName, ExpectedCondition Condition) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.HttpRouteMustHaveCondition;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var policy = status.BackendTlsPolicy(Namespace, Name);
        if (policy?.Status?.Ancestors is not { Count: > 0 } ancestors) return StatusOutcome.Waiting($"BackendTLSPolicy {Namespace}/{Name} has no ancestors in status");
        if (!ancestors.All(a => StatusReaderExtensions.AllLatest(policy.Metadata, a.Conditions))) return StatusOutcome.Waiting($"BackendTLSPolicy {Namespace}/{Name} conditions are stale");
        var entry = ancestors.FirstOrDefault(a => a.AncestorRef.Name == GatewayName && (a.AncestorRef.Namespace is null || a.AncestorRef.Namespace == GatewayNamespace));
        if (entry is null) return StatusOutcome.Waiting($"BackendTLSPolicy {Namespace}/{Name} has no ancestor {GatewayNamespace}/{GatewayName}");
        return Missing([Condition], entry.Conditions, $"BackendTLSPolicy {Namespace}/{Name} ancestor {GatewayName}") is { } m ? StatusOutcome.Waiting(m) : StatusOutcome.Passed;
    }

    public override string Describe() => $"BackendTLSPolicyMustHaveCondition({Namespace}/{Name} @ancestor {GatewayNamespace}/{GatewayName}) => {Condition}";
}

/// <summary>
/// GatewayAnd{HTTP}RoutesMustBeAccepted / RoutesAndParentMustBeAccepted: (1) for a Gateway parent a typed address;
/// (2) each route has a parent entry for it with our controllerName, explicit group/kind and Accepted=True(Accepted);
/// (3) every listener of the parent has ResolvedRefs, Accepted and Programmed True.
/// </summary>
public sealed record ParentAndRoutesMustBeAccepted(string ParentKind, string Namespace, string Name, IReadOnlyList<RouteRef> Routes) : StatusCheck
{
    /// <summary>The routes' kind (HTTPRoute unless set): GatewayAnd{HTTP,GRPC,TLS,TCP,UDP}RoutesMustBeAccepted.</summary>
    public string RouteKind { get; init; } = "HTTPRoute";

    private static readonly ExpectedCondition[] ListenerReady = [new("ResolvedRefs", "True", null), new("Accepted", "True", null), new("Programmed", "True", null)];

    /// <summary>The longest single wait; the phases are what is actually waited for.</summary>
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayMustHaveAddress;

    /// <summary>
    /// WaitForGatewayAddress (Gateway parents only), then RouteMustHaveParents for each route (namespace required when
    /// the route is in another namespace than the parent), then the parent's listeners must all be ready.
    /// </summary>
    public override IReadOnlyList<StatusCheck> Phases =>
    [
        .. ParentKind == "Gateway" ? [new GatewayMustHaveAddress(Namespace, Name)] : Array.Empty<StatusCheck>(),
        .. Routes.Select(r => new RouteMustHaveParents(r.Namespace, r.Name, [new ExpectedParent(ParentKind, Namespace, Name, [new("Accepted", "True", "Accepted")])], r.Namespace != Namespace) { RouteKind = RouteKind }),
        new ListenersMustHaveConditions(ParentKind, Namespace, Name, [], ListenerReady),
    ];

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        IList<V1ListenerStatus>? listeners;
        if (ParentKind == "Gateway")
        {
            var gw = status.Gateway(Namespace, Name);
            if (gw?.Status?.Addresses?.Any(a => a.Type is not null && a.Value.Length > 0) != true) return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} has no typed address in status");
            listeners = gw.Status.Listeners;
        }
        else
        {
            listeners = status.ListenerSet(Namespace, Name)?.Status?.Listeners;
        }
        foreach (var (ns, name) in Routes)
        {
            var expected = new ExpectedParent(ParentKind, Namespace, Name, [new("Accepted", "True", "Accepted")]);
            var route = status.Route(RouteKind, ns, name);
            var parents = route?.Parents ?? [];
            if (route is null || !parents.All(p => StatusReaderExtensions.AllLatest(route.Metadata, p.Conditions)))
            {
                return StatusOutcome.Waiting($"{RouteKind} {ns}/{name} parents missing or stale");
            }
            if (!parents.Any(p => RouteParents.Matches(expected, p, controllerName, namespaceRequired: ns != Namespace, ns)))
            {
                return StatusOutcome.Waiting($"{RouteKind} {ns}/{name} not accepted by {ParentKind} {Namespace}/{Name}; parents {RouteParents.Show(parents)}");
            }
        }
        if (listeners is null || listeners.Count == 0) return StatusOutcome.Waiting($"{ParentKind} {Namespace}/{Name} has no listener status");
        foreach (var l in listeners)
        {
            if (Missing(ListenerReady, l.Conditions, $"{ParentKind} {Namespace}/{Name} listener {l.Name}") is { } m) return StatusOutcome.Waiting(m);
        }
        return StatusOutcome.Passed;
    }

    public override string Describe() => $"{ParentKind}And{RouteKind}sMustBeAccepted({Namespace}/{Name}) routes=[{string.Join(", ", Routes.Select(r => $"{r.Namespace}/{r.Name}"))}]";
}

/// <summary>
/// NamespacesMustBeReady (polled every DefaultPollInterval within NamespacesMustBeReady, 300 s): in every listed
/// namespace each Gateway not annotated gateway-api/skip-this-for-readiness: "true" has all conditions at its current
/// generation and Accepted=True and Programmed=True (any reason), and every Pod is Ready.
/// </summary>
public sealed record NamespacesMustBeReady(IReadOnlyList<string> Namespaces) : StatusCheck
{
    /// <summary>The annotation that exempts an intentionally broken Gateway (GatewayExcludedFromReadinessChecks).</summary>
    public const string SkipAnnotation = "gateway-api/skip-this-for-readiness";

    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.NamespacesMustBeReady;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        if (status is not IClusterReader cluster) return StatusOutcome.Aborted("the readiness gate needs the applied Gateways and the Pods, which this status reader cannot list");
        foreach (var ns in Namespaces)
        {
            foreach (var applied in cluster.Gateways(ns))
            {
                if (applied.Annotations.TryGetValue(SkipAnnotation, out var skip) && skip == "true") continue;
                var gw = status.Gateway(ns, applied.Name);
                var conditions = gw?.Status?.Conditions;
                if (gw is null || !StatusReaderExtensions.AllLatest(gw.Metadata, conditions))
                {
                    return StatusOutcome.Waiting($"Gateway {ns}/{applied.Name} has no status at its current generation yet");
                }
                foreach (var type in new[] { "Accepted", "Programmed" })
                {
                    if (!(conditions ?? []).Any(c => c.Type == type && c.Status == "True")) return StatusOutcome.Waiting($"Gateway {ns}/{applied.Name} not {type} yet");
                }
            }
            if (cluster.UnreadyPods(ns) is { Count: > 0 } pods) return StatusOutcome.Waiting($"Pods not ready in {ns}: {string.Join("; ", pods)}");
        }
        return StatusOutcome.Passed;
    }

    public override string Describe() => $"NamespacesMustBeReady({string.Join(", ", Namespaces)})";
}

/// <summary>
/// GatewayStaticAddresses' final assertions on the Gateway read after its latest conditions: status.addresses holds
/// <see cref="Usable"/> (with <see cref="UsableType"/>) and none of <see cref="Removed"/>. Upstream asserts this once
/// (require), so a mismatch aborts at once instead of being waited for.
/// </summary>
public sealed record GatewayStatusAddressesMustBe(string Namespace, string Name, string Usable, string UsableType, IReadOnlyList<string> Removed) : StatusCheck
{
    public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GatewayMustHaveCondition;

    public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
    {
        var gw = status.Gateway(Namespace, Name);
        if (gw is null) return StatusOutcome.Waiting($"Gateway {Namespace}/{Name} has no status");
        var addresses = gw.Status?.Addresses ?? [];
        var values = addresses.Select(a => a.Value).ToList();
        var shown = $"[{string.Join(", ", addresses.Select(a => $"{a.Type}:{a.Value}"))}]";
        if (Removed.FirstOrDefault(values.Contains) is { } removed) return StatusOutcome.Aborted($"status.addresses {shown} still holds removed address {removed}");
        if (!values.Contains(Usable)) return StatusOutcome.Aborted($"status.addresses {shown} lacks the usable address {Usable}");
        var wrongType = addresses.FirstOrDefault(a => a.Value == Usable && a.Type != UsableType);
        return wrongType is null ? StatusOutcome.Passed : StatusOutcome.Aborted($"status address {Usable} has type {wrongType.Type}, the spec asked for {UsableType}");
    }

    public override string Describe() => $"GatewayStatusAddresses({Namespace}/{Name}) contain {UsableType}:{Usable}, none of [{string.Join(", ", Removed)}]";
}
