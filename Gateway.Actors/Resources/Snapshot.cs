using System.Collections.Immutable;
using Gateway.Actors.Model;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// An immutable view of every object the controller reads, at one revision. Sources build new snapshots by
/// upserting and removing objects (structural sharing keeps that cheap); the translator only ever reads one.
/// Objects inside are never mutated after they enter a snapshot.
/// </summary>
public sealed class Snapshot
{
    private static long _nextId;
    private readonly ImmutableDictionary<string, ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>> _byKind;

    // Lineage without a reference to the parent (which would keep every earlier snapshot alive): the parent's identity
    // and the keys With was given, so the changes from the parent are known without walking the maps. A batch of more
    // than TouchedLimit keys keeps none (default): walking the changed kinds costs about what such a batch costs anyway,
    // and the first sync's 30,000 keys would otherwise stay held (720 KB at 10,000 routes) until the next change.
    internal const int TouchedLimit = 1024;
    private readonly long _id = Interlocked.Increment(ref _nextId);
    private readonly long _parentId;
    private readonly ImmutableArray<ResourceKey> _touched;

    /// <summary>The empty snapshot at revision 0.</summary>
    public static readonly Snapshot Empty = new(0, ImmutableDictionary<string, ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>>.Empty, 0, []);

    private Snapshot(long revision, ImmutableDictionary<string, ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>> byKind,
        long parentId, ImmutableArray<ResourceKey> touched)
    {
        Revision = revision;
        _byKind = byKind;
        _parentId = parentId;
        _touched = touched;
    }

    /// <summary>Monotonic revision; each applied batch of changes increments it.</summary>
    public long Revision { get; }

    /// <summary>All objects of one kind, ordered by key.</summary>
    public IEnumerable<T> All<T>(KindInfo kind) where T : IKubernetesObject<V1ObjectMeta> =>
        _byKind.TryGetValue(kind.Kind, out var map) ? map.Values.Cast<T>() : [];

    /// <summary>Number of objects of one kind.</summary>
    public int Count(KindInfo kind) => _byKind.TryGetValue(kind.Kind, out var map) ? map.Count : 0;

    /// <summary>One object by key, or null.</summary>
    public T? Get<T>(ResourceKey key) where T : class, IKubernetesObject<V1ObjectMeta> =>
        _byKind.TryGetValue(key.Kind, out var map) && map.TryGetValue(key, out var obj) ? obj as T : null;

    /// <summary>One object by key, untyped.</summary>
    public IKubernetesObject<V1ObjectMeta>? Get(ResourceKey key) =>
        _byKind.TryGetValue(key.Kind, out var map) && map.TryGetValue(key, out var obj) ? obj : null;

    /// <summary>Every key in the snapshot, ordered.</summary>
    public IEnumerable<ResourceKey> Keys => _byKind.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Keys);

    public IEnumerable<V1GatewayClass> GatewayClasses => All<V1GatewayClass>(KindRegistry.GatewayClass);
    public IEnumerable<V1Gateway> Gateways => All<V1Gateway>(KindRegistry.Gateway);
    public IEnumerable<V1HTTPRoute> HttpRoutes => All<V1HTTPRoute>(KindRegistry.HTTPRoute);
    public IEnumerable<V1GRPCRoute> GrpcRoutes => All<V1GRPCRoute>(KindRegistry.GRPCRoute);
    public IEnumerable<V1TLSRoute> TlsRoutes => All<V1TLSRoute>(KindRegistry.TLSRoute);
    public IEnumerable<V1TCPRoute> TcpRoutes => All<V1TCPRoute>(KindRegistry.TCPRoute);
    public IEnumerable<V1UDPRoute> UdpRoutes => All<V1UDPRoute>(KindRegistry.UDPRoute);
    public IEnumerable<V1ReferenceGrant> ReferenceGrants => All<V1ReferenceGrant>(KindRegistry.ReferenceGrant);
    public IEnumerable<V1BackendTLSPolicy> BackendTlsPolicies => All<V1BackendTLSPolicy>(KindRegistry.BackendTLSPolicy);
    public IEnumerable<V1ListenerSet> ListenerSets => All<V1ListenerSet>(KindRegistry.ListenerSet);
    public IEnumerable<V1Namespace> Namespaces => All<V1Namespace>(KindRegistry.Namespace);
    public IEnumerable<V1Service> Services => All<V1Service>(KindRegistry.Service);
    public IEnumerable<V1EndpointSlice> EndpointSlices => All<V1EndpointSlice>(KindRegistry.EndpointSlice);

    /// <summary>A new snapshot with the given objects upserted and keys removed, at <paramref name="revision"/>.</summary>
    public Snapshot With(long revision, IEnumerable<(ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object)> upserts, IEnumerable<ResourceKey> removals)
    {
        // One builder per changed kind: a builder changes the nodes it has already copied in place, so a batch of n
        // keys copies each tree node at most once instead of a root-to-leaf path per key (the first sync's 30,000
        // objects at 10,000 routes took 136 ms through SetItem per key).
        var builders = new Dictionary<string, ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>.Builder>(StringComparer.Ordinal);
        ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>.Builder? BuilderOf(string kind, bool create)
        {
            if (builders.TryGetValue(kind, out var builder)) return builder;
            if (_byKind.TryGetValue(kind, out var map)) builder = map.ToBuilder();
            else if (create) builder = ImmutableSortedDictionary.CreateBuilder<ResourceKey, IKubernetesObject<V1ObjectMeta>>();
            else return null;
            builders[kind] = builder;
            return builder;
        }
        var touched = ImmutableArray.CreateBuilder<ResourceKey>();
        foreach (var (key, obj) in upserts)
        {
            BuilderOf(key.Kind, create: true)![key] = obj;
            touched.Add(key);
        }
        foreach (var key in removals)
        {
            BuilderOf(key.Kind, create: false)?.Remove(key);
            touched.Add(key);
        }
        var byKind = _byKind.ToBuilder();
        foreach (var (kind, builder) in builders) byKind[kind] = builder.ToImmutable();
        return new Snapshot(revision, byKind.ToImmutable(), _id, touched.Count <= TouchedLimit ? touched.ToImmutable() : default);
    }

    /// <summary>
    /// The objects that differ between <paramref name="previous"/> and this snapshot (a different instance counts as a
    /// change: objects are never mutated, so an unchanged object is the same instance), in key order. When this
    /// snapshot was made from <paramref name="previous"/> by one <see cref="With"/> (how the store publishes) of at most
    /// <see cref="TouchedLimit"/> keys, only the keys given to it are looked at; otherwise kinds whose maps are shared
    /// cost nothing and the others are walked once in key order.
    /// </summary>
    public List<(ResourceKey Key, IKubernetesObject<V1ObjectMeta>? Old, IKubernetesObject<V1ObjectMeta>? New)> ChangesSince(Snapshot previous)
    {
        var changes = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>?)>();
        if (_parentId == previous._id && !_touched.IsDefault)
        {
            foreach (var key in _touched.Distinct().Order())
            {
                var (old, now) = (previous.Get(key), Get(key));
                if (!ReferenceEquals(old, now)) changes.Add((key, old, now));
            }
            return changes;
        }
        foreach (var kind in _byKind.Keys.Union(previous._byKind.Keys).Order(StringComparer.Ordinal))
        {
            var before = previous._byKind.TryGetValue(kind, out var b) ? b : ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>.Empty;
            var after = _byKind.TryGetValue(kind, out var a) ? a : ImmutableSortedDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>.Empty;
            if (ReferenceEquals(before, after)) continue;
            using var x = before.GetEnumerator();
            using var y = after.GetEnumerator();
            var hasX = x.MoveNext();
            var hasY = y.MoveNext();
            while (hasX || hasY)
            {
                var c = !hasX ? 1 : !hasY ? -1 : x.Current.Key.CompareTo(y.Current.Key);
                if (c < 0)
                {
                    changes.Add((x.Current.Key, x.Current.Value, null));
                    hasX = x.MoveNext();
                }
                else if (c > 0)
                {
                    changes.Add((y.Current.Key, null, y.Current.Value));
                    hasY = y.MoveNext();
                }
                else
                {
                    if (!ReferenceEquals(x.Current.Value, y.Current.Value)) changes.Add((x.Current.Key, x.Current.Value, y.Current.Value));
                    hasX = x.MoveNext();
                    hasY = y.MoveNext();
                }
            }
        }
        return changes;
    }

    /// <summary>Builds a snapshot from a flat list of objects of known kinds (tests, the translate command).</summary>
    public static Snapshot From(long revision, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        Empty.With(revision, objects.Select(o => (KindRegistry.KeyOf(KindRegistry.ByName(o.Kind) ?? throw new ArgumentException($"unknown kind {o.Kind}"), o), o)), []);
}
