using Gateway.Host.Cli;
using Gateway.Host.Hosting;

namespace Gateway.Host;

/// <summary>Entry point: parses the command line and runs the gateway or the translate command.</summary>
public static class Program
{
    /// <summary>Returns 0 on success or graceful shutdown, 1 on a fatal error, 2 for usage errors.</summary>
    public static Task<int> Main(string[] args)
    {
        // Socket completions run on the epoll thread instead of hopping to the thread pool (the runtime reads this
        // variable once, when the first socket is used, so it must be set before anything opens one). With Kestrel's
        // matching transport setting (DataPlaneOptions.InlineScheduling) a proxied request saves two thread hops;
        // the data plane benchmark measured fewer context switches and less CPU per request (bench/README.md).
        // An operator who sets the variable (to 0 or 1) keeps their choice.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null) Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        return GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, b => b.Options.DataPlaneFactory ??= DefaultDataPlane.Create);
    }

    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}
