using System.Collections.Immutable;

namespace Gateway.Streams.Mirroring;

/// <summary>One address a mirror copy can be sent to.</summary>
public sealed record MirrorEndpoint(string Host, int Port);

/// <summary>
/// Where mirrored copies of requests go. Gateway.Streams knows nothing about Kubernetes or Gateway API: the data plane
/// adapts a RequestMirror filter's backend into this. Every copy goes to a single endpoint of the target
/// (the spec's HTTPRequestMirrorFilter.BackendRef: "sent only to a single destination endpoint").
/// </summary>
public sealed class MirrorTarget
{
    private int _next = -1;

    public MirrorTarget(string name, ImmutableArray<MirrorEndpoint> endpoints, bool http2PriorKnowledge)
    {
        Name = name;
        Endpoints = endpoints;
        Http2PriorKnowledge = http2PriorKnowledge;
        // Precomputed so that picking an endpoint per copy allocates nothing.
        BaseUris = endpoints.Select(e => new Uri($"http://{FormatHost(e.Host)}:{e.Port}")).ToImmutableArray();
    }

    /// <summary>A name for logs and counters (the cluster id of the mirror backend).</summary>
    public string Name { get; }

    /// <summary>The ready endpoints; empty means every copy is dropped.</summary>
    public ImmutableArray<MirrorEndpoint> Endpoints { get; }

    /// <summary>Whether copies are sent as cleartext HTTP/2 with prior knowledge (h2c backends).</summary>
    public bool Http2PriorKnowledge { get; }

    internal ImmutableArray<Uri> BaseUris { get; }

    /// <summary>
    /// Goes on round-robin from where <paramref name="previous"/> (the same mirror of the route entry this target's entry
    /// replaces) had got to, when both have the same name: a data plane that compiles a changed entry again would
    /// otherwise send the next copies to the first endpoint each time.
    /// </summary>
    public void ContinueFrom(MirrorTarget previous)
    {
        if (string.Equals(previous.Name, Name, StringComparison.Ordinal)) _next = Volatile.Read(ref previous._next);
    }

    /// <summary>Round-robin choice of one endpoint; null when there is none.</summary>
    internal Uri? NextBaseUri()
    {
        var uris = BaseUris;
        if (uris.IsEmpty) return null;
        var i = (uint)Interlocked.Increment(ref _next);
        return uris[(int)(i % (uint)uris.Length)];
    }

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}

/// <summary>
/// A copy of one request, taken before the main request is forwarded. The body is fully buffered (the data plane
/// only mirrors bodies up to a cap) so the copy never holds on to the client's connection.
/// </summary>
public sealed record MirrorRequest(
    MirrorTarget Target,
    string Method,
    string PathAndQuery,
    string? Host,
    ImmutableArray<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body);
