using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// Splits one node's <see cref="TranslationResult"/> into per-entity content: every object with a status, every
/// listener of a Gateway with a status, and for each the slice of the route tables it produced (the YAML texts are
/// rendered only when inspected).
/// <para>
/// One instance per node, fed every pass (<see cref="Next"/>): content is built only for objects whose inputs differ
/// from the previous pass's, and every other object keeps its <see cref="ObjectContent"/> instance. An object's inputs
/// are its <see cref="DesiredStatus"/>, its resourceVersion, whether the data plane applied the pass, and its slice:
/// for a route the entries it produced with the listener (and port, Gateway) each sits in, for a Gateway and its
/// listeners the Gateway's table, for a GatewayClass its Gateways. Statuses, tables and entries are compared by
/// reference first (a translator that keeps unchanged objects' instances costs nothing for them); what is not the same
/// instance is built again and compared by fingerprint, so a translator that returns fresh instances every time still
/// reports only real changes. The result always holds every object's latest content (the node cache and re-sends
/// read it); its <see cref="NodeContent.Delta"/> lists what changed since the previous result.
/// </para>
/// Slice fingerprints are composed from per-entry hashes (each entry's YAML tree hashed once, kept for as long as the
/// same entry instance stays in its Gateway's table) and the headers of the Gateway, port and listener it sits in, so
/// they change exactly when the slice's text would. Not thread-safe per call; calls are serialized.
/// <para>
/// The methods that run once per pass over every status or a listener's entries are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/>: called once per change, they stay below the JIT's call count
/// for tier 1 through the first tens of changes, and a profile of 30 additions at 5,000 routes found them (and what they
/// loop over) at tier 0 and the instrumented tier, several times slower.
/// </para>
/// </summary>
public sealed partial class NodeContentBuilder
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKey, Built> _built = [];
    private Dictionary<ResourceKey, TableParts> _tables = [];
    private Dictionary<ResourceKey, Segment[]> _routeSegments = [];
    private NodeContent? _last;
    private long _pass;

    // The statuses and applied flag of the last pass, and the GatewayClasses and Gateways built so far: what a pass
    // needs to look only at the objects whose inputs can have changed (NextLocked).
    private ImmutableSortedDictionary<ResourceKey, DesiredStatus>? _lastStatuses;
    private bool _lastApplied;
    private readonly HashSet<ResourceKey> _classesAndGateways = [];

    /// <summary>Entities whose content the last <see cref="Next"/> built (the others kept theirs).</summary>
    public int LastBuilt { get; private set; }

    /// <summary>Builds the content of every entity from nothing (the reference: every object is built).</summary>
    /// <param name="node">This node (address#uid).</param>
    /// <param name="result">The pass's translation result.</param>
    /// <param name="snapshot">The snapshot it was translated from (resourceVersions, GatewayClass → Gateways).</param>
    /// <param name="applied">True when the data plane accepted the result (otherwise nothing counts as programmed here).</param>
    /// <param name="plans">Per Gateway, what this node plans to provision for it (Kubernetes mode), or null for none.</param>
    public static NodeContent Build(string node, TranslationResult result, Snapshot snapshot, bool applied,
        IReadOnlyDictionary<ResourceKey, Gateways.IGatewayProvisioningPlan>? plans = null) =>
        new NodeContentBuilder().Next(node, result, snapshot, applied, plans);

    /// <summary>
    /// The content of every entity after this pass, building only what changed since the previous call (see the
    /// type's remarks). Parameters as for <see cref="Build"/>.
    /// </summary>
    public NodeContent Next(string node, TranslationResult result, Snapshot snapshot, bool applied,
        IReadOnlyDictionary<ResourceKey, Gateways.IGatewayProvisioningPlan>? plans = null)
    {
        lock (_gate)
        {
            var pass = ++_pass;
            try
            {
                return NextLocked(node, result, snapshot, applied, plans, pass);
            }
            catch
            {
                // Table parts are patched in place: after a fault they cannot be trusted, so the next pass starts over
                // (and looks at every status).
                _tables = [];
                _routeSegments = [];
                _lastStatuses = null;
                throw;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private NodeContent NextLocked(string node, TranslationResult result, Snapshot snapshot, bool applied,
        IReadOnlyDictionary<ResourceKey, Gateways.IGatewayProvisioningPlan>? plans, long pass)
    {
        var (tables, tablesKept, movedSet) = Tables(result.Gateways);
        // A few moved routes (the common case) are compared directly: a set lookup hashes three strings per status.
        IReadOnlyCollection<ResourceKey>? moved = movedSet is null ? null : movedSet.Count <= 8 ? movedSet.ToArray() : movedSet;
        var routeSegments = tablesKept ? _routeSegments : RouteSegments(result.Gateways, tables);
        var classGateways = ClassAttachments(snapshot);

        // Which objects keep their content: the same inputs as last pass (by reference where they are objects).
        // Kept content is given this pass's inputs: they refer to this pass's tables only, so content kept over
        // many passes never holds an earlier pass's table.
        var toBuild = new List<Built>();
        void Consider(ResourceKey key, DesiredStatus desired)
        {
            var kind = KindOf(key);
            _built.TryGetValue(key, out var previous);
            // A route whose inputs are the very same instances as last pass (the common case: thousands of routes, one
            // changed) is kept without building its inputs again. Its segments are last pass's instance when the tables
            // did not move it (every route kept in a previous pass holds the instance of that pass, by induction); only
            // without that knowledge are they looked up.
            if (kind == EntityKind.Route && previous is { Inputs: var was } && ReferenceEquals(was.Desired, desired) && was.Applied == applied
                && was.Segments.Length > 0
                && (moved is null ? ReferenceEquals(was.Segments, routeSegments.GetValueOrDefault(key) ?? []) : !Contains(moved, key))
                && string.Equals(was.ResourceVersion, desired.Object.Metadata?.ResourceVersion, StringComparison.Ordinal))
            {
                previous.Seen = pass;
                return;
            }
            var next = new Inputs(desired, desired.Object.Metadata?.ResourceVersion, applied);
            switch (kind)
            {
                case EntityKind.GatewayClass:
                    next.ClassGateways = classGateways.GetValueOrDefault(key.Name, []);
                    break;
                case EntityKind.Gateway:
                    next.Table = tables.GetValueOrDefault(key);
                    next.Plan = plans?.GetValueOrDefault(key);
                    break;
                default:
                    next.Segments = routeSegments.GetValueOrDefault(key) ?? [];
                    break;
            }
            if (previous is not null && previous.Inputs.Same(next, kind))
            {
                previous.Inputs = next;
                previous.Seen = pass;
            }
            else
            {
                // Seen, so the pass does not count the object gone before its new content replaces this one.
                if (previous is not null) previous.Seen = pass;
                toBuild.Add(new Built(key, next) { Seen = pass });
            }
        }

        // Only the objects whose inputs can have changed are looked at when that set is known: the statuses the
        // translator changed since the statuses of the last pass (its StatusDelta, or none when it is the same map), the
        // routes the tables moved, and every GatewayClass and Gateway (few; their tables, plans and Gateways are not in
        // the delta). Otherwise every status is, and whatever was not seen is gone. Looking at every status of a
        // 5,000-route node cost a one-route change about 1 ms (hashing every key for the lookup of its last content).
        var candidates = moved is null || _last is null || applied != _lastApplied ? null
            : ReferenceEquals(result.Statuses, _lastStatuses) ? []
            : result.StatusDelta is { } delta && ReferenceEquals(delta.From, _lastStatuses) && ReferenceEquals(delta.To, result.Statuses) ? delta.Keys
            : null;
        var gone = new List<ResourceKey>();
        if (candidates is null)
        {
            foreach (var (key, desired) in result.Statuses) Consider(key, desired);
            foreach (var (key, b) in _built)
            {
                if (b.Seen != pass) gone.Add(key);
            }
        }
        else
        {
            var looked = new HashSet<ResourceKey>(candidates);
            looked.UnionWith(moved!);
            looked.UnionWith(_classesAndGateways);
            foreach (var key in looked)
            {
                if (result.Statuses.TryGetValue(key, out var desired)) Consider(key, desired);
                else if (_built.ContainsKey(key)) gone.Add(key);
            }
        }
        // Each object's content depends only on its inputs (read-only): built in parallel when there are many (the
        // first pass builds every object: 10,000 routes take hundreds of milliseconds on one core).
        if (toBuild.Count >= 64)
            Parallel.For(0, toBuild.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => toBuild[i].SetContents(BuildOne(toBuild[i], result.Revision)));
        else
            foreach (var b in toBuild) b.SetContents(BuildOne(b, result.Revision));

        var previousObjects = _last?.Objects ?? ImmutableSortedDictionary<EntityRef, ObjectContent>.Empty;
        var objects = previousObjects.ToBuilder();
        var changed = new List<EntityRef>();
        var removed = new HashSet<EntityRef>();
        foreach (var b in toBuild)
        {
            if (_built.TryGetValue(b.Key, out var before))
            {
                foreach (var content in before.Contents) removed.Add(content.Entity);
            }
            _built[b.Key] = b;
            if (KindOf(b.Key) != EntityKind.Route) _classesAndGateways.Add(b.Key);
            foreach (var content in b.Contents)
            {
                removed.Remove(content.Entity);
                if (!previousObjects.TryGetValue(content.Entity, out var old) || old.Fingerprint != content.Fingerprint) changed.Add(content.Entity);
                objects[content.Entity] = content;
            }
        }
        foreach (var key in gone)
        {
            foreach (var content in _built[key].Contents) removed.Add(content.Entity);
            _built.Remove(key);
            _classesAndGateways.Remove(key);
        }
        foreach (var entity in removed) objects.Remove(entity);
        // A wave of objects (the first pass builds every one) leaves the table with the room it doubled into.
        if (toBuild.Count >= 64) KeptLists.TrimTable(_built);

        var nodeContent = new NodeContent(node, result.Revision, objects.ToImmutable())
        {
            Delta = _last is null ? null : new ContentDelta(_last.Token, [.. changed.Order()], [.. removed.Order()]),
        };
        _tables = tables;
        _routeSegments = routeSegments;
        _last = nodeContent;
        _lastStatuses = result.Statuses;
        _lastApplied = applied;
        LastBuilt = toBuild.Sum(b => b.Contents.Length);
        return nodeContent;
    }

    /// <summary>The entity kind of an object's status (as <see cref="EntityRef.ForStatus"/>, without building its id).</summary>
    private static EntityKind KindOf(ResourceKey key) => key.Kind switch
    {
        "GatewayClass" => EntityKind.GatewayClass,
        "Gateway" => EntityKind.Gateway,
        _ => EntityKind.Route,
    };

    /// <summary>
    /// This pass's per-Gateway table parts; a table that is the same instance as last pass keeps its parts.
    /// <c>Kept</c>: every table is last pass's, in the same order (so every route's segments are too).
    /// <c>Moved</c>: the routes whose segments may be other instances than last pass's (every other route's are the same
    /// instances), or null when that is not known (a table built from nothing, several Gateways, tables reordered).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (Dictionary<ResourceKey, TableParts> Tables, bool Kept, IReadOnlySet<ResourceKey>? Moved) Tables(ImmutableArray<GatewayRouteTable> gateways)
    {
        var tables = new Dictionary<ResourceKey, TableParts>(gateways.Length);
        var kept = gateways.Length == _tables.Count;
        IReadOnlySet<ResourceKey>? moved = null;
        foreach (var table in gateways)
        {
            var previous = _tables.GetValueOrDefault(table.Gateway);
            var same = previous is not null && ReferenceEquals(previous.Table, table);
            kept &= same;
            var parts = same ? previous! : TableParts.Of(table, previous);
            tables.Add(table.Gateway, parts);
            // One Gateway whose parts were last pass's or patched from them: its route map is the one routes were kept
            // against (RouteSegments shares it), and only its touched routes' entries changed.
            if (gateways.Length == 1 && previous is not null && _tables.Count == 1) moved = same ? NoneMoved : parts.Touched;
        }
        // Same tables in another order would order a route's segments differently.
        kept = kept && gateways.Select(t => t.Gateway).SequenceEqual(_tables.Keys);
        return (tables, kept, kept ? NoneMoved : moved);
    }

    private static readonly HashSet<ResourceKey> NoneMoved = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Contains(IReadOnlyCollection<ResourceKey> keys, ResourceKey key)
    {
        if (keys is ResourceKey[] few)
        {
            foreach (var k in few)
            {
                if (k.Equals(key)) return true;
            }
            return false;
        }
        return ((IReadOnlySet<ResourceKey>)keys).Contains(key);
    }

    /// <summary>Per route: the segments (listener and its entries of the route) over every Gateway, in table order.</summary>
    private static Dictionary<ResourceKey, Segment[]> RouteSegments(ImmutableArray<GatewayRouteTable> gateways, Dictionary<ResourceKey, TableParts> tables)
    {
        // One Gateway (the common case): its parts already map every route to its segments; never written after they
        // were built, so they can be shared.
        if (gateways.Length == 1) return tables[gateways[0].Gateway].Routes;
        var segments = new Dictionary<ResourceKey, Segment[]>();
        foreach (var table in gateways)
        {
            foreach (var (route, own) in tables[table.Gateway].Routes)
            {
                segments[route] = segments.TryGetValue(route, out var earlier) ? [.. earlier, .. own] : own;
            }
        }
        return segments;
    }

    private static Dictionary<string, ImmutableArray<string>> ClassAttachments(Snapshot snapshot) =>
        snapshot.Gateways
            .Where(g => g.Spec?.GatewayClassName is not null)
            .GroupBy(g => g.Spec!.GatewayClassName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => $"Gateway/{x.Metadata.NamespaceProperty}/{x.Metadata.Name}").Order(StringComparer.Ordinal).ToImmutableArray(),
                StringComparer.Ordinal);

    private static ObjectContent[] BuildOne(Built built, long revision)
    {
        var (key, inputs) = (built.Key, built.Inputs);
        var (entity, desired) = (EntityRef.ForStatus(key), inputs.Desired);
        var contents = new List<ObjectContent>(1);
        string sliceHash;
        InspectionText sliceText;
        IReadOnlyList<string> attachments;
        var programmed = inputs.Applied;
        var addresses = ImmutableArray<string>.Empty;
        var table = inputs.Table;
        switch (entity.Kind)
        {
            case EntityKind.GatewayClass:
                (sliceHash, sliceText, attachments) = ("", InspectionText.Empty, inputs.ClassGateways);
                break;
            case EntityKind.Gateway:
                var status = (desired as DesiredGatewayStatus)?.Status;
                sliceHash = table?.SliceHash ?? "";
                sliceText = table is null ? InspectionText.Empty : new SliceText([table.Table]);
                attachments = [.. (status?.Listeners ?? []).Select(l => EntityRef.ForListener(key, l.Name).ToString())];
                programmed = inputs.Applied && table is not null && IsTrue(status?.Conditions, ConditionNames.Programmed);
                // The addresses this node serves the Gateway on, as the translator states them in status (the pool or
                // spec address in file mode, the Service's address in Kubernetes mode), not the socket bind address.
                addresses = table is null ? [] : [.. (status?.Addresses ?? []).Select(a => a.Value).Order(StringComparer.Ordinal)];
                break;
            default:
                var segments = inputs.Segments;
                sliceHash = segments.Length == 0 ? "" : SliceHash(segments);
                sliceText = segments.Length == 0 ? InspectionText.Empty : new SegmentsText(segments);
                // Interned: every route on a listener names it, so one string per listener instead of one per route
                // (the set is bounded by the listeners that exist or existed, which are few).
                attachments = [.. segments.Select(s => string.Intern(EntityRef.ForListener(s.Gateway, s.Listener).ToString())).Distinct().Order(StringComparer.Ordinal)];
                programmed = inputs.Applied && segments.Length > 0;
                break;
        }
        var statusText = desired.Key == key ? InspectionText.DesiredStatus : new StatusTextOf(key, desired.Generation, desired.Value);
        var generation = desired.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A status is fingerprinted by its JSON as KubernetesClient writes it: status types hold lists and scalars only
        // (no maps), so that JSON is already canonical; CanonicalForm.Of's re-parse and key sort would cost three more
        // passes over every status that is built.
        var writeFingerprint = Fingerprint.OfJson(desired.Value, generation, inputs.ResourceVersion ?? "");
        var own = Content(entity, revision, desired, statusText, writeFingerprint, sliceHash, sliceText, programmed, addresses, attachments);
        contents.Add(inputs.Plan is { } plan ? own with { Provisioning = plan, Fingerprint = Fingerprint.Of(own.Fingerprint.ToString(), plan.Fingerprint) } : own);

        if (entity.Kind == EntityKind.Gateway && desired is DesiredGatewayStatus { Status: var gatewayStatus })
        {
            foreach (var listener in gatewayStatus.Listeners ?? [])
            {
                var slice = table?.Listeners.GetValueOrDefault(listener.Name);
                var listenerText = new StatusTextOf(key, desired.Generation, listener);
                contents.Add(Content(EntityRef.ForListener(key, listener.Name), revision, null, listenerText, Fingerprint.OfJson(listener, generation),
                    slice?.Hash ?? "", slice is null ? InspectionText.Empty : new SliceText([ListenerSlice(table!.Table, listener.Name)!]),
                    inputs.Applied && slice is not null && IsTrue(listener.Conditions, ConditionNames.Programmed),
                    [], slice?.Routes ?? [], slice?.RoutesHash));
            }
        }
        return [.. contents];
    }

    /// <summary>A status (or a listener's status) as YAML.</summary>
    private sealed class StatusTextOf(ResourceKey key, long generation, object status) : InspectionText
    {
        public override string Render() => StatusText(key, generation, status);
    }

    /// <summary>Route-table slices as YAML.</summary>
    private sealed class SliceText(IReadOnlyList<GatewayRouteTable> slice) : InspectionText
    {
        public override string Render() => RouteTableYaml.Render(slice);
    }

    /// <summary>A route's slice as YAML, cut from its segments when read (the cut tables are not kept).</summary>
    private sealed class SegmentsText(Segment[] segments) : InspectionText
    {
        public override string Render() => RouteTableYaml.Render(Cut(segments));
    }

    /// <summary>The status as YAML (StatusYaml's shape: generation and status, no lastTransitionTime).</summary>
    public static string StatusText(ResourceKey key, long generation, object status) =>
        StatusYaml.Render(key, generation, status);

    /// <summary>
    /// The first 128 bits of SHA-256 of the parts (32 hex digits), separated so that ("ab","c") and ("a","bc") differ.
    /// Fingerprints only tell content apart, and 128 bits leave no realistic collision; every object keeps two of them
    /// (<see cref="ObjectContent"/>), and the full 64-digit form cost 128 bytes more per object.
    /// </summary>
    public static string Hash(params ReadOnlySpan<string> parts)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        JoinedParts.Sha256(null, parts, digest);
        return FingerprintText(digest);
    }

    /// <summary>The text of a fingerprint: the first 128 bits of a SHA-256 <paramref name="digest"/>, as hex.</summary>
    private static string FingerprintText(ReadOnlySpan<byte> digest) => Convert.ToHexStringLower(digest[..16]);

    private static ObjectContent Content(EntityRef entity, long revision, DesiredStatus? status, InspectionText statusText, Fingerprint writeFingerprint,
        string sliceHash, InspectionText sliceText, bool programmed, ImmutableArray<string> addresses, IReadOnlyList<string> attachments,
        string? attachmentsHash = null)
    {
        // A listener's attachments are every route on it: their hash is kept with the names (ListenerParts), not joined
        // again on every build.
        var fingerprint = Fingerprint.Of(writeFingerprint.ToString(), sliceHash, programmed ? "programmed" : "", string.Join(',', addresses),
            attachmentsHash ?? Hash(string.Join(',', attachments)));
        return new ObjectContent(entity, revision, status, statusText, writeFingerprint, sliceText, fingerprint, programmed, addresses, attachments);
    }


    private static bool IsTrue(IEnumerable<k8s.Models.V1Condition>? conditions, string type) =>
        conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    /// <summary>The Gateway's table cut down to one listener (same port, same addresses).</summary>
    private static GatewayRouteTable? ListenerSlice(GatewayRouteTable table, string listener)
    {
        var ports = table.Ports
            .Select(p => p with { Listeners = [.. p.Listeners.Where(l => l.Name == listener)] })
            .Where(p => p.Listeners.Length > 0)
            .ToImmutableArray();
        return ports.Length == 0 ? null : table with { Ports = ports };
    }

    /// <summary>
    /// A route's slice: each Gateway's table cut down to the entries the route produced (listeners and ports without
    /// any left out, order kept). Holds the headers and the route's own entries only, never a whole table.
    /// </summary>
    private static List<GatewayRouteTable> Cut(Segment[] segments) =>
        [.. segments.GroupBy(s => s.Gateway).Select(g => g.First().Frame.Table with
        {
            Ports = [.. g.GroupBy(s => s.Port).Select(p => p.First().Frame.Port with
            {
                Listeners = [.. p.Select(s => s.Frame.Listener with { HttpRoutes = ChunkedList<HttpRouteEntry>.From(s.HttpArray.AsSpan()), L4Routes = s.L4 })],
            })],
        })];

    /// <summary>What an object's content is built from; equal inputs give equal content.</summary>
    private sealed class Inputs(DesiredStatus desired, string? resourceVersion, bool applied)
    {
        public DesiredStatus Desired { get; } = desired;
        public string? ResourceVersion { get; } = resourceVersion;
        public bool Applied { get; } = applied;

        /// <summary>GatewayClass: its Gateways.</summary>
        public ImmutableArray<string> ClassGateways { get; set; } = [];

        /// <summary>Gateway: its table's parts (null: no table).</summary>
        public TableParts? Table { get; set; }

        /// <summary>Gateway: what this node plans to provision for it (null: nothing).</summary>
        public Gateways.IGatewayProvisioningPlan? Plan { get; set; }

        /// <summary>Routes (and every other kind): the route's segments.</summary>
        public Segment[] Segments { get; set; } = [];

        /// <summary>True when <paramref name="next"/> builds the same content: references first, then small values.</summary>
        public bool Same(Inputs next, EntityKind kind) =>
            ReferenceEquals(Desired, next.Desired)
            && Applied == next.Applied
            && string.Equals(ResourceVersion, next.ResourceVersion, StringComparison.Ordinal)
            && kind switch
            {
                EntityKind.GatewayClass => ClassGateways.SequenceEqual(next.ClassGateways, StringComparer.Ordinal),
                EntityKind.Gateway => ReferenceEquals(Table?.Table, next.Table?.Table)
                    && string.Equals(Plan?.Fingerprint, next.Plan?.Fingerprint, StringComparison.Ordinal),
                _ => SameSegments(Segments, next.Segments),
            };

        private static bool SameSegments(Segment[] a, Segment[] b)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a.Length != b.Length) return false;
            for (var i = 0; i < a.Length; i++)
            {
                if (!a[i].SameAs(b[i])) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// An object's content as last built, with the inputs of the latest pass that had the same inputs. Content holds no
    /// whole table (a route's slice is cut to its own entries when built; a Gateway's content, which renders its whole
    /// table, is built again whenever its table is a new instance).
    /// </summary>
    private sealed class Built(ResourceKey key, Inputs inputs)
    {
        // One content (every route and GatewayClass) is held as itself, several (a Gateway and its listeners) as an
        // array: an array per route cost 32 bytes for the one content it held.
        private ObjectContent? _one;
        private ObjectContent[] _many = [];

        public ResourceKey Key { get; } = key;
        public Inputs Inputs { get; set; } = inputs;

        /// <summary>The contents as last built.</summary>
        public ReadOnlySpan<ObjectContent> Contents => _one is not null ? new ReadOnlySpan<ObjectContent>(in _one) : _many;

        /// <summary>Keeps <paramref name="contents"/> as the contents last built.</summary>
        public void SetContents(ObjectContent[] contents)
        {
            _one = contents.Length == 1 ? contents[0] : null;
            _many = contents.Length == 1 ? [] : contents;
        }

        /// <summary>The last pass that had this object.</summary>
        public long Seen { get; set; }
    }

    /// <summary>A route's slice fingerprint: its segments' headers and entry hashes, in order.</summary>
    private static string SliceHash(Segment[] segments)
    {
        using var hash = SliceHasher.Rent();
        foreach (var segment in segments)
        {
            hash.Add('L', segment.Header);
            foreach (var entry in segment.EntryHashes) hash.Add('E', entry);
        }
        return hash.Finish();
    }

    /// <summary>
    /// SHA-256 over tagged, length-prefixed parts (so no two different part sequences hash alike by framing). Parts are
    /// gathered in a small buffer and handed to the hash in blocks: a table's fingerprint takes two parts per entry, and
    /// one hash call per part would cost more than the hashing itself. One hasher per thread is reused (<see cref="Rent"/>,
    /// given back by <see cref="Dispose"/>): every route's content takes one at start-up, where a fresh 4 KB buffer and
    /// native hash context each would be a third of the hand-off's allocations.
    /// </summary>
    private sealed class SliceHasher : IDisposable
    {
        [ThreadStatic] private static SliceHasher? t_free;

        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[4096];
        private int _used;
        private bool _appended;

        private SliceHasher()
        {
        }

        /// <summary>This thread's free hasher, or a new one while it is in use (a hasher taken inside another's use).</summary>
        public static SliceHasher Rent()
        {
            var hasher = t_free ?? new SliceHasher();
            t_free = null;
            return hasher;
        }

        /// <summary>An entry's digest: the tag and its 16 bytes (the tag alone says the part has that fixed length).</summary>
        public void Add(char tag, in Digest digest)
        {
            if (_used + 1 + Digest.Size > _buffer.Length) Flush();
            _buffer[_used] = (byte)tag;
            digest.WriteTo(_buffer.AsSpan(_used + 1, Digest.Size));
            _used += 1 + Digest.Size;
        }

        public void Add(char tag, string value)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.AsSpan());
            if (_used + 5 + bytes.Length > _buffer.Length) Flush();
            _buffer[_used] = (byte)tag;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used + 1, 4), value.Length);
            _used += 5;
            if (bytes.Length > _buffer.Length - _used)
            {
                Flush();
                _hash.AppendData(bytes);
                _appended = true;
                return;
            }
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
        }

        public string Finish()
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            Complete(digest);
            return Convert.ToHexStringLower(digest);
        }

        /// <summary>As <see cref="Finish"/>, the first 128 bits as a <see cref="Digest"/> (the hasher is ready for the next use).</summary>
        public Digest FinishDigest()
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            Complete(digest);
            return Digest.Of(digest);
        }

        private void Complete(Span<byte> digest)
        {
            Flush();
            _hash.GetHashAndReset(digest);
            _appended = false;
        }

        /// <summary>Gives the hasher back to its thread, emptied (a use that ended without <see cref="Finish"/> leaves data behind).</summary>
        public void Dispose()
        {
            if (_used > 0 || _appended)
            {
                _used = 0;
                Span<byte> discarded = stackalloc byte[SHA256.HashSizeInBytes];
                _hash.GetHashAndReset(discarded);
                _appended = false;
            }
            t_free = this;
        }

        private void Flush()
        {
            if (_used == 0) return;
            _hash.AppendData(_buffer, 0, _used);
            _appended = true;
            _used = 0;
        }
    }

    /// <summary>
    /// An entry's digest held inline (the first 128 bits of the SHA-256 of its YAML tree, as fingerprints keep): one per
    /// route-table entry, in arrays parallel to a listener's entries. 16 bytes in the array instead of a reference to a
    /// hex string per entry, and a listener's fingerprint hashes them from one contiguous array instead of visiting a
    /// string object per entry.
    /// </summary>
    private readonly record struct Digest(ulong A, ulong B)
    {
        public const int Size = 16;

        /// <summary>The first 128 bits of a SHA-256 digest.</summary>
        public static Digest Of(ReadOnlySpan<byte> sha256) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(sha256), BinaryPrimitives.ReadUInt64LittleEndian(sha256[8..]));

        public void WriteTo(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        }
    }

    private static readonly ResourceKey Placeholder = new("Gateway", "", "");

    /// <summary>
    /// The hash of one entry's YAML tree inside a placeholder table (the tree RouteTableYaml renders), streamed by
    /// <see cref="RouteTableYaml.HashTo"/> without building that tree.
    /// </summary>
    private static Digest EntryHash(object entry)
    {
        Span<byte> sha256 = stackalloc byte[32];
        RouteTableYaml.HashTo([new GatewayRouteTable(Placeholder, [], [new PortRouteTable(0, ListenerProtocol.Http, [entry switch
        {
            HttpRouteEntry http => new ListenerRouteTable("", null, null, [http], []),
            L4RouteEntry l4 => new ListenerRouteTable("", null, null, [], [l4]),
            _ => throw new ArgumentException($"not a route-table entry: {entry.GetType().Name}", nameof(entry)),
        }])])], sha256);
        return Digest.Of(sha256);
    }

    /// <summary>The hash of a listener's YAML tree without its routes (name, hostname, TLS).</summary>
    private static string ListenerHeaderHash(ListenerRouteTable listener) => RouteTableYaml.Hash([new GatewayRouteTable(Placeholder, [],
        [new PortRouteTable(0, ListenerProtocol.Http, [listener with { HttpRoutes = [], L4Routes = [] }])])]);
}
