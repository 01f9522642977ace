namespace Gateway.Host.Cluster;

/// <summary>How a replica finds the others.</summary>
public enum ClusterDiscovery
{
    /// <summary>No peers: the replica joins itself and forms a one-node cluster (the default).</summary>
    None,

    /// <summary>
    /// Akka.Management Cluster Bootstrap over config discovery: a fixed list of the replicas' management endpoints
    /// (--peer), for docker-compose and several replicas on one machine.
    /// </summary>
    Config,

    /// <summary>Akka.Management Cluster Bootstrap over the Kubernetes API: pods found by a label selector.</summary>
    Kubernetes,
}

/// <summary>The cluster settings of one replica (the command line maps onto these).</summary>
public sealed class GatewayClusterOptions
{
    /// <summary>The ActorSystem name; every replica of one cluster uses the same.</summary>
    public const string SystemName = "gateway";

    /// <summary>The service name the replicas are discovered under (config discovery, Kubernetes bootstrap).</summary>
    public const string ServiceName = "gateway";

    /// <summary>
    /// True (--no-cluster): this replica is a one-node cluster that never joins another and that no other process can
    /// join: the cluster transport is bound to a loopback address (<see cref="Hostname"/> must be one) and there is no
    /// discovery, no peers and no bootstrap. It runs exactly what a clustered replica runs (every status written by
    /// the sharded entities, request mirroring on its materializer); only its membership is fixed. The management
    /// endpoint is served only when <see cref="ManagementPort"/> is set.
    /// </summary>
    public bool Standalone { get; set; }

    /// <summary>A name for people (--node-name): logs, inspection routes. Default: host name and cluster port.</summary>
    public string? NodeName { get; set; }

    /// <summary>The address other replicas reach this one's remoting on (--cluster-host).</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The remoting port (--cluster-port); 0 picks a free one (peers learn it through bootstrap).</summary>
    public int Port { get; set; }

    /// <summary>How peers are found (<see cref="ClusterDiscovery.None"/> for a standalone replica).</summary>
    public ClusterDiscovery Discovery { get; set; } = ClusterDiscovery.None;

    /// <summary>Config discovery: the management endpoints (host:port) of every replica, this one included (--peer).</summary>
    public IList<string> Peers { get; init; } = new List<string>();

    /// <summary>
    /// Kubernetes discovery: the label selector of the gateway pods (--k8s-pod-selector); "{0}" is replaced by
    /// <see cref="ServiceName"/>.
    /// </summary>
    public string KubernetesPodLabelSelector { get; set; } = "app.kubernetes.io/name={0}";

    /// <summary>Kubernetes discovery: the pods' namespace; null reads the service account's namespace file.</summary>
    public string? KubernetesNamespace { get; set; }

    /// <summary>The management HTTP address (--management-host): the name peers use, and the address bound.</summary>
    public string ManagementHostname { get; set; } = "127.0.0.1";

    /// <summary>The management HTTP port (--management-port); null serves no management routes (bootstrap needs them).</summary>
    public int? ManagementPort { get; set; }

    /// <summary>
    /// A file holding the bearer token the inspection routes require (--management-token-file; a Secret mounted as a
    /// file); null: inspection answers loopback connections only (<see cref="ManagementAccess"/>).
    /// </summary>
    public string? ManagementTokenFile { get; set; }

    /// <summary>
    /// Whether the management endpoint serves GET /metrics (--no-metrics turns it off); without a management endpoint
    /// nothing is measured either way (Observability/Metrics/README.md).
    /// </summary>
    public bool Metrics { get; set; } = true;

    /// <summary>
    /// Contact points that must be found before a new cluster forms (config discovery: the number of peers, so three
    /// replicas started together form one cluster, never two). A replica started later joins the existing cluster
    /// whatever this number is.
    /// </summary>
    public int? RequiredContactPoints { get; set; }

    /// <summary>
    /// TLS for remoting between replicas (--remoting-tls-certificate): this replica's certificate, PEM with
    /// <see cref="RemotingTlsKey"/> or PKCS#12 (optionally with <see cref="RemotingTlsPassword"/>). Null (the default)
    /// leaves remoting in plaintext, for development on one machine. When set, every connection is mutual TLS: a peer
    /// joins only by presenting a certificate issued by <see cref="RemotingTlsCa"/>, and this replica accepts a peer's
    /// server certificate on the same condition (<see cref="RemotingTls"/>).
    /// </summary>
    public string? RemotingTlsCertificate { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="RemotingTlsCertificate"/> (--remoting-tls-key).</summary>
    public string? RemotingTlsKey { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="RemotingTlsCertificate"/> (--remoting-tls-password).</summary>
    public string? RemotingTlsPassword { get; set; }

    /// <summary>PEM file of the CA certificates that issue the replicas' certificates (--remoting-tls-ca); required with TLS.</summary>
    public string? RemotingTlsCa { get; set; }

    /// <summary>The longest a pass waits for the owning entities to acknowledge its reports before it completes anyway.</summary>
    public TimeSpan HandOffTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest one status write by an entity may take.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a route entity stays idle before it passivates (--route-entity-idle; null: never).</summary>
    public TimeSpan? RouteEntityIdle { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The node name to use.</summary>
    public string EffectiveNodeName => NodeName ?? $"{Environment.MachineName.ToLowerInvariant()}-{(ManagementPort is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting (see <see cref="Errors"/>).</summary>
    public void Validate() => Hosting.OptionsError.ThrowIfAny(Errors());

    /// <summary>Every invalid setting; a standalone replica (--no-cluster) takes no setting about finding others.</summary>
    public IReadOnlyList<Hosting.OptionsError> Errors()
    {
        var errors = new List<Hosting.OptionsError>();
        if (Port is < 0 or > 65535) errors.Add(new("--cluster-port", $"{Port} is not 0-65535"));
        if (ManagementPort is < 0 or > 65535) errors.Add(new("--management-port", $"{ManagementPort} is not 0-65535"));
        if (string.IsNullOrWhiteSpace(Hostname)) errors.Add(new("--cluster-host", "must not be empty"));
        foreach (var peer in Peers)
        {
            if (!TryParsePeer(peer, out _, out _)) errors.Add(new("--peer", $"\"{peer}\" is not host:port"));
        }
        if (RequiredContactPoints is < 1) errors.Add(new("--required-contact-points", $"{RequiredContactPoints} is less than 1"));
        if (NodeName is { } name && (name.Length == 0 || name.Any(char.IsWhiteSpace))) errors.Add(new("--node-name", $"\"{name}\" is empty or has spaces"));
        if (RemotingTlsCertificate is null)
        {
            if (RemotingTlsKey is not null) errors.Add(new("--remoting-tls-key", "needs --remoting-tls-certificate"));
            if (RemotingTlsPassword is not null) errors.Add(new("--remoting-tls-password", "needs --remoting-tls-certificate"));
            if (RemotingTlsCa is not null) errors.Add(new("--remoting-tls-ca", "needs --remoting-tls-certificate"));
        }
        else
        {
            if (RemotingTlsCa is null) errors.Add(new("--remoting-tls-ca", "is required with --remoting-tls-certificate: peers are accepted only with a certificate issued by these CAs"));
            if (RemotingTlsKey is not null && RemotingTlsPassword is not null)
                errors.Add(new("--remoting-tls-password", "is for a PKCS#12 certificate; a PEM certificate with --remoting-tls-key has none"));
        }
        if (ManagementTokenFile is { } tokenFile && !File.Exists(tokenFile)) errors.Add(new("--management-token-file", $"{tokenFile} does not exist"));
        if (Standalone)
        {
            errors.AddRange(StandaloneErrors());
            return errors;
        }
        if (Discovery != ClusterDiscovery.None && ManagementPort is null)
            errors.Add(new("--management-port", $"cluster bootstrap (--discovery {Discovery.ToString().ToLowerInvariant()}) needs the management endpoint"));
        if (Discovery == ClusterDiscovery.Config && Peers.Count == 0) errors.Add(new("--peer", "config discovery needs at least one"));
        return errors;
    }

    /// <summary>What a standalone replica (--no-cluster) cannot be given: anything that would reach or admit another replica.</summary>
    private IEnumerable<Hosting.OptionsError> StandaloneErrors()
    {
        const string Alone = "--no-cluster runs a one-node cluster that joins no other replica";
        if (Peers.Count > 0) yield return new("--peer", $"{Alone}; drop --peer or --no-cluster");
        if (Discovery != ClusterDiscovery.None)
            yield return new("--discovery", $"{Alone}; --discovery {Discovery.ToString().ToLowerInvariant()} needs the cluster (drop it or --no-cluster)");
        if (RequiredContactPoints is not null) yield return new("--required-contact-points", $"{Alone}; drop --required-contact-points or --no-cluster");
        if (!IsLoopback(Hostname))
            yield return new("--cluster-host", $"\"{Hostname}\" is not a loopback address: {Alone}, so its transport is bound to loopback (127.0.0.1, the default)");
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Parses "host:port" (IPv6 hosts in brackets).</summary>
    public static bool TryParsePeer(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        host = text[..colon].Trim('[', ']');
        return host.Length > 0 && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }
}
