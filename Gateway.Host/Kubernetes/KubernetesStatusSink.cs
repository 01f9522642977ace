using System.Collections.Concurrent;
using System.Net;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>A status removal that kept conflicting with other writers after every allowed attempt.</summary>
public sealed class StatusConflictException(ResourceKey key, int attempts)
    : Exception($"status of {key}: still conflicting after {attempts} attempts")
{
    /// <summary>The object.</summary>
    public ResourceKey Key { get; } = key;
}

/// <summary>
/// Writes status through the status subresource (ARCHITECTURE step 6, Kubernetes). The sink writes the status it is
/// given and merges nothing: the owning entity holds the status it last read or wrote, merges the desired one into it
/// (route parents and policy ancestors of other controllers kept, lastTransitionTime kept while a condition's status is
/// unchanged) and hands over the result with the resourceVersion it was read at. The PUT of .../status carries that
/// resourceVersion, so when anyone changed the object since (another controller's parent, a spec edit) the API server
/// answers 409 and the sink reports <see cref="StatusWriteOutcome.Conflict"/>: the entity reads again
/// (<see cref="ReadAsync"/>), merges again and writes again. A write without a version (the entity's read found no
/// object) is never sent, since it would be unconditional: it answers <see cref="StatusWriteOutcome.ObjectGone"/>.
/// observedGeneration is taken as the translator gave it. Writes that changed something are counted per object.
/// <see cref="RemoveAsync"/> still reads, takes out this controller's entries and writes conditionally itself (removal
/// merges nothing in), retrying conflicts at most <see cref="MaxAttempts"/> times.
/// As an <see cref="IStatusInventory"/> it names the routes and policies whose stored status still holds entries of this
/// controller (read from the objects the source watches), so after a restart the first pass removes the entries of
/// parents this controller no longer serves, like the file sink's leftover files.
/// </summary>
public sealed class KubernetesStatusSink : IStatusSink, IStatusInventory
{
    private readonly KubernetesApi _api;
    private readonly ILogger<KubernetesStatusSink> _logger;
    private readonly ConcurrentDictionary<ResourceKey, int> _writes = new();
    private readonly Func<Snapshot>? _watched;
    private int _conflicts;

    /// <summary>
    /// Creates a sink writing the entries of <paramref name="controllerName"/>; <paramref name="watched"/> gives the
    /// objects the source holds (with their stored status) for <see cref="StoredKeys"/>, or none.
    /// </summary>
    public KubernetesStatusSink(KubernetesApi api, string controllerName, ILogger<KubernetesStatusSink> logger, int maxAttempts = 5,
        Func<Snapshot>? watched = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _api = api;
        _watched = watched;
        ControllerName = controllerName;
        _logger = logger;
        MaxAttempts = maxAttempts;
    }

    /// <inheritdoc />
    public string ControllerName { get; }

    /// <inheritdoc />
    /// <remarks>False: only the status subresource is written; labels and annotations are the API server's.</remarks>
    public bool StoresObjects => false;

    /// <summary>
    /// Attempts per write (the entity's fresh read, merge and PUT; the hosting gives it to the entities) and per removal;
    /// only conflicts cause another attempt.
    /// </summary>
    public int MaxAttempts { get; }

    /// <summary>Status writes that changed something, per object.</summary>
    public IReadOnlyDictionary<ResourceKey, int> WriteCounts => _writes;

    /// <summary>Status writes that changed something for <paramref name="key"/>.</summary>
    public int WriteCount(ResourceKey key) => _writes.GetValueOrDefault(key);

    /// <summary>409 Conflict answers so far (writes and removals).</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>
    /// Routes and policies whose stored status (as last watched) holds a parent or ancestor entry of this controller.
    /// GatewayClasses and Gateways are not named: <see cref="RemoveAsync"/> leaves their status to whoever owns them now.
    /// </summary>
    public IReadOnlyCollection<ResourceKey> StoredKeys() => _watched is null ? [] : HoldingEntriesOf(_watched(), ControllerName);

    /// <summary>The keys of the objects in <paramref name="snapshot"/> whose status has entries of <paramref name="controllerName"/>.</summary>
    public static IReadOnlyCollection<ResourceKey> HoldingEntriesOf(Snapshot snapshot, string controllerName)
    {
        var keys = new List<ResourceKey>();
        foreach (var kind in KindRegistry.All.Where(k => k.HasStatus))
        {
            foreach (var obj in snapshot.All<IKubernetesObject<V1ObjectMeta>>(kind))
            {
                if (WithoutEntriesOf(StatusDocument.StatusOf(obj), controllerName) is not null) keys.Add(KindRegistry.KeyOf(kind, obj));
            }
        }
        return keys;
    }

    /// <inheritdoc />
    public async Task<StatusWriteReceipt> WriteAsync(StatusWrite write, CancellationToken ct)
    {
        if (write.Change == StatusChange.None) return new StatusWriteReceipt(StatusWriteOutcome.Unchanged, write.BasedOn);
        // No version: the entity's read found no object, and an unconditional PUT could drop another controller's entry.
        if (write.BasedOn is null) return new StatusWriteReceipt(StatusWriteOutcome.ObjectGone, null);
        var (kind, version) = Resolve(write.Key, write.Desired.ApiVersion);
        // The object the status was computed from, with the merged status and the resourceVersion the merge was based on:
        // the status subresource takes only the status, and the version makes the PUT conditional.
        var document = StatusDocument.Build(write.Desired.Object, write.Status, write.BasedOn);
        try
        {
            var written = await _api.ReplaceStatusAsync(kind, version, document, ct).ConfigureAwait(false);
            _writes.AddOrUpdate(write.Key, 1, static (_, n) => n + 1);
            return new StatusWriteReceipt(StatusWriteOutcome.Written, written);
        }
        catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref _conflicts);
            _logger.LogDebug("Status of {Key}: conflict at resourceVersion {Version}", write.Key, write.BasedOn);
            return new StatusWriteReceipt(StatusWriteOutcome.Conflict, null);
        }
        catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return new StatusWriteReceipt(StatusWriteOutcome.ObjectGone, null);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A fresh GET of the status subresource through the first served version that answers; the stored status (null
    /// when the object has none yet) with the resourceVersion it was read at. Null when the object does not exist.
    /// </remarks>
    public async Task<StoredStatus?> ReadAsync(ResourceKey key, CancellationToken ct) =>
        KindRegistry.ByName(key.Kind) is { HasStatus: true } info && await GetAsync(info, key, ct).ConfigureAwait(false) is { } obj
            ? new StoredStatus(StatusDocument.StatusOf(obj), obj.Metadata?.ResourceVersion)
            : null;

    private async Task<IKubernetesObject<V1ObjectMeta>?> GetAsync(KindInfo info, ResourceKey key, CancellationToken ct)
    {
        foreach (var version in info.ServedVersions)
        {
            try
            {
                return await _api.GetStatusAsync(info, version, key, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.NotFound)
            {
                // This version is not served; try the next.
            }
        }
        return null;
    }

    /// <summary>
    /// An object we wrote status for is gone or no longer ours. Route parents and policy ancestors this controller wrote
    /// are removed (the route may still be served by other controllers); GatewayClass, Gateway and ListenerSet status is
    /// left as it is: a Gateway that moved to another class gets its status from that class's controller.
    /// </summary>
    public async Task RemoveAsync(ResourceKey key, CancellationToken ct)
    {
        var info = KindRegistry.ByName(key.Kind);
        if (info is null || !info.HasStatus) return;
        for (var attempt = 1; ; attempt++)
        {
            var obj = await GetAsync(info, key, ct).ConfigureAwait(false);
            if (obj is null) return;
            if (WithoutEntriesOf(StatusDocument.StatusOf(obj), ControllerName) is not { } without) return;
            var version2 = obj.ApiVersion[(obj.ApiVersion.LastIndexOf('/') + 1)..];
            if (await TryReplaceAsync(info, version2, obj, without, attempt, ct).ConfigureAwait(false)) return;
        }
    }

    /// <summary>
    /// A route status without the parents of <paramref name="controllerName"/>, or a policy status without its
    /// ancestors; null when the status holds no entry of that controller (or has no per-controller entries at all).
    /// </summary>
    private static object? WithoutEntriesOf(object? status, string controllerName) => status switch
    {
        V1RouteStatus r when r.Parents?.Any(p => p.ControllerName == controllerName) == true =>
            new V1RouteStatus { Parents = r.Parents.Where(p => p.ControllerName != controllerName).ToList() },
        V1PolicyStatus p when p.Ancestors?.Any(a => a.ControllerName == controllerName) == true =>
            new V1PolicyStatus { Ancestors = p.Ancestors.Where(a => a.ControllerName != controllerName).ToList() },
        _ => null,
    };

    private async Task<bool> TryReplaceAsync(KindInfo kind, string version, IKubernetesObject<V1ObjectMeta> obj, object status, int attempt, CancellationToken ct)
    {
        var key = KindRegistry.KeyOf(kind, obj);
        var property = obj.GetType().GetProperty("Status") ?? throw new InvalidOperationException($"{kind.Kind} has no status");
        property.SetValue(obj, status);
        try
        {
            // obj carries the resourceVersion of the fresh read: the API server rejects the PUT with 409 if the object
            // changed since, instead of letting us overwrite what another writer just wrote.
            await _api.ReplaceStatusAsync(kind, version, obj, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref _conflicts);
            if (attempt >= MaxAttempts) throw new StatusConflictException(key, attempt);
            _logger.LogDebug("Status of {Key}: conflict on attempt {Attempt}; reading again", key, attempt);
            return false;
        }
    }

    private static (KindInfo Kind, string Version) Resolve(ResourceKey key, string apiVersion)
    {
        var kind = KindRegistry.Resolve(apiVersion, key.Kind) ?? throw new ArgumentException($"{apiVersion} {key.Kind} is not a kind we read");
        if (!kind.HasStatus) throw new ArgumentException($"{key.Kind} has no status subresource");
        return (kind, apiVersion[(apiVersion.LastIndexOf('/') + 1)..]);
    }
}
