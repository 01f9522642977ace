using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gateway.Emulators;
using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Judges;

namespace Gateway.Conformance.Tests.Harness;

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

    /// <summary>
    /// The conformance profiles run (upstream --conformance-profiles); their core features are enabled implicitly and
    /// the report has one section each. Default: the five Gateway profiles.
    /// </summary>
    public IReadOnlyList<ConformanceProfile> Profiles { get; init; } = ConformanceProfiles.All;
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
    private readonly IReadOnlyDictionary<string, IReadOnlyList<GrpcCase>> _grpcCases;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<StreamCase>> _streamCases;
    private readonly BackendEmulator _emulator;
    private readonly ConformanceWorkspace _workspace;
    private readonly ConformanceRunOptions _options;
    private IGatewayUnderTest? _gateway;

    private ConformanceRunner(ConformanceRunOptions options, ConformanceWorkspace workspace, BackendEmulator emulator, string casesJson)
    {
        _options = options;
        _workspace = workspace;
        _emulator = emulator;
        _cases = HttpCaseLoader.Load(casesJson);
        _specials = SpecialCaseLoader.Load(casesJson);
        _grpcCases = GrpcCaseLoader.Load(casesJson);
        _streamCases = StreamCaseLoader.Load(casesJson);
        Status = new WorkspaceStatusReader(new StatusDirectoryReader(workspace.StatusDirectory), workspace, emulator);
    }

    public IStatusReader Status { get; }

    /// <summary>The profiles run (their core features are supported implicitly; the report has one section each).</summary>
    public IReadOnlyList<ConformanceProfile> Profiles => _options.Profiles;

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
        var runner = new ConformanceRunner(options, workspace, emulator, casesJson);
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
        foreach (var profile in _options.Profiles) features.UnionWith(profile.Core);
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
        var protocols = new ProtocolCaseRunner(_options.Timeouts, SystemConformanceClock.Instance, Certificate) { MaxEntropyDelay = _options.MaxEntropyDelay };
        try
        {
            await _workspace.ApplyAsync(test, ct).ConfigureAwait(false);
            if (test.BodySkipped(SupportedFeatures) is { } skipped)
            {
                // As upstream: the manifests are applied, then the test function returns, and the test passes.
                details.Add($"ok: body not run: {skipped}");
                return new(test, TestResultKind.Passed, details, watch.Elapsed);
            }
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
                        failed |= !await RunSpecialAsync(test, special, protocols, details, ct).ConfigureAwait(false);
                        break;
                    case GrpcRequestsStep grpc:
                        failed |= !await RunGrpcCasesAsync(test, grpc, details, ct).ConfigureAwait(false);
                        break;
                    case StreamsStep streams:
                        failed |= !await RunStreamCasesAsync(test, streams, protocols, details, ct).ConfigureAwait(false);
                        break;
                    case WaitStep wait:
                        await Task.Delay(wait.Delay, ct).ConfigureAwait(false);
                        details.Add($"waited {wait.Delay.TotalSeconds:0.#}s: {wait.Reason}");
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

    private Task<bool> RunCasesAsync(CatalogTest test, RequestsStep step, HttpCaseRunner http, List<string> details, CancellationToken ct) =>
        RunEachAsync(_cases.GetValueOrDefault(test.Name) ?? [], step.Indexes, c => c.Name, c => c.Target, http.RunAsync, details, ct);

    /// <summary>
    /// Runs the selected cases against their Gateway's status address, each judged on its own: every case is a subtest
    /// upstream, so a failing case does not stop the others.
    /// </summary>
    private async Task<bool> RunEachAsync<TCase>(IReadOnlyList<TCase> cases, IReadOnlyList<int>? indexes, Func<TCase, string> name, Func<TCase, HttpCaseTarget> target,
        Func<TCase, IPAddress, CancellationToken, Task<JudgeResult>> run, List<string> details, CancellationToken ct)
    {
        var selected = indexes is null ? cases : indexes.Select(i => cases[i]).ToList();
        var allPassed = true;
        foreach (var c in selected)
        {
            if (GatewayAddress(target(c)) is not { } ip)
            {
                details.Add($"FAILED: {name(c)}: Gateway {target(c).GatewayNamespace}/{target(c).GatewayName} has no usable address in status");
                allPassed = false;
                continue;
            }
            var result = await run(c, ip, ct).ConfigureAwait(false);
            details.Add($"{(result.Passed ? "ok" : "FAILED")}: {name(c)}: {result.Detail}");
            allPassed &= result.Passed;
        }
        return allPassed;
    }

    private async Task<bool> RunSpecialAsync(CatalogTest test, SpecialCaseRunner runner, ProtocolCaseRunner protocols, List<string> details, CancellationToken ct)
    {
        if (!_specials.TryGetValue(test.Name, out var special)) throw new InvalidOperationException($"cases.json has no special case for {test.Name}");
        if (GatewayAddress(special.Target) is not { } ip)
        {
            details.Add($"FAILED: Gateway {special.Target.GatewayNamespace}/{special.Target.GatewayName} has no usable address in status");
            return false;
        }
        var results = special is GrpcWeightedCase or TcpWeightedCase or UdpWeightedCase or UdpEchoCase or UdpDnsCase or TcpOldestRouteWinsCase
            ? await protocols.RunSpecialAsync(special, _grpcCases.GetValueOrDefault(test.Name) ?? [],
                listener => _workspace.ListenerPort(special.Target.GatewayNamespace, special.Target.GatewayName, listener), ip, ct).ConfigureAwait(false)
            : await runner.RunAsync(special, _cases.GetValueOrDefault(test.Name) ?? [], ip, ct).ConfigureAwait(false);
        foreach (var r in results) details.Add($"{(r.Result.Passed ? "ok" : "FAILED")}: {r.Name}: {r.Result.Detail}");
        return results.Count > 0 && results.All(r => r.Result.Passed);
    }

    private Task<bool> RunGrpcCasesAsync(CatalogTest test, GrpcRequestsStep step, List<string> details, CancellationToken ct) =>
        RunEachAsync(_grpcCases.GetValueOrDefault(test.Name) ?? [], step.Indexes, c => c.Name, c => c.Target,
            new GrpcCaseRunner(_options.Timeouts, SystemConformanceClock.Instance).RunAsync, details, ct);

    private Task<bool> RunStreamCasesAsync(CatalogTest test, StreamsStep step, ProtocolCaseRunner runner, List<string> details, CancellationToken ct) =>
        RunEachAsync(_streamCases.GetValueOrDefault(test.Name) ?? [], step.Indexes, c => c.Name, c => c.Target, runner.RunStreamAsync, details, ct);

    /// <summary>The Gateway's first typed status address (upstream's WaitForGatewayAddress), or null.</summary>
    private IPAddress? GatewayAddress(HttpCaseTarget target)
    {
        var address = Status.Gateway(target.GatewayNamespace, target.GatewayName)?.Status?.Addresses?.FirstOrDefault(a => a.Type is not null)?.Value;
        return address is not null && IPAddress.TryParse(address, out var ip) ? ip : null;
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
        // ContainerCreating; a Deployment the emulator cannot run (an image it does not know, a Corefile it cannot
        // read) has no Ready pod either. Every image of the Gateway-side manifests is emulated.
        public IReadOnlyList<string> UnreadyPods(string ns) =>
            emulator.NotEmulated.Where(d => d.Namespace == ns).Select(d => d.ToString()).ToList();
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
