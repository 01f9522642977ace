namespace Gateway.Host.Backends;

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
    /// <summary>Address-pool key: stable across template changes so a restarted replica keeps its address.</summary>
    public string SlotKey => $"{Namespace}/{Deployment}/{Replica}";

    /// <summary>Canonical content of the plan; two plans with the same fingerprint run the same server.</summary>
    public string Fingerprint => string.Join('\u001f',
        Namespace, Deployment, Replica, Name, Identity, HttpPort, H2cPort, HttpsPort, ServerCertificatePem, ServerKeyPem, ClientCaPem, RetrySupport,
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
