using System.Net;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Http.Dsl;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Cluster;

/// <summary>
/// Serves Akka.Management's routes (<see cref="AkkaManagement.Routes()"/>: every IManagementRouteProvider, cluster
/// bootstrap's and ours) from a small Kestrel server on --management-host:--management-port, then starts cluster
/// bootstrap when discovery is configured. Replaces <c>AkkaManagement.Start()</c>, whose Ceen server cannot start
/// with the Ceen.Httpd version available (see <see cref="CeenContextAdapter"/>). Route matching follows Akka's
/// router: a route's path (with * wildcards) must match the whole request path; the first handler that accepts wins.
/// <c>/metrics</c> (<see cref="Observability.Metrics.MetricsEndpoint"/>) is served ahead of those routes.
/// </summary>
public sealed class ManagementServer(ActorSystem system, GatewayClusterOptions options, ILoggerFactory loggerFactory,
    Observability.Metrics.MetricsEndpoint? metrics = null) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ManagementServer>();
    private WebApplication? _app;

    /// <summary>The bound endpoint (after start).</summary>
    public Uri? BaseUri { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.ManagementPort is not { } port) return;
        var routes = AkkaManagement.Get(system).Routes()
            // Anchored at both ends of the whole path (\z: "$" also matches before a final newline, which a path may carry encoded).
            .Select(r => (Path: new Regex(@"\A" + Regex.Escape(r.Item1).Replace("\\*", ".*", StringComparison.Ordinal) + @"\z", RegexOptions.CultureInvariant), Module: r.Item2))
            .ToList();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(ResolveAddress(options.ManagementHostname)), port));
        var app = builder.Build();
        var token = options.ManagementTokenFile is { } tokenFile ? new ManagementToken(tokenFile) : null;
        // Open like the probes (ManagementAccess.IsOpen): Prometheus scrapes every pod without a token.
        metrics?.Map(app);
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            switch (ManagementAccess.Decide(path, context.Connection.RemoteIpAddress, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, token?.Current))
            {
                case ManagementDecision.Unauthorized:
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsync("inspection routes need Authorization: Bearer <token> (--management-token-file)\n").ConfigureAwait(false);
                    return;
                case ManagementDecision.Forbidden:
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await context.Response.WriteAsync("inspection routes answer loopback connections only (kubectl port-forward), or any caller with a token when --management-token-file is set\n").ConfigureAwait(false);
                    return;
            }
            var adapter = new CeenContextAdapter(context);
            var akka = new AkkaHttpContext(system, adapter);
            foreach (var (route, module) in routes)
            {
                if (!route.IsMatch(path)) continue;
                if (await module.HandleAsync(akka).ConfigureAwait(false)) return;
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        BaseUri = bound is null ? null : new Uri(bound);
        _logger.LogInformation("Management endpoint (read-only) on {Address}; inspection routes {Access}", BaseUri,
            token is null ? "answer loopback connections only" : "need the bearer token from " + options.ManagementTokenFile);

        // Bootstrap needs the routes above to be served (peers probe them) before it starts probing others.
        if (options.Discovery != ClusterDiscovery.None) _ = ClusterBootstrap.Get(system).Start();
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string ResolveAddress(string host) =>
        IPAddress.TryParse(host, out _) ? host : host == "localhost" ? "127.0.0.1" : Dns.GetHostAddresses(host).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToString();
}
