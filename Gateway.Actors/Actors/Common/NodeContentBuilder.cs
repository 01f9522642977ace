using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// Splits one node's <see cref="TranslationResult"/> into per-entity content (pure): every object with a status, every
/// listener of a Gateway with a status, and for each the slice of the route tables it produced, in the same YAML shape
/// the golden tests use. Cost is linear in the size of the result; the YAML texts are rendered only when inspected.
/// </summary>
public static class NodeContentBuilder
{
    /// <summary>Builds the content of every entity.</summary>
    /// <param name="node">This node (address#uid).</param>
    /// <param name="result">The pass's translation result.</param>
    /// <param name="snapshot">The snapshot it was translated from (resourceVersions, GatewayClass → Gateways).</param>
    /// <param name="applied">True when the data plane accepted the result (otherwise nothing counts as programmed here).</param>
    public static NodeContent Build(string node, TranslationResult result, Snapshot snapshot, bool applied)
    {
        var tables = result.Gateways.ToDictionary(t => t.Gateway);
        var routeSlices = RouteSlices(result.Gateways);
        var statuses = result.Statuses.ToArray();

        // Each object's content depends only on the (read-only) result and snapshot: built in parallel, since this runs
        // over every object on every pass (10,000 routes: hundreds of milliseconds on one core).
        var built = new List<ObjectContent>[statuses.Length];
        Parallel.For(0, statuses.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => built[i] = BuildOne(statuses[i].Key, statuses[i].Value, result.Revision, snapshot, applied, tables, routeSlices));

        var objects = ImmutableSortedDictionary.CreateBuilder<EntityRef, ObjectContent>();
        foreach (var content in built.SelectMany(b => b)) objects[content.Entity] = content;
        return new NodeContent(node, result.Revision, objects.ToImmutable());
    }

    private static List<ObjectContent> BuildOne(ResourceKey key, DesiredStatus desired, long revision, Snapshot snapshot, bool applied,
        Dictionary<ResourceKey, GatewayRouteTable> tables, Dictionary<ResourceKey, RouteParts> routeSlices)
    {
        var contents = new List<ObjectContent>(1);
        var entity = EntityRef.ForStatus(key);
        var resourceVersion = snapshot.Get(key)?.Metadata?.ResourceVersion;
        IReadOnlyList<GatewayRouteTable>? slice;
        ImmutableArray<string> attachments;
        var programmed = applied;
        var addresses = ImmutableArray<string>.Empty;
        switch (entity.Kind)
        {
            case EntityKind.GatewayClass:
                slice = null;
                attachments = [.. snapshot.Gateways.Where(g => g.Spec?.GatewayClassName == key.Name)
                    .Select(g => $"Gateway/{g.Metadata.NamespaceProperty}/{g.Metadata.Name}").Order(StringComparer.Ordinal)];
                break;
            case EntityKind.Gateway:
                var table = tables.GetValueOrDefault(key);
                slice = table is null ? null : [table];
                var status = desired.Status as V1GatewayStatus;
                attachments = [.. (status?.Listeners ?? []).Select(l => EntityRef.ForListener(key, l.Name).ToString())];
                programmed = applied && table is not null && IsTrue(status?.Conditions, ConditionNames.Programmed);
                // The addresses this node serves the Gateway on, as the translator states them in status (the pool or
                // spec address in file mode, the Service's address in Kubernetes mode), not the socket bind address.
                addresses = table is null ? [] : [.. (status?.Addresses ?? []).Select(a => a.Value).Order(StringComparer.Ordinal)];
                break;
            default:
                var parts = routeSlices.GetValueOrDefault(key);
                slice = parts?.Tables;
                attachments = parts is null ? [] : [.. parts.Parents];
                programmed = applied && parts is not null;
                break;
        }
        var statusText = new Lazy<string>(() => StatusText(key, desired.Generation, desired.Status));
        var generation = desired.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var writeFingerprint = Hash(StatusForm(desired.Status), generation, resourceVersion ?? "");
        contents.Add(Content(entity, revision, desired, statusText, writeFingerprint, slice, programmed, addresses, attachments));

        if (entity.Kind == EntityKind.Gateway && desired.Status is V1GatewayStatus gatewayStatus)
        {
            foreach (var listener in gatewayStatus.Listeners ?? [])
            {
                var listenerEntity = EntityRef.ForListener(key, listener.Name);
                var listenerTable = ListenerSlice(tables.GetValueOrDefault(key), listener.Name);
                var listenerRoutes = listenerTable is null
                    ? ImmutableArray<string>.Empty
                    : [.. listenerTable.Ports.SelectMany(p => p.Listeners)
                        .SelectMany(l => l.HttpRoutes.Select(e => e.Route).Concat(l.L4Routes.Select(e => e.Route)))
                        .Distinct().Order().Select(r => r.ToString())];
                var listenerText = new Lazy<string>(() => StatusText(key, desired.Generation, listener));
                contents.Add(Content(listenerEntity, revision, null, listenerText, Hash(StatusForm(listener), generation),
                    listenerTable is null ? null : [listenerTable],
                    applied && listenerTable is not null && IsTrue(listener.Conditions, ConditionNames.Programmed),
                    [], listenerRoutes));
            }
        }
        return contents;
    }

    /// <summary>
    /// The text a status is fingerprinted by: its JSON as KubernetesClient writes it. Status types hold lists and
    /// scalars only (no maps), so the JSON is already canonical; <see cref="CanonicalForm.Of"/>'s re-parse and key sort
    /// would cost three more passes over every status of every pass.
    /// </summary>
    private static string StatusForm(object status) => k8s.KubernetesJson.Serialize(status);

    /// <summary>The status as YAML (StatusYaml's shape: generation and status, no lastTransitionTime).</summary>
    public static string StatusText(ResourceKey key, long generation, object status) =>
        StatusYaml.Render([new KeyValuePair<ResourceKey, DesiredStatus>(key, new DesiredStatus(key, "", generation, status))]);

    /// <summary>SHA-256 (hex) of the parts, separated so that ("ab","c") and ("a","bc") differ.</summary>
    public static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts))));

    // The slice takes part in the fingerprint through a hash of its YAML tree (RouteTableYaml.Hash: the same tree the
    // text would be emitted from, so the fingerprint changes exactly when the text would); the text itself is only
    // rendered when someone inspects it.
    private static ObjectContent Content(EntityRef entity, long revision, DesiredStatus? status, Lazy<string> statusText, string writeFingerprint,
        IReadOnlyList<GatewayRouteTable>? slice, bool programmed, ImmutableArray<string> addresses, ImmutableArray<string> attachments)
    {
        var sliceHash = slice is null ? "" : RouteTableYaml.Hash(slice);
        var fingerprint = Hash(writeFingerprint, sliceHash, programmed ? "programmed" : "", string.Join(',', addresses), string.Join(',', attachments));
        var sliceText = slice is null ? EmptyText : new Lazy<string>(() => RouteTableYaml.Render(slice));
        return new ObjectContent(entity, revision, status, statusText, writeFingerprint, sliceText, fingerprint, programmed, addresses, attachments);
    }

    private static readonly Lazy<string> EmptyText = new("");

    private static bool IsTrue(IEnumerable<k8s.Models.V1Condition>? conditions, string type) =>
        conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    /// <summary>The Gateway's table cut down to one listener (same port, same addresses).</summary>
    private static GatewayRouteTable? ListenerSlice(GatewayRouteTable? table, string listener)
    {
        if (table is null) return null;
        var ports = table.Ports
            .Select(p => p with { Listeners = [.. p.Listeners.Where(l => l.Name == listener)] })
            .Where(p => p.Listeners.Length > 0)
            .ToImmutableArray();
        return ports.Length == 0 ? null : table with { Ports = ports };
    }

    private sealed record RouteParts(List<GatewayRouteTable> Tables, SortedSet<string> Parents);

    /// <summary>
    /// Per route: each Gateway's table cut down to the entries the route produced (listeners and ports without any are
    /// left out, order kept), and the Gateway/listener pairs it is attached to. One walk over all entries.
    /// </summary>
    private static Dictionary<ResourceKey, RouteParts> RouteSlices(ImmutableArray<GatewayRouteTable> gateways)
    {
        var slices = new Dictionary<ResourceKey, RouteParts>();
        foreach (var gateway in gateways)
        {
            // route -> port index -> listener index -> its entries, filled in table order.
            var byRoute = new Dictionary<ResourceKey, SortedDictionary<int, SortedDictionary<int, (List<HttpRouteEntry> Http, List<L4RouteEntry> L4)>>>();
            (List<HttpRouteEntry> Http, List<L4RouteEntry> L4) Bucket(ResourceKey route, int port, int listener)
            {
                if (!byRoute.TryGetValue(route, out var ports)) byRoute[route] = ports = [];
                if (!ports.TryGetValue(port, out var listeners)) ports[port] = listeners = [];
                if (!listeners.TryGetValue(listener, out var bucket)) listeners[listener] = bucket = ([], []);
                return bucket;
            }
            for (var p = 0; p < gateway.Ports.Length; p++)
            {
                for (var l = 0; l < gateway.Ports[p].Listeners.Length; l++)
                {
                    var listener = gateway.Ports[p].Listeners[l];
                    foreach (var entry in listener.HttpRoutes) Bucket(entry.Route, p, l).Http.Add(entry);
                    foreach (var entry in listener.L4Routes) Bucket(entry.Route, p, l).L4.Add(entry);
                }
            }
            foreach (var (route, ports) in byRoute)
            {
                if (!slices.TryGetValue(route, out var parts)) slices[route] = parts = new RouteParts([], new SortedSet<string>(StringComparer.Ordinal));
                var cut = ports.Select(pp => gateway.Ports[pp.Key] with
                {
                    Listeners = [.. pp.Value.Select(ll => gateway.Ports[pp.Key].Listeners[ll.Key] with { HttpRoutes = [.. ll.Value.Http], L4Routes = [.. ll.Value.L4] })],
                }).ToImmutableArray();
                parts.Tables.Add(gateway with { Ports = cut });
                foreach (var listener in cut.SelectMany(p => p.Listeners)) parts.Parents.Add(EntityRef.ForListener(gateway.Gateway, listener.Name).ToString());
            }
        }
        return slices;
    }
}
