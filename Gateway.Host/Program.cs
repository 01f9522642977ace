using Gateway.Host.Cli;
using Gateway.Host.Hosting;

namespace Gateway.Host;

/// <summary>Entry point: parses the command line and runs the gateway or the translate command.</summary>
public static class Program
{
    /// <summary>Returns 0 on success or graceful shutdown, 1 on a fatal error, 2 for usage errors.</summary>
    public static Task<int> Main(string[] args) =>
        GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, b => b.Options.DataPlaneFactory ??= DefaultDataPlane.Create);
}
