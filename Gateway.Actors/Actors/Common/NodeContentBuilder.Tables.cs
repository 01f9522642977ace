using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Actors.Common;

public sealed partial class NodeContentBuilder
{
    /// <summary>
    /// What a slice needs of the table around a listener position: the Gateway, port and listener records without their
    /// children (so content that keeps a segment never holds a whole table), and the header hash that stands for them.
    /// Equal headers mean equal shells: the header hashes every field of the three records (Gateway key and addresses;
    /// port index, number, bind port and protocol; listener index, name, hostname and TLS).
    /// </summary>
    private sealed class SegmentFrame(GatewayRouteTable table, int port, int listener, string header)
    {
        public GatewayRouteTable Table { get; } = table with { Ports = [] };
        public PortRouteTable Port { get; } = table.Ports[port] with { Listeners = [] };
        public ListenerRouteTable Listener { get; } = table.Ports[port].Listeners[listener] with { HttpRoutes = [], L4Routes = [] };
        public string Header { get; } = header;
    }

    /// <summary>The entries one route produced on one listener position of one Gateway table, with the position's frame.</summary>
    /// <remarks>
    /// One HTTP entry and no L4 entry (a route with one match on a listener: the common case) is held as the entry and
    /// its digest themselves; anything else as arrays. Arrays for that one entry and its digest cost about 70 bytes per
    /// route, and segments are kept for every route.
    /// </remarks>
    private sealed class Segment
    {
        private readonly HttpRouteEntry? _oneHttp;
        private readonly Digest _oneHash;
        private readonly ImmutableArray<HttpRouteEntry> _http;
        private readonly ImmutableArray<Digest> _hashes;

        /// <summary>A route's entries on one position, in table order, with their digests (HTTP first, then L4).</summary>
        public Segment(SegmentFrame frame, int port, int listenerIndex, List<HttpRouteEntry> http, List<L4RouteEntry> l4, List<Digest> httpHashes,
            List<Digest> l4Hashes)
        {
            Frame = frame;
            Port = port;
            ListenerIndex = listenerIndex;
            L4 = [.. l4];
            if (http.Count == 1 && l4.Count == 0) (_oneHttp, _oneHash, _http, _hashes) = (http[0], httpHashes[0], [], []);
            else (_http, _hashes) = ([.. http], [.. httpHashes, .. l4Hashes]);
        }

        public SegmentFrame Frame { get; }
        public ResourceKey Gateway => Frame.Table.Gateway;
        public string Listener => Frame.Listener.Name;
        public int Port { get; }
        public int ListenerIndex { get; }
        public string Header => Frame.Header;

        /// <summary>The HTTP entries, in table order.</summary>
        public ReadOnlySpan<HttpRouteEntry> Http => _oneHttp is not null ? new ReadOnlySpan<HttpRouteEntry>(in _oneHttp) : _http.AsSpan();

        /// <summary>The HTTP entries as an array (made for the one-entry form: inspection only).</summary>
        public ImmutableArray<HttpRouteEntry> HttpArray => _oneHttp is not null ? [_oneHttp] : _http;

        public ImmutableArray<L4RouteEntry> L4 { get; }

        /// <summary>Every entry's digest, HTTP entries first, in table order.</summary>
        public ReadOnlySpan<Digest> EntryHashes => _oneHttp is not null ? new ReadOnlySpan<Digest>(in _oneHash) : _hashes.AsSpan();

        public bool SameAs(Segment other)
        {
            if (ReferenceEquals(this, other)) return true;
            var http = Http;
            var otherHttp = other.Http;
            if (http.Length != otherHttp.Length || L4.Length != other.L4.Length || !string.Equals(Header, other.Header, StringComparison.Ordinal)) return false;
            for (var i = 0; i < http.Length; i++)
            {
                if (!ReferenceEquals(http[i], otherHttp[i])) return false;
            }
            for (var i = 0; i < L4.Length; i++)
            {
                if (!ReferenceEquals(L4[i], other.L4[i])) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// A run of consecutive items of a sequence a listener's fingerprint hashes (its HTTP entries' hashes, its sorted route
    /// names), cut where the items themselves say (<see cref="TableParts"/>' runs): how many items, and their hash. A
    /// sequence's hash is the hash of its runs' hashes, so a change of one item hashes its run again, not the sequence.
    /// </summary>
    private readonly record struct Run(int Length, Digest Hash);

    /// <summary>
    /// A listener's slice of its Gateway's table: fingerprint, the routes it carries (names in key order, as a set, and
    /// the hash of the sorted names that the listener's content fingerprint takes).
    /// </summary>
    private sealed record ListenerParts(string Hash, ChunkedList<string> Routes, ChunkedList<Run> RouteRuns, HashSet<ResourceKey> RouteSet, string RoutesHash)
    {
        /// <summary>
        /// The <see cref="PositionParts.RouteSet"/> token of the one position these parts were made from (null: several
        /// positions, or not known): <see cref="RouteSet"/> holds exactly that position's routes.
        /// </summary>
        public object? Token { get; init; }
    }

    /// <summary>
    /// One listener position (port index, listener index) of a Gateway table: its frame, every entry's hash (index for
    /// index with the listener's entry lists; the HTTP hashes a chunked list that shares its unchanged chunks with the
    /// previous position's), the hash of those hashes in order, and each route's segment here.
    /// </summary>
    private sealed class PositionParts(ListenerRouteTable listener, SegmentFrame frame, ChunkedList<Digest> httpHashes, ChunkedList<Run> runs,
        int[][] chunkRoutes, Digest[] l4Hashes, string entriesHash, Dictionary<ResourceKey, Segment> segments, object? routeSet = null)
    {
        /// <summary>Stands for the set of routes on this position: positions with the same token carry the same routes.</summary>
        public object RouteSet { get; } = routeSet ?? new object();

        /// <summary>
        /// For a position patched from the previous table's position at the same header: the routes that joined and left
        /// it, against that position's <see cref="RouteSet"/> token. Null when the position was grouped from nothing.
        /// </summary>
        public RouteChange? Change { get; init; }

        public ListenerRouteTable Listener { get; } = listener;
        public SegmentFrame Frame { get; } = frame;
        public ChunkedList<Digest> HttpHashes { get; } = httpHashes;

        /// <summary><see cref="HttpHashes"/> cut into runs (<see cref="Run"/>); <see cref="EntriesHash"/> hashes the runs' hashes.</summary>
        public ChunkedList<Run> Runs { get; } = runs;

        /// <summary>
        /// Per chunk of the listener's HTTP entries (<see cref="ChunkedList{T}.Chunk"/>), the hash codes of its entries'
        /// route names (<see cref="TableParts.RouteCode"/>): finding a few routes' entries looks into the chunks that may
        /// hold them only, instead of reading every entry of a listener with thousands.
        /// </summary>
        public int[][] ChunkRoutes { get; } = chunkRoutes;

        public Digest[] L4Hashes { get; } = l4Hashes;
        public string EntriesHash { get; } = entriesHash;

        /// <summary>
        /// Route → its segment on this position. A position taken over unchanged is shared by the next table; a patched
        /// one takes this map over and writes it (see <see cref="TableParts.Of"/>), so only the latest table reads it.
        /// </summary>
        public Dictionary<ResourceKey, Segment> Segments { get; } = segments;
    }

    /// <summary>
    /// The routes that joined and left a patched position, relative to the route set that <paramref name="From"/> (the
    /// previous position's <see cref="PositionParts.RouteSet"/> token) stands for. Holds the token only, never the previous
    /// position, so positions do not chain up over passes.
    /// </summary>
    private sealed record RouteChange(object From, ResourceKey[] Joined, ResourceKey[] Left);

    /// <summary>
    /// What one Gateway table gives every entity: its slice fingerprint, each listener's, each route's segments.
    /// <para>
    /// Built from the previous parts of the same Gateway, so a change costs what it touches rather than the table's size:
    /// a position whose listener is the same instance (and whose header did not move) is taken over whole; in a changed
    /// listener the entry lists are compared from both ends (the incremental translator keeps unchanged entries'
    /// instances; chunks the two lists share are skipped by reference) and only the routes with an entry in between that
    /// is new, gone or out of its route's previous order
    /// get new segments, every other route keeps its segment
    /// instance, so <see cref="Inputs.Same"/> finds it unchanged by reference. Entry hashes are carried over by position
    /// (and by instance in between); only new entries are hashed, only the chunks of hashes that hold the span in between
    /// are copied, only the entry chunks whose route codes may hold a touched route are read, and only the runs of hashes
    /// around the span are hashed again (<see cref="Run"/>). What stays linear in the size of a changed listener is small:
    /// walking and copying its lists of chunks and runs (one item per 32 to 128 entries), and reading every entry when
    /// more than four routes were touched at once. A patched position records the routes that joined and left it
    /// (<see cref="RouteChange"/>), so a listener on one position patches its route set and sorted names with them
    /// instead of comparing every route it carries. <c>NodeContentIncrementalTests</c> checks random change
    /// sequences against parts built from nothing.
    /// </para>
    /// </summary>
    private sealed class TableParts
    {
        /// <summary>Above this many touched routes a changed position is regrouped whole (patching would cost more).</summary>
        private const int PatchLimit = 256;

        private TableParts(GatewayRouteTable table, string gatewayHeader, PositionParts[][] positions, string sliceHash,
            Dictionary<string, ListenerParts> listeners, Dictionary<ResourceKey, Segment[]> routes, HashSet<ResourceKey>? touched)
        {
            Touched = touched;
            Table = table;
            GatewayHeader = gatewayHeader;
            Positions = positions;
            SliceHash = sliceHash;
            Listeners = listeners;
            Routes = routes;
        }

        public GatewayRouteTable Table { get; }
        public string SliceHash { get; }
        public Dictionary<string, ListenerParts> Listeners { get; }

        /// <summary>Route → its segments over this table's positions, in table order (port, then listener).</summary>
        public Dictionary<ResourceKey, Segment[]> Routes { get; }

        /// <summary>
        /// The routes whose entry in <see cref="Routes"/> may be another instance than in the previous parts these were
        /// patched from (every other route's is the same instance); null when built from nothing.
        /// </summary>
        public HashSet<ResourceKey>? Touched { get; }

        private string GatewayHeader { get; }

        /// <summary>Per port index, per listener index.</summary>
        private PositionParts[][] Positions { get; }

        /// <summary>
        /// The parts of <paramref name="table"/>. <paramref name="previous"/> (the same Gateway's parts of the previous
        /// pass) is consumed: its maps are taken over and patched, so it must not be read afterwards; after an exception
        /// neither may be used (the builder starts over from nothing).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static TableParts Of(GatewayRouteTable table, TableParts? previous)
        {
            var inv = CultureInfo.InvariantCulture;
            var gatewayHeader = Hash([table.Gateway.ToString(), .. table.Addresses]);
            // Previous positions by listener name (first wins) and by (port, listener) index, to match a listener that
            // moved or was renamed.
            var previousByName = new Dictionary<string, PositionParts>(StringComparer.Ordinal);
            if (previous is not null)
            {
                foreach (var port in previous.Positions)
                {
                    foreach (var position in port) previousByName.TryAdd(position.Listener.Name, position);
                }
            }

            var positions = new PositionParts[table.Ports.Length][];
            // Routes whose segments may differ from the previous table's (null: every route, nothing to start from).
            HashSet<ResourceKey>? touched = previous is null ? null : [];
            var used = new HashSet<PositionParts>(ReferenceEqualityComparer.Instance);
            for (var p = 0; p < table.Ports.Length; p++)
            {
                var port = table.Ports[p];
                positions[p] = new PositionParts[port.Listeners.Length];
                for (var l = 0; l < port.Listeners.Length; l++)
                {
                    var listener = port.Listeners[l];
                    var header = Hash(gatewayHeader, p.ToString(inv), port.Port.ToString(inv), port.BindPort?.ToString(inv) ?? "", port.Protocol.ToString(),
                        l.ToString(inv), ListenerHeaderHash(listener));
                    var before = previous is not null && p < previous.Positions.Length && l < previous.Positions[p].Length
                        && previous.Positions[p][l].Listener.Name == listener.Name
                            ? previous.Positions[p][l]
                            : previousByName.GetValueOrDefault(listener.Name);
                    var sameFrame = before is not null && string.Equals(before.Frame.Header, header, StringComparison.Ordinal);
                    PositionParts next;
                    if (sameFrame && ReferenceEquals(before!.Listener, listener)) next = before;
                    else next = Position(table, p, l, header, listener, sameFrame ? before : null, before, touched);
                    if (before is not null) used.Add(before);
                    positions[p][l] = next;
                }
            }
            // A previous position that no listener took over: its routes lose those segments.
            if (previous is not null && touched is not null)
            {
                foreach (var port in previous.Positions)
                {
                    foreach (var position in port)
                    {
                        if (!used.Contains(position)) touched.UnionWith(position.Segments.Keys);
                    }
                }
            }

            using var tableHash = SliceHasher.Rent();
            tableHash.Add('G', gatewayHeader);
            foreach (var port in positions)
            {
                foreach (var position in port)
                {
                    tableHash.Add('L', position.Frame.Header);
                    tableHash.Add('P', position.EntriesHash);
                }
            }
            return new TableParts(table, gatewayHeader, positions, tableHash.Finish(), ListenersOf(positions, gatewayHeader, previous),
                RoutesOf(positions, previous, touched), touched);
        }

        /// <summary>
        /// A position whose listener changed. <paramref name="sameFrame"/>: the previous position at the same header,
        /// whose segments can be kept for routes the change does not touch (null: every segment is new).
        /// <paramref name="hashesFrom"/>: a previous position of the same listener, whose entry hashes are carried over.
        /// Adds to <paramref name="touched"/> every route whose segment here may differ from the previous table's.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static PositionParts Position(GatewayRouteTable table, int p, int l, string header, ListenerRouteTable listener,
            PositionParts? sameFrame, PositionParts? hashesFrom, HashSet<ResourceKey>? touched)
        {
            var affected = new HashSet<ResourceKey>();
            var httpHashes = HttpHashes(listener.HttpRoutes, hashesFrom?.Listener.HttpRoutes, hashesFrom?.HttpHashes, affected, out var span);
            var runs = hashesFrom is not null && span is var (prefix, removed, added)
                ? PatchRuns(hashesFrom.Runs, httpHashes, prefix, removed, added, EndsRun, AddEntry)
                : ChunkedList<Run>.From(CollectionsMarshal.AsSpan(CutRuns(httpHashes, 0, int.MaxValue, EndsRun, AddEntry, out _)));
            var chunkRoutes = ChunkRoutesOf(listener.HttpRoutes, hashesFrom);
            var l4Hashes = L4Hashes(listener.L4Routes, hashesFrom?.Listener.L4Routes, hashesFrom?.L4Hashes, affected);
            string entriesHash;
            using (var hash = SliceHasher.Rent())
            {
                foreach (var run in runs) hash.Add('R', run.Hash);
                foreach (var h in l4Hashes) hash.Add('E', h);
                entriesHash = hash.Finish();
            }

            if (sameFrame is not null && affected.Count <= PatchLimit)
            {
                // Only the routes with entries in the changed span get new segments; the rest keep theirs.
                // The previous position is discarded with the previous table: its map is taken over and patched in
                // place (a copy of thousands of entries per change would cost more than the change).
                var segments = sameFrame.Segments;
                var regrouped = Group(sameFrame.Frame, p, l, listener, httpHashes, chunkRoutes, l4Hashes, affected);
                List<ResourceKey>? joined = null, left = null;
                foreach (var route in affected)
                {
                    var had = segments.Remove(route);
                    if (had == regrouped.ContainsKey(route)) continue;
                    if (had) (left ??= []).Add(route);
                    else (joined ??= []).Add(route);
                }
                foreach (var (route, segment) in regrouped) segments[route] = segment;
                touched?.UnionWith(affected);
                var sameRoutes = joined is null && left is null;
                return new PositionParts(listener, sameFrame.Frame, httpHashes, runs, chunkRoutes, l4Hashes, entriesHash, segments,
                    sameRoutes ? sameFrame.RouteSet : null)
                {
                    Change = new RouteChange(sameFrame.RouteSet, joined?.ToArray() ?? [], left?.ToArray() ?? []),
                };
            }

            var frame = new SegmentFrame(table, p, l, header);
            var all = Group(frame, p, l, listener, httpHashes, chunkRoutes, l4Hashes, null);
            if (touched is not null)
            {
                touched.UnionWith(all.Keys);
                if (sameFrame is not null) touched.UnionWith(sameFrame.Segments.Keys);
                // A position taken over from another header: the previous table's segments of its routes were elsewhere.
                if (hashesFrom is not null && !ReferenceEquals(hashesFrom, sameFrame)) touched.UnionWith(hashesFrom.Segments.Keys);
            }
            return new PositionParts(listener, frame, httpHashes, runs, chunkRoutes, l4Hashes, entriesHash, all);
        }

        /// <summary>
        /// The hashes of a listener's HTTP entries: those of the previous list's common prefix and suffix (found with
        /// <see cref="ChunkedList.CommonEnds"/>) kept where they are, the span between from <see cref="SpanHashes"/>. The
        /// list of hashes shares its chunks outside that span with the previous one, so a one-route change of a listener
        /// with 10,000 entries copies a chunk or two of hashes rather than all of them.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ChunkedList<Digest> HttpHashes(ChunkedList<HttpRouteEntry> entries, ChunkedList<HttpRouteEntry>? previous,
            ChunkedList<Digest>? previousHashes, HashSet<ResourceKey> affected, out (int Prefix, int Removed, int Added)? span)
        {
            if (previous is null || previousHashes is null)
            {
                span = null;
                return ChunkedList<Digest>.From(SpanHashes(entries.ToArray(), [], [], false, affected, e => e.Route));
            }
            var (prefix, suffix) = ChunkedList.CommonEnds(entries, previous);
            var removed = previous.Count - prefix - suffix;
            var middle = SpanHashes(entries.Slice(prefix, entries.Count - prefix - suffix), previous.Slice(prefix, removed), previousHashes.Slice(prefix, removed), true,
                affected, e => e.Route);
            span = (prefix, removed, middle.Length);
            return previousHashes.ReplaceRange(prefix, removed, middle);
        }

        /// <summary>
        /// A run ends after an item whose code (an entry hash's first bits; a route name's <see cref="NameCode"/>) has
        /// every bit under this mask zero (one item in 32 on average), or <see cref="MaxRun"/> items after the previous
        /// end: the runs are a function of the items alone, so a listener patched change by change has the runs one built
        /// from nothing has, and a change cuts again only the runs around it.
        /// </summary>
        private const ulong RunMask = 31;

        private const int MaxRun = 256;

        private static bool EndsRun(Digest entryHash) => (entryHash.A & RunMask) == 0;

        private static void AddEntry(SliceHasher hasher, Digest entryHash) => hasher.Add('E', entryHash);

        private static bool EndsRun(string name) => (NameCode(name) & RunMask) == 0;

        private static void AddName(SliceHasher hasher, string name) => hasher.Add('N', name);

        /// <summary>
        /// A route name's code for cutting runs: FNV-1a over its UTF-16 code units. Written here because it must be the
        /// same in every process (string.GetHashCode is seeded per process) and is one loop; the runs' hashes are SHA-256.
        /// </summary>
        internal static uint NameCode(string name)
        {
            var code = 2166136261u;
            foreach (var c in name) code = (code ^ c) * 16777619u;
            return code;
        }

        /// <summary>
        /// <paramref name="items"/> cut into runs from <paramref name="start"/> (where a run starts), up to the end or,
        /// sooner, to the first run past <paramref name="stopAfter"/> that ends on an item's own code (the cut from there
        /// on is the one before the change); <paramref name="end"/> is where the last run cut ends.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static List<Run> CutRuns<T>(ChunkedList<T> items, int start, int stopAfter, Func<T, bool> endsRun, Action<SliceHasher, T> add, out int end)
        {
            var runs = new List<Run>();
            using var hasher = SliceHasher.Rent();
            var length = 0;
            for (var i = start; i < items.Count; i++)
            {
                var item = items[i];
                add(hasher, item);
                length++;
                var own = endsRun(item);
                if (!own && length < MaxRun) continue;
                runs.Add(new Run(length, hasher.FinishDigest()));
                length = 0;
                if (own && i >= stopAfter)
                {
                    end = i + 1;
                    return runs;
                }
            }
            if (length > 0) runs.Add(new Run(length, hasher.FinishDigest()));
            end = items.Count;
            return runs;
        }

        /// <summary>
        /// The runs of <paramref name="items"/>, which differ from the items <paramref name="runs"/> were cut from in
        /// <paramref name="removed"/> items from <paramref name="prefix"/> replaced by <paramref name="added"/>: the runs
        /// before the one holding the change are kept, the items from there are cut again until a run past the change
        /// ends on an item's own code (a run end before the change too), and the old runs up to that end are replaced.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ChunkedList<Run> PatchRuns<T>(ChunkedList<Run> runs, ChunkedList<T> items, int prefix, int removed, int added, Func<T, bool> endsRun,
            Action<SliceHasher, T> add)
        {
            var total = items.Count - added + removed;
            var (first, start) = (0, 0);
            foreach (var run in runs)
            {
                if (start + run.Length > prefix) break;
                start += run.Length;
                first++;
            }
            if (first == runs.Count && first > 0)
            {
                // A change at the very end: the last run may have ended with the items, not on its own code.
                first--;
                start -= runs[first].Length;
            }
            var cut = CutRuns(items, start, prefix + added, endsRun, add, out var end);
            var oldEnd = end == items.Count ? total : end - added + removed;
            var (last, at) = (first, start);
            while (last < runs.Count && at < oldEnd) at += runs[last++].Length;
            if (at != oldEnd) throw new InvalidOperationException($"runs out of step: the cut ended at {oldEnd}, the previous runs at {at}");
            return runs.ReplaceRange(first, last - first, CollectionsMarshal.AsSpan(cut));
        }

        /// <summary>The hash of a sequence from its runs.</summary>
        private static string RunsHash(ChunkedList<Run> runs)
        {
            using var hash = SliceHasher.Rent();
            foreach (var run in runs) hash.Add('R', run.Hash);
            return hash.Finish();
        }

        /// <summary>The hashes of a listener's L4 entries, as <see cref="HttpHashes"/> (few entries: a plain array).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Digest[] L4Hashes(ImmutableArray<L4RouteEntry> entries, ImmutableArray<L4RouteEntry>? previous, Digest[]? previousHashes, HashSet<ResourceKey> affected)
        {
            var hasPrevious = previous is not null && previousHashes is not null;
            var before = hasPrevious ? previous!.Value : [];
            var (prefix, suffix) = (0, 0);
            if (hasPrevious)
            {
                var max = Math.Min(entries.Length, before.Length);
                while (prefix < max && ReferenceEquals(entries[prefix], before[prefix])) prefix++;
                while (suffix < max - prefix && ReferenceEquals(entries[^(suffix + 1)], before[^(suffix + 1)])) suffix++;
            }
            var removed = before.Length - prefix - suffix;
            var middle = SpanHashes(entries.AsSpan(prefix, entries.Length - prefix - suffix).ToArray(), before.AsSpan(prefix, removed).ToArray(),
                hasPrevious ? previousHashes.AsSpan(prefix, removed) : [], hasPrevious, affected, e => e.Route);
            var hashes = new Digest[entries.Length];
            if (hasPrevious)
            {
                Array.Copy(previousHashes!, 0, hashes, 0, prefix);
                Array.Copy(previousHashes!, before.Length - suffix, hashes, entries.Length - suffix, suffix);
            }
            middle.CopyTo(hashes, prefix);
            return hashes;
        }

        /// <summary>
        /// The hashes of <paramref name="span"/>, the entries where a listener's new list differs from its previous one
        /// (<paramref name="beforeSpan"/> there, with <paramref name="beforeHashes"/>; <paramref name="hasPrevious"/> false:
        /// no previous list, every entry is new): carried over by instance from the previous span, computed for new
        /// entries. Adds to <paramref name="affected"/> the routes of the entries in the span that are new, gone, or out of
        /// their route's previous order (on both sides).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Digest[] SpanHashes<T>(T[] span, T[] beforeSpan, ReadOnlySpan<Digest> beforeHashes, bool hasPrevious, HashSet<ResourceKey> affected,
            Func<T, ResourceKey> routeOf) where T : class
        {
            var hashes = new Digest[span.Length];
            // The previous span's entries by instance: their hash and index.
            Dictionary<object, (Digest Hash, int Index)>? between = null;
            if (hasPrevious && beforeSpan.Length > 0)
            {
                between = new Dictionary<object, (Digest, int)>(beforeSpan.Length, ReferenceEqualityComparer.Instance);
                for (var i = 0; i < beforeSpan.Length; i++) between.TryAdd(beforeSpan[i], (beforeHashes[i], i));
            }
            // A route is affected when one of its entries in that span is new, is gone, or comes before an entry of the
            // same route it followed in the previous list. An entry that only moved past other routes' entries leaves
            // its route's segment (its own entries, in table order) as it was, so two routes changed far apart (the first
            // change after the warm-up, a Service two distant routes read) affect those two, not every route between.
            HashSet<object>? kept = between is null ? null : new HashSet<object>(ReferenceEqualityComparer.Instance);
            Dictionary<ResourceKey, int>? lastIndex = between is null ? null : [];
            var missing = new List<int>();
            for (var i = 0; i < span.Length; i++)
            {
                var route = routeOf(span[i]);
                if (between is not null && between.TryGetValue(span[i], out var known) && kept!.Add(span[i]))
                {
                    hashes[i] = known.Hash;
                    if (lastIndex!.TryGetValue(route, out var last) && known.Index < last) affected.Add(route);
                    else lastIndex[route] = known.Index;
                    continue;
                }
                affected.Add(route);
                missing.Add(i);
            }
            if (kept is not null)
            {
                foreach (var entry in beforeSpan)
                {
                    if (!kept.Contains(entry)) affected.Add(routeOf(entry));
                }
            }
            if (missing.Count >= 64)
                Parallel.For(0, missing.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, m => hashes[missing[m]] = EntryHash(span[missing[m]]));
            else
                foreach (var i in missing) hashes[i] = EntryHash(span[i]);
            return hashes;
        }

        /// <summary>Each route's segment on one position (only the routes in <paramref name="only"/> when given), entries in table order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Dictionary<ResourceKey, Segment> Group(SegmentFrame frame, int p, int l, ListenerRouteTable listener, ChunkedList<Digest> httpHashes,
            int[][] chunkRoutes, Digest[] l4Hashes, HashSet<ResourceKey>? only)
        {
            // A route's entries on one listener need not be adjacent.
            var byRoute = new Dictionary<ResourceKey, (List<HttpRouteEntry> Http, List<L4RouteEntry> L4, List<Digest> Hashes, List<Digest> L4Hashes)>();
            (List<HttpRouteEntry> Http, List<L4RouteEntry> L4, List<Digest> Hashes, List<Digest> L4Hashes) Bucket(ResourceKey route) =>
                byRoute.TryGetValue(route, out var bucket) ? bucket : byRoute[route] = ([], [], [], []);
            if (only is { Count: > 0 and <= 4 })
            {
                // A few touched routes (the common case): only the chunks whose route codes include one of theirs are
                // read, and there each entry's route is compared with them directly, name first (it differs for almost
                // every entry); a set lookup would hash three strings per entry.
                var few = only.ToArray();
                var codes = few.Select(RouteCode).ToArray();
                var at = 0;
                for (var c = 0; c < listener.HttpRoutes.ChunkCount; c++)
                {
                    var chunk = listener.HttpRoutes.Chunk(c);
                    if (!MayHold(chunkRoutes[c], codes))
                    {
                        at += chunk.Length;
                        continue;
                    }
                    foreach (var entry in chunk)
                    {
                        var route = entry.Route;
                        if (IsOneOf(few, in route))
                        {
                            var bucket = Bucket(route);
                            bucket.Http.Add(entry);
                            bucket.Hashes.Add(httpHashes[at]);
                        }
                        at++;
                    }
                }
                var l4 = listener.L4Routes.AsSpan();
                for (var i = 0; i < l4.Length; i++)
                {
                    var route = l4[i].Route;
                    if (!IsOneOf(few, in route)) continue;
                    var bucket = Bucket(route);
                    bucket.L4.Add(l4[i]);
                    bucket.L4Hashes.Add(l4Hashes[i]);
                }
            }
            else if (only is null || only.Count > 0)
            {
                var hashes = httpHashes.GetEnumerator();
                foreach (var entry in listener.HttpRoutes)
                {
                    hashes.MoveNext();
                    if (only is not null && !only.Contains(entry.Route)) continue;
                    var bucket = Bucket(entry.Route);
                    bucket.Http.Add(entry);
                    bucket.Hashes.Add(hashes.Current);
                }
                for (var i = 0; i < listener.L4Routes.Length; i++)
                {
                    var entry = listener.L4Routes[i];
                    if (only is not null && !only.Contains(entry.Route)) continue;
                    var bucket = Bucket(entry.Route);
                    bucket.L4.Add(entry);
                    bucket.L4Hashes.Add(l4Hashes[i]);
                }
            }
            var segments = new Dictionary<ResourceKey, Segment>(byRoute.Count);
            foreach (var (route, (http, l4, hashes, l4Hashes2)) in byRoute)
            {
                segments[route] = new Segment(frame, p, l, http, l4, hashes, l4Hashes2);
            }
            return segments;
        }

        /// <summary>The code a route stands under in <see cref="PositionParts.ChunkRoutes"/>: its name's hash code (equal names, equal codes).</summary>
        private static int RouteCode(ResourceKey route) => route.Name.GetHashCode(StringComparison.Ordinal);

        /// <summary>Whether a chunk whose entries' route codes are <paramref name="chunk"/> may hold an entry of one of the routes <paramref name="codes"/> stand for.</summary>
        private static bool MayHold(int[] chunk, int[] codes)
        {
            foreach (var code in codes)
            {
                if (chunk.AsSpan().Contains(code)) return true;
            }
            return false;
        }

        /// <summary>
        /// The route codes of each chunk of <paramref name="entries"/>: taken over from <paramref name="previous"/> (a
        /// previous position of the same listener) for the chunks the two lists share at both ends, computed for the rest.
        /// </summary>
        private static int[][] ChunkRoutesOf(ChunkedList<HttpRouteEntry> entries, PositionParts? previous)
        {
            var chunks = entries.Chunks;
            var result = new int[chunks.Length][];
            var (head, tail) = (0, 0);
            if (previous is not null)
            {
                var (before, codes) = (previous.Listener.HttpRoutes.Chunks, previous.ChunkRoutes);
                while (head < chunks.Length && head < before.Length && ReferenceEquals(chunks[head], before[head]))
                {
                    result[head] = codes[head];
                    head++;
                }
                while (tail < chunks.Length - head && tail < before.Length - head && ReferenceEquals(chunks[^(tail + 1)], before[^(tail + 1)]))
                {
                    result[^(tail + 1)] = codes[^(tail + 1)];
                    tail++;
                }
            }
            for (var c = head; c < chunks.Length - tail; c++)
            {
                var chunk = chunks[c];
                var codes = new int[chunk.Length];
                for (var i = 0; i < chunk.Length; i++) codes[i] = RouteCode(chunk[i].Route);
                result[c] = codes;
            }
            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsOneOf(ResourceKey[] few, in ResourceKey route)
        {
            foreach (var k in few)
            {
                if (string.Equals(k.Name, route.Name, StringComparison.Ordinal) && string.Equals(k.Namespace, route.Namespace, StringComparison.Ordinal)
                    && string.Equals(k.Kind, route.Kind, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        /// <summary>
        /// Each listener name's parts (a name may sit on several positions). A name whose positions are all the previous
        /// table's instances keeps its parts; one whose routes are the same set keeps its sorted names.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Dictionary<string, ListenerParts> ListenersOf(PositionParts[][] positions, string gatewayHeader, TableParts? previous)
        {
            var byName = new Dictionary<string, List<PositionParts>>(StringComparer.Ordinal);
            foreach (var port in positions)
            {
                foreach (var position in port)
                {
                    if (!byName.TryGetValue(position.Listener.Name, out var list)) byName[position.Listener.Name] = list = [];
                    list.Add(position);
                }
            }
            var previousByName = previous is null ? null : new Dictionary<string, List<PositionParts>>(StringComparer.Ordinal);
            if (previous is not null)
            {
                foreach (var port in previous.Positions)
                {
                    foreach (var position in port)
                    {
                        if (!previousByName!.TryGetValue(position.Listener.Name, out var list)) previousByName[position.Listener.Name] = list = [];
                        list.Add(position);
                    }
                }
            }

            var listeners = new Dictionary<string, ListenerParts>(byName.Count, StringComparer.Ordinal);
            foreach (var (name, own) in byName)
            {
                var before = previous?.Listeners.GetValueOrDefault(name);
                if (before is not null && previous!.GatewayHeader == gatewayHeader && previousByName!.TryGetValue(name, out var old)
                    && old.Count == own.Count && old.Zip(own).All(x => ReferenceEquals(x.First, x.Second)))
                {
                    listeners[name] = before;
                    continue;
                }
                using var hash = SliceHasher.Rent();
                hash.Add('G', gatewayHeader);
                foreach (var position in own)
                {
                    hash.Add('L', position.Frame.Header);
                    hash.Add('P', position.EntriesHash);
                }
                if (before is not null && own.Count == 1 && previousByName is not null
                    && previousByName.TryGetValue(name, out var was) && was.Count == 1 && ReferenceEquals(was[0].RouteSet, before.Token))
                {
                    if (ReferenceEquals(was[0].RouteSet, own[0].RouteSet))
                    {
                        listeners[name] = before with { Hash = hash.Finish() };
                        continue;
                    }
                    if (own[0].Change is { } change && ReferenceEquals(change.From, was[0].RouteSet))
                    {
                        // The one position's routes joined and left are known: the set and the sorted names are patched
                        // with them, without looking at the listener's other routes (a one-route change on a listener with
                        // thousands of routes otherwise hashed every route key several times).
                        listeners[name] = Changed(hash.Finish(), before, change, own[0].RouteSet);
                        continue;
                    }
                }
                HashSet<ResourceKey> set;
                if (own.Count == 1) set = [.. own[0].Segments.Keys];
                else
                {
                    set = [];
                    foreach (var position in own) set.UnionWith(position.Segments.Keys);
                }
                // Sorting and formatting thousands of names on every change of one route costs more than comparing sets.
                var token = own.Count == 1 ? own[0].RouteSet : null;
                listeners[name] = before is not null && before.RouteSet.SetEquals(set)
                    ? before with { Hash = hash.Finish(), Token = token }
                    : Names(hash.Finish(), set, before) with { Token = token };
            }
            return listeners;
        }

        private static bool SameInstances(Segment[] a, List<Segment> b)
        {
            if (a.Length != b.Count) return false;
            for (var i = 0; i < a.Length; i++)
            {
                if (!ReferenceEquals(a[i], b[i])) return false;
            }
            return true;
        }

        /// <summary>
        /// The parts for route set <paramref name="set"/>. With <paramref name="before"/> and a few routes added or removed
        /// (one route changed: the common case), its sorted arrays are patched by binary search: sorting and formatting
        /// every name of a listener with thousands of routes took most of a one-route change's status preparation.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ListenerParts Names(string hash, HashSet<ResourceKey> set, ListenerParts? before = null)
        {
            if (before is not null && Patched(before, set) is { } patched) return patched with { Hash = hash, RouteSet = set, Token = null };
            ChunkedList<string> names = [.. set.Order().Select(r => r.ToString())];
            var runs = ChunkedList<Run>.From(CollectionsMarshal.AsSpan(CutRuns(names, 0, int.MaxValue, EndsRun, AddName, out _)));
            return new ListenerParts(hash, names, runs, set, RunsHash(runs));
        }

        private const int NamePatchLimit = 8;

        /// <summary>
        /// The parts of a one-position listener whose routes changed by <paramref name="change"/> since
        /// <paramref name="before"/> (made from the position <paramref name="change"/> starts from). <paramref name="before"/>
        /// is consumed: its route set is patched in place (it belongs to the previous table's parts, which are discarded).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ListenerParts Changed(string hash, ListenerParts before, RouteChange change, object token)
        {
            var set = before.RouteSet;
            foreach (var key in change.Left) set.Remove(key);
            foreach (var key in change.Joined) set.Add(key);
            var parts = change.Joined.Length <= NamePatchLimit && change.Left.Length <= NamePatchLimit
                ? Patched(before, change.Joined, change.Left, set, hash)
                : Names(hash, set);
            return parts with { Token = token };
        }

        /// <summary><paramref name="before"/>'s sorted keys and names with the difference to <paramref name="set"/> applied; null when it is large.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ListenerParts? Patched(ListenerParts before, HashSet<ResourceKey> set)
        {
            var added = new List<ResourceKey>();
            foreach (var key in set)
            {
                if (!before.RouteSet.Contains(key) && added.Count <= NamePatchLimit) added.Add(key);
            }
            var removed = new List<ResourceKey>();
            foreach (var key in before.RouteSet)
            {
                if (!set.Contains(key) && removed.Count <= NamePatchLimit) removed.Add(key);
            }
            if (added.Count > NamePatchLimit || removed.Count > NamePatchLimit) return null;
            return Patched(before, added, removed);
        }

        /// <summary>The parts for <paramref name="set"/>: <paramref name="before"/>'s sorted names and their runs with the keys added and removed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ListenerParts Patched(ListenerParts before, IReadOnlyList<ResourceKey> added, IReadOnlyList<ResourceKey> removed, HashSet<ResourceKey> set,
            string hash) =>
            Patched(before, added, removed) with { Hash = hash, RouteSet = set, Token = null };

        /// <summary>
        /// <paramref name="before"/>'s names (in key order) with <paramref name="added"/> inserted and
        /// <paramref name="removed"/> taken out, each found by binary search (a chunked list, so each key copies one chunk
        /// of names, not every name of the listener), and the runs of names around each cut again.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static ListenerParts Patched(ListenerParts before, IReadOnlyList<ResourceKey> added, IReadOnlyList<ResourceKey> removed)
        {
            var (names, runs) = (before.Routes, before.RouteRuns);
            foreach (var key in removed)
            {
                var at = BinarySearch(names, key);
                names = names.RemoveAt(at);
                runs = PatchRuns(runs, names, at, 1, 0, EndsRun, AddName);
            }
            foreach (var key in added)
            {
                var at = ~BinarySearch(names, key);
                names = names.Insert(at, key.ToString());
                runs = PatchRuns(runs, names, at, 0, 1, EndsRun, AddName);
            }
            return before with { Routes = names, RouteRuns = runs, RoutesHash = RunsHash(runs) };
        }

        /// <summary>
        /// The index of <paramref name="key"/> in <paramref name="names"/> (names of keys, <see cref="ResourceKey.ToString"/>,
        /// sorted in key order), or the complement of where it belongs. Names are compared with the key part by part,
        /// since the key order is not the names' ordinal order ('/' sorts after '-' and '.').
        /// </summary>
        private static int BinarySearch(ChunkedList<string> names, ResourceKey key)
        {
            var (lo, hi) = (0, names.Count - 1);
            while (lo <= hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                var c = CompareNameToKey(names[mid], key);
                if (c == 0) return mid;
                if (c < 0) lo = mid + 1;
                else hi = mid - 1;
            }
            return ~lo;
        }

        /// <summary>
        /// Route → its segments over every position, in table order. From nothing without previous parts; otherwise the
        /// previous map with the <paramref name="touched"/> routes gathered again.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Dictionary<ResourceKey, Segment[]> RoutesOf(PositionParts[][] positions, TableParts? previous, HashSet<ResourceKey>? touched)
        {
            if (previous is null || touched is null)
            {
                var lists = new Dictionary<ResourceKey, List<Segment>>();
                foreach (var port in positions)
                {
                    foreach (var position in port)
                    {
                        foreach (var (route, segment) in position.Segments)
                        {
                            if (!lists.TryGetValue(route, out var list)) lists[route] = list = [];
                            list.Add(segment);
                        }
                    }
                }
                return lists.ToDictionary(p => p.Key, p => p.Value.ToArray());
            }
            if (touched.Count == 0) return previous.Routes;
            // Taken over and patched in place, like a patched position's map.
            var routes = previous.Routes;
            var gathered = new List<Segment>();
            foreach (var route in touched)
            {
                gathered.Clear();
                foreach (var port in positions)
                {
                    foreach (var position in port)
                    {
                        if (position.Segments.TryGetValue(route, out var segment)) gathered.Add(segment);
                    }
                }
                if (gathered.Count == 0) routes.Remove(route);
                else if (!(routes.TryGetValue(route, out var old) && SameInstances(old, gathered))) routes[route] = [.. gathered];
            }
            return routes;
        }
    }

    /// <summary>
    /// <see cref="ResourceKey.CompareTo"/> between the key named <paramref name="name"/> ("Kind/namespace/name" or
    /// "Kind/name", <see cref="ResourceKey.ToString"/>; kinds and namespaces hold no '/') and <paramref name="key"/>,
    /// without parsing the name into strings.
    /// </summary>
    internal static int CompareNameToKey(string name, ResourceKey key)
    {
        var text = name.AsSpan();
        var first = text.IndexOf('/');
        var c = text[..first].SequenceCompareTo(key.Kind);
        if (c != 0) return c;
        var rest = text[(first + 1)..];
        var second = rest.IndexOf('/');
        var ns = second < 0 ? [] : rest[..second];
        var own = second < 0 ? rest : rest[(second + 1)..];
        c = ns.SequenceCompareTo(key.Namespace);
        return c != 0 ? c : own.SequenceCompareTo(key.Name);
    }
}
