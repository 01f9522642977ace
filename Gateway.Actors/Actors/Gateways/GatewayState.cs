using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>
/// The reconciled state of one Gateway. Its status is this node's desired status with two cluster-wide facts put in
/// (<see cref="Compose"/>): status.addresses is the sorted union of the addresses of the live replicas that
/// programmed it, and Programmed is True when at least one live replica programmed it.
/// </summary>
public sealed record GatewayState(ReconciledObject Core) : IEntityState<GatewayState>
{
    /// <summary>A new incarnation for the entity id namespace/name.</summary>
    public static GatewayState Create(string id, string selfNode, string selfNodeName) =>
        new(ReconciledObject.Create(new EntityRef(EntityKind.Gateway, id), selfNode, selfNodeName));

    /// <inheritdoc />
    public GatewayState Apply(IObjectEvent e) => this with { Core = Core.Apply(e) };

    /// <inheritdoc />
    public EntityDecision Decide()
    {
        if (Core.Local?.Status is not { } desired) return Core.Decide(null, null);
        var composed = Compose(desired, Core.ProgrammedBy);
        var fingerprint = ReferenceEquals(composed, desired)
            ? Core.Local.WriteFingerprint
            : NodeContentBuilder.Hash(Core.Local.WriteFingerprint, CanonicalForm.Of(composed.Status));
        return Core.Decide(composed, fingerprint);
    }

    /// <inheritdoc />
    public string DesiredText => Core.Local?.Status is { } desired
        ? NodeContentBuilder.StatusText(desired.Key, desired.Generation, Compose(desired, Core.ProgrammedBy).Status)
        : "";

    /// <summary>
    /// This node's desired Gateway status with the cluster's view: when live replicas programmed the Gateway,
    /// status.addresses becomes the sorted union of their addresses (kept as is when it already holds exactly those)
    /// and a False Programmed condition becomes True (GatewayConditionProgrammed: "the Gateway has been programmed
    /// ... and is ready to serve traffic" holds while one replica serves it). Returns <paramref name="desired"/>
    /// itself when nothing changes; never modifies it.
    /// </summary>
    public static DesiredStatus Compose(DesiredStatus desired, IEnumerable<NodeReport> reports)
    {
        if (desired.Status is not V1GatewayStatus local) return desired;
        var programmed = reports.Where(r => r.Present && r.Programmed).ToList();
        if (programmed.Count == 0) return desired;

        var union = programmed.SelectMany(r => r.Addresses).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        var localAddresses = (local.Addresses ?? []).Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
        var addressesChange = union.Length > 0 && !localAddresses.SetEquals(union);
        var programmedCondition = local.Conditions?.FirstOrDefault(c => c.Type == ConditionNames.Programmed);
        var programmedChange = programmedCondition is { Status: not "True" };
        if (!addressesChange && !programmedChange) return desired;

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
        return desired with { Status = status };
    }
}
