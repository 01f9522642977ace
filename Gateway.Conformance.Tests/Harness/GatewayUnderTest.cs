namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// How the gateway under test is started: manifest directories to watch (file source), the status directory to write
/// (SDIR/Kind/ns/name.yaml, whole objects), the controller name of our GatewayClass, and the loopback CIDR its
/// Gateways take addresses from. Mirrors the host CLI: --manifests DIR (repeatable) --status-dir --controller-name
/// --address-pool.
/// </summary>
public sealed record GatewayUnderTestOptions(IReadOnlyList<string> ManifestDirectories, string StatusDirectory, string ControllerName, string AddressPool);

/// <summary>A running gateway; one instance serves the whole conformance run, like the suite's one implementation.</summary>
public interface IGatewayUnderTest : IAsyncDisposable
{
    /// <summary>Stops the gateway (bounded by <paramref name="ct"/>).</summary>
    Task StopAsync(CancellationToken ct);
}

/// <summary>
/// The seam the conformance tier runs through: by default the product's GatewayHost started in-process
/// (<see cref="InProcessGateway"/>); a different implementation (e.g. the executable as a process) can be plugged in.
/// </summary>
public static class GatewayUnderTest
{
    /// <summary>Starts the gateway under test.</summary>
    public static Func<GatewayUnderTestOptions, CancellationToken, Task<IGatewayUnderTest>> Factory { get; set; } = InProcessGateway.StartAsync;
}
