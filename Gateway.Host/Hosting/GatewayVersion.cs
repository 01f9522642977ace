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

    /// <summary>
    /// <see cref="Current"/> without its build metadata (everything from the first '+', i.e. the commit), e.g.
    /// "0.0.0-dev" for "0.0.0-dev+&lt;commit&gt;"; <see cref="Current"/> itself when it has none. The version of our
    /// meters and ActivitySource (their instrumentation scope): build metadata is not part of a version's identity
    /// (semver), so builds of one version are one scope, and the Prometheus exporter writes the scope version on every
    /// line of those meters (otel_scope_version), where the commit would add 41 characters to each.
    /// </summary>
    public static string WithoutBuildMetadata { get; } = Current.Split('+', 2)[0];
}
