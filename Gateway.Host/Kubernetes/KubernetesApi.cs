using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Gateway.Actors.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Gateway.Host.Kubernetes;

/// <summary>
/// What one list or watch reads of a kind: one namespace or all (<see cref="Namespace"/> null), and the objects
/// matching <see cref="FieldSelector"/> (null: all). Only Secrets are narrowed.
/// </summary>
public sealed record ListScope(string? Namespace, string? FieldSelector)
{
    /// <summary>Every object of the kind in every namespace.</summary>
    public static readonly ListScope Everything = new(null, null);
}

/// <summary>One page of a list: the items (apiVersion and kind filled in), the list's resourceVersion and the continue token.</summary>
public sealed record ObjectPage(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string ResourceVersion, string? Continue);

/// <summary>
/// The only door to the API server: every call the gateway makes goes through here, is checked against
/// <see cref="KubernetesPermissions"/> first, and uses KubernetesClient's generated operations (typed for the core
/// kinds, the generic custom-object operations for the Gateway API kinds). Errors surface as KubernetesClient's
/// <see cref="HttpOperationException"/>; <see cref="StatusOf"/> reads their HTTP status.
/// </summary>
public sealed class KubernetesApi
{
    private readonly IKubernetes _client;

    /// <summary>Wraps <paramref name="client"/> (in-cluster config or a kubeconfig, see <see cref="KubernetesClientFactory"/>).</summary>
    public KubernetesApi(IKubernetes client) => _client = client;

    /// <summary>The HTTP status of a failed call, or null for transport errors.</summary>
    public static HttpStatusCode? StatusOf(Exception e) => e switch
    {
        HttpOperationException h => h.Response?.StatusCode,
        KubernetesException k when k.Status?.Code is { } code => (HttpStatusCode)code,
        _ => null,
    };

    /// <summary>Lists one page of <paramref name="kind"/> at <paramref name="version"/> in every namespace.</summary>
    public async Task<ObjectPage> ListAsync(KindInfo kind, string version, string? continueToken, int limit, CancellationToken ct, ListScope? scope = null)
    {
        scope ??= ListScope.Everything;
        RequireRead(kind, "list", scope);
        return await Bind(kind, version, scope).ListAsync(continueToken, limit, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Watches <paramref name="kind"/> from <paramref name="resourceVersion"/> with bookmarks; the server ends the watch
    /// after <paramref name="timeoutSeconds"/>. ERROR events (410 Gone among them) reach <paramref name="onError"/> as
    /// <see cref="KubernetesException"/>, as KubernetesClient reports them.
    /// </summary>
    public IAsyncEnumerable<(WatchEventType Type, IKubernetesObject<V1ObjectMeta> Object)> WatchAsync(KindInfo kind, string version, string resourceVersion,
        int timeoutSeconds, Action<Exception> onError, CancellationToken ct, ListScope? scope = null)
    {
        scope ??= ListScope.Everything;
        RequireRead(kind, "watch", scope);
        return Bind(kind, version, scope).WatchAsync(resourceVersion, timeoutSeconds, onError, ct);
    }

    /// <summary>
    /// Reads one synthetic watch event of <paramref name="kind"/> the way KubernetesClient's watcher reads each line of a
    /// watch (as a generic event first, to spot an ERROR Status, then as the kind's own event) and returns its object.
    /// The serializer builds its metadata for the event types on their first line: measured apart, 13 ms for the first
    /// kind and about 1 ms for each other; without this, all of it fell on the first object created after start-up
    /// (the watches see no event before). Nothing is sent or received.
    /// </summary>
    public IKubernetesObject<V1ObjectMeta> WarmUpWatchEvent(KindInfo kind, string version, ListScope? scope = null) =>
        Bind(kind, version, scope ?? ListScope.Everything).WarmUpWatchEvent();

    private static void RequireRead(KindInfo kind, string verb, ListScope scope)
    {
        if (scope.Namespace is null) KubernetesPermissions.Require(kind.Group, KubernetesPermissions.PluralOf(kind), verb);
        else KubernetesPermissions.RequireInSecretNamespaces(kind.Group, KubernetesPermissions.PluralOf(kind), verb);
    }

    /// <summary>A fresh read of one object through its status subresource; null when it does not exist.</summary>
    public async Task<IKubernetesObject<V1ObjectMeta>?> GetStatusAsync(KindInfo kind, string version, ResourceKey key, CancellationToken ct)
    {
        KubernetesPermissions.Require(kind.Group, KubernetesPermissions.PluralOf(kind) + "/status", "get");
        try
        {
            var obj = await Bind(kind, version).GetStatusAsync(key, ct).ConfigureAwait(false);
            Complete(obj, kind, version);
            return obj;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// PUT of the status subresource; the object's resourceVersion makes it conditional (409 when stale). Returns the
    /// resourceVersion of the object as written.
    /// </summary>
    public Task<string?> ReplaceStatusAsync(KindInfo kind, string version, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        KubernetesPermissions.Require(kind.Group, KubernetesPermissions.PluralOf(kind) + "/status", "update");
        return Bind(kind, version).ReplaceStatusAsync(obj, ct);
    }

    /// <summary>The pods of <paramref name="ns"/> matching <paramref name="labelSelector"/> (cluster bootstrap discovery).</summary>
    public async Task<IReadOnlyList<V1Pod>> ListPodsAsync(string ns, string labelSelector, CancellationToken ct)
    {
        KubernetesPermissions.RequireNamespaced("", "pods", "list");
        using var response = await _client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false);
        return [.. response.Body.Items ?? []];
    }

    /// <summary>Reads one Service; null when it does not exist.</summary>
    public async Task<V1Service?> GetServiceAsync(string ns, string name, CancellationToken ct)
    {
        KubernetesPermissions.Require("", "services", "get");
        try
        {
            using var response = await _client.CoreV1.ReadNamespacedServiceWithHttpMessagesAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
            return Complete(response.Body, KindRegistry.Service, "v1");
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates a Service (409 when it exists).</summary>
    public async Task<V1Service> CreateServiceAsync(V1Service service, CancellationToken ct)
    {
        KubernetesPermissions.Require("", "services", "create");
        using var response = await _client.CoreV1.CreateNamespacedServiceWithHttpMessagesAsync(service, service.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        return Complete(response.Body, KindRegistry.Service, "v1");
    }

    /// <summary>Replaces a Service; its resourceVersion makes it conditional (409 when stale).</summary>
    public async Task<V1Service> ReplaceServiceAsync(V1Service service, CancellationToken ct)
    {
        KubernetesPermissions.Require("", "services", "update");
        using var response = await _client.CoreV1.ReplaceNamespacedServiceWithHttpMessagesAsync(service, service.Metadata.Name, service.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        return Complete(response.Body, KindRegistry.Service, "v1");
    }

    /// <summary>Deletes a Service, only if it still has <paramref name="uid"/>; false when it was already gone.</summary>
    public async Task<bool> DeleteServiceAsync(string ns, string name, string? uid, CancellationToken ct)
    {
        KubernetesPermissions.Require("", "services", "delete");
        try
        {
            var options = new V1DeleteOptions { Preconditions = uid is null ? null : new V1Preconditions { Uid = uid } };
            using var response = await _client.CoreV1.DeleteNamespacedServiceWithHttpMessagesAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// List items of built-in kinds come without apiVersion and kind (the API server leaves them out of list items);
    /// the store keys objects by kind, so they are filled in.
    /// </summary>
    internal static T Complete<T>(T obj, KindInfo kind, string version) where T : IKubernetesObject<V1ObjectMeta>
    {
        obj.ApiVersion = kind.Group.Length == 0 ? version : $"{kind.Group}/{version}";
        obj.Kind = kind.Kind;
        return obj;
    }

    private IKindBinding Bind(KindInfo kind, string version) => Bind(kind, version, ListScope.Everything);

    private IKindBinding Bind(KindInfo kind, string version, ListScope scope) => kind.Kind switch
    {
        "Namespace" => new CoreBinding<V1Namespace, V1NamespaceList>(kind, version,
            (c, l, w, rv, t, ct) => _client.CoreV1.ListNamespaceWithHttpMessagesAsync(allowWatchBookmarks: w ? true : null, continueParameter: c, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        "Service" => new CoreBinding<V1Service, V1ServiceList>(kind, version,
            (c, l, w, rv, t, ct) => _client.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: w ? true : null, continueParameter: c, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        "EndpointSlice" => new CoreBinding<V1EndpointSlice, V1EndpointSliceList>(kind, version,
            (c, l, w, rv, t, ct) => _client.DiscoveryV1.ListEndpointSliceForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: w ? true : null, continueParameter: c, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        "Secret" when scope.Namespace is { } ns => new CoreBinding<V1Secret, V1SecretList>(kind, version,
            (c, l, w, rv, t, ct) => _client.CoreV1.ListNamespacedSecretWithHttpMessagesAsync(ns, allowWatchBookmarks: w ? true : null, continueParameter: c, fieldSelector: scope.FieldSelector, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        "Secret" => new CoreBinding<V1Secret, V1SecretList>(kind, version,
            (c, l, w, rv, t, ct) => _client.CoreV1.ListSecretForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: w ? true : null, continueParameter: c, fieldSelector: scope.FieldSelector, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        "ConfigMap" => new CoreBinding<V1ConfigMap, V1ConfigMapList>(kind, version,
            (c, l, w, rv, t, ct) => _client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: w ? true : null, continueParameter: c, limit: l, resourceVersion: rv, timeoutSeconds: t, watch: w ? true : null, cancellationToken: ct)),
        // Every custom resource (Gateway API standard and experimental groups, our own policies) goes through the
        // custom-objects API; the core kinds are bound above.
        _ when kind.Group.Length > 0 && kind.Group.Contains('.', StringComparison.Ordinal) && kind.Group != "discovery.k8s.io" =>
            (IKindBinding)Activator.CreateInstance(typeof(CustomBinding<>).MakeGenericType(kind.ClrType), _client, kind, version)!,
        _ => throw new ArgumentException($"no API binding for {kind.Kind}", nameof(kind)),
    };

    private delegate Task<HttpOperationResponse<TList>> ListCall<TList>(string? continueToken, int? limit, bool watch, string? resourceVersion, int? timeoutSeconds, CancellationToken ct);

    /// <summary>The operations one kind offers; built-in kinds have no status subresource we write.</summary>
    private interface IKindBinding
    {
        Task<ObjectPage> ListAsync(string? continueToken, int limit, CancellationToken ct);
        IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct);
        Task<IKubernetesObject<V1ObjectMeta>> GetStatusAsync(ResourceKey key, CancellationToken ct);
        Task<string?> ReplaceStatusAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct);
        IKubernetesObject<V1ObjectMeta> WarmUpWatchEvent();
    }

    private abstract class Binding<T, TList>(KindInfo kind, string version) : IKindBinding
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IMetadata<V1ListMeta>, IItems<T>
    {
        protected KindInfo Kind { get; } = kind;
        protected string Version { get; } = version;

        protected abstract Task<HttpOperationResponse<TList>> List(string? continueToken, int? limit, bool watch, string? resourceVersion, int? timeoutSeconds, CancellationToken ct);

        public async Task<ObjectPage> ListAsync(string? continueToken, int limit, CancellationToken ct)
        {
            using var response = await List(continueToken, limit, false, null, null, ct).ConfigureAwait(false);
            var list = response.Body;
            var items = (list.Items ?? []).Select(i => (IKubernetesObject<V1ObjectMeta>)Complete(i, Kind, Version)).ToList();
            return new ObjectPage(items, list.Metadata?.ResourceVersion ?? "", string.IsNullOrEmpty(list.Metadata?.ContinueProperty) ? null : list.Metadata.ContinueProperty);
        }

        public async IAsyncEnumerable<(WatchEventType, IKubernetesObject<V1ObjectMeta>)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError,
            [EnumeratorCancellation] CancellationToken ct)
        {
            // WatcherExt.WatchAsync is marked obsolete in favour of the generated WatchList*Async methods, but those are
            // untyped for custom objects (events carry JsonElement); this one parses typed events for every kind alike.
#pragma warning disable CS0618
            var events = List(null, null, true, resourceVersion, timeoutSeconds, ct).WatchAsync<T, TList>(onError, ct);
#pragma warning restore CS0618
            await foreach (var (type, obj) in events.ConfigureAwait(false))
            {
                if (obj is null) continue;
                yield return (type, type == WatchEventType.Bookmark ? obj : Complete(obj, Kind, Version));
            }
        }

        public IKubernetesObject<V1ObjectMeta> WarmUpWatchEvent()
        {
            var apiVersion = Kind.Group.Length == 0 ? Version : $"{Kind.Group}/{Version}";
            var line = "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + Kind.Kind + "\",\"metadata\":{\"name\":\"warm-up\",\"resourceVersion\":\"0\"}}}";
            _ = KubernetesJson.Deserialize<Watcher<KubernetesObject>.WatchEvent>(line);
            return Complete(KubernetesJson.Deserialize<Watcher<T>.WatchEvent>(line).Object, Kind, Version);
        }

        public virtual Task<IKubernetesObject<V1ObjectMeta>> GetStatusAsync(ResourceKey key, CancellationToken ct) =>
            throw new NotSupportedException($"{Kind.Kind} has no status subresource we write");

        public virtual Task<string?> ReplaceStatusAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct) =>
            throw new NotSupportedException($"{Kind.Kind} has no status subresource we write");
    }

    private sealed class CoreBinding<T, TList>(KindInfo kind, string version, ListCall<TList> list) : Binding<T, TList>(kind, version)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IMetadata<V1ListMeta>, IItems<T>
    {
        protected override Task<HttpOperationResponse<TList>> List(string? continueToken, int? limit, bool watch, string? resourceVersion, int? timeoutSeconds, CancellationToken ct) =>
            list(continueToken, limit, watch, resourceVersion, timeoutSeconds, ct);
    }

    private sealed class CustomBinding<T>(IKubernetes client, KindInfo kind, string version) : Binding<T, ObjectList<T>>(kind, version)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        private string Plural => KubernetesPermissions.PluralOf(Kind);

        protected override Task<HttpOperationResponse<ObjectList<T>>> List(string? continueToken, int? limit, bool watch, string? resourceVersion, int? timeoutSeconds, CancellationToken ct) =>
            client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<ObjectList<T>>(Kind.Group, Version, Plural,
                allowWatchBookmarks: watch ? true : null, continueParameter: continueToken, limit: limit, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, watch: watch ? true : null, cancellationToken: ct);

        public override async Task<IKubernetesObject<V1ObjectMeta>> GetStatusAsync(ResourceKey key, CancellationToken ct)
        {
            using var response = Kind.Namespaced
                ? await client.CustomObjects.GetNamespacedCustomObjectStatusWithHttpMessagesAsync<T>(Kind.Group, Version, key.Namespace, Plural, key.Name, cancellationToken: ct).ConfigureAwait(false)
                : await client.CustomObjects.GetClusterCustomObjectStatusWithHttpMessagesAsync<T>(Kind.Group, Version, Plural, key.Name, cancellationToken: ct).ConfigureAwait(false);
            return response.Body;
        }

        public override async Task<string?> ReplaceStatusAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
        {
            var meta = obj.Metadata;
            using var response = Kind.Namespaced
                ? await client.CustomObjects.ReplaceNamespacedCustomObjectStatusWithHttpMessagesAsync<T>(obj, Kind.Group, Version, meta.NamespaceProperty, Plural, meta.Name, cancellationToken: ct).ConfigureAwait(false)
                : await client.CustomObjects.ReplaceClusterCustomObjectStatusWithHttpMessagesAsync<T>(obj, Kind.Group, Version, Plural, meta.Name, cancellationToken: ct).ConfigureAwait(false);
            return response.Body?.Metadata?.ResourceVersion;
        }
    }

    /// <summary>A list of custom objects as the API server returns it (KubernetesClient has typed lists only for built-in kinds).</summary>
    private sealed class ObjectList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
        [JsonPropertyName("kind")] public string Kind { get; set; } = "";
        [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
        [JsonPropertyName("items")] public IList<T> Items { get; set; } = new List<T>();
    }
}
