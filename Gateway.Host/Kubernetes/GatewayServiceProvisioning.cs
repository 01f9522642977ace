using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>Settings of Service provisioning.</summary>
public sealed record GatewayServiceProvisioningOptions
{
    /// <summary>The GatewayClass controllerName whose Gateways get Services.</summary>
    public string ControllerName { get; init; } = TranslatorOptions.DefaultControllerName;

    /// <summary>Namespace, pod selector and port range of the Services.</summary>
    public GatewayServiceOptions Services { get; init; } = new();
}

/// <summary>
/// One Gateway's Service change, as a plan its GatewayEntity carries out (<see cref="IGatewayProvisioningPlan"/>). Its
/// fingerprint is the Service it would write and the Service it starts from (uid and resourceVersion), so the same
/// change planned again from the same state is the same plan.
/// </summary>
public sealed class ServicePlan : IGatewayProvisioningPlan
{
    internal ServicePlan(ServiceChange change)
    {
        Change = change;
        var desired = change.Build(change.Existing);
        var form = string.Join('\u001f', change.ServiceKey.ToString(), desired is null ? "delete" : GatewayServiceBuilder.Managed(desired),
            change.Existing?.Metadata?.Uid ?? "", change.Existing?.Metadata?.ResourceVersion ?? "");
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(form)));
        Description = $"{(change.Existing is null ? "create" : desired is null ? "delete" : "update")} Service {change.ServiceKey}";
    }

    /// <summary>The change.</summary>
    public ServiceChange Change { get; }

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public string Description { get; }
}

/// <summary>
/// Kubernetes mode's provisioning: every node plans each Gateway's Service from its snapshot on every pass
/// (<see cref="GatewayServicePlanner"/>; a Gateway whose Service is as desired gets no plan, so a steady state makes no
/// API calls), and the Gateway's entity carries the plan out here, on whichever node it runs
/// (<see cref="GatewayServiceApplier"/>: conditional writes, fresh read on 409). A Gateway that is gone or no longer
/// ours has its Service removed by its entity; Services an earlier run left for such Gateways are reported as
/// orphans, so their entities remove them.
/// </summary>
public sealed class GatewayServiceProvisioning(KubernetesApi api, GatewayServiceApplier applier, GatewayServiceProvisioningOptions options,
    ILogger<GatewayServiceProvisioning> logger) : IGatewayProvisioningPlanner, IGatewayProvisioner
{
    /// <inheritdoc />
    public ProvisioningPlans Plan(Snapshot snapshot)
    {
        var plans = new Dictionary<ResourceKey, IGatewayProvisioningPlan>();
        var orphans = new HashSet<ResourceKey>();
        foreach (var change in GatewayServicePlanner.Plan(snapshot, options.ControllerName, options.Services))
        {
            if (change.Orphaned) orphans.Add(change.Gateway);
            else plans[change.Gateway] = new ServicePlan(change);
        }
        return new ProvisioningPlans(plans, orphans);
    }

    /// <inheritdoc />
    public async Task ApplyAsync(IGatewayProvisioningPlan plan, CancellationToken ct)
    {
        if (plan is not ServicePlan service) throw new ArgumentException($"not a Service plan: {plan.Description}", nameof(plan));
        await applier.ApplyAsync(service.Change, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveAsync(ResourceKey gateway, CancellationToken ct)
    {
        var name = GatewayServices.ServiceName(gateway);
        var existing = await api.GetServiceAsync(options.Services.Namespace, name, ct).ConfigureAwait(false);
        // Only a Service we manage for exactly this Gateway; a same-named Service of anyone else is never touched.
        if (existing is null || !GatewayServices.IsManaged(existing) || GatewayServices.GatewayOf(existing) != gateway) return;
        var change = new ServiceChange(gateway, options.Services.Namespace, name, existing, _ => null, Orphaned: true);
        if (await applier.ApplyAsync(change, ct).ConfigureAwait(false) == ServiceApplyOutcome.Deleted)
            logger.LogInformation("Removed Service {Service} of {Gateway}, which is gone or no longer ours", change.ServiceKey, gateway);
    }
}
