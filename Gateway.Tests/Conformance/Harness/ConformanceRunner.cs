using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gateway.Host.Backends;
using Gateway.Tests.Conformance.Catalog;
using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Harness;

/// <summary>Upstream's result kinds (conformance/utils/suite/reports.go); not-judged tests are reported as skipped.</summary>
public enum TestResultKind
{
    Passed,
    Failed,
    Skipped,
    NotSupported,
}

/// <summary>The result of one catalog test, with the reason of each failure.</summary>
public sealed record TestOutcome(CatalogTest Test, TestResultKind Result, IReadOnlyList<string> Details, TimeSpan Duration);

/// <summary>Options of a conformance run.</summary>
public sealed record ConformanceRunOptions
{
    public string GatewayClassName { get; init; } = "gateway-conformance";
    public string ControllerName { get; init; } = "gateway.example.dev/conformance";
    public string GatewayAddressPool { get; init; } = "127.30.0.0/24";
    public string BackendAddressPool { get; init; } = "127.20.0.0/16";
    public ConformanceTimeouts Timeouts { get; init; } = new();

    /// <summary>Supported features; null reads GatewayClass status.supportedFeatures, as the suite does without flags.</summary>
    public IReadOnlySet<string>? SupportedFeatures { get; init; }

    /// <summary>Where the work directory goes (a fresh temp folder when null).</summary>
    public string? WorkRoot { get; init; }

    /// <summary>
    /// suite.UsableNetworkAddresses for GatewayStaticAddresses: addresses the gateway can bind. A loopback address
    /// outside the Gateway address pool, so it collides with no allocated Gateway address.
    /// </summary>
    public IReadOnlyList<string> UsableAddresses { get; init; } = ["127.31.0.10"];

    /// <summary>suite.UnusableNetworkAddresses: TEST-NET-1 (RFC 5737), never assigned to a local interface.</summary>
    public IReadOnlyList<string> UnusableAddresses { get; init; } = ["192.0.2.1"];

    /// <summary>Upper bound of the random delay before each weighted sample (upstream AddEntropy: 1 s).</summary>
    public TimeSpan MaxEntropyDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Runs catalog tests against one gateway instance, sequentially, like the suite: Setup (base manifests, GatewayClass
/// accepted, base Gateways ready), then per test apply, steps, cleanup. Each test runs at most once; results are kept
/// for the report.
/// </summary>
public sealed class ConformanceRunner : IAsyncDisposable
{
    private readonly Dictionary<string, TestOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sequential = new(1, 1);
    private readonly IReadOnlyDictionary<string, IReadOnlyList<HttpCase>> _cases;
    private readonly IReadOnlyDictionary<string, SpecialCase> _specials;
    private readonly BackendEmulator _emulator;
    private readonly ConformanceWorkspace _workspace;
    private readonly ConformanceRunOptions _options;
    private IGatewayUnderTest? _gateway;

    private ConformanceRunner(ConformanceRunOptions options, ConformanceWorkspace workspace, BackendEmulator emulator, IReadOnlyDictionary<string, IReadOnlyList<HttpCase>> cases, IReadOnlyDictionary<string, SpecialCase> specials)
    {
        _options = options;
        _workspace = workspace;
        _emulator = emulator;
        _cases = cases;
        _specials = specials;
        Status = new WorkspaceStatusReader(new StatusDirectoryReader(workspace.StatusDirectory), workspace, emulator);
    }

    public IStatusReader Status { get; }

    /// <summary>Features the run treats as supported (profile core features included).</summary>
    public IReadOnlySet<string> SupportedFeatures { get; private set; } = new HashSet<string>();

    /// <summary>The outcomes so far, by test name.</summary>
    public IReadOnlyList<TestOutcome> Outcomes
    {
        get
        {
            lock (_outcomes) return _outcomes.Values.OrderBy(o => o.Test.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Sets up the base environment and starts the gateway through <see cref="GatewayUnderTest.Factory"/>.</summary>
    public static async Task<ConformanceRunner> StartAsync(ConformanceRunOptions options, string conformanceDir, CancellationToken ct)
    {
        var root = options.WorkRoot ?? Path.Combine(Path.GetTempPath(), "gateway-conformance-" + Guid.NewGuid().ToString("N"));
        var emulator = new BackendEmulator(new BackendEmulatorOptions { AddressPool = options.BackendAddressPool });
        var workspace = new ConformanceWorkspace(root, conformanceDir, options.GatewayClassName, options.ControllerName, ConformanceCertificates.Generate(), emulator,
            options.UsableAddresses, options.UnusableAddresses);
        var casesJson = Path.Combine(conformanceDir, "cases.json");
        var runner = new ConformanceRunner(options, workspace, emulator, HttpCaseLoader.Load(casesJson), SpecialCaseLoader.Load(casesJson));
        try
        {
            await workspace.SetUpBaseAsync(ct).ConfigureAwait(false);
            runner._gateway = await GatewayUnderTest.Factory(
                new GatewayUnderTestOptions(workspace.ManifestDirectories, workspace.StatusDirectory, options.ControllerName, options.GatewayAddressPool), ct).ConfigureAwait(false);
            await runner.AwaitSetupAsync(ct).ConfigureAwait(false);
            return runner;
        }
        catch
        {
            await runner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task AwaitSetupAsync(CancellationToken ct)
    {
        var judge = new StatusJudge(Status, _options.ControllerName, _options.Timeouts, SystemConformanceClock.Instance);
        var accepted = await judge.WaitAsync(new GatewayClassAcceptedTrue(_options.GatewayClassName), ct).ConfigureAwait(false);
        if (!accepted.Passed) throw new InvalidOperationException($"setup: GatewayClass {_options.GatewayClassName} not accepted: {accepted.Detail}");
        var features = new HashSet<string>(_options.SupportedFeatures
            ?? Status.GatewayClass(_options.GatewayClassName)?.Status?.SupportedFeatures?.Select(f => f.Name) ?? [], StringComparer.Ordinal);
        // Selecting a profile enables its core features implicitly.
        features.UnionWith(ConformanceProfiles.GatewayHttpCore);
        SupportedFeatures = features;
        // The suite's Setup gate: every Gateway and Pod of the base namespaces ready.
        var ready = await judge.WaitAsync(new NamespacesMustBeReady([ConformanceCertificates.Infra, ConformanceCertificates.AppBackend, ConformanceCertificates.WebBackend]), ct).ConfigureAwait(false);
        if (!ready.Passed) throw new InvalidOperationException($"setup: base namespaces not ready: {ready.Detail}");
    }

    /// <summary>Runs <paramref name="test"/> (once; later calls return the recorded outcome).</summary>
    public async Task<TestOutcome> RunAsync(CatalogTest test, CancellationToken ct)
    {
        await _sequential.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            lock (_outcomes)
            {
                if (_outcomes.TryGetValue(test.Name, out var done)) return done;
            }
            var outcome = await RunOnceAsync(test, ct).ConfigureAwait(false);
            lock (_outcomes) _outcomes[test.Name] = outcome;
            return outcome;
        }
        finally
        {
            _sequential.Release();
        }
    }

    private async Task<TestOutcome> RunOnceAsync(CatalogTest test, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        // As upstream: a test whose features are not all supported is not run at all (and counted nowhere); only a test
        // we would run but cannot judge here is a skip.
        var missing = test.Features.Where(f => !SupportedFeatures.Contains(f)).ToList();
        if (missing.Count > 0) return new(test, TestResultKind.NotSupported, [$"suite does not support {string.Join(", ", missing)}"], TimeSpan.Zero);
        if (test.NotJudged is { } reason) return new(test, TestResultKind.Skipped, [$"not judged: {reason}"], TimeSpan.Zero);

        var details = new List<string>();
        var failed = false;
        var judge = new StatusJudge(Status, _options.ControllerName, _options.Timeouts, SystemConformanceClock.Instance);
        var logs = new EmulatorPodLogs(_emulator);
        var http = new HttpCaseRunner(new HttpClientRoundTripper(), _options.Timeouts, SystemConformanceClock.Instance, Certificate, logs);
        var special = new SpecialCaseRunner(new HttpClientRoundTripper(), _options.Timeouts, SystemConformanceClock.Instance, Certificate, logs) { MaxEntropyDelay = _options.MaxEntropyDelay };
        try
        {
            await _workspace.ApplyAsync(test, ct).ConfigureAwait(false);
            foreach (var step in test.Steps)
            {
                switch (step)
                {
                    case CheckStep check:
                        var result = await judge.WaitAsync(Resolve(check.Check), ct).ConfigureAwait(false);
                        details.Add($"{(result.Passed ? "ok" : "FAILED")}: {result.Detail}");
                        // Status assertions are fatal in the Go tests (require): the test stops here.
                        if (!result.Passed) return new(test, TestResultKind.Failed, details, watch.Elapsed);
                        break;
                    case RequestsStep requests:
                        failed |= !await RunCasesAsync(test, requests, http, details, ct).ConfigureAwait(false);
                        break;
                    case EditManifestStep edit:
                        await _workspace.EditAsync(edit, ct).ConfigureAwait(false);
                        details.Add($"changed: {edit.Description}");
                        break;
                    case DeleteObjectStep delete:
                        await _workspace.DeleteAsync(delete, ct).ConfigureAwait(false);
                        details.Add($"deleted: {delete.Kind} {delete.Namespace}/{delete.Name}");
                        break;
                    case SpecialRequestsStep:
                        failed |= !await RunSpecialAsync(test, special, details, ct).ConfigureAwait(false);
                        break;
                    case PatchEndpointSlicesStep patch:
                        var podIps = _emulator.Pods.Where(p => p.Namespace == patch.Namespace && p.Plan.Deployment == patch.Deployment)
                            .Select(p => new PodIp(p.Namespace, p.Name, p.Address)).ToList();
                        // The suite requires the Deployment to have running Pods before it patches.
                        if (podIps.Count == 0) throw new InvalidOperationException($"Deployment {patch.Namespace}/{patch.Deployment} has no running Pods to patch into the EndpointSlices");
                        await _workspace.PatchEndpointSlicesAsync(patch, podIps, ct).ConfigureAwait(false);
                        details.Add($"patched EndpointSlices {string.Join(", ", patch.SlicePrefixes)} with {patch.Deployment} pod IPs [{string.Join(", ", podIps.Select(p => p.Address))}]");
                        break;
                    case WriteObjectStep write:
                        await _workspace.WriteObjectAsync(write, ct).ConfigureAwait(false);
                        details.Add($"changed: {write.Description}");
                        break;
                }
            }
            return new(test, failed ? TestResultKind.Failed : TestResultKind.Passed, details, watch.Elapsed);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or NotSupportedException)
        {
            details.Add($"FAILED: {e.Message}");
            return new(test, TestResultKind.Failed, details, watch.Elapsed);
        }
        finally
        {
            await _workspace.CleanUpTestAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<bool> RunCasesAsync(CatalogTest test, RequestsStep step, HttpCaseRunner http, List<string> details, CancellationToken ct)
    {
        var cases = _cases.GetValueOrDefault(test.Name) ?? [];
        var selected = step.Indexes is null ? cases : step.Indexes.Select(i => cases[i]).ToList();
        var allPassed = true;
        foreach (var c in selected)
        {
            var address = Status.Gateway(c.Target.GatewayNamespace, c.Target.GatewayName)?.Status?.Addresses?.FirstOrDefault(a => a.Type is not null)?.Value;
            if (address is null || !IPAddress.TryParse(address, out var ip))
            {
                details.Add($"FAILED: {c.Name}: Gateway {c.Target.GatewayNamespace}/{c.Target.GatewayName} has no usable address in status ({address ?? "none"})");
                allPassed = false;
                continue;
            }
            // Each case is a subtest upstream: a failing case does not stop the others.
            var result = await http.RunAsync(c, ip, ct).ConfigureAwait(false);
            details.Add($"{(result.Passed ? "ok" : "FAILED")}: {c.Name}: {result.Detail}");
            allPassed &= result.Passed;
        }
        return allPassed;
    }

    private async Task<bool> RunSpecialAsync(CatalogTest test, SpecialCaseRunner runner, List<string> details, CancellationToken ct)
    {
        if (!_specials.TryGetValue(test.Name, out var special)) throw new InvalidOperationException($"cases.json has no special case for {test.Name}");
        var address = Status.Gateway(special.Target.GatewayNamespace, special.Target.GatewayName)?.Status?.Addresses?.FirstOrDefault(a => a.Type is not null)?.Value;
        if (address is null || !IPAddress.TryParse(address, out var ip))
        {
            details.Add($"FAILED: Gateway {special.Target.GatewayNamespace}/{special.Target.GatewayName} has no usable address in status ({address ?? "none"})");
            return false;
        }
        var results = await runner.RunAsync(special, _cases.GetValueOrDefault(test.Name) ?? [], ip, ct).ConfigureAwait(false);
        foreach (var r in results) details.Add($"{(r.Result.Passed ? "ok" : "FAILED")}: {r.Name}: {r.Result.Detail}");
        return results.Count > 0 && results.All(r => r.Result.Passed);
    }

    /// <summary>Replaces static address placeholders in a check with the run's pools (as the Gateway got them).</summary>
    private StatusCheck Resolve(StatusCheck check)
    {
        if (check is not GatewayStatusAddressesMustBe a) return check;
        IEnumerable<string> Pool(string value) => value switch
        {
            "PLACEHOLDER_USABLE_ADDRS" => _options.UsableAddresses,
            "PLACEHOLDER_UNUSABLE_ADDRS" => _options.UnusableAddresses,
            _ => [value],
        };
        return a with { Usable = Pool(a.Usable).First(), Removed = [.. a.Removed.SelectMany(Pool)] };
    }

    private X509Certificate2 Certificate(string namespacedName)
    {
        var slash = namespacedName.IndexOf('/', StringComparison.Ordinal);
        return _workspace.Certificates.Get(namespacedName[..slash], namespacedName[(slash + 1)..]).Certificate;
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _gateway.StopAsync(stop.Token).ConfigureAwait(false);
            await _gateway.DisposeAsync().ConfigureAwait(false);
        }
        await _emulator.DisposeAsync().ConfigureAwait(false);
        await _workspace.DisposeAsync().ConfigureAwait(false);
        _sequential.Dispose();
    }

    /// <summary>Mirror logs from the emulated pods of a Service.</summary>
    private sealed class EmulatorPodLogs(BackendEmulator emulator) : IPodLogSource
    {
        public IReadOnlyList<string> LinesSince(string ns, string service, DateTimeOffset since) =>
            emulator.PodsOfService(ns, service).SelectMany(p => p.LogSince(since)).Select(l => l.Line).ToList();
    }

    /// <summary>Status from the status directory; Gateways from the applied manifests and Pods from the emulator (the readiness gate).</summary>
    private sealed class WorkspaceStatusReader(StatusDirectoryReader status, ConformanceWorkspace workspace, BackendEmulator emulator) : IStatusReader, IClusterReader
    {
        public T? Get<T>(string kind, string ns, string name) where T : class => status.Get<T>(kind, ns, name);

        public IReadOnlyList<AppliedObject> Gateways(string ns) => workspace.Gateways(ns);

        // A pod waiting for a Secret or ConfigMap that does not exist yet is what Kubernetes keeps in
        // ContainerCreating; Deployments the emulator does not run (gRPC/TCP/UDP echo, CoreDNS) are not HTTP backends
        // of this profile and count as running, as they would in a cluster.
        public IReadOnlyList<string> UnreadyPods(string ns) =>
            emulator.NotEmulated.Where(d => d.Pending && d.Namespace == ns).Select(d => d.ToString()).ToList();
    }

    /// <summary>The suite's setup gate: GatewayClass Accepted=True with the current observedGeneration.</summary>
    private sealed record GatewayClassAcceptedTrue(string Name) : StatusCheck
    {
        public override TimeSpan Window(ConformanceTimeouts timeouts) => timeouts.GwcMustBeAccepted;

        public override StatusOutcome Evaluate(IStatusReader status, string controllerName)
        {
            var gc = status.GatewayClass(Name);
            var accepted = gc?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Accepted" && c.Status == "True");
            return gc is not null && accepted is not null && accepted.ObservedGeneration == gc.Metadata.Generation
                ? StatusOutcome.Passed
                : StatusOutcome.Waiting($"GatewayClass {Name} is not Accepted=True with the current generation");
        }

        public override string Describe() => $"GWCMustHaveAcceptedConditionTrue({Name})";
    }
}
