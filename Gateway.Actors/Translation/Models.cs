using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;

namespace Gateway.Actors.Translation;

// Working state of one translation. Each object is decided by its own step function (GatewayTranslation,
// ListenerSetTranslation, HttpRuleCompiler ...) into one of these models. These models are mutable on purpose, and
// later steps do add facts to earlier models: ListenerSets add listeners to their Gateway, conflicts, addresses and
// PortUnavailable are set on listeners, route entries and attachedRoutes are put on listeners, shadowing is noted on
// route parents, policy ancestors on BackendTLSPolicy models (Translation/README.md "Models between steps" lists every
// such write). Two invariants hold: a step adds one object's contribution to another object's model only after that
// contribution is complete (a fault part-way adds nothing), and nothing that leaves the translator or is shared between
// objects is mutable (compiled matches, route entries, backends, route tables and conditions are records over
// ImmutableArray; snapshot objects are never written).

/// <summary>One listener of a Gateway or of a ListenerSet attached to it, with everything decided about it.</summary>
internal sealed class ListenerModel
{
    public required ResourceKey Owner { get; init; }
    public required ResourceKey Gateway { get; init; }
    public required V1Listener Spec { get; init; }

    /// <summary>Order among all listeners of the Gateway: Gateway listeners first, then ListenerSets by age.</summary>
    public required int Precedence { get; init; }

    public string Name => Spec.Name;
    public int Port => Spec.Port;
    public string? Hostname => string.IsNullOrEmpty(Spec.Hostname) ? null : Spec.Hostname;

    /// <summary>Null when the protocol is not one we serve.</summary>
    public ListenerProtocol? Protocol { get; set; }

    /// <summary>Route kinds that may attach (ListenerStatus.supportedKinds).</summary>
    public List<string> SupportedKinds { get; } = [];

    /// <summary>Set when Accepted is False (unsupported protocol, conflict, port unavailable, bad CA refs ...).</summary>
    public ConditionSpec? NotAccepted { get; set; }

    /// <summary>Set when ResolvedRefs is False.</summary>
    public ConditionSpec? NotResolved { get; set; }

    /// <summary>Set when Conflicted is True.</summary>
    public ConditionSpec? Conflict { get; set; }

    /// <summary>False when a certificate this listener needs is unusable (it then cannot be served).</summary>
    public bool TlsUsable { get; set; } = true;

    public ListenerTls? Tls { get; set; }

    public string? OverlapWith { get; set; }

    public int AttachedRoutes { get; set; }

    /// <summary>Service-per-Gateway mode: the container port the Gateway's Service maps this listener's port to.</summary>
    public int? BindPort { get; set; }

    /// <summary>Service-per-Gateway mode: why this listener's port is not mapped yet (it is then not served).</summary>
    public string? PortPending { get; set; }

    /// <summary>Kept in precedence order (<see cref="EntryOrder"/>) by whoever adds or removes entries.</summary>
    public List<SortableHttpEntry> HttpEntries { get; } = [];

    /// <summary>
    /// The <see cref="SortableHttpEntry.Entry"/> of each of <see cref="HttpEntries"/>, in the same order (built by
    /// <see cref="Shadowing.SortAndDetect"/> and kept in step by <see cref="Shadowing"/>): the listener's table slice is
    /// this list itself, so a change of one entry on a listener of 10,000 makes a new list that shares all but one chunk
    /// with the previous slice instead of a copy of every entry.
    /// </summary>
    public ChunkedList<HttpRouteEntry> HttpTableEntries { get; set; } = ChunkedList<HttpRouteEntry>.Empty;

    /// <summary>
    /// When the Gateway adds to every entry of the table slice (a backend client certificate, rate limits): what it
    /// added with, and each chunk of <see cref="HttpTableEntries"/> with the additions, so the next slice transforms only
    /// the chunks that changed (<c>Translator.HttpSlice</c>). Null when nothing is added.
    /// </summary>
    public SliceAdditions? TableAdditions { get; set; }

    /// <summary>Kept in <see cref="EntryOrder.L4"/> order.</summary>
    public List<SortableL4Entry> L4Entries { get; } = [];

    /// <summary>
    /// Routes with a match shadowed on this listener, and the text naming what shadows it (<see cref="Shadowing"/>);
    /// kept up to date whenever the listener's entries change. Route statuses read it per attached parent.
    /// </summary>
    public Dictionary<ResourceKey, string> ShadowedRoutes { get; } = [];

    /// <summary>
    /// <see cref="HttpEntries"/> grouped by shadowing signature (<see cref="Shadowing.SameSignature"/>), each group in
    /// precedence order: its first entry wins the signature. Kept in step with HttpEntries by <see cref="Shadowing"/>.
    /// </summary>
    public Dictionary<SortableHttpEntry, EntryGroup> BySignature { get; } = new(Shadowing.SameSignature.Instance);

    /// <summary><see cref="HttpEntries"/> of each route, in precedence order. Kept in step with HttpEntries by <see cref="Shadowing"/>.</summary>
    public Dictionary<ResourceKey, EntryGroup> ByRoute { get; } = [];

    /// <summary>Routes whose shadowing may have changed since <see cref="Shadowing.Refresh"/> last ran (entries of their signatures came or went).</summary>
    public HashSet<ResourceKey> ShadowingTouched { get; } = [];

    /// <summary>This listener's slice of the route table; null when its entries changed since it was built.</summary>
    public ListenerRouteTable? Table { get; set; }

    public bool Accepted => NotAccepted is null;

    /// <summary>Goes into the route table: accepted, certificates usable, and at least one route kind supported.</summary>
    public bool Servable => Accepted && TlsUsable && SupportedKinds.Count > 0 && PortPending is null;
}

/// <summary>One of our Gateways after the Gateway step.</summary>
internal sealed class GatewayModel
{
    public required V1Gateway Gateway { get; init; }
    public required ResourceKey Key { get; init; }
    public required long Generation { get; init; }
    public List<ListenerModel> Listeners { get; } = [];

    /// <summary>The status parentRefs routes name this Gateway with, one instance per (sectionName, port).</summary>
    public StatusParentRefs StatusRefs => _statusRefs ??= new StatusParentRefs(Key);

    // Made when a route first names the parent; a race makes two equal tables, either of which is correct.
    private StatusParentRefs? _statusRefs;

    /// <summary>Accepted=False reason from parameters or addresses (listeners are judged separately).</summary>
    public ConditionSpec? NotAccepted { get; set; }

    /// <summary>Static addresses that are usable, in spec order.</summary>
    public List<string> StaticAddresses { get; } = [];
    public List<string> UnusableAddresses { get; } = [];
    public int PoolAddressesWanted { get; set; }
    public List<string> Addresses { get; } = [];

    /// <summary>Service-per-Gateway mode: status addresses with their types (Hostname from a load balancer); null in pool mode.</summary>
    public List<V1GatewayStatusAddress>? StatusAddresses { get; set; }

    /// <summary>Service-per-Gateway mode: the addresses replicas bind (empty until the Service exists); null in pool mode.</summary>
    public List<string>? BindAddresses { get; set; }

    /// <summary>Service-per-Gateway mode: why no address is assigned yet (Programmed False, AddressNotAssigned).</summary>
    public string? AddressPending { get; set; }

    /// <summary>
    /// The route table built for this Gateway and its port tables, reused as long as none of their listeners'
    /// tables changed (so the data plane can skip them by reference).
    /// </summary>
    public GatewayRouteTable? Table { get; set; }
    public Dictionary<(int Port, ListenerProtocol Protocol), PortRouteTable> PortTables { get; } = [];

    public ConditionSpec? BackendTlsCondition { get; set; }
    public TlsCertificate? BackendClientCertificate { get; set; }

    /// <summary>The RateLimitPolicies of the translation that built this model (step 10b), read when its table is built.</summary>
    public RateLimitTable RateLimits { get; set; } = RateLimitTable.Empty;
    public ConditionSpec? InsecureFrontend { get; set; }
    public int AttachedListenerSets { get; set; }

    public bool Accepted => NotAccepted is null && Listeners.Any(l => l.Owner == Key && l.Accepted);

    /// <summary>Served by the data plane: accepted, every requested address usable, and at least one address.</summary>
    public bool Programmed => Accepted && UnusableAddresses.Count == 0 && Addresses.Count > 0 && (BindAddresses is null || Served);

    /// <summary>The addresses the data plane binds: the status addresses in pool mode, the bind address in Service mode.</summary>
    public IReadOnlyList<string> TableAddresses => BindAddresses ?? Addresses;

    /// <summary>
    /// Gets a route table: programmed in pool mode; in Service mode as soon as the Service maps its ports, so replicas
    /// serve the moment a load balancer comes up (Programmed waits for the address).
    /// </summary>
    public bool Served => BindAddresses is null ? Programmed : Accepted && UnusableAddresses.Count == 0 && BindAddresses.Count > 0 && Listeners.Any(l => l.Servable);
}

/// <summary>A ListenerSet after the ListenerSet step.</summary>
internal sealed class ListenerSetModel
{
    public required V1ListenerSet ListenerSet { get; init; }
    public required ResourceKey Key { get; init; }
    public required long Generation { get; init; }
    public GatewayModel? Parent { get; set; }
    public ConditionSpec? NotAccepted { get; set; }
    public List<ListenerModel> Listeners { get; } = [];
    public bool Accepted => NotAccepted is null;

    /// <summary>The status parentRefs routes name this ListenerSet with, one instance per (sectionName, port).</summary>
    public StatusParentRefs StatusRefs => _statusRefs ??= new StatusParentRefs(Key);

    // Made when a route first names the parent; a race makes two equal tables, either of which is correct.
    private StatusParentRefs? _statusRefs;
}

/// <summary>
/// The parentRef a route's status names one parent (a Gateway or ListenerSet) with, for each sectionName and port the
/// parent is referred to by: one instance shared by every route attached through the same reference instead of one
/// per route (a reference is about 64 bytes, and thousands of routes commonly share a Gateway). Statuses are values
/// never modified once composed, so sharing is safe; the instances live as long as the parent's model and the statuses
/// holding them.
/// </summary>
/// <param name="parent">The parent's key (its kind is the reference's kind).</param>
internal sealed class StatusParentRefs(ResourceKey parent)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string? SectionName, int? Port), V1GatewayParentReference> _refs = [];

    /// <summary>The reference to the parent with this sectionName and port.</summary>
    public V1GatewayParentReference For(string? sectionName, int? port)
    {
        lock (_gate)
        {
            if (_refs.TryGetValue((sectionName, port), out var held)) return held;
            var made = new V1GatewayParentReference
            {
                Group = KindRegistry.GatewayGroup,
                Kind = parent.Kind,
                Namespace = parent.Namespace,
                Name = parent.Name,
                SectionName = sectionName,
                Port = port,
            };
            _refs[(sectionName, port)] = made;
            return made;
        }
    }
}

/// <summary>
/// An HTTP entry with the fact precedence needs that the IR does not carry (route age), and the hash of its shadowing
/// signature (computed once: an entry is compared with its listener's other entries every time they change).
/// </summary>
internal sealed record SortableHttpEntry(HttpRouteEntry Entry, DateTime? Created)
{
    /// <summary>The entry's precedence facts, made when compared (the entry holds all of them but its route's age).</summary>
    public RoutePrecedenceKey Key => RoutePrecedenceKey.Of(Entry, Created);

    /// <summary>
    /// The hash of the entry's shadowing signature (<see cref="Shadowing.SameSignature"/>), computed once: shadowing looks
    /// every entry of a listener up by signature. The signature itself is compared field by field, not kept as text
    /// (about 100 bytes per entry).
    /// </summary>
    public int SignatureHash => _signatureHash ??= Shadowing.SignatureHash(Entry);

    private int? _signatureHash;
}

/// <summary>An L4 entry with its sort facts.</summary>
internal sealed record SortableL4Entry(L4RouteEntry Entry, DateTime? Created);

/// <summary>
/// The order of a listener's entries. Total, so sorting a listener's entries once and inserting them one by one
/// (incremental translation) give the same list: precedence (<see cref="RoutePrecedence"/>, <see cref="Shadowing"/>'s
/// L4 order), then the route kind and the entry id (an HTTPRoute and a GRPCRoute may share a namespace/name, and one
/// route's entries for two hostnames of equal specificity tie on precedence).
/// </summary>
internal static class EntryOrder
{
    public static readonly Comparer<SortableHttpEntry> Http = Comparer<SortableHttpEntry>.Create((a, b) =>
    {
        var c = RoutePrecedence.Instance.Compare(a.Key, b.Key);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Entry.Route.Kind, b.Entry.Route.Kind);
        if (c != 0) return c;
        // Equal precedence and kind: one route's rule and match on two hostnames of equal specificity. The hostname
        // orders them as their ids would (the ids differ only there), without making the ids.
        c = string.CompareOrdinal(a.Entry.Hostnames.FirstOrDefault(), b.Entry.Hostnames.FirstOrDefault());
        return c != 0 ? c : string.CompareOrdinal(a.Entry.Id, b.Entry.Id);
    });

    public static readonly Comparer<SortableL4Entry> L4 = Comparer<SortableL4Entry>.Create((a, b) =>
    {
        var c = Shadowing.CompareL4(a, b);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Entry.Route.Kind, b.Entry.Route.Kind);
        return c != 0 ? c : string.CompareOrdinal(a.Entry.Id, b.Entry.Id);
    });

    /// <summary>Inserts <paramref name="item"/> where the order puts it.</summary>
    public static void Insert<T>(List<T> list, T item, IComparer<T> order)
    {
        var i = list.BinarySearch(item, order);
        list.Insert(i < 0 ? ~i : i, item);
    }
}

/// <summary>
/// What a Gateway added to a listener's table entries (<see cref="ListenerModel.TableAdditions"/>): the certificate and
/// rate limits it added, and per source chunk of the listener's entries the chunk with the additions.
/// </summary>
internal sealed record SliceAdditions(TlsCertificate? Certificate, RateLimitTable RateLimits, ImmutableArray<RateLimitRule> ListenerLimits,
    Dictionary<HttpRouteEntry[], HttpRouteEntry[]> Chunks)
{
    /// <summary>Whether entries transformed with these additions are what the given ones would make.</summary>
    public bool Same(TlsCertificate? certificate, RateLimitTable rateLimits, ImmutableArray<RateLimitRule> listenerLimits) =>
        ReferenceEquals(Certificate, certificate) && ReferenceEquals(RateLimits, rateLimits) && ListenerLimits.SequenceEqual(listenerLimits);
}
