using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Gateway.Actors.Resources;
using Gateway.Host.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Emulators.Kubernetes;

/// <summary>
/// One request the fake API server answered, as an RBAC rule (group, resource[/subresource], verb). Changed is false for
/// an update or patch the server answered as a no-op (it changed nothing, so no new resourceVersion).
/// </summary>
public sealed record ApiRequest(string Method, string Path, string Group, string Resource, string Verb, int StatusCode, bool Changed = true)
{
    /// <summary>Whether the server has finished the answer (recorded as it starts; a watch finishes when it ends).</summary>
    public bool Completed => Volatile.Read(ref _completed);

    /// <summary>When the answer started (its status line was decided).</summary>
    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>When the server's handler finished the answer (null while it has not); its bytes may still be on their way.</summary>
    public DateTime? CompletedUtc { get; private set; }

    private bool _completed;

    internal void Complete()
    {
        CompletedUtc = DateTime.UtcNow;
        Volatile.Write(ref _completed, true);
    }
}

/// <summary>
/// An in-process Kubernetes API server on Kestrel (loopback, port 0) that speaks enough of the real protocol for
/// KubernetesClient: lists with resourceVersion and limit/continue, chunked watch streams of JSON events
/// (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR), 410 Gone for compacted resourceVersions (as an ERROR event in the stream or,
/// with <see cref="GoneAsHttpStatus"/>, as the HTTP status), 409 Conflict for stale resourceVersions and existing
/// names, the status subresource (PUT and merge PATCH touch only status, bump resourceVersion, never generation),
/// metadata.generation bumping on spec changes, 404 for kinds not installed, and Service clusterIP allocation with
/// the immutability check. Hand-written because no test double of the API server exists for .NET; it follows the API
/// conventions document (resourceVersion semantics, watch, status subresource), not any implementation.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, ResourceType> _types = new(StringComparer.Ordinal);
    private readonly List<Subscriber> _subscribers = [];
    private readonly ConcurrentQueue<ApiRequest> _requests = new();
    private readonly Dictionary<string, (List<JsonObject> Items, long ResourceVersion)> _continues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _concurrentWriters = new(StringComparer.Ordinal);
    private long _resourceVersion = 100;
    private long _compactedBefore;
    private int _nextClusterIp = 10;
    private int _nextContinue;

    private FakeApiServer(WebApplication app) => _app = app;

    /// <summary>Base address, http://127.0.0.1:port.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>With true, a watch from a compacted resourceVersion is answered 410 instead of an ERROR event.</summary>
    public bool GoneAsHttpStatus { get; set; }

    /// <summary>With true, new watch requests are answered 503 (an API server that is not serving).</summary>
    public bool RejectWatches { get; set; }

    private readonly ConcurrentDictionary<string, bool> _forbidden = new(StringComparer.Ordinal);

    /// <summary>
    /// Every request for <paramref name="kind"/> (any verb, any namespace) is answered 403 Forbidden with the Status an
    /// API server sends when RBAC grants the caller nothing on that resource (a mesh proxy's ClusterRole has no Secrets).
    /// </summary>
    public void Forbid(KindInfo kind) => _forbidden[kind.Group + "/" + KubernetesPermissions.PluralOf(kind)] = true;

    /// <summary>Undoes <see cref="Forbid"/> (the RBAC grant added).</summary>
    public void Allow(KindInfo kind) => _forbidden.TryRemove(kind.Group + "/" + KubernetesPermissions.PluralOf(kind), out _);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _heldLists = new(StringComparer.Ordinal);

    /// <summary>List requests of <paramref name="kind"/> wait until <see cref="ReleaseLists"/>.</summary>
    public void HoldLists(KindInfo kind) => _heldLists[kind.Kind] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held list requests of <paramref name="kind"/> proceed.</summary>
    public void ReleaseLists(KindInfo kind)
    {
        if (_heldLists.TryRemove(kind.Kind, out var gate)) gate.TrySetResult();
    }

    /// <summary>
    /// When positive, every response but a watch sends its headers first and its body this much later, as a real API
    /// server does for a large list or a slow network; a client that reads a body synchronously after the headers
    /// arrived then really waits for the network.
    /// </summary>
    public TimeSpan BodyAfterHeaders { get; set; }

    /// <summary>Period of BOOKMARK events on watches that allow them.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<ApiRequest> Requests => [.. _requests];

    /// <summary>Watch streams currently open.</summary>
    public int OpenWatches { get { lock (_gate) return _subscribers.Count; } }

    /// <summary>The current (latest) resourceVersion.</summary>
    public long ResourceVersion { get { lock (_gate) return _resourceVersion; } }

    /// <summary>Starts a server with the kinds in <paramref name="installed"/> (every kind we read by default).</summary>
    public static async Task<FakeApiServer> StartAsync(IEnumerable<KindInfo>? installed = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeApiServer(app);
        foreach (var kind in installed ?? KindRegistry.All) server.Install(kind);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>A KubernetesClient pointed at this server (as a kubeconfig would).</summary>
    public IKubernetes CreateClient() => KubernetesClientFactory.Create(new KubernetesClientConfiguration { Host = BaseAddress.ToString() });

    /// <summary>Installs a kind (a CRD appearing): all its served versions answer from now on.</summary>
    public void Install(KindInfo kind)
    {
        lock (_gate)
        {
            // One storage per kind, reachable through every served version (our kinds' versions share one schema, so
            // no conversion is needed; objects carry the preferred apiVersion).
            var type = new ResourceType(kind, kind.ServedVersions[0]);
            foreach (var version in kind.ServedVersions) _types[TypeKey(kind.Group, version, KubernetesPermissions.PluralOf(kind))] = type;
        }
    }

    /// <summary>
    /// Raised when a write is committed: the object is stored with its new resourceVersion and its watch event is queued
    /// for every open watch it matches (what a real API server has done once the write is persisted). The arguments are
    /// the event type (ADDED, MODIFIED or DELETED) and the object's key. Raised under the server's lock, on the writing
    /// thread: a handler must be quick and must not call the server.
    /// </summary>
    public event Action<string, ResourceKey>? Committed;

    /// <summary>
    /// Creates or replaces an object as a user would (kubectl apply): generation 1 on create, +1 when anything but
    /// metadata and status changes; status in the input is ignored for kinds with a status subresource.
    /// </summary>
    public IKubernetesObject<V1ObjectMeta> Apply(IKubernetesObject<V1ObjectMeta> obj) => Apply(KindRegistry.ByName(obj.Kind) ?? throw new ArgumentException(obj.Kind), obj);

    /// <summary>As <see cref="Apply(IKubernetesObject{V1ObjectMeta})"/>, for a kind installed with <see cref="Install"/> that the gateway does not read (Pods).</summary>
    public IKubernetesObject<V1ObjectMeta> Apply(KindInfo info, IKubernetesObject<V1ObjectMeta> obj)
    {
        var node = ToNode(obj);
        lock (_gate)
        {
            var type = TypeOf(info);
            var key = KeyOf(node);
            if (type.Objects.TryGetValue(key, out var existing))
            {
                node["metadata"]!["resourceVersion"] = existing["metadata"]!["resourceVersion"]!.DeepClone();
                var (result, _) = Update(type, key, node, statusOnly: false);
                return FromNode(info, result!);
            }
            return FromNode(info, Create(type, node));
        }
    }

    /// <summary>Deletes an object as a user would; false when it did not exist.</summary>
    public bool Delete(ResourceKey key)
    {
        var info = KindRegistry.ByName(key.Kind)!;
        lock (_gate) return Remove(TypeOf(info), (key.Namespace, key.Name)) is not null;
    }

    /// <summary>Sets an object's status as another writer would (a cloud controller setting a load balancer ingress).</summary>
    public void SetStatus(ResourceKey key, object status)
    {
        var info = KindRegistry.ByName(key.Kind)!;
        lock (_gate)
        {
            var type = TypeOf(info);
            var node = type.Objects[(key.Namespace, key.Name)].DeepClone().AsObject();
            node["status"] = JsonNode.Parse(KubernetesJson.Serialize(status));
            Update(type, (key.Namespace, key.Name), node, statusOnly: true);
        }
    }

    /// <summary>The stored object, or null.</summary>
    public T? Get<T>(ResourceKey key) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var info = KindRegistry.ByName(key.Kind)!;
        lock (_gate)
        {
            return TypeOf(info).Objects.TryGetValue((key.Namespace, key.Name), out var node) ? (T)FromNode(info, node) : null;
        }
    }

    /// <summary>Every stored object of a kind.</summary>
    public IReadOnlyList<T> All<T>(KindInfo kind) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate) return TypeOf(kind).Objects.Values.Select(n => (T)FromNode(kind, n)).ToList();
    }

    /// <summary>
    /// The next <paramref name="times"/> status reads of <paramref name="key"/> are each followed, before the reader can
    /// write, by another writer changing the object (an annotation), so the reader's PUT carries a stale
    /// resourceVersion and gets a real 409 Conflict.
    /// </summary>
    public void ConcurrentWriterAfterNextReads(ResourceKey key, int times)
    {
        lock (_gate) _concurrentWriters[key.ToString()] = times;
    }

    /// <summary>Forgets every event up to now: watches from an older resourceVersion get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedBefore = _resourceVersion;
            foreach (var type in _types.Values) type.History.Clear();
        }
    }

    /// <summary>Open watches of one kind.</summary>
    public int OpenWatchesOf(KindInfo kind)
    {
        lock (_gate) return _subscribers.Count(s => s.Type.Info == kind);
    }

    /// <summary>
    /// Sends an ERROR event with 410 Gone to every open watch of <paramref name="kind"/> and ends those watches, at once
    /// or <paramref name="endAfter"/> after the event (a server whose end of the stream travels apart from its last
    /// event); returns how many there were (none when the client has not opened its watch yet).
    /// </summary>
    public int ExpireWatches(KindInfo kind, TimeSpan? endAfter = null)
    {
        lock (_gate)
        {
            var expired = _subscribers.Where(s => s.Type.Info == kind).ToList();
            foreach (var s in expired)
            {
                s.Events.Writer.TryWrite(EventLine("ERROR", StatusNode(HttpStatusCode.Gone, "Expired", "too old resource version")));
                if (endAfter is { } delay)
                {
                    var writer = s.Events.Writer;
                    _ = Task.Delay(delay).ContinueWith(_ => writer.TryComplete(), TaskScheduler.Default);
                }
                else
                {
                    s.Events.Writer.TryComplete();
                }
            }
            return expired.Count;
        }
    }

    /// <summary>Aborts every open watch connection (as a restarting API server or a broken network would).</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            // An aborted watch can deliver nothing more, so it stops counting as open at once; its handler's own
            // removal runs later and finds it gone. Otherwise a test that waits for "a watch is open again" could see
            // the dead one and send its next event into a connection nobody reads.
            foreach (var s in _subscribers) s.Context.Abort();
            _subscribers.Clear();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        DropWatches();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var segments = request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var route = ParseRoute(segments);
        var verb = "";
        // Recorded as the answer starts, before its body is sent: a client that has read the answer finds its request
        // in Requests. The finally records what never started an answer.
        context.Response.OnStarting(() => { Record(context, route, verb); return Task.CompletedTask; });
        try
        {
            if (route is null) { await WriteStatus(context, HttpStatusCode.NotFound, "NotFound", "no such path").ConfigureAwait(false); return; }
            var r = route.Value;
            ResourceType? type;
            lock (_gate) type = _types.GetValueOrDefault(TypeKey(r.Group, r.Version, r.Plural));
            var isWatch = request.Query["watch"] == "true" || request.Query["watch"] == "1";
            verb = (request.Method, r.Name, isWatch) switch
            {
                ("GET", null, true) => "watch",
                ("GET", null, false) => "list",
                ("GET", _, _) => "get",
                ("POST", _, _) => "create",
                ("PUT", _, _) => "update",
                ("PATCH", _, _) => "patch",
                ("DELETE", _, _) => "delete",
                _ => request.Method.ToLowerInvariant(),
            };
            if (_forbidden.ContainsKey(r.Group + "/" + r.Plural))
            {
                var resource = r.Group.Length == 0 ? r.Plural : $"{r.Plural}.{r.Group}";
                await WriteStatus(context, HttpStatusCode.Forbidden, "Forbidden",
                    $"{resource} is forbidden: User \"system:serviceaccount:fake:default\" cannot {verb} resource \"{r.Plural}\" in API group \"{r.Group}\" at the cluster scope").ConfigureAwait(false);
                return;
            }
            if (type is null) { await WriteStatus(context, HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({r.Plural})").ConfigureAwait(false); return; }
            switch (verb)
            {
                case "list": await ListAsync(context, type, r.Namespace).ConfigureAwait(false); break;
                case "watch": await WatchAsync(context, type, r.Namespace).ConfigureAwait(false); break;
                case "get": await GetAsync(context, type, r).ConfigureAwait(false); break;
                case "create": await CreateAsync(context, type, r).ConfigureAwait(false); break;
                case "update": await UpdateAsync(context, type, r, patch: false).ConfigureAwait(false); break;
                case "patch": await UpdateAsync(context, type, r, patch: true).ConfigureAwait(false); break;
                case "delete": await DeleteAsync(context, type, r).ConfigureAwait(false); break;
                default: await WriteStatus(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", request.Method).ConfigureAwait(false); break;
            }
        }
        finally
        {
            Record(context, route, verb);
            if (context.Items.TryGetValue(Recorded, out var recorded)) (recorded as ApiRequest)?.Complete();
        }
    }

    private void Record(HttpContext context, Route? route, string verb)
    {
        if (route is not { } r || context.Items.ContainsKey(Recorded)) return;
        var request = context.Request;
        var recorded = new ApiRequest(request.Method, request.Path + request.QueryString, r.Group, r.Plural + (r.Status ? "/status" : ""), verb,
            context.Response.StatusCode, Changed: !context.Items.ContainsKey(NoOp));
        context.Items[Recorded] = recorded;
        _requests.Enqueue(recorded);
    }

    private const string Recorded = "recorded";
    private const string NoOp = "no-op";

    private readonly record struct Route(string Group, string Version, string Plural, string? Namespace, string? Name, bool Status);

    private static Route? ParseRoute(string[] s)
    {
        string group, version;
        string[] rest;
        if (s.Length >= 3 && s[0] == "api") { group = ""; version = s[1]; rest = s[2..]; }
        else if (s.Length >= 4 && s[0] == "apis") { group = s[1]; version = s[2]; rest = s[3..]; }
        else return null;
        return rest switch
        {
            [var plural] => new Route(group, version, plural, null, null, false),
            ["namespaces", var ns, var plural] => new Route(group, version, plural, ns, null, false),
            ["namespaces", var ns, var plural, var name] => new Route(group, version, plural, ns, name, false),
            ["namespaces", var ns, var plural, var name, "status"] => new Route(group, version, plural, ns, name, true),
            [var plural, var name] => new Route(group, version, plural, null, name, false),
            [var plural, var name, "status"] => new Route(group, version, plural, null, name, true),
            _ => null,
        };
    }

    private async Task ListAsync(HttpContext context, ResourceType type, string? ns)
    {
        if (_heldLists.TryGetValue(type.Info.Kind, out var gate)) await gate.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted).ConfigureAwait(false);
        var q = context.Request.Query;
        List<JsonObject> items;
        long listVersion;
        string? token = null;
        lock (_gate)
        {
            if (long.TryParse(q["resourceVersion"], CultureInfo.InvariantCulture, out var asked) && asked != 0 && asked < _compactedBefore)
            {
                items = [];
                listVersion = -1;
            }
            else if (q["continue"] is { Count: > 0 } cont && !string.IsNullOrEmpty(cont))
            {
                if (!_continues.Remove(cont!, out var saved)) { items = []; listVersion = -1; }
                else (items, listVersion) = saved;
            }
            else
            {
                var selector = ParseLabelSelector(q["labelSelector"]);
                var fields = FieldSelector.Parse(q["fieldSelector"]);
                items = type.Objects.Where(p => (ns is null || p.Key.Ns == ns) && Matches(p.Value, selector) && fields.Matches(p.Value)).OrderBy(p => p.Key.Ns, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal)
                    .Select(p => p.Value.DeepClone().AsObject()).ToList();
                listVersion = _resourceVersion;
            }
            if (listVersion >= 0 && int.TryParse(q["limit"], CultureInfo.InvariantCulture, out var limit) && limit > 0 && items.Count > limit)
            {
                token = $"c{++_nextContinue}";
                _continues[token] = (items.Skip(limit).ToList(), listVersion);
                items = items.Take(limit).ToList();
            }
        }
        if (listVersion < 0)
        {
            await WriteStatus(context, HttpStatusCode.Gone, "Expired", "too old resource version or expired continue token").ConfigureAwait(false);
            return;
        }
        // Built-in kinds' list items carry no apiVersion/kind, as the real API server returns them.
        if (type.Info.Group.Length == 0 || type.Info.Group == "discovery.k8s.io")
        {
            foreach (var item in items) { item.Remove("apiVersion"); item.Remove("kind"); }
        }
        var list = new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.Info.Kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture), ["continue"] = token },
            ["items"] = new JsonArray([.. items]),
        };
        await WriteJson(context, HttpStatusCode.OK, list).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        if (RejectWatches)
        {
            await WriteStatus(context, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "the server is currently unable to handle the request").ConfigureAwait(false);
            return;
        }
        var q = context.Request.Query;
        var from = long.TryParse(q["resourceVersion"], CultureInfo.InvariantCulture, out var v) ? v : 0;
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(q["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var subscriber = new Subscriber(type, ns, FieldSelector.Parse(q["fieldSelector"]), context);
        bool gone;
        lock (_gate)
        {
            gone = from != 0 && from < _compactedBefore;
            if (!gone)
            {
                foreach (var (rv, line, objNs, obj) in type.History)
                {
                    if (rv > from && (ns is null || objNs == ns) && subscriber.Fields.Matches(obj)) subscriber.Events.Writer.TryWrite(line);
                }
                _subscribers.Add(subscriber);
            }
        }
        if (gone && GoneAsHttpStatus)
        {
            await WriteStatus(context, HttpStatusCode.Gone, "Expired", $"too old resource version: {from}").ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        // A watch is recorded once its stream starts (it may stay open for the rest of the test).
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        if (gone)
        {
            await WriteLine(context, EventLine("ERROR", StatusNode(HttpStatusCode.Gone, "Expired", $"too old resource version: {from}"))).ConfigureAwait(false);
            return;
        }
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        end.CancelAfter(timeout);
        try
        {
            var nextBookmark = DateTime.UtcNow + BookmarkInterval;
            while (true)
            {
                var wait = nextBookmark - DateTime.UtcNow;
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(end.Token);
                tick.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                try
                {
                    if (!await subscriber.Events.Reader.WaitToReadAsync(tick.Token).ConfigureAwait(false)) break;
                    while (subscriber.Events.Reader.TryRead(out var line)) await WriteLine(context, line).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!end.IsCancellationRequested)
                {
                    if (bookmarks)
                    {
                        string rv;
                        lock (_gate) rv = _resourceVersion.ToString(CultureInfo.InvariantCulture);
                        var bookmark = new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Info.Kind, ["metadata"] = new JsonObject { ["resourceVersion"] = rv } };
                        await WriteLine(context, EventLine("BOOKMARK", bookmark)).ConfigureAwait(false);
                    }
                    nextBookmark = DateTime.UtcNow + BookmarkInterval;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            lock (_gate) _subscribers.Remove(subscriber);
        }
    }

    private async Task GetAsync(HttpContext context, ResourceType type, Route r)
    {
        JsonObject? node;
        lock (_gate)
        {
            node = type.Objects.TryGetValue((r.Namespace ?? "", r.Name!), out var n) ? n.DeepClone().AsObject() : null;
        }
        if (node is null) { await WriteStatus(context, HttpStatusCode.NotFound, "NotFound", $"{r.Plural} \"{r.Name}\" not found").ConfigureAwait(false); return; }
        await WriteJson(context, HttpStatusCode.OK, node).ConfigureAwait(false);
        if (r.Status)
        {
            var key = new ResourceKey(type.Info.Kind, r.Namespace ?? "", r.Name!).ToString();
            lock (_gate)
            {
                if (_concurrentWriters.TryGetValue(key, out var left) && left > 0)
                {
                    _concurrentWriters[key] = left - 1;
                    var changed = type.Objects[(r.Namespace ?? "", r.Name!)].DeepClone().AsObject();
                    var meta = changed["metadata"]!.AsObject();
                    if (meta["annotations"] is not JsonObject annotations) meta["annotations"] = annotations = new JsonObject();
                    annotations["example.com/other-writer"] = left.ToString(CultureInfo.InvariantCulture);
                    Update(type, (r.Namespace ?? "", r.Name!), changed, statusOnly: false);
                }
            }
        }
    }

    private async Task CreateAsync(HttpContext context, ResourceType type, Route r)
    {
        var node = (await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false))!.AsObject();
        var meta = node["metadata"]!.AsObject();
        if (type.Info.Namespaced) meta["namespace"] = r.Namespace;
        JsonObject? created;
        lock (_gate) created = type.Objects.ContainsKey(KeyOf(node)) ? null : Create(type, node);
        if (created is null) { await WriteStatus(context, HttpStatusCode.Conflict, "AlreadyExists", $"{r.Plural} \"{meta["name"]}\" already exists").ConfigureAwait(false); return; }
        await WriteJson(context, HttpStatusCode.Created, created).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, ResourceType type, Route r, bool patch)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false))!.AsObject();
        var key = (r.Namespace ?? "", r.Name!);
        JsonObject? result;
        string? error;
        lock (_gate)
        {
            if (!type.Objects.TryGetValue(key, out var current)) { result = null; error = "NotFound"; }
            else
            {
                JsonObject next;
                if (patch)
                {
                    // JSON merge patch (RFC 7386), applied to status only on the status subresource.
                    next = current.DeepClone().AsObject();
                    MergePatch(next, r.Status ? new JsonObject { ["status"] = body["status"]?.DeepClone() } : body);
                }
                else next = body;
                var version = current["metadata"]?["resourceVersion"]?.GetValue<string>();
                (result, error) = Update(type, key, next, statusOnly: r.Status);
                if (result?["metadata"]?["resourceVersion"]?.GetValue<string>() == version) context.Items[NoOp] = true;
            }
        }
        switch (error)
        {
            case null: await WriteJson(context, HttpStatusCode.OK, result!).ConfigureAwait(false); break;
            case "NotFound": await WriteStatus(context, HttpStatusCode.NotFound, "NotFound", $"{r.Plural} \"{r.Name}\" not found").ConfigureAwait(false); break;
            case "Conflict": await WriteStatus(context, HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {r.Plural} \"{r.Name}\": the object has been modified; please apply your changes to the latest version and try again").ConfigureAwait(false); break;
            default: await WriteStatus(context, HttpStatusCode.UnprocessableEntity, "Invalid", error).ConfigureAwait(false); break;
        }
    }

    private async Task DeleteAsync(HttpContext context, ResourceType type, Route r)
    {
        string? uid = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
            uid = body?["preconditions"]?["uid"]?.GetValue<string>();
        }
        JsonObject? removed;
        var conflict = false;
        lock (_gate)
        {
            var key = (r.Namespace ?? "", r.Name!);
            if (uid is not null && type.Objects.TryGetValue(key, out var current) && current["metadata"]!["uid"]!.GetValue<string>() != uid)
            {
                conflict = true;
                removed = null;
            }
            else removed = Remove(type, key);
        }
        if (conflict) await WriteStatus(context, HttpStatusCode.Conflict, "Conflict", "uid precondition failed").ConfigureAwait(false);
        else if (removed is null) await WriteStatus(context, HttpStatusCode.NotFound, "NotFound", $"{r.Plural} \"{r.Name}\" not found").ConfigureAwait(false);
        else await WriteJson(context, HttpStatusCode.OK, removed).ConfigureAwait(false);
    }

    private JsonObject Create(ResourceType type, JsonObject node)
    {
        var meta = node["metadata"]!.AsObject();
        meta["uid"] = Guid.NewGuid().ToString();
        meta["generation"] = 1L;
        meta["creationTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        meta["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        node["apiVersion"] = type.ApiVersion;
        node["kind"] = type.Info.Kind;
        if (type.Info.HasStatus || type.Info.Kind == "Service") node.Remove("status");
        if (type.Info.Kind == "Service") AllocateClusterIp(node, null);
        type.Objects[KeyOf(node)] = node;
        Publish(type, "ADDED", node);
        return node.DeepClone().AsObject();
    }

    /// <summary>An update of the main resource (status kept) or of the status subresource (only status taken).</summary>
    private (JsonObject? Result, string? Error) Update(ResourceType type, (string Ns, string Name) key, JsonObject incoming, bool statusOnly)
    {
        var current = type.Objects[key];
        var given = incoming["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(given) && given != current["metadata"]!["resourceVersion"]!.GetValue<string>()) return (null, "Conflict");
        JsonObject next;
        if (statusOnly)
        {
            next = current.DeepClone().AsObject();
            next["status"] = incoming["status"]?.DeepClone();
        }
        else
        {
            next = incoming.DeepClone().AsObject();
            var meta = next["metadata"]!.AsObject();
            foreach (var f in new[] { "uid", "creationTimestamp", "generation", "namespace", "name" }) meta[f] = current["metadata"]![f]?.DeepClone();
            next["apiVersion"] = type.ApiVersion;
            next["kind"] = type.Info.Kind;
            if (type.Info.HasStatus || type.Info.Kind == "Service") next["status"] = current["status"]?.DeepClone();
            if (type.Info.Kind == "Service" && AllocateClusterIp(next, current) is { } invalid) return (null, invalid);
            if (SpecForm(next) != SpecForm(current)) meta["generation"] = current["metadata"]!["generation"]!.GetValue<long>() + 1;
        }
        next["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
        // A write that changes nothing is a no-op: no new resourceVersion, no event (as the API server does).
        if (JsonNode.DeepEquals(next, current)) return (current.DeepClone().AsObject(), null);
        next["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        type.Objects[key] = next;
        Publish(type, "MODIFIED", next);
        return (next.DeepClone().AsObject(), null);
    }

    private JsonObject? Remove(ResourceType type, (string Ns, string Name) key)
    {
        if (!type.Objects.Remove(key, out var node)) return null;
        node["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        Publish(type, "DELETED", node);
        return node;
    }

    /// <summary>spec.clusterIP is allocated on create, kept when an update leaves it out, and immutable otherwise.</summary>
    private string? AllocateClusterIp(JsonObject service, JsonObject? current)
    {
        if (service["spec"] is not JsonObject spec) service["spec"] = spec = new JsonObject();
        var existing = current?["spec"]?["clusterIP"]?.GetValue<string>();
        var asked = spec["clusterIP"]?.GetValue<string>();
        if (existing is not null)
        {
            if (!string.IsNullOrEmpty(asked) && asked != existing) return $"spec.clusterIP: Invalid value: \"{asked}\": field is immutable";
            spec["clusterIP"] = existing;
            spec["clusterIPs"] = new JsonArray(existing);
            return null;
        }
        var ip = string.IsNullOrEmpty(asked) ? $"10.96.0.{_nextClusterIp++}" : asked;
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
        return null;
    }

    private void Publish(ResourceType type, string eventType, JsonObject node)
    {
        var rv = long.Parse(node["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var ns = node["metadata"]!["namespace"]?.GetValue<string>() ?? "";
        var line = EventLine(eventType, node);
        type.History.Add((rv, line, ns, node.DeepClone().AsObject()));
        foreach (var s in _subscribers.Where(s => s.Type == type && (s.Namespace is null || s.Namespace == ns) && s.Fields.Matches(node))) s.Events.Writer.TryWrite(line);
        Committed?.Invoke(eventType, new ResourceKey(type.Info.Kind, ns, node["metadata"]!["name"]!.GetValue<string>()));
    }

    private static string SpecForm(JsonObject node)
    {
        var copy = node.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        return copy.ToJsonString();
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch)
        {
            if (v is null) target.Remove(k);
            else if (v is JsonObject po && target[k] is JsonObject to) MergePatch(to, po);
            else target[k] = v.DeepClone();
        }
    }

    private ResourceType TypeOf(KindInfo info) =>
        _types.GetValueOrDefault(TypeKey(info.Group, info.ServedVersions[0], KubernetesPermissions.PluralOf(info)))
        ?? throw new InvalidOperationException($"{info.Kind} is not installed");

    /// <summary>Equality-based label selectors ("k=v,k2=v2"), the only form the gateway sends.</summary>
    private static Dictionary<string, string> ParseLabelSelector(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "", StringComparer.Ordinal);

    /// <summary>
    /// A field selector ("type=kubernetes.io/tls", "metadata.namespace!=x", comma-separated terms all of which must
    /// hold), applied to lists and watches as the API server applies it: a field path into the object, "=" / "==" / "!=".
    /// Objects whose selected field changes are not turned into DELETED events; a Secret's type, the field the gateway
    /// selects on, is immutable.
    /// </summary>
    private sealed class FieldSelector
    {
        private readonly List<(string[] Path, bool Equal, string Value)> _terms = [];

        public static FieldSelector Parse(string? text)
        {
            var selector = new FieldSelector();
            foreach (var term in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
                var (field, equal, value) = notEqual > 0
                    ? (term[..notEqual], false, term[(notEqual + 2)..])
                    : term.Split(term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2) is [var f, var v] ? (f, true, v)
                    : throw new ArgumentException($"bad field selector term \"{term}\"");
                selector._terms.Add((field.Split('.'), equal, value));
            }
            return selector;
        }

        public bool Matches(JsonObject node) => _terms.All(t =>
        {
            JsonNode? at = node;
            foreach (var part in t.Path) at = at?[part];
            var actual = at?.GetValue<string>() ?? "";
            return (actual == t.Value) == t.Equal;
        });
    }

    private static bool Matches(JsonObject node, Dictionary<string, string> selector) =>
        selector.All(kv => node["metadata"]?["labels"]?[kv.Key]?.GetValue<string>() == kv.Value);

    private static string TypeKey(string group, string version, string plural) => $"{group}/{version}/{plural}";

    private static (string Ns, string Name) KeyOf(JsonObject node) =>
        (node["metadata"]?["namespace"]?.GetValue<string>() ?? "", node["metadata"]!["name"]!.GetValue<string>());

    private static JsonObject ToNode(object obj) => JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();

    private static IKubernetesObject<V1ObjectMeta> FromNode(KindInfo info, JsonObject node) =>
        (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromJson(info.ClrType, node.ToJsonString());

    private static string EventLine(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private static JsonObject StatusNode(HttpStatusCode code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = (int)code,
    };

    private static async Task WriteLine(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private Task WriteStatus(HttpContext context, HttpStatusCode code, string reason, string message) =>
        WriteJson(context, code, StatusNode(code, reason, message));

    private async Task WriteJson(HttpContext context, HttpStatusCode code, JsonNode node)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        if (BodyAfterHeaders > TimeSpan.Zero)
        {
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            await Task.Delay(BodyAfterHeaders, context.RequestAborted).ConfigureAwait(false);
        }
        await context.Response.WriteAsync(node.ToJsonString(), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private sealed class ResourceType(KindInfo info, string version)
    {
        public KindInfo Info { get; } = info;
        public string ApiVersion { get; } = info.Group.Length == 0 ? version : $"{info.Group}/{version}";
        public Dictionary<(string Ns, string Name), JsonObject> Objects { get; } = [];
        public List<(long ResourceVersion, string Line, string Namespace, JsonObject Object)> History { get; } = [];
    }

    private sealed class Subscriber(ResourceType type, string? ns, FieldSelector fields, HttpContext context)
    {
        public ResourceType Type { get; } = type;
        public string? Namespace { get; } = ns;
        public FieldSelector Fields { get; } = fields;
        public HttpContext Context { get; } = context;
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();
    }
}
