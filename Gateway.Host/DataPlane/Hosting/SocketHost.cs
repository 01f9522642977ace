using System.Net;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.Observability.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// One listening socket: a Kestrel server of its own plus the table it currently serves.
/// Why one KestrelServer per socket instead of reloading endpoints of one server: Kestrel's endpoint reload is driven
/// by IConfiguration and rebinds from a whole new configuration, whereas a server per socket gives exactly what the
/// data plane needs: a bind failure belongs to that socket alone (reported, others unaffected), adding or removing a
/// socket never touches the connections of another one, and stopping a server is Kestrel's own graceful drain
/// (stop accepting, let in-flight requests finish, abort after a bounded wait).
/// </summary>
internal sealed class SocketHost
{
    private readonly KestrelServer _server;
    private CompiledSocketTable _table;
    private long _revision;

    private SocketHost(KestrelServer server, CompiledSocketTable table)
    {
        _server = server;
        _table = table;
        _revision = table.Revision;
    }

    public ListenerSocket Socket => _table.Socket;

    public ListenerProtocol Protocol => _table.Protocol;

    /// <summary>The live table (read once per request / handshake).</summary>
    public CompiledSocketTable Table => Volatile.Read(ref _table);

    /// <summary>The last apply that set or kept <see cref="Table"/> (inspection only; the request path never reads it).</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Swaps in a new table; requests already running keep the one they read.</summary>
    public void Swap(CompiledSocketTable table, long revision)
    {
        Volatile.Write(ref _table, table);
        Volatile.Write(ref _revision, revision);
    }

    /// <summary>Records that apply <paramref name="revision"/> keeps the current table as it is.</summary>
    public void Keep(long revision) => Volatile.Write(ref _revision, revision);

    /// <summary>Binds and starts serving; throws when the socket cannot be bound.</summary>
    public static async Task<SocketHost> StartAsync(
        CompiledSocketTable table, IServiceProvider kestrelServices, IConnectionListenerFactory transport, ILoggerFactory loggerFactory,
        RequestPipeline pipeline, DataPlaneOptions options, CancellationToken ct)
    {
        if (!IPAddress.TryParse(table.Socket.Address, out var address))
        {
            throw new ArgumentException($"'{table.Socket.Address}' is not an IP address this node can bind");
        }
        SocketHost? host = null;
        var kestrel = new KestrelServerOptions
        {
            ApplicationServices = kestrelServices,
            AddServerHeader = false,
            // h2c prior knowledge is detected by H2cPriorKnowledge; see there why :scheme is accepted as sent.
            AllowAlternateSchemes = true,
            RequestHeaderEncodingSelector = RawConnectionHeader.EncodingSelector,
        };
        // A proxy streams bodies through; the backend decides what is too large.
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.MaxConcurrentConnections = options.MaxListenerConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxUpgradedConnections;
        kestrel.Listen(address, table.Socket.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(RawConnectionHeader.Middleware);
            if (table.Protocol == ListenerProtocol.Https)
            {
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    HandshakeTimeout = options.TlsHandshakeTimeout,
                    OnConnection = context =>
                    {
                        var tls = host!.Table.SelectTls(context.ClientHelloInfo.ServerName)
                            ?? throw new InvalidOperationException($"no usable certificate on {table.Socket.Address}:{table.Socket.Port}");
                        return ValueTask.FromResult(tls);
                    },
                });
            }
            else
            {
                listen.Use(H2cPriorKnowledge.Middleware);
            }
        });
        var server = new KestrelServer(Options.Create(kestrel), transport, loggerFactory);
        host = new SocketHost(server, table);
        try
        {
            await server.StartAsync(new Application(host, pipeline, loggerFactory.CreateLogger<SocketHost>()), ct).ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>Stops accepting, lets in-flight requests finish for up to <paramref name="drain"/>, then aborts the rest.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        using var cts = new CancellationTokenSource(drain);
        try
        {
            await _server.StopAsync(cts.Token).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
        }
    }

    /// <summary>The Kestrel application: the request and the socket's current table go to the pipeline.</summary>
    private sealed class Application(SocketHost host, RequestPipeline pipeline, ILogger logger) : DataPlaneApplication
    {
        protected override Task Serve(Context connection)
        {
            var table = host.Table;
            connection.Measurement.Start(table);
            return pipeline.HandleAsync(connection.Http, table, connection.Measurement);
        }

        protected override void LogFailure(Exception e) => logger.LogError(e, "request to {Socket} failed", host.Socket);
    }
}
