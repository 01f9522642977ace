using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// BackendTLSPolicy (backendtlspolicy_types.go v1.6.1, GEP-1897) decided on its own, before any route: the validation
/// block becomes <see cref="BackendTlsSettings"/> or the reason it cannot, each targetRef is checked against its
/// Service, and policies selecting the same Service port are ranked. Routes then ask
/// <see cref="BackendTlsPolicyTable.Lookup"/> which policy applies to a backend; which Gateways become a policy's
/// ancestors is known only after route attachment (<see cref="BackendTlsPolicyTable.AddAncestors"/>).
/// </summary>
internal static partial class BackendTlsPolicyTranslation
{
    /// <summary>The only wellKnownCACertificates value (WellKnownCACertificatesSystem); the data plane supports it.</summary>
    public const string SystemCertificates = "System";

    /// <summary>PreciseHostname: a DNS-1123 subdomain without wildcard (shared_types.go).</summary>
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PreciseHostname();

    /// <summary>Hostname: a PreciseHostname optionally prefixed by one "*." label (shared_types.go).</summary>
    [GeneratedRegex("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex WildcardHostname();

    /// <summary>
    /// Validates every policy and resolves conflicts. Each policy is decided inside its own guard, so one that trips an
    /// unexpected fault is reported Invalid and never applied, and the others are unaffected.
    /// </summary>
    public static BackendTlsPolicyTable Translate(IEnumerable<V1BackendTLSPolicy> policies, TranslationIndex index, DiagnosticLog diagnostics, TranslatorOptions options)
    {
        var models = new List<BackendTlsPolicyModel>();
        foreach (var policy in policies)
        {
            var key = KindRegistry.KeyOf(KindRegistry.BackendTLSPolicy, policy);
            BackendTlsPolicyModel model;
            try
            {
                options.FaultInjection?.Invoke(Translator.Steps.BackendTlsPolicy, key);
                model = Evaluate(policy, index);
            }
            catch (Exception e)
            {
                // Defence in depth (ARCHITECTURE step 3): the fault is a diagnostic and this policy's status. Targets are
                // read again without validation so the Gateways using its Services still show why TLS is not applied
                // (a policy no route of ours uses has no status entry, so there the diagnostic is the only report).
                diagnostics.Add(key, Translator.Steps.BackendTlsPolicy, e);
                model = Failed(policy, e, index, diagnostics);
            }
            models.Add(model);
        }
        ResolveConflicts(models);
        return new BackendTlsPolicyTable(models);
    }

    /// <summary>One policy: validation block and targets, no ranking (that needs every policy).</summary>
    internal static BackendTlsPolicyModel Evaluate(V1BackendTLSPolicy policy, TranslationIndex index)
    {
        var model = NewModel(policy);
        ReadTargets(policy, model, index);
        var v = policy.Spec?.Validation ?? new V1BackendTLSPolicyValidation();
        var invalid = new List<string>();

        // validation.hostname (Required, PreciseHostname): the SNI and, without subjectAltNames, the name to verify.
        var hostname = v.Hostname ?? "";
        if (hostname.Length == 0) invalid.Add("validation.hostname is required.");
        else if (hostname.Length > 253 || !PreciseHostname().IsMatch(hostname)) invalid.Add($"validation.hostname \"{hostname}\" is not a precise DNS name.");

        // BackendTLSPolicyValidation CEL: exactly one of caCertificateRefs and wellKnownCACertificates. Only "System"
        // is defined; an unrecognised value MUST make Accepted False with reason Invalid (WellKnownCACertificates docs).
        var refs = v.CaCertificateRefs ?? [];
        var wellKnown = string.IsNullOrEmpty(v.WellKnownCACertificates) ? null : v.WellKnownCACertificates;
        if (refs.Count > 0 && wellKnown is not null) invalid.Add("validation must not contain both caCertificateRefs and wellKnownCACertificates.");
        else if (refs.Count == 0 && wellKnown is null) invalid.Add("validation must specify either caCertificateRefs or wellKnownCACertificates.");
        if (wellKnown is not null && wellKnown != SystemCertificates) invalid.Add($"wellKnownCACertificates \"{wellKnown}\" is not supported; only \"{SystemCertificates}\" is.");

        // validation.subjectAltNames (Extended, SANValidation): Hostname entries carry hostname only, URI entries an
        // absolute URI only (SubjectAltName CEL rules, AbsoluteURI). Stored in the IR as plain strings, see
        // BackendTlsSettings: a URI always contains ':', a DNS name never does.
        var sans = new List<string>();
        for (var i = 0; i < (v.SubjectAltNames?.Count ?? 0); i++)
        {
            var san = v.SubjectAltNames![i];
            var problem = san.Type switch
            {
                "Hostname" when !string.IsNullOrEmpty(san.Uri) => "must not set uri when type is Hostname",
                "Hostname" when string.IsNullOrEmpty(san.Hostname) || san.Hostname.Length > 253 || !WildcardHostname().IsMatch(san.Hostname) => $"hostname \"{san.Hostname}\" is not a valid DNS name",
                "Hostname" => null,
                "URI" when !string.IsNullOrEmpty(san.Hostname) => "must not set hostname when type is URI",
                "URI" when !Uri.TryCreate(san.Uri, UriKind.Absolute, out _) || !san.Uri!.Contains(':', StringComparison.Ordinal) => $"uri \"{san.Uri}\" is not an absolute URI with a scheme",
                "URI" => null,
                _ => $"type \"{san.Type}\" is not Hostname or URI",
            };
            if (problem is not null) invalid.Add($"validation.subjectAltNames[{i}] {problem}.");
            else sans.Add(san.Type == "Hostname" ? san.Hostname! : san.Uri!);
        }

        // spec.options (Implementation-specific): we define no option, and silently ignoring one the author relies on
        // (a minimum TLS version, say) would weaken the connection without telling anyone, so any option is Invalid.
        if (policy.Spec?.Options is { Count: > 0 } options)
        {
            invalid.Add($"spec.options are not supported by this implementation: {string.Join(", ", options.Keys.Order(StringComparer.Ordinal))}.");
        }

        // validation.caCertificateRefs: a ConfigMap in the policy's namespace with a PEM bundle under "ca.crt" (Core).
        // Unknown group/kind → InvalidKind; missing object or bad data → InvalidCACertificateRef. Valid refs are used
        // even when others are not (only connections that need an invalid ref fail); none valid → NoValidCACertificate.
        var pems = new List<string>();
        var refProblems = new List<ConditionSpec>();
        foreach (var r in refs)
        {
            var group = r.Group ?? "";
            var kind = r.Kind ?? "";
            if (group != "" || kind != "ConfigMap")
            {
                refProblems.Add(PolicyConditions.InvalidKind($"caCertificateRef {GatewayTranslation.Describe(group, kind)} {r.Name} is not supported; only core ConfigMaps are."));
                continue;
            }
            var (pem, error) = index.CaBundle(model.Key.Namespace, r.Name);
            if (pem is null) refProblems.Add(PolicyConditions.InvalidCaCertificateRef(error!));
            else pems.Add(pem);
        }

        if (invalid.Count > 0) model.Invalid = PolicyConditions.Invalid(string.Join(" ", invalid));
        if (refProblems.Count > 0) model.CaProblem = refProblems[0] with { Message = string.Join(" ", refProblems.Select(p => p.Message)) };
        model.NoValidCa = refs.Count > 0 && pems.Count == 0;
        if (model.Invalid is null && !model.NoValidCa)
        {
            model.Settings = new BackendTlsSettings(hostname, [.. pems], wellKnown == SystemCertificates, [.. sans], null);
        }
        return model;
    }

    private static BackendTlsPolicyModel Failed(V1BackendTLSPolicy policy, Exception e, TranslationIndex index, DiagnosticLog diagnostics)
    {
        var model = NewModel(policy);
        try
        {
            ReadTargets(policy, model, index);
        }
        catch (Exception again)
        {
            // Targets unreadable too: the policy cannot be placed on any Service, so it gets no ancestors.
            diagnostics.Add(model.Key, Translator.Steps.BackendTlsPolicyTargets, again);
            model.Targets.Clear();
        }
        model.Invalid = PolicyConditions.InternalError(InternalError.Message(Translator.Steps.BackendTlsPolicy, e));
        return model;
    }

    private static BackendTlsPolicyModel NewModel(V1BackendTLSPolicy policy) => new()
    {
        Key = KindRegistry.KeyOf(KindRegistry.BackendTLSPolicy, policy),
        Policy = policy,
        Generation = GatewayTranslation.Generation(policy.Metadata),
        Created = policy.Metadata.CreationTimestamp,
    };

    /// <summary>
    /// spec.targetRefs (LocalPolicyTargetReferenceWithSectionName): a core Service in the policy's namespace; a
    /// sectionName names one of its ports. A target that names a missing Service or port "must fail to attach"
    /// (policy_types.go SectionName); repeated targets (forbidden by CEL) count once.
    /// </summary>
    private static void ReadTargets(V1BackendTLSPolicy policy, BackendTlsPolicyModel model, TranslationIndex index)
    {
        var seen = new HashSet<(string, string, string, string?)>();
        foreach (var t in policy.Spec?.TargetRefs ?? [])
        {
            var section = string.IsNullOrEmpty(t.SectionName) ? null : t.SectionName;
            if (!seen.Add((t.Group ?? "", t.Kind ?? "", t.Name ?? "", section))) continue;
            // Only Services have (Extended) support; a target of another kind can never match one of our backends, so
            // it is left out rather than mistaken for a same-named Service.
            if ((t.Group ?? "") != "" || t.Kind != "Service") continue;
            var target = new PolicyTarget(model, model.Targets.Count, model.Key.Namespace, t.Name ?? "", section);
            if (index.Service(target.Namespace, target.Service) is not { } service)
            {
                target.NotFound = $"Service {target.Namespace}/{target.Service} does not exist.";
            }
            else if (section is not null && service.Spec?.Ports?.Any(p => p.Name == section) != true)
            {
                target.NotFound = $"Service {target.Namespace}/{target.Service} has no port named \"{section}\".";
            }
            model.Targets.Add(target);
        }
    }

    /// <summary>
    /// BackendTLSPolicySpec.TargetRefs: "When more than one BackendTLSPolicy selects the same target and sectionName",
    /// the older policy by creationTimestamp wins, then the first in alphabetical order; every other one is
    /// Accepted=False/Conflicted for that target. Targets compare by (Service, sectionName): a policy naming a port does
    /// not conflict with one for the whole Service (it is the more specific one on that port, see
    /// <see cref="BackendTlsPolicyTable.Lookup"/>). Validity does not take part in the ranking: the older policy's intent
    /// applies even when it cannot be honoured, and its backends then fail. An object without creationTimestamp (only
    /// possible outside the API server) ranks after every object that has one.
    /// </summary>
    internal static void ResolveConflicts(IEnumerable<BackendTlsPolicyModel> models)
    {
        var groups = models
            .SelectMany(m => m.Targets)
            .Where(t => t.NotFound is null)
            .GroupBy(t => (t.Namespace, t.Service, t.SectionName));
        foreach (var group in groups)
        {
            var ranked = group.OrderBy(t => t.Policy, PolicyPrecedence.Instance).ToList();
            foreach (var loser in ranked.Skip(1)) loser.ConflictedWith = ranked[0].Policy.Key;
        }
    }


    /// <summary>
    /// The status of one policy (PolicyStatus): one ancestor entry per Gateway of ours whose HTTP/GRPC routes use a
    /// Service port the policy targets (PolicyAncestorStatus: "the relevant object for status is the Gateway"), in
    /// key order and at most 16 (PolicyStatus.Ancestors MaxItems). Conditions are judged over the targets that Gateway
    /// uses. Accepted, first reason that applies: Invalid (the policy itself cannot be honoured), TargetNotFound (no
    /// used target exists), Conflicted (another policy wins a used target), NoValidCACertificate ("If ALL
    /// CACertificateRefs are invalid"), else Accepted. ResolvedRefs: the first caCertificateRef problem
    /// (InvalidKind / InvalidCACertificateRef) with every problem in the message, else ResolvedRefs.
    /// </summary>
    public static V1PolicyStatus Status(BackendTlsPolicyModel model, string controllerName)
    {
        var g = model.Generation;
        var ancestors = new List<V1PolicyAncestorStatus>();
        foreach (var (gateway, targetIndexes) in model.Ancestors.Take(MaxAncestors))
        {
            var targets = targetIndexes.Select(i => model.Targets[i]).ToList();
            var found = targets.Where(t => t.NotFound is null).ToList();
            var conflicted = found.Where(t => t.ConflictedWith is not null).ToList();
            ConditionSpec accepted;
            if (model.Invalid is not null) accepted = model.Invalid;
            else if (found.Count == 0) accepted = PolicyConditions.TargetNotFound(string.Join(" ", targets.Select(t => t.NotFound).Distinct()));
            else if (conflicted.Count > 0)
            {
                accepted = PolicyConditions.Conflicted(string.Join(" ", conflicted.Select(t =>
                    $"BackendTLSPolicy {t.ConflictedWith!.Value.NamespacedName} takes precedence on Service {t.Namespace}/{t.Service}" +
                    (t.SectionName is null ? "" : $" port {t.SectionName}") + " (older, or as old and first by name).")));
            }
            else if (model.NoValidCa) accepted = PolicyConditions.NoValidCaCertificate($"No valid CA certificate: {model.CaProblem?.Message}");
            else accepted = PolicyConditions.Accepted();
            var resolved = model.CaProblem ?? PolicyConditions.ResolvedRefs();
            ancestors.Add(new V1PolicyAncestorStatus
            {
                AncestorRef = new V1GatewayParentReference { Group = KindRegistry.GatewayGroup, Kind = "Gateway", Namespace = gateway.Namespace, Name = gateway.Name },
                ControllerName = controllerName,
                Conditions = [accepted.ToV1(g), resolved.ToV1(g)],
            });
        }
        return new V1PolicyStatus { Ancestors = ancestors };
    }

    /// <summary>The status of a policy whose status faulted: every ancestor carries the internal error.</summary>
    public static V1PolicyStatus FailedStatus(BackendTlsPolicyModel model, string controllerName, string step, Exception e)
    {
        var condition = PolicyConditions.InternalError(InternalError.Message(step, e)).ToV1(model.Generation);
        return new V1PolicyStatus
        {
            Ancestors = model.Ancestors.Keys.Take(MaxAncestors).Select(gateway => new V1PolicyAncestorStatus
            {
                AncestorRef = new V1GatewayParentReference { Group = KindRegistry.GatewayGroup, Kind = "Gateway", Namespace = gateway.Namespace, Name = gateway.Name },
                ControllerName = controllerName,
                Conditions = [condition],
            }).ToList(),
        };
    }

    /// <summary>PolicyStatus.Ancestors MaxItems.</summary>
    public const int MaxAncestors = 16;
}

/// <summary>A BackendTLSPolicy after validation and conflict resolution.</summary>
internal sealed class BackendTlsPolicyModel : IRankedPolicy
{
    public required ResourceKey Key { get; init; }
    /// <summary>The policy object itself, from the snapshot it was translated from (its status is written with it).</summary>
    public required V1BackendTLSPolicy Policy { get; init; }
    public required long Generation { get; init; }
    public required DateTime? Created { get; init; }

    /// <summary>Accepted=False/Invalid: the policy cannot be honoured whatever its target.</summary>
    public ConditionSpec? Invalid { get; set; }

    /// <summary>ResolvedRefs=False: the first caCertificateRef problem, every problem in the message.</summary>
    public ConditionSpec? CaProblem { get; set; }

    /// <summary>caCertificateRefs were given and none is valid (NoValidCACertificate).</summary>
    public bool NoValidCa { get; set; }

    /// <summary>What the data plane needs to originate TLS; null when the policy cannot be honoured.</summary>
    public BackendTlsSettings? Settings { get; set; }

    public List<PolicyTarget> Targets { get; } = [];

    /// <summary>Gateways whose routes use a targeted Service port, with the indexes of the targets they use.</summary>
    public SortedDictionary<ResourceKey, SortedSet<int>> Ancestors { get; } = [];
}

/// <summary>One targetRef of a policy: a Service, optionally one named port of it.</summary>
internal sealed class PolicyTarget(BackendTlsPolicyModel policy, int index, string ns, string service, string? sectionName)
{
    public BackendTlsPolicyModel Policy { get; } = policy;
    public int Index { get; } = index;
    public string Namespace { get; } = ns;
    public string Service { get; } = service;
    public string? SectionName { get; } = sectionName;

    /// <summary>Why the target cannot be attached (missing Service or port); null when it can.</summary>
    public string? NotFound { get; set; }

    /// <summary>The policy that takes precedence on this target, when this one lost.</summary>
    public ResourceKey? ConflictedWith { get; set; }
}

/// <summary>A route's backend that one target of one policy is about (recorded for the policy's ancestors).</summary>
internal readonly record struct PolicyUse(ResourceKey Policy, int Target);

/// <summary>The policies of one translation, indexed by targeted Service.</summary>
internal sealed class BackendTlsPolicyTable
{
    public static readonly BackendTlsPolicyTable Empty = new([]);

    private readonly Dictionary<(string Ns, string Service), List<PolicyTarget>> _byService = new();
    private readonly Dictionary<ResourceKey, BackendTlsPolicyModel> _byKey = new();

    public BackendTlsPolicyTable(IReadOnlyList<BackendTlsPolicyModel> policies)
    {
        Policies = policies;
        foreach (var p in policies) _byKey[p.Key] = p;
        foreach (var t in policies.SelectMany(p => p.Targets))
        {
            if (!_byService.TryGetValue((t.Namespace, t.Service), out var list)) _byService[(t.Namespace, t.Service)] = list = [];
            list.Add(t);
        }
    }

    public IReadOnlyList<BackendTlsPolicyModel> Policies { get; }

    /// <summary>
    /// The policy that applies to <paramref name="port"/> of Service <paramref name="ns"/>/<paramref name="service"/>:
    /// the winner among policies naming this port (sectionName = Service port name), else the winner among policies for
    /// the whole Service; null when none applies. Every target that is about this port - winners, losers, and targets
    /// naming a port the Service lacks - is added to the policy uses of <paramref name="uses"/> (the route), so each of those policies reports status
    /// on the Gateways that route to the port.
    /// </summary>
    internal BackendTlsPolicyModel? Lookup(string ns, string service, V1ServicePort port, RouteModel? uses)
    {
        if (!_byService.TryGetValue((ns, service), out var targets)) return null;
        BackendTlsPolicyModel? forPort = null, forService = null;
        foreach (var t in targets)
        {
            var relevant = t.SectionName is null || t.SectionName == port.Name || t.NotFound is not null;
            if (!relevant) continue;
            uses?.AddPolicyUse(new PolicyUse(t.Policy.Key, t.Index));
            if (t.NotFound is not null || t.ConflictedWith is not null) continue;
            if (t.SectionName is null) forService = t.Policy;
            else forPort = t.Policy;
        }
        return forPort ?? forService;
    }

    /// <summary>Records <paramref name="gateway"/> as an ancestor of each used policy target.</summary>
    public void AddAncestors(ResourceKey gateway, IEnumerable<PolicyUse> uses)
    {
        foreach (var use in uses)
        {
            if (!_byKey.TryGetValue(use.Policy, out var policy)) continue;
            if (!policy.Ancestors.TryGetValue(gateway, out var set)) policy.Ancestors[gateway] = set = [];
            set.Add(use.Target);
        }
    }
}
