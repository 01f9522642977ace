using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Gateway.Actors.Translation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Emulators;

/// <summary>Who an echo server claims to be: the pod identity the conformance suite reads from echo JSON.</summary>
public sealed record EchoIdentity(string Namespace, string Pod, string Service = "", string Ingress = "");

/// <summary>Where and how an echo server listens. Ports mirror the upstream echo-basic container ports.</summary>
public sealed record EchoServerOptions(IPAddress Address, EchoIdentity Identity)
{
    /// <summary>HTTP/1.1 port (echo-basic 3000); 0 picks a free port.</summary>
    public int HttpPort { get; init; } = 3000;

    /// <summary>Cleartext HTTP/2 prior-knowledge port (echo-basic 3001); null disables it.</summary>
    public int? H2cPort { get; init; }

    /// <summary>HTTPS port (echo-basic 8443); requires <see cref="ServerCertificate"/>.</summary>
    public int? HttpsPort { get; init; }

    /// <summary>Server certificate (with private key) for the HTTPS port.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>Whether /retry/ paths fail the first N attempts (only the infra-backend-v3 image does this upstream).</summary>
    public bool RetrySupport { get; init; }

    /// <summary>
    /// CA certificates for client certificates on the HTTPS port (echo-basic TLS_CLIENT_CACERTS): a client certificate,
    /// when given, must chain to one of them; connections without one are still accepted (Go's VerifyClientCertIfGiven).
    /// Null accepts any client certificate.
    /// </summary>
    public X509Certificate2Collection? ClientCaCertificates { get; init; }
}

/// <summary>One line of the echo server's request log (the line upstream prints to stdout).</summary>
public sealed record EchoLogLine(DateTimeOffset At, string Line);

/// <summary>
/// An HTTP echo backend that answers like the conformance suite's echo-basic image (cases-semantics.md 1.1): JSON with
/// path, host, method, proto, headers, namespace, pod ... on every path, X-Echo-Set-Header, ?delay=, /status/NNN,
/// /health, /ws (WebSocket echo), /retry/. Used by the end-to-end tests and the conformance tier. Durations (?delay=,
/// delayRetry=) are read with the gateway's own GEP-2257 parser: echo-basic accepts any Go duration, the suite only
/// sends whole ones ("1s").
/// Written by hand because the upstream image is a Go binary we cannot run here; it is a test double of a
/// backend, not part of the gateway.
/// </summary>
public sealed class EchoServer : IEmulatedServer
{
    private const int MaxLogLines = 20_000;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<EchoLogLine> _log = new();
    private readonly ConcurrentDictionary<string, int> _retryAttempts = new();

    private EchoServer(WebApplication app, EchoServerOptions options)
    {
        _app = app;
        Options = options;
    }

    /// <summary>The options this server was started with.</summary>
    public EchoServerOptions Options { get; }

    /// <summary>The bound HTTP/1.1 endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint HttpEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Number of echoed requests so far.</summary>
    public int RequestCount => _log.Count;

    /// <summary>The request log lines written since <paramref name="since"/>.</summary>
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => _log.Where(l => l.At >= since).ToList();

    /// <summary>Starts a server; throws if a port cannot be bound.</summary>
    public static async Task<EchoServer> StartAsync(EchoServerOptions options, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.Address, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            if (options.H2cPort is { } h2c) k.Listen(options.Address, h2c, l => l.Protocols = HttpProtocols.Http2);
            if (options.HttpsPort is { } https)
            {
                var cert = options.ServerCertificate ?? throw new ArgumentException("HttpsPort needs a ServerCertificate");
                k.Listen(options.Address, https, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    // The handshake callback sees the ClientHello, so Kestrel records the SNI the client sent
                    // (ITlsHandshakeFeature.HostName, echo-basic's tls.serverName). A client certificate is asked for
                    // but optional, and checked against the client CAs when given, as echo-basic does.
                    l.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                        {
                            ServerCertificate = cert,
                            ClientCertificateRequired = true,
                            ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11],
                            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                                certificate is null || ValidateClientCertificate(new X509Certificate2(certificate), options.ClientCaCertificates),
                        }),
                    });
                });
            }
        });
        var app = builder.Build();
        var server = new EchoServer(app, options);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        var httpUri = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        server.HttpEndpoint = new IPEndPoint(options.Address, httpUri.Port);
        return server;
    }

    private static bool ValidateClientCertificate(X509Certificate2 certificate, X509Certificate2Collection? authorities)
    {
        if (authorities is null) return true;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Go checks the clientAuth extended key usage of client certificates.
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
        var path = request.Path.Value ?? "/";

        if (path == "/health")
        {
            await context.Response.WriteAsync("OK").ConfigureAwait(false);
            return;
        }
        if (path.StartsWith("/status/", StringComparison.Ordinal) && int.TryParse(path["/status/".Length..], out var code) && code is >= 100 and < 600)
        {
            context.Response.StatusCode = code;
            return;
        }
        if (path == "/ws" && context.WebSockets.IsWebSocketRequest)
        {
            await EchoWebSocketAsync(context).ConfigureAwait(false);
            return;
        }
        if (Options.RetrySupport && path.StartsWith("/retry/", StringComparison.Ordinal) && await FailRetryAttemptAsync(context).ConfigureAwait(false))
        {
            return;
        }

        if (request.Query.TryGetValue("delay", out var delayText) && GatewayDuration.TryParse(delayText.ToString(), out var delay))
        {
            await Task.Delay(delay < MaxDelay ? delay : MaxDelay, context.RequestAborted).ConfigureAwait(false);
        }

        _log.Enqueue(new EchoLogLine(DateTimeOffset.UtcNow, $"Echoing back request made to {rawTarget} to client ({context.Connection.RemoteIpAddress}:{context.Connection.RemotePort})"));
        while (_log.Count > MaxLogLines && _log.TryDequeue(out _)) { }

        if (request.Headers.TryGetValue("X-Echo-Set-Header", out var setHeaders))
        {
            foreach (var pair in setHeaders.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = pair.IndexOf(':');
                if (colon <= 0) continue;
                var name = pair[..colon].Trim();
                var value = pair[(colon + 1)..].Trim();
                context.Response.Headers.Append(name, value);
            }
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        WriteEcho(json, context, rawTarget);
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private void WriteEcho(Utf8JsonWriter json, HttpContext context, string rawTarget)
    {
        var request = context.Request;
        json.WriteStartObject();
        json.WriteString("path", rawTarget);
        json.WriteString("host", request.Host.Value ?? "");
        json.WriteString("method", request.Method);
        // Go reports the protocol as "HTTP/1.1" and "HTTP/2.0"; ASP.NET says "HTTP/2".
        json.WriteString("proto", request.Protocol switch { "HTTP/2" => "HTTP/2.0", "HTTP/3" => "HTTP/3.0", var p => p });
        json.WriteStartObject("headers");
        foreach (var group in request.Headers
                     .Where(h => !h.Key.StartsWith(':') && !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
                     .GroupBy(h => CanonicalHeaderName(h.Key))
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            json.WriteStartArray(group.Key);
            foreach (var value in group.SelectMany(h => h.Value)) json.WriteStringValue(value);
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteString("namespace", Options.Identity.Namespace);
        json.WriteString("ingress", Options.Identity.Ingress);
        json.WriteString("service", Options.Identity.Service);
        json.WriteString("pod", Options.Identity.Pod);
        json.WriteString("httpPort", Options.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (context.Features.Get<ITlsHandshakeFeature>() is { } tls)
        {
            json.WriteStartObject("tls");
            json.WriteString("version", tls.Protocol switch
            {
                System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
                System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
                var p => p.ToString(),
            });
            // On the server side SslStream.TargetHostName is the SNI the client sent.
            var sni = context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ISslStreamFeature>()?.SslStream.TargetHostName;
            json.WriteString("serverName", string.IsNullOrEmpty(sni) ? tls.HostName ?? "" : sni);
            json.WriteString("negotiatedProtocol", context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ISslStreamFeature>()?.SslStream.NegotiatedApplicationProtocol.ToString() ?? "");
            json.WriteString("cipherSuite", tls.NegotiatedCipherSuite?.ToString() ?? "");
            json.WriteStartArray("peerCertificates");
            if (context.Connection.ClientCertificate is { } client) json.WriteStringValue(client.ExportCertificatePem());
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private async Task<bool> FailRetryAttemptAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var uuid = query["uuid"].ToString();
        if (uuid.Length == 0 || !int.TryParse(query["succeedAfter"], out var succeedAfter)) return false;
        var attempt = _retryAttempts.AddOrUpdate(uuid, 1, (_, n) => n + 1);
        if (attempt > succeedAfter) return false;
        if (GatewayDuration.TryParse(query["delayRetry"].ToString(), out var delay))
        {
            await Task.Delay(delay < MaxDelay ? delay : MaxDelay, context.RequestAborted).ConfigureAwait(false);
        }
        if (int.TryParse(query["responseCode"], out var status) && status is >= 100 and < 600)
        {
            context.Response.StatusCode = status;
        }
        else
        {
            // Upstream resets the TCP connection when no responseCode is given.
            context.Abort();
        }
        return true;
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                break;
            }
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Go's canonical MIME header form (textproto.CanonicalMIMEHeaderKey): "x-header-set" → "X-Header-Set".</summary>
    public static string CanonicalHeaderName(string name) => Gateway.Actors.Model.MimeHeaderName.Canonical(name);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
