using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Cluster;
using Gateway.Host.DataPlane;
using Gateway.Host.Pipeline;

namespace Gateway.Host.Hosting;

/// <summary>Everything a gateway process is started with (the command line maps onto this one to one).</summary>
public sealed class GatewayHostOptions
{
    /// <summary>Manifest directories (--manifests); earlier directories win duplicates. At least one.</summary>
    public IList<string> ManifestDirectories { get; init; } = new List<string>();

    /// <summary>The status directory (--status-dir); null keeps statuses in memory only.</summary>
    public string? StatusDirectory { get; set; }

    /// <summary>The GatewayClass controllerName this instance owns (--controller-name).</summary>
    public string ControllerName { get; set; } = TranslatorOptions.DefaultControllerName;

    /// <summary>IPv4 CIDR Gateways take their addresses from (--address-pool).</summary>
    public string AddressPool { get; set; } = TranslatorOptions.DefaultAddressPool;

    /// <summary>IPv4 CIDR file mode allocates mesh Service ClusterIPs from (--mesh-cluster-ip-range).</summary>
    public string MeshClusterIpRange { get; set; } = TranslatorOptions.DefaultMeshClusterIpRange;

    /// <summary>True for a mesh proxy (<c>--mode mesh</c>): the translation's mesh table lists every Service (see
    /// <see cref="TranslatorOptions.MeshPassthrough"/>); a gateway replica needs only the Services mesh routes name.</summary>
    public bool MeshPassthrough { get; set; }

    /// <summary>
    /// Give back once the memory the GC kept committed after the start-up peak (<see cref="Memory.StartupHeapTrim"/>).
    /// The command line sets <see cref="Memory.StartupHeapTrimOptions.Default"/> (null with --no-startup-heap-trim);
    /// null (the default here, so in-process hosts in tests run no extra collection) turns it off.
    /// </summary>
    public Memory.StartupHeapTrimOptions? StartupHeapTrim { get; set; }

    /// <summary>How store changes are batched into snapshots (--coalesce-window, --coalesce-max-delay).</summary>
    public CoalescingOptions Coalescing { get; set; } = new();

    /// <summary>How long after a pass is applied its statuses are handed off (--status-delay; <see cref="PipelineOptions.StatusDelay"/>).</summary>
    public TimeSpan StatusDelay { get; set; } = PipelineOptions.DefaultStatusDelay;

    /// <summary>Period of the safety-net rescan of the manifest directories (--rescan-interval).</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Delay between a watcher event and reading the file, so a multi-chunk write is read once.</summary>
    public TimeSpan FileSettleDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The longest one data plane apply may take.</summary>
    public TimeSpan DataPlaneTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a graceful shutdown may take (--shutdown-timeout).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connection limits and X-Forwarded policy of the shipped data plane (see <see cref="DefaultDataPlane"/>).</summary>
    public DataPlaneOptions DataPlane { get; set; } = new();

    /// <summary>Creates the node's data plane; null runs the control plane only (translation and status, no traffic).</summary>
    public Func<IServiceProvider, IDataPlane>? DataPlaneFactory { get; set; }

    /// <summary>The translation function; the real translator unless a test replaces it.</summary>
    public Func<Snapshot, TranslatorOptions, TranslationResult>? Translate { get; set; }

    /// <summary>
    /// The cluster: always there, since every status is written by its sharded entities. With no peers a replica forms
    /// its own one-node cluster; <see cref="GatewayClusterOptions.Standalone"/> (--no-cluster) makes that one that no
    /// other replica can join.
    /// </summary>
    public GatewayClusterOptions Cluster { get; set; } = new();

    /// <summary>The clock (tests may use a fake one).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>
    /// Kubernetes mode (--source kubernetes): read from the API server, write status through it and provision a Service
    /// per Gateway. Null (the default) is file mode.
    /// </summary>
    public Kubernetes.KubernetesHostOptions? Kubernetes { get; set; }

    /// <summary>Where access log lines go (--access-log): a file appended to, "-" for stdout; null (the default) writes none.</summary>
    public string? AccessLog { get; set; }

    /// <summary>The OTLP/HTTP collector the data plane's spans are exported to (--otlp-endpoint); null (the default) records none.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How long spans are batched before an export (tests shorten it).</summary>
    public TimeSpan? TraceExportDelay { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting (see <see cref="Errors"/>).</summary>
    public void Validate() => OptionsError.ThrowIfAny(Errors());

    /// <summary>
    /// Every invalid setting, the cluster's and Kubernetes mode's included. The one place these rules live: the command
    /// line converts text to values and reports what this returns.
    /// </summary>
    public IReadOnlyList<OptionsError> Errors()
    {
        var errors = new List<OptionsError>();
        if (Kubernetes is null && ManifestDirectories.Count == 0) errors.Add(new("--manifests", "at least one manifest directory is required"));
        errors.AddRange(TranslatorErrors(ControllerName, AddressPool));
        if (!AddressPools.TryParse(MeshClusterIpRange, out _, out var meshRangeError)) errors.Add(new("--mesh-cluster-ip-range", meshRangeError));
        if (Coalescing.Window < TimeSpan.Zero) errors.Add(new("--coalesce-window", $"{Milliseconds(Coalescing.Window)} is negative"));
        else if (Coalescing.MaxDelay < Coalescing.Window)
            errors.Add(new("--coalesce-window", $"coalescing needs window <= max delay (window {Milliseconds(Coalescing.Window)}, --coalesce-max-delay {Milliseconds(Coalescing.MaxDelay)})"));
        if (RescanInterval <= TimeSpan.Zero) errors.Add(new("--rescan-interval", $"{Milliseconds(RescanInterval)} is not positive"));
        if (ShutdownTimeout < TimeSpan.Zero) errors.Add(new("--shutdown-timeout", $"{Milliseconds(ShutdownTimeout)} is negative"));
        if (AccessLog is { } accessLog && accessLog != "-" && Path.GetDirectoryName(Path.GetFullPath(accessLog)) is { } logDir && !Directory.Exists(logDir))
            errors.Add(new("--access-log", $"directory \"{logDir}\" does not exist"));
        if (OtlpEndpoint is { } otlp && Observability.Tracing.GatewayTracing.Problem(otlp.OriginalString) is { } otlpProblem) errors.Add(new("--otlp-endpoint", $"\"{otlp.OriginalString}\" {otlpProblem}"));
        if (Kubernetes is not null) errors.AddRange(Kubernetes.Errors());
        errors.AddRange(Cluster.Errors());
        return errors;
    }

    /// <summary>The rules of the two settings the translator takes (the translate command has only these).</summary>
    public static IEnumerable<OptionsError> TranslatorErrors(string controllerName, string addressPool)
    {
        if (!ControllerNames.IsValid(controllerName))
            yield return new("--controller-name", $"\"{controllerName}\" is not a domain-prefixed path (example: {TranslatorOptions.DefaultControllerName})");
        if (!AddressPools.TryParse(addressPool, out _, out var poolError)) yield return new("--address-pool", poolError);
    }

    private static string Milliseconds(TimeSpan value) => $"{value.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}ms";
}
