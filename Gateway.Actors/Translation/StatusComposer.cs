using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// Turns the models into status objects. Conditions appear in a fixed order per object so the output is stable,
/// and every condition carries the object's generation as observedGeneration (status-checks.md section 2).
/// </summary>
internal static class StatusComposer
{
    public static V1GatewayStatus Gateway(GatewayModel gw, IEnumerable<ListenerSetModel> listenerSets)
    {
        var g = gw.Generation;
        var own = gw.Listeners.Where(l => l.Owner == gw.Key).ToList();
        var invalid = own.Where(l => !l.Accepted).Select(l => l.Name).ToList();

        // Accepted: parameters and addresses first, then listeners (GatewayReasonListenersNotValid is used with True
        // when some listeners are invalid and False when none is valid).
        ConditionSpec accepted;
        if (gw.NotAccepted is not null) accepted = gw.NotAccepted;
        else if (invalid.Count == own.Count) accepted = GatewayConditions.NoValidListeners($"No listener is valid: {string.Join(", ", invalid)}.");
        else if (invalid.Count > 0) accepted = GatewayConditions.AcceptedListenersNotValid($"Listeners not accepted: {string.Join(", ", invalid)}; the others are.");
        else accepted = GatewayConditions.Accepted();

        ConditionSpec programmed;
        if (!accepted.Status) programmed = GatewayConditions.NotProgrammedInvalid("The Gateway is not accepted.");
        else if (gw.UnusableAddresses.Count > 0) programmed = GatewayConditions.AddressNotUsable($"Addresses this node cannot use: {string.Join(", ", gw.UnusableAddresses)}.");
        else if (gw.Addresses.Count == 0) programmed = GatewayConditions.AddressNotAssigned(gw.AddressPending ?? "No address could be assigned from the address pool.");
        else if (gw.BindAddresses is not null && !gw.Served) programmed = GatewayConditions.NotProgrammedPending("No listener port is mapped by the Gateway's Service yet.");
        else programmed = GatewayConditions.Programmed();

        var conditions = new List<V1Condition> { accepted.ToV1(g), programmed.ToV1(g) };
        if (gw.BackendTlsCondition is not null) conditions.Add(gw.BackendTlsCondition.ToV1(g));
        if (gw.InsecureFrontend is not null) conditions.Add(gw.InsecureFrontend.ToV1(g));

        return new V1GatewayStatus
        {
            Addresses = !gw.Programmed ? [] : gw.StatusAddresses ?? gw.Addresses.Select(a => new V1GatewayStatusAddress { Type = "IPAddress", Value = a }).ToList(),
            Conditions = conditions,
            Listeners = own.Select(l => Listener(l, g, gw.Programmed)).ToList(),
            AttachedListenerSets = gw.AttachedListenerSets,
        };
    }

    /// <summary>The status of a Gateway whose translation faulted in <paramref name="step"/>: not accepted, not programmed.</summary>
    public static V1GatewayStatus FailedGateway(V1Gateway gw, string step, Exception e)
    {
        var g = GatewayTranslation.Generation(gw.Metadata);
        return new V1GatewayStatus
        {
            Conditions =
            [
                GatewayConditions.InternalError(InternalError.Message(step, e)).ToV1(g),
                GatewayConditions.NotProgrammedInvalid("The Gateway is not accepted.").ToV1(g),
            ],
        };
    }

    /// <summary>The status of a ListenerSet whose status faulted: not accepted, not programmed, no listener entries.</summary>
    public static V1ListenerSetStatus FailedListenerSet(ListenerSetModel ls, string step, Exception e)
    {
        var condition = ListenerSetConditions.InternalError(InternalError.Message(step, e));
        return new V1ListenerSetStatus
        {
            Conditions = [condition.ToV1(ls.Generation), ListenerSetConditions.NotProgrammed(condition.Reason, condition.Message).ToV1(ls.Generation)],
        };
    }

    /// <summary>The status of a route whose status faulted: every parent of ours carries the internal error.</summary>
    public static V1RouteStatus FailedRoute(RouteModel route, string controllerName, string step, Exception e)
    {
        var condition = RouteConditions.InternalError(InternalError.Message(step, e)).ToV1(route.Generation);
        return new V1RouteStatus
        {
            Parents = route.Parents.Select(p => new V1RouteParentStatus { ParentRef = p.StatusRef, ControllerName = controllerName, Conditions = [condition] }).ToList(),
        };
    }

    public static V1ListenerSetStatus ListenerSet(ListenerSetModel ls)
    {
        var g = ls.Generation;
        var parentProgrammed = ls.Parent?.Programmed == true;
        var accepted = ls.NotAccepted ?? ListenerSetConditions.Accepted();
        var programmed = ls.NotAccepted is { } na
            ? ListenerSetConditions.NotProgrammed(na.Reason, na.Message)
            : parentProgrammed ? ListenerSetConditions.Programmed() : ListenerSetConditions.NotProgrammed("Pending", "The parent Gateway is not programmed.");
        return new V1ListenerSetStatus
        {
            Conditions = [accepted.ToV1(g), programmed.ToV1(g)],
            Listeners = ls.Accepted || ls.NotAccepted?.Reason == "ListenersNotValid" ? ls.Listeners.Select(l => Listener(l, g, parentProgrammed)).ToList() : null,
        };
    }

    private static V1ListenerStatus Listener(ListenerModel l, long g, bool gatewayProgrammed)
    {
        var accepted = l.NotAccepted ?? ListenerConditions.Accepted();
        ConditionSpec programmed;
        if (l.NotAccepted is { } na) programmed = ListenerConditions.NotProgrammed(l.Conflict?.Reason ?? "Invalid", na.Message);
        else if (!l.TlsUsable) programmed = ListenerConditions.NotProgrammed("Invalid", "The listener's certificate references are not resolved.");
        else if (l.SupportedKinds.Count == 0) programmed = ListenerConditions.NotProgrammed("Invalid", "No route kind can attach to this listener.");
        else if (l.PortPending is { } pending) programmed = ListenerConditions.NotProgrammed("Pending", pending);
        else if (!gatewayProgrammed) programmed = ListenerConditions.NotProgrammed("Pending", "The Gateway is not programmed.");
        else programmed = ListenerConditions.Programmed();

        var conditions = new List<V1Condition>
        {
            accepted.ToV1(g),
            programmed.ToV1(g),
            (l.NotResolved ?? ListenerConditions.ResolvedRefs()).ToV1(g),
            (l.Conflict ?? ListenerConditions.NoConflicts()).ToV1(g),
        };
        if (l.OverlapWith is { } other)
        {
            conditions.Add(ListenerConditions.OverlappingHostnames($"Hostname overlaps with listener {other} on port {l.Port}.").ToV1(g));
        }
        return new V1ListenerStatus
        {
            Name = l.Name,
            // Unsupported protocols list no kinds (conformance GatewayListenerUnsupportedProtocol expects []).
            SupportedKinds = l.Protocol is null ? [] : l.SupportedKinds.Select(k => new V1RouteGroupKind { Group = KindRegistry.GatewayGroup, Kind = k }).ToList(),
            AttachedRoutes = l.AttachedRoutes,
            Conditions = conditions,
        };
    }

    public static V1RouteStatus Route(RouteModel route, string controllerName)
    {
        var g = route.Generation;
        var resolved = route.ResolvedRefs;
        var partial = route.PartiallyInvalid;
        return new V1RouteStatus
        {
            Parents = route.Parents.Select(p =>
            {
                var shadowed = p.Accepted.Status ? Shadowing.Messages(p, route.Key).ToList() : [];
                var accepted = p.EffectiveAccepted;
                if (partial is null && shadowed.Count == 0 && accepted == RouteConditions.Accepted() && resolved == RouteConditions.ResolvedRefs()
                    && AcceptedAndResolved(g) is { } common)
                {
                    return new V1RouteParentStatus { ParentRef = p.StatusRef, ControllerName = controllerName, Conditions = common };
                }
                var conditions = new List<V1Condition> { accepted.ToV1(g), resolved.ToV1(g) };
                if (partial is not null) conditions.Add(partial.ToV1(g));
                if (shadowed.Count > 0) conditions.Add(RouteConditions.Shadowed(string.Join(" ", shadowed)).ToV1(g));
                return new V1RouteParentStatus { ParentRef = p.StatusRef, ControllerName = controllerName, Conditions = conditions };
            }).ToList(),
        };
    }

    // The conditions of an accepted route parent whose references all resolve, per observedGeneration: the same for
    // almost every route, so one list (and its two conditions) is shared by all of them instead of about 220 bytes per
    // route. Desired statuses are never modified once composed (the merge makes new conditions with their times), so
    // sharing is safe (and the list is an array, which nothing can add to). Generations above the table's size get their own list.
    private static readonly V1Condition[]?[] CommonConditions = new V1Condition[]?[64];

    private static V1Condition[]? AcceptedAndResolved(long generation)
    {
        if (generation < 0 || generation >= CommonConditions.Length) return null;
        var held = Volatile.Read(ref CommonConditions[generation]);
        if (held is not null) return held;
        V1Condition[] made = [RouteConditions.Accepted().ToV1(generation), RouteConditions.ResolvedRefs().ToV1(generation)];
        return Interlocked.CompareExchange(ref CommonConditions[generation], made, null) ?? made;
    }
}
