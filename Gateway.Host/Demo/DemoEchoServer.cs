using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Host.Demo;

/// <summary>
/// The backend of one demo pod: an HTTP/1.1 server that answers every request with the JSON the upstream echo-basic
/// image writes (path, host, method, proto, headers with Go's canonical names, namespace, pod), so the README's curl
/// lines show which pod answered and which headers the gateway added. Nothing else of echo-basic (TLS, h2c, delays,
/// status codes, WebSocket) is served: the demo needs none of it.
/// </summary>
public sealed class DemoEchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DemoPod _pod;

    private DemoEchoServer(WebApplication app, DemoPod pod)
    {
        _app = app;
        _pod = pod;
    }

    /// <summary>The bound endpoint (with the real port when the pod's port is 0).</summary>
    public IPEndPoint Endpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Starts the server of <paramref name="pod"/> on <paramref name="address"/>; throws when the port cannot be bound.</summary>
    public static async Task<DemoEchoServer> StartAsync(DemoPod pod, IPAddress address, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, pod.Port, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var server = new DemoEchoServer(app, pod);
        app.Run(server.EchoAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.Endpoint = new IPEndPoint(address, bound.Port);
        return server;
    }

    private async Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("path", context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString);
        json.WriteString("host", request.Host.Value ?? "");
        json.WriteString("method", request.Method);
        json.WriteString("proto", request.Protocol);
        json.WriteStartObject("headers");
        foreach (var group in request.Headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
                     .GroupBy(h => CanonicalHeaderName(h.Key)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            json.WriteStartArray(group.Key);
            foreach (var value in group.SelectMany(h => h.Value)) json.WriteStringValue(value);
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteString("namespace", _pod.Namespace);
        json.WriteString("pod", _pod.Name);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Go's canonical MIME header form (textproto.CanonicalMIMEHeaderKey): "x-routed-by" → "X-Routed-By".</summary>
    public static string CanonicalHeaderName(string name) => Gateway.Actors.Model.MimeHeaderName.Canonical(name);

    /// <summary>Stops the server (bounded: 5 s).</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
