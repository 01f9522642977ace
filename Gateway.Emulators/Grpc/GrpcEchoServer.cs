using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Emulators.Grpc;

/// <summary>Where and how a gRPC echo server listens. Ports mirror echo-basic in GRPC_ECHO_SERVER mode.</summary>
public sealed record GrpcEchoServerOptions(IPAddress Address, EchoIdentity Identity)
{
    /// <summary>Cleartext HTTP/2 port (echo-basic HTTP_PORT, 3000); 0 picks a free port.</summary>
    public int HttpPort { get; init; } = 3000;

    /// <summary>TLS port (echo-basic HTTPS_PORT, 8443); requires <see cref="ServerCertificate"/>; null disables it.</summary>
    public int? HttpsPort { get; init; }

    /// <summary>Server certificate (with private key) for the TLS port.</summary>
    public X509Certificate2? ServerCertificate { get; init; }
}

/// <summary>
/// The conformance suite's gRPC echo backend (echo-basic with GRPC_ECHO_SERVER=1, cases-semantics.md 1.2): service
/// <c>gateway_api_conformance.echo_basic.grpcecho.GrpcEcho</c> served in cleartext HTTP/2 (and over TLS when a
/// certificate is mounted); Echo and EchoTwo answer with the called method, the request headers, :authority and the pod
/// context; EchoThree is left unimplemented, so it ends with status Unimplemented as upstream's does. Built on
/// Grpc.AspNetCore with our own .proto (Grpc/grpcecho.proto); a test double, not part of the gateway.
/// </summary>
public sealed class GrpcEchoServer : IEmulatedServer
{
    private const int MaxLogLines = 20_000;

    private readonly WebApplication _app;
    private readonly Responder _responder;

    private GrpcEchoServer(WebApplication app, Responder responder)
    {
        _app = app;
        _responder = responder;
    }

    /// <summary>The options this server was started with.</summary>
    public GrpcEchoServerOptions Options => _responder.Options;

    /// <summary>The bound cleartext endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint HttpEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Calls answered so far (Echo and EchoTwo).</summary>
    public int CallCount => _responder.Log.Count;

    /// <inheritdoc />
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => _responder.Log.Where(l => l.At >= since).ToList();

    /// <summary>Starts a server; throws if a port cannot be bound.</summary>
    public static async Task<GrpcEchoServer> StartAsync(GrpcEchoServerOptions options, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // grpc-go's plaintext server speaks HTTP/2 only (prior knowledge), as the Service's appProtocol h2c says.
            k.Listen(options.Address, options.HttpPort, l => l.Protocols = HttpProtocols.Http2);
            if (options.HttpsPort is { } https)
            {
                var cert = options.ServerCertificate ?? throw new ArgumentException("HttpsPort needs a ServerCertificate");
                k.Listen(options.Address, https, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    l.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = cert,
                            ApplicationProtocols = [SslApplicationProtocol.Http2],
                        }),
                    });
                });
            }
        });
        var responder = new Responder(options);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(responder);
        var app = builder.Build();
        var server = new GrpcEchoServer(app, responder);
        app.MapGrpcService<EchoService>();
        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        server.HttpEndpoint = new IPEndPoint(options.Address, new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal))).Port);
        return server;
    }

    /// <summary>What one server answers with and its log; shared with the per-call service instances through DI.</summary>
    private sealed class Responder(GrpcEchoServerOptions options)
    {
        public GrpcEchoServerOptions Options { get; } = options;

        public ConcurrentQueue<EchoLogLine> Log { get; } = new();

        public EchoResponse Echo(string method, ServerCallContext context)
        {
            var http = context.GetHttpContext();
            var authority = http.Request.Host.Value ?? context.Host;
            var assertions = new Assertions
            {
                FullyQualifiedMethod = method,
                Authority = authority,
                Context = new Context
                {
                    Namespace = Options.Identity.Namespace,
                    Ingress = Options.Identity.Ingress,
                    ServiceName = Options.Identity.Service,
                    Pod = Options.Identity.Pod,
                },
            };
            // grpc-go's incoming metadata holds every request header under its lower-case name, :authority included.
            assertions.Headers.Add(new Header { Key = ":authority", Value = authority });
            foreach (var entry in context.RequestHeaders.Where(e => !e.IsBinary))
            {
                assertions.Headers.Add(new Header { Key = entry.Key, Value = entry.Value });
            }
            if (http.Features.Get<ITlsHandshakeFeature>() is { } tls)
            {
                assertions.TlsAssertions = new TLSAssertions
                {
                    Version = tls.Protocol switch
                    {
                        SslProtocols.Tls13 => "TLSv1.3",
                        SslProtocols.Tls12 => "TLSv1.2",
                        var p => p.ToString(),
                    },
                    // Kestrel's TLS port offers only h2 (gRPC needs HTTP/2), so that is what ALPN settled on.
                    NegotiatedProtocol = "h2",
                    ServerName = tls.HostName,
                    CipherSuite = tls.NegotiatedCipherSuite?.ToString() ?? "",
                };
            }
            Log.Enqueue(new EchoLogLine(DateTimeOffset.UtcNow, $"Received over {(http.Request.IsHttps ? "TLS" : "plaintext")}: {method} from {http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}"));
            while (Log.Count > MaxLogLines && Log.TryDequeue(out _)) { }
            return new EchoResponse { Assertions = assertions };
        }
    }

    /// <summary>The GrpcEcho implementation: EchoThree is not overridden, so the generated base answers Unimplemented.</summary>
    private sealed class EchoService(Responder responder) : GrpcEcho.GrpcEchoBase
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(responder.Echo(context.Method, context));

        public override Task<EchoResponse> EchoTwo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(responder.Echo(context.Method, context));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
