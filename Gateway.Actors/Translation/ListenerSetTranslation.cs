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
    /// <summary>
    /// The ListenerSet's model when its parent is one of our Gateways, else null. Its listeners are added to the
    /// Gateway only once every one of them is evaluated, so a fault part-way leaves the Gateway's model untouched.
    /// </summary>
    public static ListenerSetModel? Translate(V1ListenerSet ls, IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, TranslationIndex index, TranslatorOptions options)
    {
        var key = KindRegistry.KeyOf(KindRegistry.ListenerSet, ls);
        // Not one of our Gateways: the ListenerSet's status belongs to whoever owns that Gateway.
        if (ParentOf(ls, key, gateways) is not { } gw) return null;

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
            options.FaultInjection?.Invoke(Translator.Steps.ListenerSetListener, key);
        }
        gw.Listeners.AddRange(model.Listeners);
        return model;
    }

    /// <summary>
    /// The model of a ListenerSet whose translation faulted: not accepted with <paramref name="condition"/>, no
    /// listeners (none was added to the Gateway); null when its parent is not one of our Gateways.
    /// </summary>
    public static ListenerSetModel? Failed(V1ListenerSet ls, IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, ConditionSpec condition)
    {
        var key = KindRegistry.KeyOf(KindRegistry.ListenerSet, ls);
        if (ParentOf(ls, key, gateways) is not { } gw) return null;
        return new ListenerSetModel { ListenerSet = ls, Key = key, Generation = GatewayTranslation.Generation(ls.Metadata), Parent = gw, NotAccepted = condition };
    }

    /// <summary>Rejects an admitted ListenerSet: not accepted with <paramref name="condition"/>, its listeners taken off its Gateway.</summary>
    public static void Reject(ListenerSetModel model, ConditionSpec condition)
    {
        model.NotAccepted = condition;
        model.Parent?.Listeners.RemoveAll(l => l.Owner == model.Key);
    }

    private static GatewayModel? ParentOf(V1ListenerSet ls, ResourceKey key, IReadOnlyDictionary<ResourceKey, GatewayModel> gateways)
    {
        var pr = ls.Spec.ParentRef;
        var group = pr.Group ?? KindRegistry.GatewayGroup;
        var kind = pr.Kind ?? "Gateway";
        var ns = string.IsNullOrEmpty(pr.Namespace) ? key.Namespace : pr.Namespace;
        if (group != KindRegistry.GatewayGroup || kind != "Gateway") return null;
        return gateways.GetValueOrDefault(new ResourceKey("Gateway", ns, pr.Name));
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
