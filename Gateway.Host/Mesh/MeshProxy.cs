using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using Gateway.Actors.Mesh;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Hosting;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Gateway.Host.Observability.Metrics;
using Gateway.Streams.Mirroring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.Mesh;

/// <summary>
/// The mesh data plane (<c>--mode mesh</c>): one transparent outbound listener (Kestrel, <see cref="MeshOptions.ListenPort"/>)
/// that netfilter redirects the workload's outbound TCP to Service ClusterIPs into. Per connection a connection middleware
/// reads the original destination (<see cref="OriginalDestination"/>) and looks it up among the Service ports of the last
/// apply:
/// <list type="bullet">
/// <item>a port with routes: the connection goes on into Kestrel's HTTP/1.1 or h2c (prior knowledge) handling, and each
/// request runs through the gateway's own <see cref="RequestPipeline"/> on the port's <see cref="CompiledSocketTable"/>
/// (read again per request, so a route change applies to the next request of a kept-alive connection), so every
/// HTTPRoute/GRPCRoute filter, weight, timeout and retry applies as on a Gateway;</item>
/// <item>a port without routes: the bytes are spliced to one of its endpoints (<see cref="TcpSplice"/>);</item>
/// <item>no Service port there, or a connection that was not redirected: reset. ClusterIPs are virtual, so there is
/// nothing to pass through to, and sending it on unchanged would only come back to this listener.</item>
/// </list>
/// The proxy's own connections go to endpoint (pod) addresses, never to the ClusterIP range, so they are not redirected
/// back to it; the redirect rules also exclude the proxy's user (k8s/mesh/README.md).
/// </summary>
public sealed class MeshProxy : IDataPlane, IMeshDataPlane
{
    private const string TargetItem = "mesh.target";

    private readonly MeshOptions _mesh;
    private readonly DataPlaneOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly WebApplication _kestrelServices;
    private readonly AcceptLoopListenerFactory _transport;
    private readonly GlobalConnectionLimit _connectionLimit;
    private readonly BackendClients _clients;
    private readonly SocketTableCompiler _compiler;
    private readonly RequestPipeline _pipeline;
    private readonly MirrorQueue? _mirrors;
    private readonly HttpMirrorSender? _mirrorSender;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private FrozenDictionary<IPEndPoint, Target> _targets = FrozenDictionary<IPEndPoint, Target>.Empty;
    private KestrelServer? _server;
    private bool _disposed;

    /// <param name="mesh">The listener and the workload's namespace.</param>
    /// <param name="options">Data-plane tunables (connection limits, forwarded headers, drain); defaults when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="materializer">For RequestMirror filters (as the gateway's data plane); without one, mirrors are skipped.</param>
    public MeshProxy(MeshOptions mesh, DataPlaneOptions? options = null, ILoggerFactory? loggerFactory = null, Akka.Streams.IMaterializer? materializer = null)
    {
        _mesh = mesh;
        _options = options ?? new DataPlaneOptions();
        if (!AppContext.TryGetSwitch(DataPlane.DataPlane.BareLineFeedSwitch, out _)) AppContext.SetSwitch(DataPlane.DataPlane.BareLineFeedSwitch, true);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<MeshProxy>();
        // The same composition as DataPlane's: a never-started service container for Kestrel and YARP's forwarder.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddHttpForwarder();
        _kestrelServices = builder.Build();
        _connectionLimit = new GlobalConnectionLimit(_options.MaxConnections ?? DescriptorLimit.DefaultMaxConnections(DescriptorLimit.Soft(), DescriptorLimit.Open()));
        _transport = new AcceptLoopListenerFactory(
            new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = _options.InlineScheduling },
            _connectionLimit, _loggerFactory);
        _clients = new BackendClients(_options.BackendMaxConnectionsPerServer);
        if (materializer is not null)
        {
            _mirrorSender = new HttpMirrorSender();
            _mirrors = MirrorQueue.Start(materializer, _options.Mirror, _mirrorSender);
        }
        // The mirroring stream starts with the first route that mirrors (compiled on the apply path).
        _compiler = new SocketTableCompiler(_clients, new CertificateCache(), new ForwardedHeaders(_options.ForwardedHeaders, _options.ForwardedTrustedHops),
            mirrorCompiled: _mirrors is { } mirrors ? mirrors.EnsureStarted : null);
        _pipeline = new RequestPipeline(_kestrelServices.Services.GetRequiredService<IHttpForwarder>(), _mirrors, _options, _loggerFactory.CreateLogger<RequestPipeline>());
    }

    /// <summary>The bound outbound listener (with the real port when 0 was asked for), or null before the first apply.</summary>
    public IPEndPoint? ListenEndpoint { get; private set; }

    /// <summary>The (ClusterIP, port) frontends served now and what each does for this workload (inspection and tests).</summary>
    public IReadOnlyDictionary<IPEndPoint, MeshDestination> Destinations => Volatile.Read(ref _targets).ToDictionary(t => t.Key, t => t.Value.Destination);

    /// <inheritdoc />
    public bool Stopped => Volatile.Read(ref _disposed);

    /// <summary>The Gateways of a translation are not served in mesh mode.</summary>
    public async Task<DataPlaneApplyResult> ApplyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct)
    {
        await EnsureListeningAsync(ct).ConfigureAwait(false);
        return new DataPlaneApplyResult(revision, ImmutableHashSet<ListenerSocket>.Empty);
    }

    public Task<DataPlaneApplyResult> ApplyAsync(TranslationResult result, CancellationToken ct) => ApplyAsync(result.Revision, result.Mesh, ct);

    /// <summary>
    /// Serves <paramref name="mesh"/> for this workload's namespace from now on: every (ClusterIP, port) of it is looked
    /// up once (<see cref="MeshTable.Lookup"/>: consumer routes of this namespace, else producer routes, else
    /// passthrough), each route table is compiled (a table whose listener is the same instance as before is kept, a
    /// changed one takes over what is unchanged from the previous table of the same frontend), then all are swapped in
    /// at once. New connections and the next request of open ones use them; requests running keep the table they read.
    /// </summary>
    public async Task<DataPlaneApplyResult> ApplyAsync(long revision, MeshTable mesh, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Again under the lock: a disposal that was waiting for it ran first, and nothing may be bound after it.
            ObjectDisposedException.ThrowIf(_disposed, this);
            var previous = Volatile.Read(ref _targets);
            var next = new Dictionary<IPEndPoint, Target>();
            foreach (var service in mesh.Services)
            {
                foreach (var ip in service.ClusterIPs)
                {
                    foreach (var servicePort in service.Ports)
                    {
                        var key = new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, servicePort.Port);
                        if (next.ContainsKey(key) || mesh.Lookup(ip, servicePort.Port, _mesh.Namespace) is not { } destination) continue;
                        next[key] = new Target(destination, Compile(key, destination, previous.GetValueOrDefault(key)?.Table, revision));
                    }
                }
            }
            Volatile.Write(ref _targets, next.ToFrozenDictionary());
            _logger.LogDebug("mesh revision {Revision}: {Count} Service ports", revision, next.Count);
            await EnsureListeningAsync(ct).ConfigureAwait(false);
            return new DataPlaneApplyResult(revision, ImmutableHashSet<ListenerSocket>.Empty);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private CompiledSocketTable? Compile(IPEndPoint key, MeshDestination destination, CompiledSocketTable? old, long revision)
    {
        if (destination.Routes is not { } routes) return null;
        if (old is not null && old.Source.Listeners.Length == 1 && ReferenceEquals(old.Source.Listeners[0], routes)) return old;
        // The Service port is the listener port: redirects keep it as the default port, as a Gateway listener's do.
        var port = new PortRouteTable(destination.Port.Port, ListenerProtocol.Http, [routes]);
        var table = _compiler.Compile(new ListenerSocket(key.Address.ToString(), key.Port), destination.Service.Key, revision, port, old);
        foreach (var problem in table.Problems) _logger.LogWarning("mesh {Service} {Address}: {Problem}", destination.Service.Key, key, problem);
        return table;
    }

    private async Task EnsureListeningAsync(CancellationToken ct)
    {
        if (_server is not null) return;
        var kestrel = new KestrelServerOptions
        {
            ApplicationServices = _kestrelServices.Services,
            AddServerHeader = false,
            AllowAlternateSchemes = true,
            RequestHeaderEncodingSelector = RawConnectionHeader.EncodingSelector,
        };
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.MaxConcurrentConnections = _options.MaxListenerConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = _options.MaxUpgradedConnections;
        kestrel.Listen(_mesh.ListenAddress, _mesh.ListenPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(Dispatch);
            listen.Use(RawConnectionHeader.Middleware);
            listen.Use(H2cPriorKnowledge.Middleware);
        });
        var server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrel), _transport, _loggerFactory);
        try
        {
            await server.StartAsync(new Application(this), ct).ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        _server = server;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        ListenEndpoint = addresses?.Select(a => new Uri(a)).Select(u => new IPEndPoint(IPAddress.Parse(u.Host.Trim('[', ']')), u.Port)).FirstOrDefault()
            ?? new IPEndPoint(_mesh.ListenAddress, _mesh.ListenPort);
        _logger.LogInformation("mesh proxy for namespace {Namespace} listening on {Endpoint}", _mesh.Namespace, ListenEndpoint);
    }

    /// <summary>The connection middleware that decides, from the original destination, what a connection is.</summary>
    private ConnectionDelegate Dispatch(ConnectionDelegate next) => async connection =>
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var destination = socket is null ? null : OriginalDestination.Read(socket);
        if (destination is null || destination.Equals(socket!.LocalEndPoint))
        {
            _logger.LogDebug("mesh: connection from {Remote} was not redirected; reset", connection.RemoteEndPoint);
            connection.Abort();
            return;
        }
        if (!Volatile.Read(ref _targets).TryGetValue(destination, out var target))
        {
            _logger.LogDebug("mesh: no Service port at {Destination}; connection reset", destination);
            connection.Abort();
            return;
        }
        if (target.Table is null)
        {
            await TcpSplice.RunAsync(connection, target.Destination, _mesh.ConnectTimeout, _logger).ConfigureAwait(false);
            return;
        }
        connection.Items[TargetItem] = destination;
        await next(connection).ConfigureAwait(false);
    };

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_server is { } server)
            {
                using var cts = new CancellationTokenSource(_options.DrainTimeout);
                try
                {
                    await server.StopAsync(cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    server.Dispose();
                }
            }
            if (_mirrors is not null) await _mirrors.DisposeAsync().ConfigureAwait(false);
            _mirrorSender?.Dispose();
            _clients.Dispose();
            _transport.Dispose();
            await _kestrelServices.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private sealed record Target(MeshDestination Destination, CompiledSocketTable? Table);

    /// <summary>As SocketHost's application, with the table chosen per request from the connection's original destination.</summary>
    private sealed class Application(MeshProxy proxy) : DataPlaneApplication
    {
        protected override Task Serve(Context connection)
        {
            var context = connection.Http;
            // The Service port may have lost its routes or gone since the connection started: 503 then, as for a
            // backend without endpoints (the client's next connection is spliced or reset as the new table says).
            if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(TargetItem, out var item) != true || item is not IPEndPoint destination
                || !Volatile.Read(ref proxy._targets).TryGetValue(destination, out var target) || target.Table is not { } table)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }
            connection.Measurement.Start(table);
            return proxy._pipeline.HandleAsync(context, table, connection.Measurement);
        }

        protected override void LogFailure(Exception e) => proxy._logger.LogError(e, "mesh request failed");
    }
}
