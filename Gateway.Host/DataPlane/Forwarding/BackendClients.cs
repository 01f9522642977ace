using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Actors.RouteTable;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>How requests go to one kind of backend: a pooled invoker plus the HTTP version to use on it.</summary>
internal sealed record BackendClient(HttpMessageInvoker Invoker, ForwarderRequestConfig Config, string Scheme);

/// <summary>
/// The pooled HTTP clients of the data plane, one per backend protocol (BackendProtocol): HTTP/1.1, h2c (HTTP/2
/// prior knowledge, RequestVersionExact), WebSocket (HTTP/1.1; YARP handles the upgrade), and one per distinct
/// BackendTlsSettings for TLS origination. Created with (a subclass of) YARP's <see cref="ForwarderHttpClientFactory"/>, which applies
/// the settings a proxy needs (no cookies, no redirects, no decompression, no proxy, no activity headers). Clients are
/// shared by every socket and every table revision, so connection pools survive table swaps. Each pool holds at most
/// the configured number of connections per endpoint.
/// </summary>
internal sealed class BackendClients : IDisposable
{
    private static readonly ForwarderRequestConfig Http11Config = new() { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
    private static readonly ForwarderRequestConfig H2cConfig = new() { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private readonly BackendClient _http1;
    private readonly BackendClient _h2c;
    private readonly BackendClient _webSocket;
    private readonly ConcurrentDictionary<string, BackendClient> _tls = new(StringComparer.Ordinal);

    private readonly int _maxConnectionsPerServer;

    /// <param name="maxConnectionsPerServer">SocketsHttpHandler.MaxConnectionsPerServer of every client (DataPlaneOptions.BackendMaxConnectionsPerServer).</param>
    public BackendClients(int maxConnectionsPerServer = 1024)
    {
        _maxConnectionsPerServer = maxConnectionsPerServer;
        var factory = new ClientFactory(maxConnectionsPerServer);
        _http1 = new BackendClient(factory.CreateClient(NewContext("http1")), Http11Config, "http");
        _h2c = new BackendClient(factory.CreateClient(NewContext("h2c")), H2cConfig, "http");
        _webSocket = new BackendClient(factory.CreateClient(NewContext("ws")), Http11Config, "http");
    }

    /// <summary>
    /// The client for a backend. gRPC needs HTTP/2, so a GRPCRoute backend without an explicit protocol is spoken to
    /// with h2c (HTTPBackendRef: implementations "MAY infer the protocol from the Route type").
    /// </summary>
    public BackendClient For(BackendProtocol protocol, BackendTlsSettings? tls, bool grpc) => protocol switch
    {
        BackendProtocol.Tls when tls is not null => _tls.GetOrAdd(TlsKey(tls, grpc), _ => CreateTlsClient(tls, grpc)),
        BackendProtocol.Tls => _tls.GetOrAdd(grpc ? "system-h2" : "system", _ => CreateTlsClient(new BackendTlsSettings("", [], true, [], null), grpc)),
        BackendProtocol.H2c => _h2c,
        BackendProtocol.WebSocket => _webSocket,
        _ when grpc => _h2c,
        _ => _http1,
    };

    private static ForwarderHttpClientContext NewContext(string id) => new() { ClusterId = id, NewConfig = HttpClientConfig.Empty };

    /// <summary>
    /// A TLS client. gRPC (a GRPCRoute backend under a BackendTLSPolicy) needs HTTP/2: ALPN offers only h2 and the
    /// destinations are https, so :scheme says https as HTTP/2 servers check (Kestrel resets a stream whose :scheme
    /// does not match its transport); the handler takes the SslStream the connect callback authenticated as it is.
    /// Everything else is HTTP/1.1 inside TLS, where no scheme is sent.
    /// </summary>
    private BackendClient CreateTlsClient(BackendTlsSettings tls, bool http2) =>
        new(new TlsClientFactory(tls, http2, _maxConnectionsPerServer).CreateClient(NewContext(http2 ? "tls-h2" : "tls")), http2 ? H2cConfig : Http11Config, http2 ? "https" : "http");

    private static string TlsKey(BackendTlsSettings tls, bool http2) => (http2 ? "h2/" : "http1.1/") + Tls.BackendTlsClient.Key(tls);

    public void Dispose()
    {
        _http1.Invoker.Dispose();
        _h2c.Invoker.Dispose();
        _webSocket.Invoker.Dispose();
        foreach (var client in _tls.Values) client.Invoker.Dispose();
    }

    /// <summary>
    /// YARP's settings plus no activity propagator. The data plane starts no Activity for a request, so there is no
    /// trace context of ours to inject; a client's own trace headers (traceparent, tracestate, baggage) are forwarded
    /// unchanged like every other header. Without a propagator SocketsHttpHandler leaves its DiagnosticsHandler out
    /// of the handler chain, which would otherwise check for an Activity and listeners on every request.
    /// </summary>
    private class ClientFactory(int maxConnectionsPerServer) : ForwarderHttpClientFactory
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ActivityHeadersPropagator = null;
            // Bounds the descriptors one backend endpoint can take (YARP's default is unlimited).
            handler.MaxConnectionsPerServer = maxConnectionsPerServer;
        }
    }

    /// <summary>
    /// TLS origination (BackendTLSPolicy): SNI = ServerName; the server certificate must chain to the given CA
    /// certificates (or the system store) and match ServerName, or one of SubjectAltNames when those are given;
    /// optional client certificate (Gateway spec.tls.backend.clientCertificateRef).
    /// SocketsHttpHandler takes the SNI of an https request from its Host header, but the gateway forwards the
    /// client's Host unchanged while BackendTLSPolicy wants SNI = ServerName. So TLS is done here, in the connect
    /// callback, and the handler sees a plain stream (destinations use "http://"): HTTP/1.1 inside our TLS, or HTTP/2
    /// with prior knowledge for gRPC (ALPN h2 told the server so).
    /// </summary>
    private sealed class TlsClientFactory(BackendTlsSettings tls, bool http2, int maxConnectionsPerServer) : ClientFactory(maxConnectionsPerServer)
    {
        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            var client = new Tls.BackendTlsClient(tls);
            handler.ConnectCallback = async (connect, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(connect.DnsEndPoint, ct).ConfigureAwait(false);
                    var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
                    await stream.AuthenticateAsClientAsync(client.Options(connect.DnsEndPoint.Host, http2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11), ct).ConfigureAwait(false);
                    return stream;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
    }
}
