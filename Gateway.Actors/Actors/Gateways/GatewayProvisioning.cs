using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>
/// Node-local: what a Gateway needs besides its status to be reachable, as this node's pass planned it (in Kubernetes
/// mode, creating or changing the Service that exposes the Gateway). A plan exists only while the cluster differs from
/// what the snapshot asks for. It travels to the Gateway's entity with the Gateway's content, and only that entity
/// (one per Gateway in the cluster) carries it out, so exactly one replica writes each Service.
/// </summary>
public interface IGatewayProvisioningPlan
{
    /// <summary>What the plan does and what it starts from: a plan with another fingerprint makes the Gateway's content change.</summary>
    string Fingerprint { get; }

    /// <summary>One line for logs and inspection.</summary>
    string Description { get; }
}

/// <summary>Carries out provisioning plans on this node (Kubernetes mode: through the API server).</summary>
public interface IGatewayProvisioner
{
    /// <summary>Carries out <paramref name="plan"/>; throws when it could not (the entity retries with backoff).</summary>
    Task ApplyAsync(IGatewayProvisioningPlan plan, CancellationToken ct);

    /// <summary>Removes what was provisioned for <paramref name="gateway"/> (it is gone, or no longer ours); nothing when there is nothing.</summary>
    Task RemoveAsync(ResourceKey gateway, CancellationToken ct);
}

/// <summary>Plans provisioning from a snapshot, on every node, every pass (pure apart from reading the snapshot).</summary>
public interface IGatewayProvisioningPlanner
{
    /// <summary>Per Gateway whose provisioning differs from what <paramref name="snapshot"/> asks for: the plan that brings it in line.</summary>
    IReadOnlyDictionary<ResourceKey, IGatewayProvisioningPlan> Plan(Snapshot snapshot, TranslationResult result);

    /// <summary>
    /// Gateways that have something provisioned but are gone or no longer ours (left by an earlier run): their entities
    /// are told the Gateway is gone, and remove it.
    /// </summary>
    IReadOnlyCollection<ResourceKey> Orphans(Snapshot snapshot);
}
