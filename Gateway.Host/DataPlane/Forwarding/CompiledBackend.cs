using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// One backendRef of a rule, ready to forward to: destination prefixes of its ready endpoints (chosen round-robin),
/// its client, its per-backend header modifiers and the transformers that apply the rule's and backend's changes.
/// </summary>
internal sealed class CompiledBackend
{
    private readonly string[] _destinations;
    private int _next = -1;

    public CompiledBackend(WeightedBackend source, BackendClient client, HeaderModifierPlan? requestHeaders, GatewayTransformer final, GatewayTransformer? retrying,
        UrlRewrite? rewrite = null, HeaderModifierPlan? responseHeaders = null)
    {
        Source = source;
        Rewrite = rewrite;
        ResponseHeaders = responseHeaders;
        Client = client;
        RequestHeaders = requestHeaders;
        Final = final;
        Retrying = retrying;
        _destinations = source.Endpoints.IsDefault
            ? []
            : source.Endpoints.Select(e => $"{client.Scheme}://{(e.Address.Contains(':') ? $"[{e.Address}]" : e.Address)}:{e.Port}").ToArray();
    }

    public WeightedBackend Source { get; }

    /// <summary>The URLRewrite for requests sent here: the backendRef's own, else the rule's.</summary>
    public UrlRewrite? Rewrite { get; }

    /// <summary>Per-backendRef ResponseHeaderModifier, for the answers the gateway writes itself (a backendRef redirect).</summary>
    public HeaderModifierPlan? ResponseHeaders { get; }

    /// <summary>The backendRef's RequestRedirect: requests that pick this backend are redirected, not forwarded.</summary>
    public RequestRedirect? Redirect => Source.Redirect;

    public BackendClient Client { get; }

    /// <summary>Per-backendRef RequestHeaderModifier (applied only when this backend is the one chosen).</summary>
    public HeaderModifierPlan? RequestHeaders { get; }

    /// <summary>Transformer for the last (or only) attempt: the response is proxied.</summary>
    public GatewayTransformer Final { get; }

    /// <summary>Transformer for attempts that may be retried: a retryable status is not proxied. Null without retry.</summary>
    public GatewayTransformer? Retrying { get; }

    public bool Valid => Source.Valid;

    public bool HasEndpoints => _destinations.Length > 0;

    /// <summary>The next endpoint, round-robin (lock-free; a single endpoint touches no shared counter).</summary>
    public string NextDestination() => _destinations[NextIndex()];

    /// <summary>
    /// Goes on round-robin from where <paramref name="previous"/> (the same backendRef of the entry this one's entry
    /// replaces) had got to, when both name the same backend (cluster id). A table patch compiles a changed entry again,
    /// and a fresh counter would send the next request to the first endpoint every time: the start-up's warm-up passes
    /// (hundreds of recompiles of one route within a second) or a route changed often would pile the requests of that
    /// time onto one endpoint.
    /// </summary>
    public void ContinueFrom(CompiledBackend previous)
    {
        if (string.Equals(previous.Source.ClusterId, Source.ClusterId, StringComparison.Ordinal)) _next = Volatile.Read(ref previous._next);
    }

    /// <summary>The index (into <see cref="WeightedBackend.Endpoints"/>) of the next endpoint, round-robin.</summary>
    public int NextIndex()
    {
        if (_destinations.Length == 1) return 0;
        var i = (uint)Interlocked.Increment(ref _next);
        return (int)(i % (uint)_destinations.Length);
    }

    /// <summary>The destination prefix of endpoint <paramref name="index"/> of <see cref="WeightedBackend.Endpoints"/>.</summary>
    public string DestinationAt(int index) => _destinations[index];
}

/// <summary>
/// The weighted backends of a rule (HTTPBackendRef.Weight). Picking is one random draw over precomputed cumulative
/// weights. An empty group or a total weight of 0 yields null: the caller answers 500 (HTTPRouteRule.BackendRefs).
/// </summary>
internal sealed class CompiledBackendGroup
{
    private readonly CompiledBackend[] _backends;
    // Running sums of the weights; empty for a group of one backend (most groups: a route per Service), which is picked
    // whenever its weight is above zero.
    private readonly int[] _cumulative;
    private readonly int _total;

    public CompiledBackendGroup(CompiledBackend[] backends)
    {
        _backends = backends;
        _cumulative = backends.Length > 1 ? new int[backends.Length] : [];
        var sum = 0;
        for (var i = 0; i < backends.Length; i++)
        {
            sum += Math.Max(0, backends[i].Source.Weight);
            if (_cumulative.Length > 0) _cumulative[i] = sum;
        }
        _total = sum;
    }

    public IReadOnlyList<CompiledBackend> Backends => _backends;

    public CompiledBackend? Pick() => _total <= 0 ? null : _backends.Length == 1 ? _backends[0] : PickAt(Random.Shared.Next(_total));

    /// <summary>The backend owning point <paramref name="draw"/> in [0, total) (exposed for deterministic tests).</summary>
    public CompiledBackend? PickAt(int draw)
    {
        if (_backends.Length == 1) return draw < _total ? _backends[0] : null;
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (draw < _cumulative[i]) return _backends[i];
        }
        return null;
    }
}
