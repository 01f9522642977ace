using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>A Listener entity reported which live replicas (node ids) programmed its listener.</summary>
public sealed record ListenerProgrammedReported(string Listener, ImmutableArray<string> Nodes) : IObjectEvent;

/// <summary>The entity carried out the provisioning plan with <paramref name="Fingerprint"/>.</summary>
public sealed record ProvisioningApplied(string Fingerprint) : IObjectEvent;

/// <summary>
/// A plan carried out long ago is still planned (the change it made never showed in this node's snapshot, or was
/// undone meanwhile): carry it out again.
/// </summary>
public sealed record ProvisioningStale : IObjectEvent;

/// <summary>
/// The reconciled state of one Gateway. Its status is this node's desired status with cluster-wide facts put in
/// (<see cref="Compose"/>): status.addresses is the sorted union of the addresses of the live replicas that
/// programmed it, Programmed is True when at least one live replica programmed it, and each listener's status takes
/// what its Listener entity reconciled (<see cref="Listeners"/>: which live replicas programmed that listener).
/// The Gateway's provisioning (Kubernetes mode: its Service) is carried out by this entity only: when this node's
/// content holds a plan it has not carried out yet (<see cref="ProvisioningDue"/>).
/// </summary>
/// <param name="Core">The shared part.</param>
/// <param name="Listeners">Per listener name, the live replicas (node ids) that programmed it, as its Listener entity last said.</param>
/// <param name="Provisioned">The fingerprint of the plan last carried out, while this node still plans it (null once a pass plans nothing).</param>
public sealed record GatewayState(ReconciledObject Core, ImmutableSortedDictionary<string, ImmutableArray<string>> Listeners, string? Provisioned = null) : IEntityState<GatewayState>
{
    /// <summary>A new incarnation for the entity id namespace/name.</summary>
    public static GatewayState Create(string id, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.Gateway, id), selfNode, selfNodeName), ImmutableSortedDictionary.Create<string, ImmutableArray<string>>(StringComparer.Ordinal));

    /// <inheritdoc />
    public GatewayState Apply(IObjectEvent e) => e switch
    {
        ListenerProgrammedReported l => this with { Listeners = Listeners.SetItem(l.Listener, l.Nodes) },
        ProvisioningApplied applied => this with { Provisioned = applied.Fingerprint },
        ProvisioningStale => this with { Provisioned = null },
        // Content without a plan: what was provisioned shows in the snapshot; a later plan, even an equal one, is new work.
        LocalContentObserved { Content.Provisioning: null } => this with { Core = Core.Apply(e), Provisioned = null },
        _ => this with { Core = Core.Apply(e) },
    };

    /// <summary>The plan to carry out now: this node has synced, the Gateway is here, and its plan was not carried out yet.</summary>
    public IGatewayProvisioningPlan? ProvisioningDue =>
        Core.LocalSynced && Core.Local?.Provisioning is { } plan && !string.Equals(plan.Fingerprint, Provisioned, StringComparison.Ordinal) ? plan : null;

    /// <inheritdoc />
    public EntityDecision Decide()
    {
        if (Core.Local?.Status is not { } desired) return Core.Decide(null, null);
        var composed = Compose(desired, Core.ProgrammedBy, Elsewhere());
        var fingerprint = ReferenceEquals(composed, desired)
            ? Core.Local.WriteFingerprint
            : Fingerprint.Of(Core.Local.WriteFingerprint.ToString(), CanonicalForm.Of(composed.Value));
        return Core.Decide(composed, fingerprint);
    }

    /// <inheritdoc />
    public string DesiredText => Core.Local?.Status is { } desired
        ? NodeContentBuilder.StatusText(desired.Key, desired.Generation, Compose(desired, Core.ProgrammedBy, Elsewhere()).Value)
        : "";

    /// <summary>
    /// Per listener, how many live replicas other than this one programmed it. This replica's own part is its own
    /// content, which is always at least as fresh as what a Listener entity said about it, and departed replicas no
    /// longer count.
    /// </summary>
    private Dictionary<string, int>? Elsewhere() => Listeners.IsEmpty ? null :
        Listeners.ToDictionary(p => p.Key, p => p.Value.Count(n => n != Core.SelfNode && !Core.Departed.Contains(n)), StringComparer.Ordinal);

    /// <summary>
    /// This node's desired Gateway status with the cluster's view: when live replicas programmed the Gateway,
    /// status.addresses becomes the sorted union of their addresses (kept as is when it already holds exactly those)
    /// and a False Programmed condition becomes True (GatewayConditionProgrammed: "the Gateway has been programmed
    /// ... and is ready to serve traffic" holds while one replica serves it). Likewise per listener, from
    /// <paramref name="listeners"/> (per listener, how many other live replicas programmed it): a listener programmed
    /// on at least one other live replica is Programmed, and an Accepted
    /// False for PortUnavailable (a fact of this replica's sockets only) becomes Accepted. Returns
    /// <paramref name="desired"/> itself when nothing changes; never modifies it.
    /// </summary>
    public static DesiredStatus Compose(DesiredStatus desired, IEnumerable<NodeReport> reports, IReadOnlyDictionary<string, int>? listeners = null)
    {
        if (desired is not DesiredGatewayStatus { Status: var local } gateway) return desired;
        var programmed = reports.Where(r => r.Present && r.Programmed).ToList();

        var union = programmed.SelectMany(r => r.Addresses).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        var localAddresses = (local.Addresses ?? []).Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
        var addressesChange = programmed.Count > 0 && union.Length > 0 && !localAddresses.SetEquals(union);
        var programmedCondition = local.Conditions?.FirstOrDefault(c => c.Type == ConditionNames.Programmed);
        var programmedChange = programmed.Count > 0 && programmedCondition is { Status: not "True" };
        var listenerChanges = (local.Listeners ?? [])
            .Select((l, i) => (Index: i, Replicas: listeners?.GetValueOrDefault(l.Name) ?? 0, Status: l))
            .Where(l => l.Replicas > 0 && ListenerNeedsComposing(l.Status))
            .ToList();
        if (!addressesChange && !programmedChange && listenerChanges.Count == 0) return desired;

        var status = ObjectCopy.Clone(local);
        if (addressesChange)
        {
            var types = (local.Addresses ?? []).GroupBy(a => a.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);
            status.Addresses = [.. union.Select(a => new V1GatewayStatusAddress
            {
                Value = a,
                Type = types.GetValueOrDefault(a) ?? (IPAddress.TryParse(a, out _) ? "IPAddress" : "Hostname"),
            })];
        }
        if (programmedChange)
        {
            var generation = programmedCondition!.ObservedGeneration ?? desired.Generation;
            var condition = GatewayConditions.Programmed().ToV1(generation);
            condition.Message = string.Create(CultureInfo.InvariantCulture, $"The Gateway is programmed on {programmed.Count} replica(s).");
            status.Conditions = [.. status.Conditions!.Select(c => c.Type == ConditionNames.Programmed ? condition : c)];
        }
        foreach (var (index, replicas, _) in listenerChanges)
        {
            var listener = status.Listeners![index];
            listener.Conditions = [.. listener.Conditions!.Select(c => c switch
            {
                { Type: ConditionNames.Programmed, Status: not "True" } => WithMessage(ListenerConditions.Programmed().ToV1(c.ObservedGeneration ?? desired.Generation),
                    string.Create(CultureInfo.InvariantCulture, $"The listener is programmed on {replicas} replica(s).")),
                { Type: ConditionNames.Accepted, Status: not "True", Reason: PortUnavailableReason } => ListenerConditions.Accepted().ToV1(c.ObservedGeneration ?? desired.Generation),
                _ => c,
            })];
        }
        return gateway with { Status = status };
    }

    private const string PortUnavailableReason = "PortUnavailable";

    /// <summary>True when a listener served elsewhere shows this replica's own failure to serve it.</summary>
    private static bool ListenerNeedsComposing(V1ListenerStatus listener) =>
        listener.Conditions?.Any(c => c is { Type: ConditionNames.Programmed, Status: not "True" } or { Type: ConditionNames.Accepted, Status: not "True", Reason: PortUnavailableReason }) == true;

    private static V1Condition WithMessage(V1Condition condition, string message)
    {
        condition.Message = message;
        return condition;
    }
}
