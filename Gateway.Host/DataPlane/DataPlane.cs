using System.Collections.Immutable;
using Akka.Streams;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Hosting;
using Gateway.Host.DataPlane.L4;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Gateway.Streams.Mirroring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Host.DataPlane;

/// <summary>
/// The node-local data plane. HTTP/HTTPS: one Kestrel server per (address, port) socket, a compiled routing table per
/// socket swapped atomically on every apply, YARP's forwarder for the actual proxying and an Akka.Streams queue for
/// request mirroring. TLS (passthrough and terminate), TCP and UDP ports go to the L4 data plane (<see cref="L4Manager"/>
/// over Gateway.Streams' Akka.Streams proxies), which needs a materializer: without one those ports are not served,
/// which is logged and reported in <see cref="DataPlaneApplyResult.FailedSockets"/>.
/// </summary>
public sealed class DataPlane : IDataPlane
{
    private readonly DataPlaneOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly WebApplication _kestrelServices;
    private readonly AcceptLoopListenerFactory _transport;
    private readonly GlobalConnectionLimit _connectionLimit;
    private readonly BackendClients _clients;
    private readonly CertificateCache _certificates = new();
    private readonly SocketTableCompiler _compiler;
    private readonly RequestPipeline _pipeline;
    private readonly MirrorQueue? _mirrors;
    private readonly HttpMirrorSender? _mirrorSender;
    private readonly L4Manager? _l4;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<ListenerSocket, SocketHost> _sockets = [];
    private readonly List<Task> _draining = [];
    private ImmutableDictionary<ListenerSocket, SocketHost> _published = ImmutableDictionary<ListenerSocket, SocketHost>.Empty;
    private bool _disposed;

    /// <summary>Kestrel's AppContext switch that makes HTTP/1.x request parsing refuse a line ended by LF alone.</summary>
    internal const string BareLineFeedSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <param name="options">Tunables; defaults when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="materializer">
    /// Materializer (from the node's ActorSystem: <c>system.Materializer()</c>) for the mirroring queue and the L4
    /// (TLS/TCP/UDP) proxies. Without one, RequestMirror filters are ignored (and logged) and L4 ports are not served
    /// (logged, and reported as failed sockets).
    /// </param>
    public DataPlane(DataPlaneOptions? options = null, ILoggerFactory? loggerFactory = null, IMaterializer? materializer = null)
    {
        _options = options ?? new DataPlaneOptions();
        // A bare LF as a line terminator is refused with 400 (issue 13): a front proxy that splits header lines only on
        // CRLF would see one header where Kestrel sees two, a request smuggling vector. Kestrel reads this switch
        // (process-wide) when it creates a server's parser; an operator may still set it to false in runtimeconfig.
        if (!AppContext.TryGetSwitch(BareLineFeedSwitch, out _)) AppContext.SetSwitch(BareLineFeedSwitch, true);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<DataPlane>();

        // A service container that is never started: Kestrel's HTTPS support and YARP's forwarder resolve their
        // internal services from it. Each socket's KestrelServer is created directly (see SocketHost).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddHttpForwarder();
        _kestrelServices = builder.Build();
        var descriptors = DescriptorLimit.Soft();
        _connectionLimit = new GlobalConnectionLimit(_options.MaxConnections ?? DescriptorLimit.DefaultMaxConnections(descriptors, DescriptorLimit.Open()));
        _transport = new AcceptLoopListenerFactory(
            new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = _options.InlineScheduling },
            _connectionLimit, _loggerFactory);
        _clients = new BackendClients(_options.BackendMaxConnectionsPerServer);
        _logger.LogInformation("client connections capped at {Max} over all HTTP sockets (descriptor limit {Descriptors}), {PerServer} connections per backend endpoint",
            _connectionLimit.Max, descriptors?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", _options.BackendMaxConnectionsPerServer);

        if (materializer is not null)
        {
            _mirrorSender = new HttpMirrorSender();
            _mirrors = MirrorQueue.Start(materializer, _options.Mirror, _mirrorSender);
        }
        // The L4 proxies need the ActorSystem behind the materializer (Tcp().OutgoingConnection, logging).
        if (materializer is ActorMaterializer actorMaterializer)
        {
            // L4 sessions go to the access log only when there is one (no per-session record otherwise).
            var l4 = _options.Telemetry?.AccessLog is { } accessLog ? _options.L4 with { SessionLog = new Observability.AccessLog.L4AccessLog(accessLog) } : _options.L4;
            _l4 = new L4Manager(actorMaterializer, l4, _certificates, _loggerFactory.CreateLogger<L4Manager>());
        }
        else
        {
            _logger.LogInformation("no ActorMaterializer given: TLS, TCP and UDP listeners will not be served");
        }
        // Cluster-scope limits lease from their sharded owners when the host gives a source; otherwise this process owns them.
        RateLimits = new RateLimiting.RateLimitRegistry(_options.LeaseSource ?? new RateLimiting.LocalLeaseSource());
        // The mirroring stream starts with the first route that mirrors (compiled on the apply path, so no request waits for it).
        _compiler = new SocketTableCompiler(_clients, _certificates, new ForwardedHeaders(_options.ForwardedHeaders, _options.ForwardedTrustedHops),
            _options.SessionKey, RateLimits, _options.ForwardedTrustedHops, _mirrors is { } mirrors ? mirrors.EnsureStarted : null);
        _pipeline = new RequestPipeline(_kestrelServices.Services.GetRequiredService<IHttpForwarder>(), _mirrors, _options, _loggerFactory.CreateLogger<RequestPipeline>());
        Observability.Metrics.DataPlaneMetrics.Observe(this);
    }

    /// <summary>This replica's RateLimitPolicy counters.</summary>
    public RateLimiting.RateLimitRegistry RateLimits { get; }

    /// <summary>The HTTP/HTTPS sockets currently bound.</summary>
    public IReadOnlyCollection<ListenerSocket> BoundSockets => Volatile.Read(ref _published).Keys.ToArray();

    /// <summary>The L4 (TLS/TCP/UDP) sockets, or null when there is no materializer to run them.</summary>
    public Gateway.Streams.L4.L4SocketSet? L4Sockets => _l4?.Sockets;

    /// <summary>What the last apply compiled and reused (tests and measurements).</summary>
    internal ApplyStats LastApplyStats { get; private set; } = new();

    /// <summary>Counters of the mirroring queue (null when mirroring is off).</summary>
    public MirrorQueueStats? MirrorStats => _mirrors?.Stats;

    /// <summary>True once the mirroring stream runs (it starts with the first route compiled with a mirror).</summary>
    internal bool MirroringStarted => _mirrors?.Started ?? false;

    /// <summary>The access log this data plane writes to, or null when it has none.</summary>
    public Observability.AccessLog.AccessLogWriter? AccessLog => _options.Telemetry?.AccessLog;

    /// <summary>
    /// The live table of every bound socket (HTTP/HTTPS and L4), as the IR it was built from. A TCP and a UDP socket may
    /// share address and port; they are told apart by <see cref="LiveSocketTable.Source"/>'s protocol.
    /// </summary>
    public IReadOnlyList<LiveSocketTable> GetLiveTables() =>
        Volatile.Read(ref _published).Values.Select(View)
            .Concat(_l4?.LiveTables ?? [])
            .OrderBy(t => t.Socket.Address, StringComparer.Ordinal).ThenBy(t => t.Socket.Port).ThenBy(t => t.Source.Protocol)
            .ToArray();

    /// <summary>The live table of one socket (the HTTP one first, then TLS/TCP, then UDP), or null when it is not bound.</summary>
    public LiveSocketTable? GetLiveTable(ListenerSocket socket) =>
        Volatile.Read(ref _published).TryGetValue(socket, out var host)
            ? View(host)
            : _l4?.LiveTables.Where(t => t.Socket == socket).OrderBy(t => t.Source.Protocol).FirstOrDefault();

    /// <inheritdoc />
    public bool Stopped => Volatile.Read(ref _disposed);

    public async Task<DataPlaneApplyResult> ApplyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Again under the lock: a disposal that was waiting for it ran first, and nothing may be bound after it.
            ObjectDisposedException.ThrowIf(_disposed, this);
            var failed = new HashSet<ListenerSocket>();
            var desired = Desired(gateways, failed);

            // Unbind sockets that are gone; a socket whose protocol changes (HTTP <-> HTTPS) is rebound, so its old
            // server must release the port first. The others drain in the background.
            foreach (var (socket, host) in _sockets.ToArray())
            {
                var keep = desired.TryGetValue(socket, out var next) && next.Port.Protocol == host.Protocol;
                if (keep) continue;
                _sockets.Remove(socket);
                var stop = host.StopAsync(_options.DrainTimeout);
                if (desired.ContainsKey(socket)) await stop.ConfigureAwait(false);
                else Track(stop);
                _logger.LogInformation("unbinding {Address}:{Port}", socket.Address, socket.Port);
            }

            var stats = new ApplyStats();
            foreach (var (socket, (gateway, port)) in desired)
            {
                _sockets.TryGetValue(socket, out var existing);
                var previous = existing?.Table;
                // The same PortRouteTable instance (the incremental translator's answer for an untouched Gateway port)
                // compiles to the same table: keep the live one, not even a swap.
                if (previous is not null && ReferenceEquals(previous.Source, port) && previous.Gateway == gateway)
                {
                    existing!.Keep(revision);
                    stats.SocketsUnchanged++;
                    continue;
                }
                var table = _compiler.Compile(socket, gateway, revision, port, previous, stats);
                stats.SocketsCompiled++;
                foreach (var problem in table.Problems) _logger.LogWarning("{Address}:{Port}: {Problem}", socket.Address, socket.Port, problem);
                if (existing is not null)
                {
                    existing.Swap(table, revision);
                    continue;
                }
                try
                {
                    _sockets[socket] = await SocketHost.StartAsync(table, _kestrelServices.Services, _transport, _loggerFactory, _pipeline, _options, ct).ConfigureAwait(false);
                    _logger.LogInformation("bound {Protocol} {Address}:{Port}", port.Protocol, socket.Address, socket.Port);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One socket that cannot be bound is reported (its listeners get PortUnavailable); the rest serve.
                    failed.Add(socket);
                    _logger.LogWarning("cannot bind {Address}:{Port}: {Reason}", socket.Address, socket.Port, e.Message);
                }
            }

            Volatile.Write(ref _published, _sockets.ToImmutableDictionary());
            LastApplyStats = stats;
            _logger.LogDebug("revision {Revision}: {Stats}", revision, stats);

            if (_l4 is not null)
            {
                failed.UnionWith(await _l4.ApplyAsync(revision, gateways, ct).ConfigureAwait(false));
            }
            else if (L4Manager.SocketsOf(gateways).ToList() is { Count: > 0 } skipped)
            {
                // Not served is not programmed: report them rather than let their listeners claim otherwise.
                _logger.LogWarning("no materializer: TLS/TCP/UDP sockets {Sockets} are not served", string.Join(", ", skipped.Select(s => $"{s.Address}:{s.Port}")));
                failed.UnionWith(skipped);
            }

            var liveCertificates = _sockets.Values.SelectMany(h => h.Table.CertificateKeys).ToHashSet(StringComparer.Ordinal);
            if (_l4 is not null) liveCertificates.UnionWith(_l4.CertificateKeys);
            _certificates.RetainOnly(liveCertificates);
            return new DataPlaneApplyResult(revision, failed);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task CompileOnlyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stats = new ApplyStats();
            foreach (var (socket, (gateway, port)) in Desired(gateways, []))
            {
                // Only sockets already bound, whose protocol stays: exactly what ApplyAsync would patch and swap.
                if (!_sockets.TryGetValue(socket, out var existing) || existing.Protocol != port.Protocol) continue;
                if (ReferenceEquals(existing.Table.Source, port) && existing.Table.Gateway == gateway) continue;
                _compiler.Compile(socket, gateway, revision, port, existing.Table, stats);
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>
    /// The HTTP/HTTPS sockets asked for: every address of a Gateway times each of its HTTP/HTTPS ports. Two Gateways
    /// asking for the same socket cannot both have it; neither gets it and the socket is reported as failed.
    /// </summary>
    private Dictionary<ListenerSocket, (ResourceKey Gateway, PortRouteTable Port)> Desired(IReadOnlyList<GatewayRouteTable> gateways, HashSet<ListenerSocket> failed)
    {
        var desired = new Dictionary<ListenerSocket, (ResourceKey, PortRouteTable)>();
        foreach (var gateway in gateways)
        {
            foreach (var port in gateway.Ports)
            {
                // TLS/TCP/UDP belong to the L4 data plane (L4Manager).
                if (port.Protocol is not (ListenerProtocol.Http or ListenerProtocol.Https)) continue;
                foreach (var address in gateway.Addresses)
                {
                    var socket = new ListenerSocket(address, port.SocketPort);
                    if (failed.Contains(socket)) continue;
                    if (!desired.TryAdd(socket, (gateway.Gateway, port)))
                    {
                        _logger.LogWarning("{Address}:{Port} is asked for by {First} and {Second}", address, port.SocketPort, desired[socket].Item1, gateway.Gateway);
                        desired.Remove(socket);
                        failed.Add(socket);
                    }
                }
            }
        }
        return desired;
    }

    private void Track(Task stop)
    {
        lock (_draining)
        {
            _draining.RemoveAll(t => t.IsCompleted);
            _draining.Add(stop);
        }
    }

    private static LiveSocketTable View(SocketHost host)
    {
        var table = host.Table;
        return new(table.Socket, table.Gateway, host.Revision, table.Source, table.Problems);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            Observability.Metrics.DataPlaneMetrics.Forget(this);
            var stops = _sockets.Values.Select(h => h.StopAsync(_options.DrainTimeout)).ToList();
            _sockets.Clear();
            Volatile.Write(ref _published, ImmutableDictionary<ListenerSocket, SocketHost>.Empty);
            lock (_draining) stops.AddRange(_draining);
            await Task.WhenAll(stops).ConfigureAwait(false);
            if (_l4 is not null) await _l4.DisposeAsync().ConfigureAwait(false);
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
}
