using System.Collections.Concurrent;
using System.Net;
using Gateway.Actors.Resources;
using Gateway.Host.Pipeline;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Kubernetes;

/// <summary>Settings of the Kubernetes source.</summary>
public sealed record KubernetesSourceOptions
{
    /// <summary>The kinds to list and watch (every kind we read by default).</summary>
    public IReadOnlyList<KindInfo> Kinds { get; init; } = KindRegistry.All;

    /// <summary>Items per list page (limit/continue), so a cluster with many Secrets is not read in one response.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// Server-side watch timeout (timeoutSeconds); each watch asks for a random value between this and twice it, as
    /// client-go's reflector does, so the watches of many replicas do not all restart at once.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reconnect backoff after a failed list or watch: first delay.</summary>
    public TimeSpan BackoffInitial { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Reconnect backoff: the longest delay (the delay doubles up to this, with full jitter).</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a kind whose CRD is not installed (404 on list) is checked again.</summary>
    public TimeSpan MissingKindRecheck { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The Secret types read by default: TLS certificates only.</summary>
    public static readonly IReadOnlyList<string> DefaultSecretTypes = ["kubernetes.io/tls"];

    /// <summary>
    /// The Secret types read (--secret-types), one list+watch each with the field selector type=TYPE, which the API
    /// server applies before anything is sent: Secrets of other types never reach the gateway. kubernetes.io/tls is
    /// what listener and backend client certificates must be; add Opaque for CA bundles kept in Opaque Secrets.
    /// </summary>
    public IReadOnlyList<string> SecretTypes { get; init; } = DefaultSecretTypes;

    /// <summary>
    /// The namespaces whose Secrets are read (--secret-namespaces), one list+watch each, so namespaced Roles suffice;
    /// empty (the default) reads every namespace's, which needs the cluster-wide permission.
    /// </summary>
    public IReadOnlyList<string> SecretNamespaces { get; init; } = [];
}

/// <summary>One list+watch: a kind, optionally narrowed to a namespace and a field selector (Secrets only).</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Name">The name in logs and <see cref="KubernetesSource.States"/>: the kind's, with the narrowing if any.</param>
/// <param name="Scope">The narrowing.</param>
public sealed record ListStream(KindInfo Kind, string Name, ListScope Scope)
{
    /// <summary>The streams of <paramref name="options"/>: one per kind, Secrets one per (namespace, type).</summary>
    public static IReadOnlyList<ListStream> Of(KubernetesSourceOptions options) =>
    [
        .. options.Kinds.SelectMany(kind => kind != KindRegistry.Secret
            ? [new ListStream(kind, kind.Kind, ListScope.Everything)]
            : from ns in options.SecretNamespaces.Count == 0 ? [null] : options.SecretNamespaces.Cast<string?>()
              from type in options.SecretTypes
              select new ListStream(kind, $"{kind.Kind} ({(ns is null ? "" : $"namespace {ns}, ")}type={type})", new ListScope(ns, $"type={type}"))),
    ];
}

/// <summary>What the source knows about one kind.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Version">The served version in use, null before the first list or while the kind is missing.</param>
/// <param name="ResourceVersion">The resourceVersion the next watch starts from.</param>
/// <param name="Lists">Complete lists so far (1 = the initial list; more = relists after 410 Gone or a recheck).</param>
/// <param name="Watches">Watch requests started.</param>
/// <param name="Bookmarks">BOOKMARK events received.</param>
/// <param name="Missing">True while no served version of the kind exists (its CRD is not installed).</param>
/// <param name="Objects">Objects of this kind in the store.</param>
/// <param name="Forbidden">True while the first list of the kind is refused (403 Forbidden: the RBAC grants no list on it).</param>
public sealed record KindSyncState(string Kind, string? Version, string? ResourceVersion, int Lists, int Watches, int Bookmarks, bool Missing, int Objects, bool Forbidden = false);

/// <summary>
/// Feeds the <see cref="ResourceStore"/> from the API server (ARCHITECTURE step 1): per kind a paginated list, then a
/// watch from the list's resourceVersion with bookmarks (allowWatchBookmarks) so the resourceVersion stays fresh.
/// <list type="bullet">
/// <item>First full sync: the store is marked synced once every kind has been listed (or found missing), so nothing
/// is translated from a half-read cluster.</item>
/// <item>410 Gone (an ERROR event in the stream, or the status of the watch request): relist; objects no longer
/// listed are removed, unchanged ones cost nothing (the store ignores updates that change only status or
/// resourceVersion).</item>
/// <item>A failed list or a dropped watch: reconnect after a bounded, fully jittered exponential backoff, resuming
/// from the last resourceVersion seen.</item>
/// <item>A kind whose CRD is not installed (404 on every served version): reported, treated as empty, checked again
/// every <see cref="KubernetesSourceOptions.MissingKindRecheck"/>; the other kinds work meanwhile.</item>
/// <item>A kind whose first list is refused (403 Forbidden): logged as an error naming the missing RBAC grant, treated
/// as empty so the rest of the cluster is served (objects that need it get honest conditions, such as a certificate
/// ref not found), listed again every <see cref="KubernetesSourceOptions.MissingKindRecheck"/>. A kind already
/// listed keeps what it holds while a later list or watch is refused (retried with backoff).</item>
/// <item>Secrets whose type can never be used by a Gateway (service-account tokens, docker configs, Helm releases)
/// are kept without their data: the translator still sees that they exist and their type, and their content is never
/// held. Object content is never logged, only kinds and keys.</item>
/// </list>
/// </summary>
public sealed class KubernetesSource : BackgroundService
{
    /// <summary>Secret types whose data a Gateway can use (listener certificates, CA bundles, client certificates).</summary>
    public static readonly IReadOnlySet<string> SecretTypesWithUsableData = new HashSet<string>(StringComparer.Ordinal) { "", "Opaque", "kubernetes.io/tls" };

    private readonly KubernetesApi _api;
    private readonly ResourceStore _store;
    private readonly KubernetesSourceOptions _options;
    private readonly ILogger<KubernetesSource> _logger;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _initialSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, KindSyncState> _states = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<ListStream> _streams;
    private int _kindsPending;

    private readonly Observability.Metrics.ControlPlaneMetrics? _metrics;

    /// <summary>Creates the source; it starts when the host starts it.</summary>
    public KubernetesSource(KubernetesApi api, ResourceStore store, KubernetesSourceOptions options, ILogger<KubernetesSource> logger, TimeProvider time,
        Observability.Metrics.ControlPlaneMetrics? metrics = null)
    {
        _metrics = metrics;
        _api = api;
        _store = store;
        _options = options;
        _logger = logger;
        _time = time;
        _streams = ListStream.Of(options);
        _kindsPending = _streams.Count;
        foreach (var stream in _streams) _states[stream.Name] = new KindSyncState(stream.Name, null, null, 0, 0, 0, false, 0);
    }

    /// <summary>Completes when every kind has been listed once (or found missing) and the store is marked synced.</summary>
    public Task InitialSync => _initialSync.Task;

    /// <summary>The state of every kind.</summary>
    public IReadOnlyList<KindSyncState> States => _streams.Select(s => _states[s.Name]).ToList();

    /// <summary>Kinds whose CRD is not installed, as "Kind (group)".</summary>
    public IReadOnlyList<string> MissingKinds => _streams.Where(s => _states[s.Name].Missing).Select(s => $"{s.Kind.Kind} ({s.Kind.Group})").Distinct().ToList();

    /// <summary>Kinds whose list the API server refuses (403), as "Kind (group)".</summary>
    public IReadOnlyList<string> ForbiddenKinds => _streams.Where(s => _states[s.Name].Forbidden).Select(s => $"{s.Kind.Kind} ({s.Kind.Group})").Distinct().ToList();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (_streams.Count == 0) MarkListed();
        try
        {
            await Task.WhenAll(_streams.Select(s => RunStreamAsync(s, stoppingToken))).ConfigureAwait(false);
        }
        finally
        {
            _initialSync.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task RunStreamAsync(ListStream stream, CancellationToken ct)
    {
        var kind = stream.Kind;
        var held = new Dictionary<ResourceKey, string?>();
        var backoff = new Backoff(_options.BackoffInitial, _options.BackoffMax);
        var listedOnce = false;
        string? version = null;
        string? resourceVersion = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    var listed = await ListAllAsync(stream, ct).ConfigureAwait(false);
                    if (listed is null)
                    {
                        // No served version: the CRD is not installed. Report once, hold nothing, check again later.
                        if (!_states[stream.Name].Missing)
                            _logger.LogWarning("{Kind} ({Group}) is not served by the API server (CRD not installed?); treated as empty, checked again every {Recheck}",
                                kind.Kind, kind.Group, _options.MissingKindRecheck);
                        foreach (var key in held.Keys) _store.Remove(key);
                        held.Clear();
                        Update(stream, s => s with { Missing = true, Version = null, ResourceVersion = null, Objects = 0 });
                        if (!listedOnce) { listedOnce = true; MarkListed(); }
                        await Task.Delay(_options.MissingKindRecheck, _time, ct).ConfigureAwait(false);
                        continue;
                    }
                    (version, var items, resourceVersion) = listed.Value;
                    if (listedOnce) _metrics?.Relisted(stream.Name);
                    if (_states[stream.Name].Missing) _logger.LogInformation("{Kind} ({Group}) is served now ({Version})", kind.Kind, kind.Group, version);
                    if (_states[stream.Name].Forbidden) _logger.LogInformation("{Kind} ({Group}): list allowed now", kind.Kind, kind.Group);
                    // The kind is marked served before its objects reach the store: whoever sees one of them there never
                    // reads the kind as missing or forbidden.
                    Update(stream, s => s with { Missing = false, Forbidden = false, Version = version, ResourceVersion = resourceVersion, Lists = s.Lists + 1 });
                    Replace(items, held);
                    Update(stream, s => s with { Objects = held.Count });
                    if (!listedOnce)
                    {
                        listedOnce = true;
                        MarkListed();
                        WarmUpWatchEvent(stream, version);
                    }
                    backoff.Reset();
                }

                var (outcome, next) = await WatchAsync(stream, version!, resourceVersion, held, ct).ConfigureAwait(false);
                resourceVersion = next;
                _metrics?.WatchRestarted(stream.Name);
                switch (outcome)
                {
                    case WatchOutcome.Gone:
                        _logger.LogInformation("{Kind}: resourceVersion too old (410 Gone); relisting", stream.Name);
                        resourceVersion = null;
                        break;
                    case WatchOutcome.Progress:
                        backoff.Reset();
                        break;
                    case WatchOutcome.NoProgress:
                        // Ended without an event: either the server's timeout or a server closing watches at once. The
                        // backoff keeps the second case from becoming a tight loop.
                        await Task.Delay(backoff.Next(), _time, ct).ConfigureAwait(false);
                        break;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Gone)
            {
                _logger.LogInformation("{Kind}: resourceVersion too old (410 Gone); relisting", stream.Name);
                resourceVersion = null;
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.Forbidden && resourceVersion is null && (!listedOnce || _states[stream.Name].Forbidden))
            {
                // Never listed: waiting would keep every other kind unserved. Treated as empty until a list is allowed.
                if (!_states[stream.Name].Forbidden)
                    _logger.LogError("{Kind} ({Group}): list refused (403 Forbidden); grant this process's service account get, list and watch on {Resource}. " +
                        "Treated as empty meanwhile, listed again every {Recheck}", kind.Kind, kind.Group, KubernetesPermissions.PluralOf(kind), _options.MissingKindRecheck);
                Update(stream, s => s with { Forbidden = true, Version = null, ResourceVersion = null, Objects = 0 });
                if (!listedOnce) { listedOnce = true; MarkListed(); }
                try
                {
                    await Task.Delay(_options.MissingKindRecheck, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception e)
            {
                if (resourceVersion is not null) _metrics?.WatchRestarted(stream.Name);
                var delay = backoff.Next();
                _logger.LogWarning("{Kind}: {Operation} failed ({Error}); retrying in {Delay:F1} s", stream.Name, resourceVersion is null ? "list" : "watch",
                    Describe(e), delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Lists every page of the first served version that exists; null when every version answers 404.
    /// Pages after the first carry only the continue token (the API server serves them from the same snapshot).
    /// </summary>
    private async Task<(string Version, List<IKubernetesObject<V1ObjectMeta>> Items, string ResourceVersion)?> ListAllAsync(ListStream stream, CancellationToken ct)
    {
        var kind = stream.Kind;
        foreach (var version in kind.ServedVersions)
        {
            var items = new List<IKubernetesObject<V1ObjectMeta>>();
            string? continueToken = null;
            string resourceVersion;
            try
            {
                do
                {
                    var page = await _api.ListAsync(kind, version, continueToken, _options.PageSize, ct, stream.Scope).ConfigureAwait(false);
                    items.AddRange(page.Items);
                    resourceVersion = page.ResourceVersion;
                    continueToken = page.Continue;
                }
                while (continueToken is not null);
            }
            catch (Exception e) when (KubernetesApi.StatusOf(e) == HttpStatusCode.NotFound)
            {
                continue;
            }
            return (version, items, resourceVersion);
        }
        return null;
    }

    private enum WatchOutcome { Progress, NoProgress, Gone }

    private async Task<(WatchOutcome Outcome, string ResourceVersion)> WatchAsync(ListStream stream, string version, string resourceVersion,
        Dictionary<ResourceKey, string?> held, CancellationToken ct)
    {
        var kind = stream.Kind;
        var timeout = (int)Math.Max(1, _options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The server ends the watch after timeoutSeconds; this bound also ends one whose connection died silently
        // (a half-open TCP connection delivers neither events nor an end), which is then simply started again.
        stop.CancelAfter(TimeSpan.FromSeconds(timeout) + TimeSpan.FromMinutes(1));
        var gone = false;
        Exception? failure = null;
        void OnError(Exception e)
        {
            // An ERROR event: 410 Gone means relist; anything else ends this watch and counts as a failure.
            if (KubernetesApi.StatusOf(e) == HttpStatusCode.Gone) gone = true;
            else failure ??= e;
            stop.Cancel();
        }

        Update(stream, s => s with { Watches = s.Watches + 1 });
        var progress = false;
        try
        {
            await foreach (var (type, obj) in _api.WatchAsync(kind, version, resourceVersion, timeout, OnError, stop.Token, stream.Scope).ConfigureAwait(false))
            {
                progress = true;
                if (obj.Metadata?.ResourceVersion is { Length: > 0 } rv) resourceVersion = rv;
                switch (type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        Upsert(obj, held);
                        break;
                    case WatchEventType.Deleted:
                        var key = KindRegistry.KeyOf(kind, obj);
                        held.Remove(key);
                        _store.Remove(key);
                        break;
                    case WatchEventType.Bookmark:
                        Update(stream, s => s with { Bookmarks = s.Bookmarks + 1 });
                        break;
                }
                Update(stream, s => s with { ResourceVersion = resourceVersion, Objects = held.Count });
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
        }
        if (gone) return (WatchOutcome.Gone, resourceVersion);
        if (failure is not null) throw new InvalidOperationException($"watch error event: {Describe(failure)}", failure);
        return (progress ? WatchOutcome.Progress : WatchOutcome.NoProgress, resourceVersion);
    }

    /// <summary>The watch's per-event reading, once, before the first real event (<see cref="KubernetesApi.WarmUpWatchEvent"/>).</summary>
    private void WarmUpWatchEvent(ListStream stream, string version)
    {
        try
        {
            _api.WarmUpWatchEvent(stream.Kind, version, stream.Scope);
        }
        catch (Exception e)
        {
            // The warm-up only saves time: the watch reads its events as usual.
            _logger.LogWarning(e, "{Kind}: warm-up of the watch's event reading failed; events are read as usual", stream.Name);
        }
    }

    /// <summary>A full list replaces what this kind held: upsert everything listed, remove what was not.</summary>
    private void Replace(List<IKubernetesObject<V1ObjectMeta>> items, Dictionary<ResourceKey, string?> held)
    {
        var seen = new HashSet<ResourceKey>();
        foreach (var obj in items) seen.Add(Upsert(obj, held));
        foreach (var key in held.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            held.Remove(key);
            _store.Remove(key);
        }
    }

    private ResourceKey Upsert(IKubernetesObject<V1ObjectMeta> obj, Dictionary<ResourceKey, string?> held)
    {
        var info = KindRegistry.ByName(obj.Kind) ?? throw new InvalidOperationException($"unexpected kind {obj.Kind}");
        var key = KindRegistry.KeyOf(info, obj);
        // managedFields are large and never read; dropping them here only saves memory (the store ignores them anyway).
        obj.Metadata.ManagedFields = null;
        DropUnreadAnnotations(obj);
        ObjectCopy.InternCommonStrings(obj);
        if (obj is V1Secret secret && !SecretTypesWithUsableData.Contains(secret.Type ?? ""))
        {
            secret.Data = null;
            secret.StringData = null;
        }
        held[key] = obj.Metadata.ResourceVersion;
        if (_store.Upsert(obj) && _logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("Watch: {Key} at resourceVersion {Version} changed in the store", key, obj.Metadata.ResourceVersion);
        return key;
    }

    /// <summary>The annotation kubectl apply keeps: the whole object as last applied, as JSON (often larger than the object).</summary>
    internal const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// Drops <see cref="LastAppliedAnnotation"/> from the held copy: nothing reads it (translation reads no annotations;
    /// status writes fetch the object from the API server), and it would double the memory of every object applied with
    /// kubectl. Services keep all their annotations: the Gateway Service reconciler carries the annotations of an
    /// existing Service over into the one it writes back.
    /// </summary>
    internal static void DropUnreadAnnotations(IKubernetesObject<V1ObjectMeta> obj)
    {
        if (obj is V1Service || obj.Metadata.Annotations is not { } annotations || !annotations.ContainsKey(LastAppliedAnnotation)) return;
        if (annotations.Count == 1)
        {
            obj.Metadata.Annotations = null;
            return;
        }
        annotations.Remove(LastAppliedAnnotation);
    }

    private void MarkListed()
    {
        if (Interlocked.Decrement(ref _kindsPending) > 0) return;
        _store.MarkSynced();
        _logger.LogInformation("Initial list complete ({Kinds} kinds{Missing}{Forbidden}); the store is synced", _options.Kinds.Count,
            MissingKinds.Count == 0 ? "" : $"; not installed: {string.Join(", ", MissingKinds)}",
            ForbiddenKinds.Count == 0 ? "" : $"; forbidden: {string.Join(", ", ForbiddenKinds)}");
        _initialSync.TrySetResult();
    }

    private void Update(ListStream stream, Func<KindSyncState, KindSyncState> change) => _states.AddOrUpdate(stream.Name, _ => throw new InvalidOperationException(), (_, s) => change(s));

    /// <summary>A failure in one line, without any object content (a Status message, or the exception type and message).</summary>
    internal static string Describe(Exception e) => KubernetesApi.StatusOf(e) is { } code ? $"HTTP {(int)code} {code}" : $"{e.GetType().Name}: {e.Message}";
}
