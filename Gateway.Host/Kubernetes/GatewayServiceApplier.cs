using System.Net;
using Gateway.Actors.Resources;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>What one apply did.</summary>
public enum ServiceApplyOutcome
{
    /// <summary>The Service already was as desired (or already gone).</summary>
    Unchanged,

    /// <summary>Created.</summary>
    Created,

    /// <summary>Replaced.</summary>
    Updated,

    /// <summary>Deleted.</summary>
    Deleted,
}

/// <summary>
/// Carries one <see cref="ServiceChange"/> out through the API: create, replace (conditional on the resourceVersion
/// read) or delete (conditional on the uid read). A 409 (someone else wrote, or the Service appeared or changed since
/// the snapshot) is answered with a fresh read and a rebuild, at most <see cref="MaxAttempts"/> times. Called by the
/// Gateway's entity only (<see cref="GatewayServiceProvisioning"/>), so one replica writes each Service.
/// </summary>
public sealed class GatewayServiceApplier(KubernetesApi api, ILogger<GatewayServiceApplier> logger, int maxAttempts = 5)
{
    private int _created, _updated, _deleted, _conflicts;

    /// <summary>Attempts per change.</summary>
    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>Services created so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Services replaced so far.</summary>
    public int Updated => Volatile.Read(ref _updated);

    /// <summary>Services deleted so far.</summary>
    public int Deleted => Volatile.Read(ref _deleted);

    /// <summary>409 answers retried so far.</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>Applies <paramref name="change"/>.</summary>
    public async Task<ServiceApplyOutcome> ApplyAsync(ServiceChange change, CancellationToken ct)
    {
        var current = change.Existing;
        for (var attempt = 1; ; attempt++)
        {
            var desired = change.Build(current);
            try
            {
                if (desired is null)
                {
                    if (current is null) return ServiceApplyOutcome.Unchanged;
                    if (!await api.DeleteServiceAsync(change.Namespace, change.Name, current.Metadata.Uid, ct).ConfigureAwait(false)) return ServiceApplyOutcome.Unchanged;
                    Interlocked.Increment(ref _deleted);
                    logger.LogInformation("Deleted Service {Service} of {Gateway}", change.ServiceKey, change.Gateway);
                    return ServiceApplyOutcome.Deleted;
                }
                if (current is null)
                {
                    desired.Metadata.ResourceVersion = null;
                    await api.CreateServiceAsync(desired, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _created);
                    logger.LogInformation("Created Service {Service} for {Gateway}", change.ServiceKey, change.Gateway);
                    return ServiceApplyOutcome.Created;
                }
                if (GatewayServiceBuilder.SameManagedFields(desired, current)) return ServiceApplyOutcome.Unchanged;
                desired.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
                await api.ReplaceServiceAsync(desired, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _updated);
                logger.LogInformation("Updated Service {Service} for {Gateway}", change.ServiceKey, change.Gateway);
                return ServiceApplyOutcome.Updated;
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Conflict && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _conflicts);
                logger.LogDebug("Service {Service}: conflict on attempt {Attempt}; reading again", change.ServiceKey, attempt);
                current = await api.GetServiceAsync(change.Namespace, change.Name, ct).ConfigureAwait(false);
            }
        }
    }
}
