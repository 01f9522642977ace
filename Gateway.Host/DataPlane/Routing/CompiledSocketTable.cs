using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.DataPlane.Routing;

/// <summary>How a route lookup ended.</summary>
internal enum LookupOutcome { Matched, NoListener, NoRoute, Misdirected }

/// <summary>The result of a route lookup (a struct: the lookup allocates nothing).</summary>
internal readonly record struct RouteLookup(LookupOutcome Outcome, CompiledListener? Listener, CompiledRoute? Route);

/// <summary>
/// The immutable routing table of one listening socket, compiled from the IR of one Gateway port. A new revision is
/// a new instance swapped in atomically (STYLE: never mutate a live table); a request reads the reference once.
/// </summary>
internal sealed class CompiledSocketTable
{
    private readonly HostnameTable<SslServerAuthenticationOptions>? _tlsBySni;
    private readonly SslServerAuthenticationOptions? _defaultTls;

    internal CompiledSocketTable(
        ListenerSocket socket, ResourceKey gateway, long revision, PortRouteTable source,
        HostnameTable<CompiledListener> listeners, IReadOnlyList<CompiledListener> allListeners, HostnameTable<SslServerAuthenticationOptions>? tlsBySni,
        SslServerAuthenticationOptions? defaultTls, IReadOnlyList<string> problems, IReadOnlySet<string> certificateKeys)
    {
        Socket = socket;
        Gateway = gateway;
        GatewayTag = $"{gateway.Namespace}/{gateway.Name}";
        Revision = revision;
        Source = source;
        Listeners = listeners;
        AllListeners = allListeners;
        _tlsBySni = tlsBySni;
        _defaultTls = defaultTls;
        Problems = problems;
        CertificateKeys = certificateKeys;
        Scheme = source.Protocol == ListenerProtocol.Https ? "https" : "http";
    }

    public ListenerSocket Socket { get; }

    public ResourceKey Gateway { get; }

    /// <summary>The Gateway's namespace/name, the metrics' gateway tag (computed once per table).</summary>
    public string GatewayTag { get; }

    /// <summary>The apply that compiled this table (a socket whose Gateway port did not change keeps it across later applies).</summary>
    public long Revision { get; }

    /// <summary>The IR this table was built from (observability: the live table can always be shown as IR).</summary>
    public PortRouteTable Source { get; }

    public ListenerProtocol Protocol => Source.Protocol;

    /// <summary>"http" or "https": the scheme clients used to reach this socket.</summary>
    public string Scheme { get; }

    public HostnameTable<CompiledListener> Listeners { get; }

    /// <summary>
    /// Every compiled listener in port order, including one that <see cref="Listeners"/> shadows (a second listener
    /// with the same hostname); what a later compile of this socket may reuse.
    /// </summary>
    internal IReadOnlyList<CompiledListener> AllListeners { get; }

    /// <summary>Entries or certificates that could not be compiled (they were left out; everything else works).</summary>
    public IReadOnlyList<string> Problems { get; }

    internal IReadOnlySet<string> CertificateKeys { get; }

    /// <summary>
    /// TLS settings for a handshake: the certificate of the listener whose hostname matches the SNI best, else the
    /// listener without hostname, else the first listener that has one (so clients without SNI still get an answer).
    /// </summary>
    public SslServerAuthenticationOptions? SelectTls(string? serverName) =>
        (_tlsBySni is not null && !string.IsNullOrEmpty(serverName) ? _tlsBySni.Find(serverName) : _tlsBySni?.Default) ?? _defaultTls;

    /// <summary>
    /// Finds the listener by Host (listener isolation: the most specific listener hostname wins and a request never
    /// falls to a less specific listener), checks for misdirection on HTTPS (the Host belongs to another listener
    /// than the one SNI chose: 421, GatewayHTTPSListenerDetectMisdirectedRequests), then the route.
    /// </summary>
    public RouteLookup Find(HttpRequest request, string? serverName)
    {
        var path = request.Path.Value;
        if (string.IsNullOrEmpty(path)) path = "/";
        var host = HostHeader.WithoutPort(request.Headers.Host.ToString());
        var listener = Listeners.Find(host);
        if (listener is null) return new RouteLookup(LookupOutcome.NoListener, null, null);
        if (!string.IsNullOrEmpty(serverName) && Protocol == ListenerProtocol.Https)
        {
            var sniListener = Listeners.Find(serverName);
            if (sniListener is not null && !ReferenceEquals(sniListener, listener)) return new RouteLookup(LookupOutcome.Misdirected, listener, null);
        }
        var route = listener.FindRoute(host, request, path);
        return route is null ? new RouteLookup(LookupOutcome.NoRoute, listener, null) : new RouteLookup(LookupOutcome.Matched, listener, route);
    }

    internal static SslServerAuthenticationOptions CreateServerOptions(SslStreamCertificateContext certificate, ClientCertificateValidation? clientValidation)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        };
        if (clientValidation is null) return options;
        // GatewayTLSConfig.frontend.validation: ask for a client certificate; without the insecure fallback it must
        // chain to one of the configured CA certificates or the handshake fails.
        var roots = new X509Certificate2Collection();
        foreach (var pem in clientValidation.CaCertificatesPem) roots.ImportFromPem(pem);
        options.ClientCertificateRequired = true;
        options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (clientValidation.AllowInsecureFallback) return true;
            if (certificate is not X509Certificate2 client) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(client);
        };
        return options;
    }
}
