using System.Net;
using System.Text;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Auth.ExtAuthz;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Authorization = Gateway.Host.DataPlane.Auth.ExtAuthz.Authorization;
using HeaderValue = Gateway.Host.DataPlane.Auth.ExtAuthz.HeaderValue;
using SocketAddress = Gateway.Host.DataPlane.Auth.ExtAuthz.SocketAddress;
using StatusCode = Grpc.Core.StatusCode;

namespace Gateway.Host.DataPlane.Auth;

/// <summary>
/// ExternalAuth with protocol GRPC: Envoy's ext_authz v3 <c>envoy.service.auth.v3.Authorization/Check</c> over h2c
/// (ext_authz.proto, our own declaration of the published messages), through Grpc.Net.Client. The CheckRequest
/// carries the request's method, path (with query), host, scheme, protocol, headers (all of them, or only
/// <c>grpc.allowedHeaders</c> when listed; GRPCAuthConfig) and, with forwardBody, the buffered body. A CheckResponse
/// with status OK allows the request and applies its OkHttpResponse (headers to add or set, headers to remove); any
/// other status denies it with the DeniedHttpResponse's status (403 when it gives none), headers and body. A call that
/// fails (unreachable, not a gRPC server, a gRPC error status) is no answer: the client gets 503, 504 past the timeout.
/// </summary>
internal sealed class GrpcAuthPlan : ExternalAuthPlan
{
    /// <summary>
    /// The HTTP/2 handler every gRPC auth channel of the process shares, so connections to an auth service survive
    /// table swaps (a channel is made per compiled rule and endpoint, which is cheap when the handler is shared).
    /// It lives as long as the process, like the data plane's backend clients.
    /// </summary>
    private static readonly Lazy<SocketsHttpHandler> Handler = new(() => new SocketsHttpHandler
    {
        ActivityHeadersPropagator = null,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    private static readonly IReadOnlyCollection<string> NoneAlways = [];

    private readonly Authorization.AuthorizationClient[] _clients;
    private readonly Dictionary<string, Authorization.AuthorizationClient> _byDestination;

    public GrpcAuthPlan(ExternalAuth source, string[] destinations) : base(source, destinations)
    {
        _byDestination = destinations.Distinct().ToDictionary(d => d, d => new Authorization.AuthorizationClient(
            GrpcChannel.ForAddress(d, new GrpcChannelOptions { HttpHandler = Handler.Value, DisposeHttpClient = false })));
        _clients = [.. _byDestination.Values];
    }

    /// <summary>TLS to a gRPC auth service (a BackendTLSPolicy on its Service) is not implemented: such a rule fails closed (500).</summary>
    protected override bool CanSpeak => Source.Backend.Protocol != BackendProtocol.Tls;

    protected override async Task<AuthResult> CheckAsync(HttpContext context, string destination, ReadOnlyMemory<byte> body, CancellationToken cancellation)
    {
        var client = _byDestination.TryGetValue(destination, out var c) ? c : _clients[0];
        CheckResponse answer;
        try
        {
            answer = await client.CheckAsync(BuildRequest(context, body), cancellationToken: cancellation).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellation);
        }
        catch (RpcException)
        {
            return AuthResult.Failed;
        }

        if (answer.Status is null || answer.Status.Code == 0)
        {
            if (answer.OkResponse is { } ok) ApplyOk(ok, context.Request.Headers);
            return AuthResult.Allowed;
        }

        var response = context.Response;
        var denied = answer.DeniedResponse;
        var status = (int)(denied?.Status?.Code ?? 0);
        // A denial must not look like success or an interim answer: anything outside 300-599 becomes 403.
        response.StatusCode = status is >= 300 and <= 599 ? status : StatusCodes.Status403Forbidden;
        foreach (var option in denied?.Headers ?? [])
        {
            if (option.Header is not { Key.Length: > 0 } h || NotCopiedToClient.Contains(h.Key)) continue;
            Apply(response.Headers, option.AppendAction, h.Key, ValueOf(h));
        }
        if (!string.IsNullOrEmpty(denied?.Body) && MayHaveBody(context.Request, response.StatusCode))
        {
            var bytes = Encoding.UTF8.GetBytes(denied.Body);
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, cancellation).ConfigureAwait(false);
        }
        return AuthResult.Denied;
    }

    private CheckRequest BuildRequest(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var request = context.Request;
        var connection = context.Connection;
        var http = new AttributeContext.Types.HttpRequest
        {
            Id = context.TraceIdentifier,
            Method = request.Method,
            Path = request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
            Query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            Host = request.Host.Value ?? "",
            Scheme = request.Scheme,
            Protocol = request.Protocol,
            Size = request.ContentLength ?? -1,
        };
        foreach (var header in request.Headers)
        {
            if (Source.AllowedHeaders.Length > 0 && !Allowed(header.Key, NoneAlways)) continue;
            http.Headers[header.Key.ToLowerInvariant()] = header.Value.ToString();
        }
        if (!body.IsEmpty)
        {
            http.RawBody = ByteString.CopyFrom(body.Span);
            http.Body = Encoding.UTF8.GetString(body.Span);
        }
        return new CheckRequest
        {
            Attributes = new AttributeContext
            {
                Source = Peer(connection.RemoteIpAddress, connection.RemotePort),
                Destination = Peer(connection.LocalIpAddress, connection.LocalPort),
                Request = new AttributeContext.Types.Request
                {
                    Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    Http = http,
                },
            },
        };
    }

    private static AttributeContext.Types.Peer Peer(IPAddress? address, int port) => new()
    {
        Address = new SocketAddressHolder { SocketAddress = new SocketAddress { Address = address?.ToString() ?? "", PortValue = (uint)Math.Max(0, port) } },
    };

    /// <summary>OkHttpResponse: headers to add or set on the upstream request, then headers to remove.</summary>
    private static void ApplyOk(OkHttpResponse ok, IHeaderDictionary upstream)
    {
        foreach (var option in ok.Headers)
        {
            if (option.Header is not { Key.Length: > 0 } h || NotCopiedUpstream.Contains(h.Key)) continue;
            Apply(upstream, option.AppendAction, h.Key, ValueOf(h));
        }
        foreach (var name in ok.HeadersToRemove)
        {
            if (!NotCopiedUpstream.Contains(name)) upstream.Remove(name);
        }
    }

    /// <summary>HeaderValueOption.append_action, as Envoy applies it.</summary>
    private static void Apply(IHeaderDictionary headers, HeaderValueOption.Types.HeaderAppendAction action, string name, string value)
    {
        var exists = headers.ContainsKey(name);
        switch (action)
        {
            case HeaderValueOption.Types.HeaderAppendAction.AddIfAbsent when !exists:
            case HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd:
            case HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExists when exists:
                headers[name] = value;
                break;
            case HeaderValueOption.Types.HeaderAppendAction.AppendIfExistsOrAdd:
                headers.Append(name, value);
                break;
        }
    }

    private static string ValueOf(HeaderValue h) => h.RawValue.IsEmpty ? h.Value : h.RawValue.ToStringUtf8();
}
