using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// RateLimitPolicy (gateway.akka-gateway.dev/v1alpha1, direct policy attachment per GEP-713), decided after routes are
/// attached (step 9), because a route target's ancestors are the Gateways the route is accepted on.
/// <list type="bullet">
/// <item>Targets: a Gateway of ours (all its own listeners' entries; sectionName = one listener) or an HTTPRoute /
/// GRPCRoute (all its rules; sectionName = the rule of that name), in the policy's namespace.</item>
/// <item>Combination: every winning target that covers an entry applies, each rule checked on its own, so a
/// Gateway-level and a Route-level policy both limit a request (what Envoy Gateway users expect of separate
/// policies). One policy covering an entry twice (Gateway and route) counts it once per rule.</item>
/// <item>Conflicts: policies naming the same exact target (kind, name, sectionName): the oldest by creationTimestamp,
/// then the first by namespace/name, wins; the others are Accepted=False/Conflicted there and do not apply there.</item>
/// <item>Status: one ancestor per Gateway of ours the policy reaches (a missing Gateway target is its own ancestor; a
/// missing route target has the route reference as ancestorRef, since no Gateway can be named), at most 16.</item>
/// </list>
/// </summary>
internal static class RateLimitPolicyTranslation
{
    /// <summary>Shortest interval: leases expire at an interval's end, and sub-second windows only measure jitter.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static RateLimitTable Translate(IEnumerable<V1Alpha1RateLimitPolicy> policies, Snapshot snapshot,
        IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, IReadOnlyDictionary<ResourceKey, RouteModel> routes,
        DiagnosticLog diagnostics, TranslatorOptions options)
    {
        var models = new List<RateLimitPolicyModel>();
        foreach (var policy in policies)
        {
            var key = KindRegistry.KeyOf(KindRegistry.RateLimitPolicy, policy);
            var model = NewModel(policy);
            try
            {
                options.FaultInjection?.Invoke(Translator.Steps.RateLimitPolicy, key);
                Evaluate(policy, model, snapshot, gateways, routes);
            }
            catch (Exception e)
            {
                // Defence in depth (ARCHITECTURE step 3): the fault is a diagnostic and this policy's status; it limits nothing.
                diagnostics.Add(key, Translator.Steps.RateLimitPolicy, e);
                model.Rules = [];
                model.Invalid = PolicyConditions.InternalError(InternalError.Message(Translator.Steps.RateLimitPolicy, e));
            }
            models.Add(model);
        }
        ResolveConflicts(models);
        return new RateLimitTable(models);
    }

    private static RateLimitPolicyModel NewModel(V1Alpha1RateLimitPolicy policy) => new()
    {
        Key = KindRegistry.KeyOf(KindRegistry.RateLimitPolicy, policy),
        Policy = policy,
        Generation = GatewayTranslation.Generation(policy.Metadata),
        Created = policy.Metadata.CreationTimestamp,
    };

    private static void Evaluate(V1Alpha1RateLimitPolicy policy, RateLimitPolicyModel model, Snapshot snapshot,
        IReadOnlyDictionary<ResourceKey, GatewayModel> gateways, IReadOnlyDictionary<ResourceKey, RouteModel> routes)
    {
        var ns = model.Key.Namespace;
        var problems = new List<string>();
        var rules = ImmutableArray.CreateBuilder<RateLimitRule>();
        var specRules = policy.Spec?.Rules ?? [];
        for (var i = 0; i < specRules.Count; i++)
        {
            var r = specRules[i];
            var at = $"spec.rules[{i}]";
            var requests = r.Limit?.Requests ?? 0;
            if (requests < 1) problems.Add($"{at}.limit.requests must be at least 1.");
            if (!GatewayDuration.TryParse(r.Limit?.Interval, out var interval)) problems.Add($"{at}.limit.interval \"{r.Limit?.Interval}\" is not a duration.");
            else if (interval < MinInterval) problems.Add($"{at}.limit.interval must be at least 1s.");
            RateLimitKeyType? type = r.Key?.Type switch
            {
                "Global" => RateLimitKeyType.Global,
                "ClientIP" => RateLimitKeyType.ClientIP,
                "Header" => RateLimitKeyType.Header,
                _ => null,
            };
            if (type is null) problems.Add($"{at}.key.type \"{r.Key?.Type}\" is not Global, ClientIP or Header.");
            if (type == RateLimitKeyType.Header && string.IsNullOrEmpty(r.Key?.Name)) problems.Add($"{at}.key.name is required for a Header key.");
            RateLimitScope? scope = (r.Scope ?? "Cluster") switch
            {
                "Cluster" => RateLimitScope.Cluster,
                "Replica" => RateLimitScope.Replica,
                _ => null,
            };
            if (scope is null) problems.Add($"{at}.scope \"{r.Scope}\" is not Cluster or Replica.");
            if (type is { } t && scope is { } s && requests >= 1 && interval >= MinInterval)
            {
                rules.Add(new RateLimitRule(model.Key.NamespacedName, i, requests, interval, t, t == RateLimitKeyType.Header ? r.Key!.Name!.ToLowerInvariant() : null, s));
            }
        }
        if (specRules.Count == 0) problems.Add("spec.rules must have at least one entry.");
        if (problems.Count > 0) model.Invalid = PolicyConditions.Invalid(string.Join(" ", problems));
        model.Rules = problems.Count > 0 ? [] : rules.ToImmutable();

        var seen = new HashSet<(string, string, string?)>();
        foreach (var t in policy.Spec?.TargetRefs ?? [])
        {
            var section = string.IsNullOrEmpty(t.SectionName) ? null : t.SectionName;
            var kind = t.Kind ?? "";
            var name = t.Name ?? "";
            if (!seen.Add((kind, name, section))) continue;
            var target = new RateLimitTarget(model, kind, ns, name, section);
            if ((t.Group ?? "") != KindRegistry.GatewayGroup || kind is not ("Gateway" or "HTTPRoute" or "GRPCRoute"))
            {
                target.NotFound = $"{GatewayTranslation.Describe(t.Group ?? "", kind)} is not a supported target; only Gateway, HTTPRoute and GRPCRoute of {KindRegistry.GatewayGroup} are.";
                target.Ancestors.Add(Reference(kind, t.Group ?? "", ns, name));
            }
            else if (kind == "Gateway")
            {
                var key = new ResourceKey("Gateway", ns, name);
                if (gateways.TryGetValue(key, out var gw))
                {
                    target.Ancestors.Add(Reference("Gateway", KindRegistry.GatewayGroup, ns, name));
                    if (section is not null && !gw.Listeners.Any(l => l.Owner == key && l.Name == section))
                    {
                        target.NotFound = $"Gateway {ns}/{name} has no listener named \"{section}\".";
                    }
                }
                else if (snapshot.Get(key) is null)
                {
                    target.NotFound = $"Gateway {ns}/{name} does not exist.";
                    target.Ancestors.Add(Reference("Gateway", KindRegistry.GatewayGroup, ns, name));
                }
                else continue; // A Gateway of another controller: not ours to judge or to limit.
            }
            else
            {
                var key = new ResourceKey(kind, ns, name);
                if (!routes.TryGetValue(key, out var route) || snapshot.Get(key) is not { } obj)
                {
                    target.NotFound = $"{kind} {ns}/{name} does not exist.";
                    target.Ancestors.Add(Reference(kind, KindRegistry.GatewayGroup, ns, name));
                }
                else
                {
                    foreach (var g in route.Parents.Where(p => p.Accepted.Status).SelectMany(p => p.Attached).Select(a => a.Listener.Gateway).Distinct())
                    {
                        target.Ancestors.Add(Reference("Gateway", KindRegistry.GatewayGroup, g.Namespace, g.Name));
                    }
                    if (target.Ancestors.Count == 0) continue; // Accepted on no Gateway of ours.
                    if (section is not null && !RuleNames(obj).Contains(section))
                    {
                        target.NotFound = $"{kind} {ns}/{name} has no rule named \"{section}\".";
                    }
                }
            }
            model.Targets.Add(target);
        }
    }

    private static IEnumerable<string> RuleNames(object route) => route switch
    {
        V1HTTPRoute r => (r.Spec?.Rules ?? []).Select(x => x.Name).OfType<string>(),
        V1GRPCRoute r => (r.Spec?.Rules ?? []).Select(x => x.Name).OfType<string>(),
        _ => [],
    };

    private static ResourceKey Reference(string kind, string group, string ns, string name) => new($"{group}/{kind}", ns, name);

    /// <summary>Policies naming the same exact target: the oldest wins (then namespace/name); the others are Conflicted there.</summary>
    internal static void ResolveConflicts(IEnumerable<RateLimitPolicyModel> models)
    {
        foreach (var group in models.SelectMany(m => m.Targets).Where(t => t.NotFound is null).GroupBy(t => (t.Kind, t.Namespace, t.Name, t.SectionName)))
        {
            var ranked = group.OrderBy(t => t.Policy, PolicyPrecedence.Instance).ToList();
            foreach (var loser in ranked.Skip(1)) loser.ConflictedWith = ranked[0].Policy.Key;
        }
    }


    /// <summary>PolicyStatus.Ancestors MaxItems.</summary>
    public const int MaxAncestors = 16;

    /// <summary>
    /// The policy's status: per ancestor (key order, at most 16) one Accepted condition judged over the targets that
    /// reach it: Invalid (the spec cannot be honoured), TargetNotFound (no such target reaches it), Conflicted (another
    /// policy wins one of its targets there), else Accepted.
    /// </summary>
    public static V1PolicyStatus Status(RateLimitPolicyModel model, string controllerName)
    {
        var ancestors = new List<V1PolicyAncestorStatus>();
        foreach (var (ancestor, targets) in model.ByAncestor().Take(MaxAncestors))
        {
            var found = targets.Where(t => t.NotFound is null).ToList();
            var conflicted = found.Where(t => t.ConflictedWith is not null).ToList();
            ConditionSpec accepted;
            if (model.Invalid is not null) accepted = model.Invalid;
            else if (found.Count == 0) accepted = PolicyConditions.TargetNotFound(string.Join(" ", targets.Select(t => t.NotFound).Distinct()));
            else if (conflicted.Count > 0)
            {
                accepted = PolicyConditions.Conflicted(string.Join(" ", conflicted.Select(t =>
                    $"RateLimitPolicy {t.ConflictedWith!.Value.NamespacedName} takes precedence on {t.Kind} {t.Namespace}/{t.Name}" +
                    (t.SectionName is null ? "" : $" section {t.SectionName}") + " (older, or as old and first by name).")));
            }
            else accepted = PolicyConditions.Accepted();
            var slash = ancestor.Kind.LastIndexOf('/');
            ancestors.Add(new V1PolicyAncestorStatus
            {
                AncestorRef = new V1GatewayParentReference { Group = ancestor.Kind[..slash], Kind = ancestor.Kind[(slash + 1)..], Namespace = ancestor.Namespace, Name = ancestor.Name },
                ControllerName = controllerName,
                Conditions = [accepted.ToV1(model.Generation)],
            });
        }
        return new V1PolicyStatus { Ancestors = ancestors };
    }

    /// <summary>The status of a policy whose status faulted: every ancestor carries the internal error.</summary>
    public static V1PolicyStatus FailedStatus(RateLimitPolicyModel model, string controllerName, string step, Exception e)
    {
        var condition = PolicyConditions.InternalError(InternalError.Message(step, e)).ToV1(model.Generation);
        return new V1PolicyStatus
        {
            Ancestors = model.ByAncestor().Take(MaxAncestors).Select(a =>
            {
                var slash = a.Key.Kind.LastIndexOf('/');
                return new V1PolicyAncestorStatus
                {
                    AncestorRef = new V1GatewayParentReference { Group = a.Key.Kind[..slash], Kind = a.Key.Kind[(slash + 1)..], Namespace = a.Key.Namespace, Name = a.Key.Name },
                    ControllerName = controllerName,
                    Conditions = [condition],
                };
            }).ToList(),
        };
    }
}

/// <summary>A RateLimitPolicy after validation and conflict resolution.</summary>
internal sealed class RateLimitPolicyModel : IRankedPolicy
{
    public required ResourceKey Key { get; init; }
    public required V1Alpha1RateLimitPolicy Policy { get; init; }
    public required long Generation { get; init; }
    public required DateTime? Created { get; init; }

    /// <summary>Accepted=False/Invalid: the spec cannot be honoured (then <see cref="Rules"/> is empty).</summary>
    public ConditionSpec? Invalid { get; set; }

    /// <summary>The limits, empty when the policy is invalid.</summary>
    public ImmutableArray<RateLimitRule> Rules { get; set; } = [];

    public List<RateLimitTarget> Targets { get; } = [];

    /// <summary>Targets per ancestor (key "group/Kind", namespace, name), in key order.</summary>
    public SortedDictionary<ResourceKey, List<RateLimitTarget>> ByAncestor()
    {
        var map = new SortedDictionary<ResourceKey, List<RateLimitTarget>>();
        foreach (var t in Targets)
        {
            foreach (var a in t.Ancestors)
            {
                if (!map.TryGetValue(a, out var list)) map[a] = list = [];
                list.Add(t);
            }
        }
        return map;
    }
}

/// <summary>One targetRef of a RateLimitPolicy.</summary>
internal sealed class RateLimitTarget(RateLimitPolicyModel policy, string kind, string ns, string name, string? sectionName)
{
    public RateLimitPolicyModel Policy { get; } = policy;
    public string Kind { get; } = kind;
    public string Namespace { get; } = ns;
    public string Name { get; } = name;
    public string? SectionName { get; } = sectionName;

    /// <summary>Why the target cannot be attached; null when it can.</summary>
    public string? NotFound { get; set; }

    /// <summary>The policy that wins this target, when this one lost.</summary>
    public ResourceKey? ConflictedWith { get; set; }

    /// <summary>Where this target's status goes (key Kind = "group/Kind").</summary>
    public List<ResourceKey> Ancestors { get; } = [];

    public bool Applies => NotFound is null && ConflictedWith is null && Policy.Rules.Length > 0;
}

/// <summary>The RateLimitPolicies of one translation, indexed by what they apply to.</summary>
internal sealed class RateLimitTable
{
    public static readonly RateLimitTable Empty = new([]);

    private readonly Dictionary<(string Kind, string Ns, string Name), List<RateLimitTarget>> _byTarget = [];

    public RateLimitTable(IReadOnlyList<RateLimitPolicyModel> policies)
    {
        Policies = policies;
        foreach (var t in policies.SelectMany(p => p.Targets))
        {
            var key = (t.Kind, t.Namespace, t.Name);
            if (!_byTarget.TryGetValue(key, out var list)) _byTarget[key] = list = [];
            list.Add(t);
        }
        TargetedRoutes = policies
            .SelectMany(p => (p.Policy.Spec?.TargetRefs ?? []).Where(t => t.Kind is "HTTPRoute" or "GRPCRoute").Select(t => new ResourceKey(t.Kind, p.Key.Namespace, t.Name ?? "")))
            .ToHashSet();
    }

    public IReadOnlyList<RateLimitPolicyModel> Policies { get; }

    /// <summary>True when no policy applies anywhere (the table build then copies entries untouched).</summary>
    public bool IsEmpty => _byTarget.Count == 0;

    /// <summary>
    /// Routes some policy names as a target, found or not: a change to one of them changes that policy's targets and
    /// ancestors, so the incremental translator translates in full.
    /// </summary>
    public IReadOnlySet<ResourceKey> TargetedRoutes { get; }

    /// <summary>Rules applying to every entry of a Gateway's own listener <paramref name="listener"/> (null for ListenerSet listeners).</summary>
    public ImmutableArray<RateLimitRule> ForListener(ResourceKey gateway, string? listener) =>
        Rules("Gateway", gateway.Namespace, gateway.Name, listener);

    /// <summary>Rules of route-level policies applying to rule <paramref name="ruleName"/> of <paramref name="route"/>.</summary>
    public ImmutableArray<RateLimitRule> ForRule(ResourceKey route, string? ruleName) =>
        Rules(route.Kind, route.Namespace, route.Name, ruleName);

    private ImmutableArray<RateLimitRule> Rules(string kind, string ns, string name, string? section)
    {
        if (!_byTarget.TryGetValue((kind, ns, name), out var targets)) return [];
        var rules = ImmutableArray.CreateBuilder<RateLimitRule>();
        foreach (var t in targets.Where(t => t.Applies && (t.SectionName is null || t.SectionName == section)))
        {
            rules.AddRange(t.Policy.Rules);
        }
        return rules.ToImmutable();
    }

    /// <summary>Gateway-level then route-level rules of one entry, each counter once.</summary>
    public static ImmutableArray<RateLimitRule> Combine(ImmutableArray<RateLimitRule> listener, ImmutableArray<RateLimitRule> rule)
    {
        if (rule.IsEmpty) return listener;
        if (listener.IsEmpty) return rule;
        return [.. listener.Concat(rule).DistinctBy(r => r.Id)];
    }
}
