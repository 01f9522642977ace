using System.Collections.Frozen;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.Observability;
using Gateway.Host.Observability.AccessLog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Host.DataPlane.Auth;

/// <summary>
/// The ExternalAuth filter of one rule (GEP-1494), prepared at compile time: the auth service's endpoints (chosen
/// round-robin) and how to ask it. <see cref="AuthorizeAsync"/> either lets the request go on (true, with the headers
/// the service added) or answers it itself (false). It fails closed: whatever keeps the service from answering yes
/// answers the client and the backend is never reached.
/// </summary>
internal abstract class ExternalAuthPlan
{
    /// <summary>
    /// Headers of an answer that describe the answer itself (framing, hop-by-hop, its own date and server), never
    /// copied onto the upstream request. Host is left out too (HTTPAuthConfig.AllowedResponseHeaders: "all headers
    /// from the authorization server except Authority or Host").
    /// </summary>
    protected static readonly FrozenSet<string> NotCopiedUpstream = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "host", ":authority", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "content-length", "content-type", "content-encoding", "date", "server");

    /// <summary>Hop-by-hop and framing headers of a denial, which Kestrel sets for the answer it writes.</summary>
    protected static readonly FrozenSet<string> NotCopiedToClient = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length");

    private readonly string[] _destinations;
    private int _next = -1;

    protected ExternalAuthPlan(ExternalAuth source, string[] destinations)
    {
        Source = source;
        _destinations = destinations;
    }

    public ExternalAuth Source { get; }

    /// <summary>Null when the rule has no ExternalAuth filter.</summary>
    public static ExternalAuthPlan? Create(ExternalAuth? source, BackendClients clients)
    {
        if (source is null) return null;
        var backend = source.Backend;
        var destinations = backend.Endpoints.IsDefault
            ? []
            : backend.Endpoints.Select(e => $"http://{(e.Address.Contains(':') ? $"[{e.Address}]" : e.Address)}:{e.Port}").ToArray();
        return source.Protocol == ExternalAuthProtocol.Grpc
            ? new GrpcAuthPlan(source, destinations)
            : new HttpAuthPlan(source, destinations, clients.For(backend.Protocol, backend.Tls, grpc: false));
    }

    /// <summary>
    /// Asks the service about <paramref name="context"/>'s request. True: go on (the allowed headers are on the request,
    /// a buffered body is readable again). False: the client has its answer (the denial, 413, 500, 503 or 504).
    /// </summary>
    public async Task<bool> AuthorizeAsync(HttpContext context, HttpExchange? exchange, TimeSpan timeout)
    {
        var response = context.Response;
        if (!Source.Backend.Valid || !CanSpeak)
        {
            // The backendRef did not resolve (ResolvedRefs=False on the route): no request may pass unchecked.
            exchange?.ExternalAuth(ResponseFlags.ExternalAuthFailed);
            response.StatusCode = StatusCodes.Status500InternalServerError;
            return false;
        }
        if (_destinations.Length == 0)
        {
            exchange?.ExternalAuth(ResponseFlags.ExternalAuthFailed);
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return false;
        }

        ReadOnlyMemory<byte> body = default;
        if (Source.MaxBodyBytes > 0)
        {
            var buffered = await BufferBodyAsync(context, Source.MaxBodyBytes).ConfigureAwait(false);
            if (buffered is null)
            {
                // ForwardBodyConfig: "Bodies over that size must be rejected with a 4xx series error (413 or 403 are
                // common examples), and fail processing of the filter."
                exchange?.ExternalAuth(ResponseFlags.ExternalAuthDenied);
                response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return false;
            }
            body = buffered.Value;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        AuthResult result;
        try
        {
            result = await CheckAsync(context, NextDestination(), body, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            result = AuthResult.TimedOut;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            result = AuthResult.Failed;
        }

        switch (result)
        {
            case AuthResult.Allowed:
                return true;
            case AuthResult.Denied:
                exchange?.ExternalAuth(ResponseFlags.ExternalAuthDenied);
                return false;
            case AuthResult.TimedOut:
                exchange?.ExternalAuth(ResponseFlags.ExternalAuthFailed);
                exchange?.TimedOut();
                Answer(response, StatusCodes.Status504GatewayTimeout);
                return false;
            default:
                exchange?.ExternalAuth(ResponseFlags.ExternalAuthFailed);
                Answer(response, StatusCodes.Status503ServiceUnavailable);
                return false;
        }
    }

    /// <summary>False when this plan cannot reach its backend as configured (see <see cref="GrpcAuthPlan"/>).</summary>
    protected virtual bool CanSpeak => true;

    /// <summary>
    /// One check against <paramref name="destination"/>. Allowed: the request carries what the service added. Denied:
    /// the service's answer has been written to the client. Failed: no usable answer, nothing written. Throws
    /// OperationCanceledException when <paramref name="cancellation"/> fires.
    /// </summary>
    protected abstract Task<AuthResult> CheckAsync(HttpContext context, string destination, ReadOnlyMemory<byte> body, CancellationToken cancellation);

    /// <summary>
    /// Goes on round-robin from where <paramref name="previous"/> (the plan of the entry this plan's entry replaces) had
    /// got to, when both ask the same service (cluster id); see <see cref="CompiledBackend.ContinueFrom"/>.
    /// </summary>
    public void ContinueFrom(ExternalAuthPlan? previous)
    {
        if (previous is not null && string.Equals(previous.Source.Backend.ClusterId, Source.Backend.ClusterId, StringComparison.Ordinal))
            _next = Volatile.Read(ref previous._next);
    }

    /// <summary>The auth service endpoint of the next check, round-robin.</summary>
    internal string NextDestination()
    {
        if (_destinations.Length == 1) return _destinations[0];
        var i = (uint)Interlocked.Increment(ref _next);
        return _destinations[(int)(i % (uint)_destinations.Length)];
    }

    /// <summary>Whether the auth service should see <paramref name="name"/> of the client's request.</summary>
    protected bool Allowed(string name, IReadOnlyCollection<string> always)
    {
        if (always.Contains(name)) return true;
        foreach (var allowed in Source.AllowedHeaders)
        {
            if (string.Equals(allowed, name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>
    /// Reads the whole body into memory when it is at most <paramref name="max"/> bytes and puts it back as the
    /// request body (so the backend still gets it); null when it is larger. A body of unknown length is read up to one
    /// byte past the limit to tell.
    /// </summary>
    private static async ValueTask<ReadOnlyMemory<byte>?> BufferBodyAsync(HttpContext context, int max)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false) return ReadOnlyMemory<byte>.Empty;
        if (request.ContentLength is { } length && length > max) return null;
        var buffer = new byte[(int)(request.ContentLength ?? max + 1)];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await request.Body.ReadAsync(buffer.AsMemory(read), context.RequestAborted).ConfigureAwait(false);
            if (n == 0) break;
            read += n;
        }
        if (read > max) return null;
        request.Body = new MemoryStream(buffer, 0, read, writable: false);
        return buffer.AsMemory(0, read);
    }

    /// <summary>
    /// Whether a denial with <paramref name="status"/> may carry a body to this request (RFC 9110 §6.4.1: none for HEAD,
    /// 1xx, 204 and 304; Kestrel refuses to write one for 204 and 304).
    /// </summary>
    protected static bool MayHaveBody(HttpRequest request, int status) =>
        !HttpMethods.IsHead(request.Method) && status is >= 200 and not 204 and not 304;

    private static void Answer(HttpResponse response, int status)
    {
        if (response.HasStarted) return;
        response.Clear();
        response.StatusCode = status;
    }

    protected enum AuthResult { Allowed, Denied, Failed, TimedOut }
}
