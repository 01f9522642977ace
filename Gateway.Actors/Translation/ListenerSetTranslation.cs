using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

/// <summary>
/// ListenerSet (listenerset_types.go, GEP-1713): attaches extra listeners to a Gateway of ours when the Gateway's
/// spec.allowedListeners.namespaces admits the ListenerSet's namespace (default None: nothing is admitted).
/// </summary>
internal static class ListenerSetTranslation
{
    public static ListenerSetModel? Translate(V1ListenerSet ls, IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, TranslationIndex index)
    {
        var key = KindRegistry.KeyOf(KindRegistry.ListenerSet, ls);
        var pr = ls.Spec.ParentRef;
        var group = pr.Group ?? KindRegistry.GatewayGroup;
        var kind = pr.Kind ?? "Gateway";
        var ns = string.IsNullOrEmpty(pr.Namespace) ? key.Namespace : pr.Namespace;
        if (group != KindRegistry.GatewayGroup || kind != "Gateway") return null;
        // Not one of our Gateways: the ListenerSet's status belongs to whoever owns that Gateway.
        if (!gateways.TryGetValue(new ResourceKey("Gateway", ns, pr.Name), out var gw)) return null;

        var model = new ListenerSetModel { ListenerSet = ls, Key = key, Generation = GatewayTranslation.Generation(ls.Metadata), Parent = gw };
        var from = gw.Gateway.Spec.AllowedListeners?.Namespaces?.From ?? "None";
        var allowed = from switch
        {
            "All" => true,
            "Same" => key.Namespace == gw.Key.Namespace,
            "Selector" => LabelSelectors.Matches(gw.Gateway.Spec.AllowedListeners?.Namespaces?.Selector, index.NamespaceLabels(key.Namespace)),
            _ => false,
        };
        if (!allowed)
        {
            model.NotAccepted = ListenerSetConditions.NotAllowed(
                $"Gateway {gw.Key.NamespacedName} does not allow ListenerSets from namespace {key.Namespace} (allowedListeners.namespaces.from: {from}).");
            return model;
        }

        var precedence = 1000 * (1 + gw.Listeners.Select(l => l.Owner).Distinct().Count());
        foreach (var spec in ls.Spec.Listeners ?? [])
        {
            var listener = new ListenerModel { Owner = key, Gateway = gw.Key, Spec = spec, Precedence = precedence++ };
            GatewayTranslation.EvaluateListener(listener, "ListenerSet", key.Namespace, gw.Gateway, index);
            model.Listeners.Add(listener);
            gw.Listeners.Add(listener);
        }
        return model;
    }

    /// <summary>After conflicts: a ListenerSet none of whose listeners is usable is not accepted (ListenersNotValid).</summary>
    public static void Finish(ListenerSetModel model)
    {
        if (model.Parent is null) return;
        if (model.Accepted && !model.Listeners.Any(l => l.Accepted && l.NotResolved is null && l.TlsUsable))
        {
            model.NotAccepted = ListenerSetConditions.ListenersNotValid("No listener of this ListenerSet is valid.");
        }
        if (model.Accepted) model.Parent.AttachedListenerSets++;
        else
        {
            // A rejected ListenerSet contributes no listeners to its Gateway.
            model.Parent.Listeners.RemoveAll(l => l.Owner == model.Key);
        }
    }
}
