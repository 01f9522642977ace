using Gateway.Host.Cli;
using Gateway.Host.Hosting;

namespace Gateway.Host;

/// <summary>Entry point: parses the command line and runs the gateway or the translate command.</summary>
public static class Program
{
    /// <summary>Returns 0 on success or graceful shutdown, 1 on a fatal error, 2 for usage errors.</summary>
    /// <remarks>
    /// Socket completions stay on the thread pool (the runtime's default). DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
    /// runs them on the socket engine threads instead: more requests per core but about twice the p99 latency
    /// (bench/README.md), and any library continuation that blocks (KubernetesClient and Akka's Kubernetes discovery read
    /// response bodies synchronously) then freezes every socket of the process. The product's own Kubernetes paths read
    /// bodies asynchronously, so the opt-in is safe in every mode (KubernetesProcessTests), but the default must not
    /// depend on every library behaving.
    /// </remarks>
    public static Task<int> Main(string[] args)
    {
        // Every connection is a file descriptor: take all the hard limit allows (see DescriptorLimit).
        DataPlane.Hosting.DescriptorLimit.RaiseSoftToHard();
        // The first scan's code compiles on the idle core while the command line is read and the host built.
        Sources.ScanCompileWarmUp.Start(Console.Error);
        return GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, b => b.Options.DataPlaneFactory ??= DefaultDataPlane.Create);
    }
}
