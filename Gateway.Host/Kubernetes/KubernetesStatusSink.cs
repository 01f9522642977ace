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
/// Removal is the same: the entity takes this controller's entries out of the status it holds and hands over the rest,
/// which <see cref="RemoveAsync"/> writes conditionally.
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
    /// Attempts per write and per removal (the entity's fresh read, merge or removal, and PUT; the hosting gives it to
    /// the entities); only conflicts cause another attempt.
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
    /// GatewayClasses and Gateways are not named: their status is left to whoever owns them now (<see cref="StatusMerge.WithoutEntriesOf"/>).
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
                if (StatusMerge.HasEntriesOf(StatusDocument.StatusOf(obj), controllerName)) keys.Add(KindRegistry.KeyOf(kind, obj));
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

    /// <inheritdoc />
    /// <remarks>
    /// The remaining status (the entity took this controller's route parents or policy ancestors out of the status it
    /// read) replaces the status subresource, conditionally on the version it was computed from, so an entry another
    /// controller wrote since is never dropped: the API server answers 409 and the entity reads and decides again. The
    /// body is the object's identity (apiVersion, kind, name, namespace, resourceVersion) with the status: the status
    /// subresource takes only the status, and the object may have left this controller's snapshot. The served versions
    /// are tried in order, as the read tries them; none answering means the object is gone. A removal without a version
    /// has nothing to be conditional on and is answered Conflict, so the entity reads first.
    /// </remarks>
    public async Task<StatusWriteReceipt> RemoveAsync(StatusRemoval removal, CancellationToken ct)
    {
        if (removal.Remaining is null)
            throw new ArgumentException($"{removal.Key}: the status subresource is shared; a removal names the status that remains", nameof(removal));
        if (KindRegistry.ByName(removal.Key.Kind) is not { HasStatus: true } info)
            throw new ArgumentException($"{removal.Key.Kind} has no status subresource", nameof(removal));
        if (removal.BasedOn is null) return new StatusWriteReceipt(StatusWriteOutcome.Conflict, null);
        foreach (var version in info.ServedVersions)
        {
            var document = StatusDocument.Build(Identity(info, version, removal.Key, removal.BasedOn), removal.Remaining);
            try
            {
                return new StatusWriteReceipt(StatusWriteOutcome.Written, await _api.ReplaceStatusAsync(info, version, document, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Conflict)
            {
                Interlocked.Increment(ref _conflicts);
                _logger.LogDebug("Status of {Key}: conflict removing our entries at resourceVersion {Version}", removal.Key, removal.BasedOn);
                return new StatusWriteReceipt(StatusWriteOutcome.Conflict, null);
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.NotFound)
            {
                // This version is not served, or the object is gone; the next version tells which.
            }
        }
        return new StatusWriteReceipt(StatusWriteOutcome.ObjectGone, null);
    }

    /// <summary>An object of <paramref name="kind"/> carrying only its identity and <paramref name="resourceVersion"/>.</summary>
    private static IKubernetesObject<V1ObjectMeta> Identity(KindInfo kind, string version, ResourceKey key, string resourceVersion)
    {
        var obj = (IKubernetesObject<V1ObjectMeta>)Activator.CreateInstance(kind.ClrType)!;
        obj.ApiVersion = kind.Group.Length == 0 ? version : $"{kind.Group}/{version}";
        obj.Kind = kind.Kind;
        obj.Metadata = new V1ObjectMeta { Name = key.Name, NamespaceProperty = kind.Namespaced ? key.Namespace : null, ResourceVersion = resourceVersion };
        return obj;
    }

    private static (KindInfo Kind, string Version) Resolve(ResourceKey key, string apiVersion)
    {
        var kind = KindRegistry.Resolve(apiVersion, key.Kind) ?? throw new ArgumentException($"{apiVersion} {key.Kind} is not a kind we read");
        if (!kind.HasStatus) throw new ArgumentException($"{key.Kind} has no status subresource");
        return (kind, apiVersion[(apiVersion.LastIndexOf('/') + 1)..]);
    }
}
