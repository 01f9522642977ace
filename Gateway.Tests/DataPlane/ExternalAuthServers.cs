using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Host.DataPlane.Auth.ExtAuthz;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.DataPlane;

/// <summary>What an auth server saw of one check.</summary>
public sealed record SeenCheck(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// Real authorization services on loopback for the ExternalAuth tests, each deciding by the request's Authorization
/// header: "Bearer ok" allows (and adds X-Auth-User: alice plus X-Not-Allowed: leak), "Bearer slow" answers after
/// 30 s (bounded by the request's abort), anything else is denied with 401, a WWW-Authenticate header and the body
/// "denied by auth". Every check is recorded by the value of its X-Test-Id header.
/// </summary>
public sealed class ExternalAuthServers : Xunit.IAsyncLifetime
{
    private readonly List<WebApplication> _apps = [];
    private readonly List<IDisposable> _sockets = [];

    public ConcurrentDictionary<string, SeenCheck> Seen { get; } = new();

    /// <summary>What the backend behind the gateway received, by X-Test-Id (absent: the request never reached it).</summary>
    public ConcurrentDictionary<string, SeenCheck> BackendSeen { get; } = new();

    /// <summary>The upstream backend: records the request and answers 200 "from backend".</summary>
    public IPEndPoint Backend { get; private set; } = null!;

    public IPEndPoint Http { get; private set; } = null!;

    public IPEndPoint Grpc { get; private set; } = null!;

    /// <summary>Accepts, reads, and answers bytes that are neither HTTP/1.1 nor HTTP/2, then closes.</summary>
    public IPEndPoint Garbage { get; private set; } = null!;

    /// <summary>A loopback port nothing listens on (bound once, then closed): connections are refused.</summary>
    public IPEndPoint Refusing { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var servers = this;
        servers.Backend = await servers.StartBackendAsync();
        servers.Http = await servers.StartHttpAsync();
        servers.Grpc = await servers.StartGrpcAsync();
        servers.Garbage = servers.StartGarbage();
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            servers.Refusing = (IPEndPoint)probe.LocalEndPoint!;
        }
    }

    private async Task<IPEndPoint> StartBackendAsync()
    {
        var app = NewApp(HttpProtocols.Http1AndHttp2, _ => { });
        app.Run(async context =>
        {
            var request = context.Request;
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var id = request.Headers["x-test-id"].ToString();
            if (id.Length > 0) BackendSeen[id] = new SeenCheck(request.Method, request.Path.Value + request.QueryString.Value, request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body);
            await context.Response.WriteAsync("from backend", context.RequestAborted);
        });
        return await StartAsync(app);
    }

    private async Task<IPEndPoint> StartHttpAsync()
    {
        var app = NewApp(HttpProtocols.Http1AndHttp2, _ => { });
        app.Run(async context =>
        {
            var request = context.Request;
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            Record(request.Headers, request.Method, request.Path.Value + request.QueryString.Value, body);
            var authorization = request.Headers.Authorization.ToString();
            if (authorization == "Bearer slow") await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            if (authorization == "Bearer ok")
            {
                context.Response.Headers["X-Auth-User"] = "alice";
                context.Response.Headers["X-Not-Allowed"] = "leak";
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"test\"";
            await context.Response.WriteAsync("denied by auth", context.RequestAborted);
        });
        return await StartAsync(app);
    }

    private async Task<IPEndPoint> StartGrpcAsync()
    {
        var app = NewApp(HttpProtocols.Http2, services =>
        {
            services.AddGrpc();
            services.AddSingleton(this);
        });
        app.MapGrpcService<CheckService>();
        return await StartAsync(app);
    }

    private WebApplication NewApp(HttpProtocols protocols, Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        configure(builder.Services);
        var app = builder.Build();
        _apps.Add(app);
        return app;
    }

    private static async Task<IPEndPoint> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
    }

    private IPEndPoint StartGarbage()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _sockets.Add(new Stopper(listener));
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                        try
                        {
                            _ = await stream.ReadAsync(buffer, read.Token);
                            await stream.WriteAsync("this is not a protocol\r\n\r\nat all\r\n"u8.ToArray(), read.Token);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException)
                        {
                        }
                    }
                });
            }
        });
        return (IPEndPoint)listener.LocalEndpoint;
    }

    internal void Record(IHeaderDictionary headers, string method, string path, string body)
    {
        var id = headers["x-test-id"].ToString();
        if (id.Length == 0) return;
        Seen[id] = new SeenCheck(method, path, headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body);
    }

    internal void Record(AttributeContext.Types.HttpRequest http)
    {
        if (!http.Headers.TryGetValue("x-test-id", out var id)) return;
        Seen[id] = new SeenCheck(http.Method, http.Path, new Dictionary<string, string>(http.Headers), http.RawBody.ToStringUtf8());
    }

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets) socket.Dispose();
        foreach (var app in _apps) await app.DisposeAsync();
    }

    private sealed class Stopper(TcpListener listener) : IDisposable
    {
        public void Dispose() => listener.Stop();
    }

    /// <summary>The ext_authz Check service, from the same ext_authz.proto the gateway's client is generated from.</summary>
    private sealed class CheckService(ExternalAuthServers servers) : Gateway.Host.DataPlane.Auth.ExtAuthz.Authorization.AuthorizationBase
    {
        public override async Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
        {
            var http = request.Attributes.Request.Http;
            servers.Record(http);
            http.Headers.TryGetValue("authorization", out var authorization);
            if (authorization == "Bearer slow") await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            if (authorization == "Bearer ok")
            {
                return new CheckResponse
                {
                    Status = new RpcStatus { Code = 0 },
                    OkResponse = new OkHttpResponse
                    {
                        Headers =
                        {
                            new HeaderValueOption { Header = new HeaderValue { Key = "x-auth-user", Value = "alice" }, AppendAction = HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd },
                        },
                        HeadersToRemove = { "x-remove-me" },
                    },
                };
            }
            return new CheckResponse
            {
                Status = new RpcStatus { Code = 7 /* PERMISSION_DENIED */ },
                DeniedResponse = new DeniedHttpResponse
                {
                    Status = new HttpStatus { Code = Gateway.Host.DataPlane.Auth.ExtAuthz.StatusCode.Unauthorized },
                    Headers = { new HeaderValueOption { Header = new HeaderValue { Key = "www-authenticate", Value = "Bearer realm=\"grpc\"" } } },
                    Body = "denied by grpc auth",
                },
            };
        }
    }
}
