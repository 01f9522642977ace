using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

/// <summary>One valid (rule, match) of an HTTPRoute or GRPCRoute, compiled but not yet bound to a listener.</summary>
internal sealed record CompiledMatch(
    int RuleIndex,
    int MatchIndex,
    string? RuleName,
    PathMatch Path,
    ImmutableArray<HeaderMatch> Headers,
    ImmutableArray<QueryParamMatch> QueryParams,
    string? Method,
    HttpFilters Filters,
    BackendGroup Backends,
    RouteTimeouts? Timeouts,
    RouteRetry? Retry)
{
    /// <summary>The rule's session persistence; null when the rule has none.</summary>
    public SessionPersistencePolicy? Session { get; init; }
}

/// <summary>One valid rule of a TLS/TCP/UDP route.</summary>
internal sealed record CompiledL4Rule(int RuleIndex, BackendGroup Backends);

/// <summary>What a route asked of one parentRef and what it got.</summary>
internal sealed class ParentResult
{
    public required V1GatewayParentReference StatusRef { get; init; }
    public ConditionSpec Accepted { get; set; } = RouteConditions.Accepted();
    private IReadOnlyList<(ListenerModel Listener, IReadOnlyList<string> Hostnames)> _attached = [];

    /// <summary>The listeners this parentRef attaches to, with the route's effective hostnames on each.</summary>
    public IReadOnlyList<(ListenerModel Listener, IReadOnlyList<string> Hostnames)> Attached => _attached;

    /// <summary>Adds a listener to <see cref="Attached"/>.</summary>
    public void Attach(ListenerModel listener, IReadOnlyList<string> hostnames) => KeptLists.Add(ref _attached, (listener, hostnames));

    /// <summary>Forgets every listener of <see cref="Attached"/>.</summary>
    public void ClearAttached() => _attached = [];

    /// <summary>Holds <see cref="Attached"/> as an exact array (the model is kept).</summary>
    internal void Freeze() => _attached = KeptLists.Frozen(_attached);

    /// <summary>A mesh parent (core Service, GAMMA) when accepted: the Service and the ports this parentRef attaches to; else null.</summary>
    public global::Gateway.Actors.Mesh.MeshParent? Mesh { get; set; }

    /// <summary>
    /// Set by <see cref="Mesh.MeshRouteTypes"/> on an accepted mesh parent of an HTTPRoute when GRPCRoutes of the same
    /// group take some of its ports: those ports (not served for this route) and the condition written instead of
    /// <see cref="Accepted"/> (Conflicted when every port is lost, else Accepted naming the lost ports). Empty and null otherwise.
    /// </summary>
    public ImmutableArray<int> MeshLostPorts { get; set; } = [];

    /// <summary>See <see cref="MeshLostPorts"/>.</summary>
    public ConditionSpec? MeshConflict { get; set; }

    /// <summary>The Accepted condition as written: <see cref="MeshConflict"/> when set, else <see cref="Accepted"/>.</summary>
    public ConditionSpec EffectiveAccepted => MeshConflict ?? Accepted;
}

/// <summary>A route of any kind after rule compilation and parent attachment.</summary>
internal sealed class RouteModel
{
    public required ResourceKey Key { get; init; }
    public required long Generation { get; init; }
    public required DateTime? Created { get; init; }
    public required IReadOnlyList<V1GatewayParentReference> ParentRefs { get; init; }
    public required IReadOnlyList<string> Hostnames { get; init; }

    // Matches, parents and placements are lists while the route is compiled and placed, and exact arrays once it is
    // kept (TrimLists): a list object in front of each cost 32 bytes per list per route for as long as it is kept.
    private IReadOnlyList<CompiledMatch> _matches = [];
    private IReadOnlyList<ParentResult> _parents = [];
    private IReadOnlyList<ListenerModel> _placedOn = [];

    /// <summary>The valid (rule, match) pairs of the HTTP/GRPC rules, compiled.</summary>
    public IReadOnlyList<CompiledMatch> Matches => _matches;

    /// <summary>Adds a compiled match.</summary>
    public void AddMatch(CompiledMatch match) => KeptLists.Add(ref _matches, match);
    // Most routes have no L4 rules, reference problems, dropped rules or policy uses, and the model is kept per route:
    // those collections are made on first use through their property (an empty List costs 32 bytes, an empty HashSet
    // 64), and the hot readers below look at the fields without making them.
    private List<CompiledL4Rule>? _l4Rules;
    private List<ConditionSpec>? _refProblems;
    private List<string>? _droppedRules;
    private HashSet<PolicyUse>? _policyUses;

    public List<CompiledL4Rule> L4Rules => _l4Rules ??= [];

    /// <summary>The L4 rules without making the list (empty when none).</summary>
    public IReadOnlyList<CompiledL4Rule> L4RulesOrEmpty => (IReadOnlyList<CompiledL4Rule>?)_l4Rules ?? [];

    public List<ConditionSpec> RefProblems => _refProblems ??= [];
    public List<string> DroppedRules => _droppedRules ??= [];
    public int RuleCount { get; set; }

    /// <summary>What each parentRef asked and got, in parentRef order (duplicates once).</summary>
    public IReadOnlyList<ParentResult> Parents => _parents;

    /// <summary>Adds a parent's result.</summary>
    public void AddParent(ParentResult parent) => KeptLists.Add(ref _parents, parent);

    /// <summary>The listeners this route's entries were placed on (each once), so they can be taken off again.</summary>
    public IReadOnlyList<ListenerModel> PlacedOn => _placedOn;

    /// <summary>Records that the route's entries were placed on <paramref name="listener"/>.</summary>
    public void Place(ListenerModel listener) => KeptLists.Add(ref _placedOn, listener);

    /// <summary>Forgets every placement (the entries were taken off).</summary>
    public void ClearPlacements() => _placedOn = [];

    /// <summary>The Services (and through them their EndpointSlices) compiling this route read; a change to one re-translates it.</summary>
    public ResourceKey[] Reads { get; set; } = [];

    /// <summary>BackendTLSPolicy targets about the Service ports this route's HTTP/GRPC backends and mirrors use.</summary>
    public HashSet<PolicyUse> PolicyUses => _policyUses ??= [];

    /// <summary>Adds a policy use, making the set on the first.</summary>
    public void AddPolicyUse(PolicyUse use) => (_policyUses ??= []).Add(use);

    /// <summary>True when <see cref="PolicyUses"/> has any (without making the set).</summary>
    public bool HasPolicyUses => _policyUses is { Count: > 0 };

    /// <summary>
    /// Gives back the room the model's lists grew for and do not use. The model is kept per route between passes, and
    /// a list filled one item at a time keeps room for four: a route with one match, one parent and one listener held
    /// about 120 bytes of empty slots, and the list objects 128 more. Called once the route's pass is done (its status
    /// is composed); matches, parents and placements become exact arrays, which a later addition copies into a list again.
    /// </summary>
    public void TrimLists()
    {
        _matches = KeptLists.Frozen(_matches);
        _parents = KeptLists.Frozen(_parents);
        _placedOn = KeptLists.Frozen(_placedOn);
        foreach (var parent in _parents) parent.Freeze();
        KeptLists.Trim(_l4Rules);
        KeptLists.Trim(_refProblems);
        KeptLists.Trim(_droppedRules);
    }

    /// <summary>Drops every compiled rule (a faulted route serves nothing).</summary>
    public void ClearRules()
    {
        _matches = [];
        _l4Rules?.Clear();
    }

    /// <summary>Forgets every policy use.</summary>
    public void ClearPolicyUses() => _policyUses?.Clear();

    public bool HasValidRules => Matches.Count > 0 || _l4Rules is { Count: > 0 };

    /// <summary>ResolvedRefs: the first problem's reason, every problem in the message.</summary>
    public ConditionSpec ResolvedRefs => _refProblems is not { Count: > 0 } problems
        ? RouteConditions.ResolvedRefs()
        : problems[0] with { Message = string.Join(" ", problems.Select(p => p.Message).Distinct().Take(8)) };

    /// <summary>PartiallyInvalid when some but not all rules were dropped.</summary>
    public ConditionSpec? PartiallyInvalid => _droppedRules is { Count: > 0 } dropped && HasValidRules
        ? RouteConditions.PartiallyInvalid(string.Join(" ", dropped))
        : null;
}
