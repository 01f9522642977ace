namespace Gateway.Emulators;

/// <summary>What an emulated pod runs: echo-basic in one of its modes, or CoreDNS.</summary>
public enum BackendKind
{
    /// <summary>echo-basic's HTTP echo (the default mode).</summary>
    HttpEcho,

    /// <summary>echo-basic with GRPC_ECHO_SERVER: the gRPC echo in cleartext HTTP/2 on HTTP_PORT.</summary>
    GrpcEcho,

    /// <summary>echo-basic with TCP_ECHO_SERVER: the line protocol on TCP_PORT, and on TLS_PORT with a certificate.</summary>
    TcpEcho,

    /// <summary>echo-basic with UDP_ECHO_SERVER: a JSON reply per datagram on UDP_PORT.</summary>
    UdpEcho,

    /// <summary>The CoreDNS image, serving its mounted Corefile.</summary>
    CoreDns,
}

/// <summary>
/// One emulated pod replica, as planned from its Deployment: identity, labels, the echo-basic ports it listens on and
/// the certificate material mounted into it. Compared by <see cref="Fingerprint"/> (content), not by reference.
/// </summary>
public sealed record PodPlan(
    string Namespace,
    string Deployment,
    int Replica,
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    EchoIdentity Identity,
    int HttpPort,
    int H2cPort,
    int? HttpsPort,
    string? ServerCertificatePem,
    string? ServerKeyPem,
    string? ClientCaPem,
    bool RetrySupport,
    IReadOnlyDictionary<string, int> NamedPorts)
{
    /// <summary>What the pod runs.</summary>
    public BackendKind Kind { get; init; } = BackendKind.HttpEcho;

    /// <summary>TCP echo: plain port (TCP_PORT, 3000).</summary>
    public int? TcpPort { get; init; }

    /// <summary>TCP echo: TLS port (TLS_PORT, 8443), set when a certificate and key are mounted.</summary>
    public int? TlsPort { get; init; }

    /// <summary>UDP echo: port (UDP_PORT, 8080).</summary>
    public int? UdpPort { get; init; }

    /// <summary>CoreDNS: the Corefile text the pod was given (-conf).</summary>
    public string? Corefile { get; init; }

    /// <summary>Address-pool key: stable across template changes so a restarted replica keeps its address.</summary>
    public string SlotKey => $"{Namespace}/{Deployment}/{Replica}";

    /// <summary>Canonical content of the plan; two plans with the same fingerprint run the same server.</summary>
    public string Fingerprint => string.Join('\u001f',
        Namespace, Deployment, Replica, Name, Identity, HttpPort, H2cPort, HttpsPort, ServerCertificatePem, ServerKeyPem, ClientCaPem, RetrySupport,
        Kind, TcpPort, TlsPort, UdpPort, Corefile,
        string.Join(',', Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")),
        string.Join(',', NamedPorts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
}

/// <summary>A Deployment (or its pods) the emulator does not run, and why. Pending pods wait for a missing object.</summary>
public sealed record NotEmulatedDeployment(string Namespace, string Name, string Reason, bool Pending = false)
{
    public override string ToString() => $"{Namespace}/{Name}: {Reason}";
}

/// <summary>What the planner decided for a set of manifests.</summary>
public sealed record BackendPlan(IReadOnlyList<PodPlan> Pods, IReadOnlyList<NotEmulatedDeployment> NotEmulated);
