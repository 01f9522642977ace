using System.Diagnostics.Metrics;
using System.Reflection;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;

namespace Gateway.Streams.L4;

/// <summary>
/// Per-route counters of the L4 data plane (meter <see cref="MeterName"/>, collected by the host's MeterProvider;
/// Gateway.Host/Observability/Metrics). The route tag is the route-table entry id (for example
/// <c>TCPRoute/default/db/rule/0</c>), a string the config already holds, so counting allocates nothing per
/// chunk; while no MeterProvider listens, every Add is a no-op.
/// </summary>
public static class L4RouteMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Gateway.Streams";

    /// <summary>
    /// The meter's version (its instrumentation scope version): this build's informational version without its build
    /// metadata, as Gateway.Host versions its meters (Hosting/GatewayVersion; one MSBuild Version stamps every project).
    /// </summary>
    public static string ScopeVersion { get; } =
        (typeof(L4RouteMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+', 2)[0];

    private static readonly Meter Meter = new(MeterName, ScopeVersion);

    private static readonly Counter<long> Sessions = Meter.CreateCounter<long>("gateway.l4.route.sessions", unit: null,
        "TCP/TLS connections and UDP sessions handed to a route's backend, by route and protocol");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("gateway.l4.route.errors", unit: null,
        "Connections and sessions a route could not serve (no ready endpoint, backend connect failure), by route and protocol");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("gateway.l4.route.bytes", "By",
        "Bytes relayed per route: direction=received from clients, direction=sent to clients");

    /// <summary>Counts a session of <paramref name="route"/>.</summary>
    public static void Session(string route, string protocol) =>
        Sessions.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("protocol", protocol));

    /// <summary>Counts a session <paramref name="route"/> could not serve.</summary>
    public static void Error(string route, string protocol) =>
        Errors.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("protocol", protocol));

    /// <summary>Counts <paramref name="count"/> bytes of <paramref name="route"/> in one direction.</summary>
    public static void Relayed(string route, string protocol, bool fromClient, long count)
    {
        if (!Bytes.Enabled) return;
        Bytes.Add(count, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("protocol", protocol),
            new KeyValuePair<string, object?>("direction", fromClient ? "received" : "sent"));
    }

    /// <summary>
    /// <paramref name="backend"/> with its bytes counted in both directions (two stages and one closure per connection),
    /// or <paramref name="backend"/> itself while no provider listens (nothing added to the connection).
    /// </summary>
    public static Flow<ByteString, ByteString, NotUsed> Counted(Flow<ByteString, ByteString, NotUsed> backend, string route, string protocol) =>
        !Bytes.Enabled ? backend : Flow.Create<ByteString>()
            .Select(b =>
            {
                Relayed(route, protocol, fromClient: true, b.Count);
                return b;
            })
            .Via(backend)
            .Select(b =>
            {
                Relayed(route, protocol, fromClient: false, b.Count);
                return b;
            });
}
