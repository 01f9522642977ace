using Gateway.Actors.Resources;

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

/// <summary>What one pass plans to provision.</summary>
/// <param name="Plans">Per Gateway whose provisioning differs from what the snapshot asks for: the plan that brings it in line.</param>
/// <param name="Orphans">
/// Gateways that have something provisioned but are gone or no longer ours (on the first pass: left by an earlier
/// run): their entities are told the Gateway is gone, and remove it.
/// </param>
public sealed record ProvisioningPlans(IReadOnlyDictionary<ResourceKey, IGatewayProvisioningPlan> Plans, IReadOnlyCollection<ResourceKey> Orphans);

/// <summary>Plans provisioning from a snapshot, on every node, every pass (pure apart from reading the snapshot).</summary>
public interface IGatewayProvisioningPlanner
{
    /// <summary>The plans and orphans of <paramref name="snapshot"/>.</summary>
    ProvisioningPlans Plan(Snapshot snapshot);
}
