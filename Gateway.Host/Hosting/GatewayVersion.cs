using System.Reflection;

namespace Gateway.Host.Hosting;

/// <summary>
/// The version stamped into this build: the assembly's informational version, which is the MSBuild <c>Version</c>
/// (Directory.Build.props for developer builds, <c>-p:Version</c> from the Dockerfile's VERSION build argument for
/// images), followed by "+commit" when the build could read the git commit.
/// </summary>
public static class GatewayVersion
{
    /// <summary>The version of the running gateway (what --version prints and /cluster/members reports).</summary>
    public static string Current { get; } =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
