namespace Gateway.Emulators;

/// <summary>
/// A running backend of an emulated pod (HTTP, gRPC, TCP or UDP echo, CoreDNS): stopped by disposing it, and with the
/// log lines it printed (what kubectl logs shows), which is how the conformance suite verifies mirrored requests.
/// </summary>
public interface IEmulatedServer : IAsyncDisposable
{
    /// <summary>The log lines written since <paramref name="since"/>.</summary>
    IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since);
}
