using Gateway.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// The product under test, started in-process exactly as the command line would start it (file source, file status
/// sink, real translator, real Kestrel/YARP data plane), so the conformance tier judges the shipped composition.
/// </summary>
public sealed class InProcessGateway : IGatewayUnderTest
{
    private readonly GatewayHost _host;

    private InProcessGateway(GatewayHost host) => _host = host;

    /// <summary>The running host (for diagnostics in failure messages).</summary>
    public GatewayHost Host => _host;

    /// <summary>Starts a host on <paramref name="options"/> and waits until it is ready.</summary>
    public static async Task<IGatewayUnderTest> StartAsync(GatewayUnderTestOptions options, CancellationToken ct)
    {
        var hostOptions = new GatewayHostOptions
        {
            ManifestDirectories = options.ManifestDirectories.ToList(),
            StatusDirectory = options.StatusDirectory,
            ControllerName = options.ControllerName,
            AddressPool = options.AddressPool,
            RescanInterval = TimeSpan.FromSeconds(1),
            DataPlaneFactory = DefaultDataPlane.Create,
        };
        var builder = GatewayHost.CreateBuilder(hostOptions);
        // GATEWAY_CONFORMANCE_LOG_LEVEL (e.g. Debug) shows the gateway's own log when a conformance test needs explaining.
        builder.Logging.SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("GATEWAY_CONFORMANCE_LOG_LEVEL"), true, out var level) ? level : LogLevel.Warning);
        var host = builder.Build();
        await host.StartAsync(ct);
        await host.WaitUntilReadyAsync(ct);
        return new InProcessGateway(host);
    }

    public Task StopAsync(CancellationToken ct) => _host.StopAsync(ct);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
